// Choosing a remote target without secrets on the command line: $WARREN_API_URL/$WARREN_USER/$WARREN_PASSWORD,
// -N profiles of a config file (password_file, vhost), --password-file, a prompt on a terminal, `config show`.
// One suite, two targets: warren's TCP API listener (--api-port) and a real RabbitMQ (RABBITMQ_API_URL).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WAIT_DEADLINE_MS } from '../helpers/wait.js';
import { ctlBin, projectRoot, startWarren, type Warren } from '../helpers/warren.js';
import { ctlMain } from '../helpers/ctl-main.js';
import { parseTsv, RABBITMQ_API_URL, uniqueName, type CtlOptions } from './ctl.js';

interface RemoteTarget {
  name: 'warren' | 'rabbitmq';
  /** management API URL without user info */
  apiUrl: string;
  /** AMQP URL without user info */
  amqpUrl: string;
  user: string;
  password: string;
  stop(): Promise<void>;
}

async function warrenTcp(): Promise<RemoteTarget> {
  const w: Warren = await startWarren({ args: ['--api-port', '0'] });
  if (!w.apiUrl) throw new Error(`no API listener:\n${w.output()}`);
  return {
    name: 'warren',
    apiUrl: w.apiUrl.replace(/\/$/, ''),
    amqpUrl: `amqp://${w.host}:${w.port}`,
    user: 'guest',
    password: 'guest',
    stop: async () => void (await w.stop()),
  };
}

function rabbitmq(): RemoteTarget {
  const api = new URL(RABBITMQ_API_URL as string);
  const amqpUrl = new URL(process.env.RABBITMQ_URL ?? `amqp://guest:guest@${api.hostname}:5672`);
  const user = decodeURIComponent(api.username || 'guest');
  const password = decodeURIComponent(api.password || 'guest');
  api.username = api.password = amqpUrl.username = amqpUrl.password = '';
  return { name: 'rabbitmq', apiUrl: api.href.replace(/\/$/, ''), amqpUrl: amqpUrl.href.replace(/\/$/, ''), user, password, stop: async () => {} };
}

if (!RABBITMQ_API_URL) console.warn('[e2e] RABBITMQ_API_URL is not set: skipping target profiles against RabbitMQ (CI sets it)');

const TARGETS = [
  { name: 'warren', skip: false, make: warrenTcp },
  { name: 'rabbitmq', skip: !RABBITMQ_API_URL, make: async () => rabbitmq() },
];

