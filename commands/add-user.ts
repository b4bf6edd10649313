import { seg } from '../src/cli/admin-client.js';
import { CliError, ExitCode } from '../src/cli/exit-codes.js';
import { defineCommand } from '../src/cli/command.js';
import { getUser } from '../src/cli/lookups.js';

export default defineCommand({
  name: 'add_user',
  aliases: [],
  group: 'users',
  summary: 'Create a user with a password and no tags',
  description:
    'The password comes from the argument, else from a prompt on a terminal, else from the first line of standard input (keeps it out of ps). ' +
    'Fails with exit 70 when the user already exists, as rabbitmqctl does.',
  arguments: [
    { name: 'username', description: 'name of the new user', required: true },
    { name: 'password', description: 'its password (prompted or read from stdin when omitted)', required: false },
  ],
  options: [],
  async run(ctx, [username, password]) {
    const name = username as string;
    if (await getUser(ctx, name)) throw new CliError(ExitCode.SOFTWARE, `user '${name}' already exists`);
    const secret = await ctx.secret(password);
    if (secret.length === 0)
      throw new CliError(ExitCode.DATA_ERROR, 'the password must not be empty (create the user, then use clear_password for a user without one)');
    ctx.out.banner(`Adding user "${name}" ...`);
    await ctx.client.put(`/api/users/${seg(name)}`, { json: { password: secret, tags: '' } });
  },
});
