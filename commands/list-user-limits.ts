import { seg } from '../src/cli/admin-client.js';
import { CliError, ExitCode } from '../src/cli/exit-codes.js';
import { listCommand } from '../src/cli/list-command.js';

const user = (o: Record<string, unknown>): string | undefined => (typeof o['user'] === 'string' ? (o['user'] as string) : undefined);

export default listCommand({
  name: 'list_user_limits',
  group: 'users',
  summary: 'List user limits: of one user (--user), or of every user: user limits',
  items: { items: { user: (o) => o.user, limits: (o) => o.value }, defaults: ['user', 'limits'], fields: { limits: ['value'] } },
  options: [
    { flags: '--user <username>', description: 'only this user' },
    { flags: '--global', description: 'every user (the default)' },
  ],
  path: (_ctx, _leading, options) => (typeof options['user'] === 'string' ? `/api/user-limits/${seg(options['user'])}` : '/api/user-limits'),
  banner: (_ctx, _leading, options) =>
    typeof options['user'] === 'string' ? `Listing limits for user "${options['user']}" ...` : 'Listing limits for all users ...',
  notFound: (_ctx, _leading, options) => new CliError(ExitCode.NO_USER, `user '${String(options['user'])}' does not exist`),
  vhostScoped: false,
  filter: (_ctx, rows) => rows.filter((r) => user(r) !== undefined),
});
