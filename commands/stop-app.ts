import { defineCommand } from '../src/cli/command.js';

export default defineCommand({
  name: 'stop_app',
  aliases: [],
  group: 'node',
  summary: 'Stop the broker application (AMQP listener, queues); the daemon keeps answering warrenctl',
  arguments: [],
  options: [],
  warrenOnly: { rabbitmqEquivalent: 'rabbitmqctl stop_app' },
  async run(ctx) {
    ctx.out.banner('Stopping warren application ...');
    await ctx.client.post('/api/warren/stop_app');
  },
});
