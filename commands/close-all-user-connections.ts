import { defineCommand } from '../src/cli/command.js';
import { closeConnections } from '../src/cli/close-connections.js';
import { requireUser } from '../src/cli/lookups.js';

export default defineCommand({
  name: 'close_all_user_connections',
  aliases: [],
  group: 'connections',
  summary: 'Close every connection of a user, giving an explanation',
  arguments: [
    { name: 'username', description: 'an existing user', required: true, complete: 'users' },
    { name: 'explanation', description: 'reason sent to the clients in connection.close', required: true },
  ],
  options: [],
  async run(ctx, [username, explanation], options) {
    const user = username as string;
    await requireUser(ctx, user);
    ctx.out.banner(`Closing connections of user "${user}" ...`);
    await closeConnections(ctx, explanation as string, (c) => c.user === user, options);
  },
});
