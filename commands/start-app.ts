import { defineCommand } from '../src/cli/command.js';

export default defineCommand({
  name: 'start_app',
  aliases: [],
  group: 'node',
  summary: 'Start the broker application again after stop_app',
  arguments: [],
  options: [],
  warrenOnly: { rabbitmqEquivalent: 'rabbitmqctl start_app' },
  async run(ctx) {
    ctx.out.banner('Starting warren application ...');
    await ctx.client.post('/api/warren/start_app');
  },
});
