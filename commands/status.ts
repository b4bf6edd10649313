import { defineCommand } from '../src/cli/command.js';
import { rabbitmqStatus, statusRecord, warrenStatus } from '../src/cli/node-status.js';

export default defineCommand({
  name: 'status',
  aliases: [],
  group: 'node',
  summary: 'Show the node: version, pid, whether the app runs, uptime, listeners, memory, object counts',
  description: 'On warren from GET /api/warren/status; on RabbitMQ from /api/overview and /api/nodes. --formatter json prints the object as is.',
  arguments: [],
  options: [],
  async run(ctx) {
    ctx.out.banner(`Status of node at ${ctx.client.describe()} ...`);
    const status = (await ctx.isWarren()) ? await warrenStatus(ctx.client) : await rabbitmqStatus(ctx.client);
    if (ctx.out.isJson) ctx.out.json(status);
    else await ctx.out.object(statusRecord(status));
  },
});
