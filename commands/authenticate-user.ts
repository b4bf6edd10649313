import { CliError, ExitCode } from '../src/cli/exit-codes.js';
import { defineCommand } from '../src/cli/command.js';

export default defineCommand({
  name: 'authenticate_user',
  aliases: [],
  group: 'users',
  summary: "Check a user's password",
  description:
    "Sends GET /api/whoami with the user's credentials. Prints Success, or exits 65 when the credentials are refused, as rabbitmqctl does. " +
    'On RabbitMQ a user without a management tag is authenticated too (its 401 says "Not management user").',
  arguments: [
    { name: 'username', description: 'the user to check', required: true, complete: 'users' },
    { name: 'password', description: 'its password (prompted or read from stdin when omitted)', required: false },
  ],
  options: [],
  async run(ctx, [username, password]) {
    const name = username as string;
    const secret = await ctx.secret(password);
    ctx.out.banner(`Authenticating user "${name}" ...`);
    const res = await ctx.client.request('GET', '/api/whoami', { auth: { username: name, password: secret } });
    const reason = (res.body as { reason?: unknown } | undefined)?.reason;
    const authenticated = (res.status >= 200 && res.status < 300) || (res.status === 401 && typeof reason === 'string' && /not management user/i.test(reason));
    if (!authenticated) {
      if (res.status === 401 || res.status === 403) throw new CliError(ExitCode.DATA_ERROR, `authentication failed for user '${name}'`);
      throw new CliError(ExitCode.SOFTWARE, `unexpected HTTP ${res.status} from GET /api/whoami`);
    }
    ctx.out.line('Success');
  },
});
