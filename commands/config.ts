import { existsSync } from 'node:fs';
import { CliError, ExitCode } from '../src/cli/exit-codes.js';
import { defineCommand } from '../src/cli/command.js';
import type { Credential } from '../src/cli/config/resolve.js';
import { maskUrl } from '../src/cli/config/resolve.js';
import { configPath } from '../src/cli/config/config-file.js';

const MASK = '********';

function password(c: Credential): { password: string; password_from: string } {
  const p = c.password;
  if (p.from === 'value') return { password: p.value === '' ? '(empty)' : MASK, password_from: p.where };
  if (p.from === 'file') return { password: MASK, password_from: `${p.where}: ${p.file}` };
  return { password: '(asked on a terminal)', password_from: 'prompt' };
}

export default defineCommand({
  name: 'config',
  aliases: [],
  group: 'node',
  summary: 'Show the effective target: local daemon or RabbitMQ node, URLs, user, TLS files (password masked)',
  description:
    'Resolves --api-url, --url, -N/--node, --user, --password-file and the TLS options with the config file ($WARREN_CONFIG, else ' +
    '~/.config/warren/config.toml) and the WARREN_* environment variables, exactly as every other command does, and prints the result ' +
    'with where each setting came from. Nothing is contacted and no password is asked for or printed.',
  arguments: [{ name: 'action', description: 'show (the default)', required: false, complete: { words: ['show'] } }],
  options: [],
  async run(ctx, [action]) {
    if (action !== undefined && action !== 'show') throw new CliError(ExitCode.USAGE, `unknown config action '${action}' (use: show)`);
    const file = configPath(ctx.io.env);
    const target = ctx.target;
    const record: Record<string, string | boolean> = {};
    if (target.kind === 'local') {
      Object.assign(record, { target: 'local warren-server', socket: target.socketPath, data_dir: target.dataDir, vhost: ctx.vhost });
    } else {
      const api = target.apiCredential;
      const amqp = target.amqpCredential;
      Object.assign(record, {
        target: 'remote node (management API and AMQP)',
        node: target.node?.name ?? '',
        api_url: target.apiUrls.map(maskUrl).join(', '),
        api_url_from: target.apiUrlFrom,
        url: target.amqpUrls.map(maskUrl).join(', '),
        url_from: target.amqpUrlFrom,
        user: api.user,
        user_from: api.userFrom,
        ...password(api),
      });
      if (amqp !== api) {
        const p = password(amqp);
        Object.assign(record, { amqp_user: amqp.user, amqp_user_from: amqp.userFrom, amqp_password: p.password, amqp_password_from: p.password_from });
      }
      const tlsUsed = target.apiUrl.protocol === 'https:' || target.amqpUrl.protocol === 'amqps:';
      Object.assign(record, {
        vhost: ctx.vhost,
        tls_ca: target.tls.ca ?? (tlsUsed ? '(system CAs)' : ''),
        tls_cert: target.tls.cert ?? '',
        tls_key: target.tls.key ?? '',
        insecure: target.tls.insecure,
      });
    }
    record.config_file = existsSync(file) ? file : `${file} (none)`;
    ctx.out.banner('Effective target ...');
    await ctx.out.object(record);
  },
});
