import { CliError, ExitCode } from '../src/cli/exit-codes.js';
import { defineCommand } from '../src/cli/command.js';

export default defineCommand({
  name: 'force_reset',
  aliases: [],
  group: 'node',
  summary: 'Like reset, but also while the app is running',
  description: 'Asks for confirmation on a terminal unless --yes.',
  arguments: [],
  options: [],
  warrenOnly: { rabbitmqEquivalent: 'rabbitmqctl stop_app && rabbitmqctl force_reset' },
  async run(ctx) {
    if (!(await ctx.confirm('Force reset deletes every user, vhost, queue and message, even while running. Continue?'))) {
      throw new CliError(ExitCode.TEMP_FAIL, 'force_reset cancelled');
    }
    ctx.out.banner('Forcefully resetting warren ...');
    await ctx.client.post('/api/warren/force_reset');
  },
});
