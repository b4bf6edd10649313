import { seg } from '../src/cli/admin-client.js';
import { defineCommand } from '../src/cli/command.js';
import { requireUser, tagList } from '../src/cli/lookups.js';

export default defineCommand({
  name: 'clear_password',
  aliases: [],
  group: 'users',
  summary: "Remove a user's password: it can no longer log in with one",
  arguments: [{ name: 'username', description: 'an existing user', required: true, complete: 'users' }],
  options: [],
  async run(ctx, [username]) {
    const name = username as string;
    const user = await requireUser(ctx, name);
    ctx.out.banner(`Clearing password for user "${name}" ...`);
    // management API: a PUT with neither password nor password_hash leaves the user without a password
    await ctx.client.put(`/api/users/${seg(name)}`, { json: { tags: tagList(user.tags).join(',') } });
  },
});