for (const { name: targetName, skip, make } of TARGETS) {
  describe.skipIf(skip)(`target profiles and credentials against ${targetName}`, () => {
    let t: RemoteTarget;
    let dir: string;
    const vhost = uniqueName('wctl-prof-vh');
    const queue = uniqueName('wctl-prof-q');
    const secretFile = () => join(dir, 'secret');
    /** a clean environment: no WARREN_* from the developer's shell, config in the temp dir */
    const run = (args: string[], env: NodeJS.ProcessEnv = {}, options: CtlOptions = {}) =>
      ctlMain(args, {
        ...options,
        env: { WARREN_CONFIG: join(dir, 'config.toml'), WARREN_NODE: '', WARREN_USER: '', WARREN_PASSWORD: '', WARREN_URL: '', ...env },
      });
    const viaEnv = () => ({ WARREN_API_URL: t.apiUrl, WARREN_USER: t.user, WARREN_PASSWORD: t.password });

    beforeAll(async () => {
      t = await make();
      dir = mkdtempSync(join(tmpdir(), 'warrenctl-profiles-'));
      writeFileSync(secretFile(), `${t.password}\nsecond line is ignored\n`, { mode: 0o600 });
      writeFileSync(
        join(dir, 'config.toml'),
        [
          `# profiles for ${targetName}`,
          `[nodes.main]`,
          `api_url = "${t.apiUrl}"   # inline comment`,
          `url = '${t.amqpUrl}'`,
          `user = "${t.user}"`,
          `password_file = "secret"`,
          `vhost = "${vhost}"`,
          '',
          '[nodes.nopass]',
          `api_url = "${t.apiUrl}"`,
          'user = "somebody"',
          '',
          '[nodes.wrong]',
          `api_url = "${t.apiUrl}"`,
          `user = "${t.user}"`,
          'password = "certainly-not-it"',
          '',
        ].join('\n'),
      );
      const made = await run(['add_vhost', vhost], viaEnv());
      expect(made.code, made.stderr).toBe(0);
      const granted = await run(['set_permissions', '-p', vhost, t.user, '.*', '.*', '.*'], viaEnv());
      expect(granted.code, granted.stderr).toBe(0);
      const conn = await amqp.connect(
        `${t.amqpUrl.replace('://', `://${encodeURIComponent(t.user)}:${encodeURIComponent(t.password)}@`)}/${encodeURIComponent(vhost)}`,
      );
      const ch = await conn.createChannel();
      await ch.assertQueue(queue, { durable: true });
      await conn.close();
    });

    afterAll(async () => {
      if (t) {
        await run(['-q', 'delete_vhost', vhost], viaEnv());
        await t.stop();
      }
      rmSync(dir, { recursive: true, force: true });
    });

    it('WARREN_API_URL + WARREN_USER + WARREN_PASSWORD select the node and log in', async () => {
      const r = await run(['list_vhosts'], viaEnv());
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe('Listing vhosts ...\n');
      expect(parseTsv(r.stdout).map((v) => v.name)).toEqual(expect.arrayContaining(['/', vhost]));
      // --socket/--data-dir mean the local daemon: the environment is then ignored
      const local = await run(['--data-dir', dir, '-q', 'config', 'show'], viaEnv());
      expect(parseTsv(local.stdout)).toContainEqual({ key: 'target', value: 'local warren-server' });
    });

    it('-N NAME: URL, user, password file and vhost from the profile; flags override it; WARREN_NODE names it too', async () => {
      const r = await run(['-N', 'main', 'list_queues', 'name', 'durable']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe(`Listing queues for vhost ${vhost} ...\n`);
      expect(parseTsv(r.stdout)).toEqual([{ name: queue, durable: 'true' }]);
      const root = await run(['--node', 'main', '-p', '/', '-q', 'list_queues', 'name']);
      expect(root.code, root.stderr).toBe(0);
      expect(parseTsv(root.stdout).map((q) => q.name)).not.toContain(queue);
      const byEnv = await run(['-q', 'list_queues', 'name'], { WARREN_NODE: 'main' });
      expect(parseTsv(byEnv.stdout)).toEqual([{ name: queue }]);
      // a flag beats the profile: a wrong password file fails
      writeFileSync(join(dir, 'bad-secret'), 'nope\n');
      const overridden = await run(['-N', 'main', '--password-file', join(dir, 'bad-secret'), '-q', 'list_users']);
      expect(overridden.code).toBe(77);
    });

    it('the AMQP side of the same profile (resolveAmqpTarget) connects to the profile vhost', async () => {
      const { resolveAmqpTarget } = (await import(join(projectRoot, 'dist/src/cli/target.js'))) as typeof import('../../src/cli/target.js');
      const io = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: { WARREN_CONFIG: join(dir, 'config.toml'), HOME: dir } };
      const target = await resolveAmqpTarget({ globals: { node: 'main' }, io });
      expect(target).toMatchObject({ vhost, node: 'main' });
      expect(target?.display).not.toContain(t.password === 'guest' ? ':guest@' : t.password);
      const conn = await amqp.connect(target!.url, target!.socketOptions);
      const ch = await conn.createChannel();
      expect((await ch.checkQueue(queue)).queue).toBe(queue);
      await conn.close();
    });

    it('config show: where each setting came from, the password masked whatever its source', async () => {
      const show = await run(['-N', 'main', '--formatter', 'json', 'config', 'show']);
      expect(show.code, show.stderr).toBe(0);
      const record = JSON.parse(show.stdout) as Record<string, unknown>;
      expect(record).toMatchObject({ node: 'main', api_url: t.apiUrl, url: t.amqpUrl, user: t.user, password: '********', vhost, insecure: false });
      expect(String(record.password_from)).toContain(join(dir, 'secret'));
      const sources: [string[], NodeJS.ProcessEnv][] = [
        [['config'], viaEnv()],
        [['--api-url', t.apiUrl.replace('://', `://${t.user}:${t.password}@`), 'config', 'show'], {}],
        [['--api-url', t.apiUrl, '--user', t.user, '--password-file', secretFile(), 'config'], {}],
      ];
      for (const [args, env] of sources) {
        const r = await run(['-q', ...args], env);
        expect(r.code, r.stderr).toBe(0);
        const rows = parseTsv(r.stdout);
        expect(rows).toContainEqual({ key: 'password', value: '********' });
        for (const row of rows.filter((x) => /password$|url$/.test(x.key ?? '')))
          expect(row.value).not.toContain(t.password === 'guest' ? ':guest@' : t.password);
      }
      expect((await run(['config', 'frobnicate'])).code).toBe(64);
    });

    it('errors: wrong password 77, no password off a terminal 64, unknown node and bad config 78, one line each', async () => {
      const cases: [string[], NodeJS.ProcessEnv, number, RegExp][] = [
        [['-N', 'wrong', 'list_users'], {}, 77, /^Error: the management API refused the credentials \(HTTP 401/],
        [['-N', 'nopass', 'list_users'], {}, 64, /^Error: no password for user 'somebody' .*WARREN_PASSWORD/],
        [['-N', 'nosuch', 'list_users'], {}, 78, /^Error: no node 'nosuch' in .*config\.toml \(known: main, nopass, wrong\)$/],
        [['-N', 'main', 'list_users'], { WARREN_CONFIG: join(dir, 'missing.toml') }, 78, /does not exist$/],
        [
          ['--api-url', t.apiUrl, '--user', t.user, '--password-file', join(dir, 'missing'), 'list_users'],
          {},
          78,
          /^Error: cannot read the password file .*missing \(--password-file\): ENOENT$/,
        ],
        [['--url', 'http://not-amqp', 'list_users'], {}, 64, /only amqp:\/\/ and amqps:\/\//],
      ];
      for (const [args, env, code, message] of cases) {
        const r = await run(['-q', ...args], env);
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(code);
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
        expect(r.stderr.trim()).toMatch(message);
      }
      writeFileSync(join(dir, 'broken.toml'), '[nodes.x]\napi_url = "http://h:15672"\nuser = unquoted\n');
      const broken = await run(['-N', 'x', '-q', 'list_users'], { WARREN_CONFIG: join(dir, 'broken.toml') });
      expect(broken.code).toBe(78);
      expect(broken.stderr).toBe(`Error: ${join(dir, 'broken.toml')}: line 3: unsupported value 'unquoted' (strings need quotes)\n`);
    });

    it.skipIf(!existsSync('/usr/bin/script'))('asks for the password on a terminal (and not with --yes)', async () => {
      const line = ['node', ctlBin, '--api-url', t.apiUrl, '--user', t.user, '-q', 'list_vhosts'].map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');
      const out = await new Promise<string>((resolve) => {
        const child = spawn('script', ['-qec', line, '/dev/null'], {
          env: { ...process.env, NO_COLOR: '1', WARREN_PASSWORD: '', WARREN_USER: '' },
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        let text = '';
        let answered = false;
        child.stdout.setEncoding('utf8').on('data', (d: string) => {
          text += d;
          if (!answered && text.includes('Password for')) {
            answered = true;
            child.stdin.write(`${t.password}\r`);
          }
        });
        const timer = setTimeout(() => child.kill('SIGKILL'), 2 * WAIT_DEADLINE_MS);
        child.on('close', () => {
          clearTimeout(timer);
          resolve(text);
        });
      });
      expect(out).toContain(`Password for ${t.user} at ${t.apiUrl}:`);
      expect(out).toContain(vhost);
      const never = await run(['--api-url', t.apiUrl, '--user', t.user, '-y', '-q', 'list_vhosts']);
      expect(never.code).toBe(64);
    });

    if (targetName === 'rabbitmq') {
      it('--url alone: the API URL is derived (same host, port 15672)', async () => {
        const r = await run(['--url', t.amqpUrl.replace('://', `://${t.user}:${t.password}@`), '-q', 'list_vhosts']);
        expect(r.code, r.stderr).toBe(0);
        expect(parseTsv(r.stdout).map((v) => v.name)).toContain(vhost);
      });
    }
  });
}
