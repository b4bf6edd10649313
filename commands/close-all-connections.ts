import { defineCommand } from '../src/cli/command.js';
import { closeConnections } from '../src/cli/close-connections.js';

export default defineCommand({
  name: 'close_all_connections',
  aliases: [],
  group: 'connections',
  summary: 'Close every client connection of a virtual host (-p), or of the node with --global, giving an explanation',
  arguments: [{ name: 'explanation', description: 'reason sent to the clients in connection.close', required: true }],
  options: [
    { flags: '--global', description: 'every connection of the node, whatever its vhost' },
    { flags: '--limit <n>', description: 'close at most this many' },
  ],
  async run(ctx, [explanation], options) {
    const global = options.global === true;
    ctx.out.banner(global ? 'Closing all connections ...' : `Closing all connections in vhost ${ctx.vhost} ...`);
    await closeConnections(ctx, explanation as string, (c) => global || c.vhost === ctx.vhost, options);
  },
});
