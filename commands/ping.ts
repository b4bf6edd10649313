import { defineCommand } from '../src/cli/command.js';

export default defineCommand({
  name: 'ping',
  aliases: [],
  group: 'node',
  summary: 'Check that the daemon (or broker) answers; succeeds even when its app is stopped',
  arguments: [],
  options: [],
  async run(ctx) {
    ctx.out.banner(`Will ping the ${ctx.client.describe()}. This only checks that the daemon answers.`);
    if (await ctx.isWarren()) await ctx.client.get('/api/warren/status');
    else await ctx.client.get('/api/overview');
    ctx.out.line('Ping succeeded');
  },
});
