import { seg } from '../src/cli/admin-client.js';
import { CliError, ExitCode } from '../src/cli/exit-codes.js';
import { defineCommand } from '../src/cli/command.js';
import { requireUser, tagList } from '../src/cli/lookups.js';

export default defineCommand({
  name: 'change_password',
  aliases: [],
  group: 'users',
  summary: "Change a user's password",
  description: 'The new password comes from the argument, else a prompt on a terminal, else the first line of standard input.',
  arguments: [
    { name: 'username', description: 'an existing user', required: true, complete: 'users' },
    { name: 'new_password', description: 'the new password (prompted or read from stdin when omitted)', required: false },
  ],
  options: [],
  async run(ctx, [username, password]) {
    const name = username as string;
    const user = await requireUser(ctx, name);
    const secret = await ctx.secret(password, 'New password:');
    if (secret.length === 0) throw new CliError(ExitCode.DATA_ERROR, 'the password must not be empty (use clear_password to remove it)');
    ctx.out.banner(`Changing password for user "${name}" ...`);
    await ctx.client.put(`/api/users/${seg(name)}`, { json: { password: secret, tags: tagList(user.tags).join(',') } });
  },
});
