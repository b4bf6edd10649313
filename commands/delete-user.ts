import { seg } from '../src/cli/admin-client.js';
import { defineCommand } from '../src/cli/command.js';
import { whenStatus } from '../src/cli/context.js';
import { noSuchUser } from '../src/cli/lookups.js';

export default defineCommand({
  name: 'delete_user',
  aliases: [],
  group: 'users',
  summary: 'Delete a user and its permissions',
  arguments: [{ name: 'username', description: 'the user to delete', required: true, complete: 'users' }],
  options: [],
  async run(ctx, [username]) {
    const name = username as string;
    ctx.out.banner(`Deleting user "${name}" ...`);
    await ctx.client.delete(`/api/users/${seg(name)}`).catch((e: unknown) => whenStatus(e, [404], () => noSuchUser(name)));
  },
});
