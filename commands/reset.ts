import { ApiError } from '../src/cli/admin-client.js';
import { CliError, ExitCode } from '../src/cli/exit-codes.js';
import { defineCommand } from '../src/cli/command.js';

export default defineCommand({
  name: 'reset',
  aliases: [],
  group: 'node',
  summary: 'Return the node to a virgin state (only guest and /); requires stop_app first',
  description:
    'Deletes all users, virtual hosts, permissions, exchanges, queues and messages, then recreates the default user guest and vhost /. ' +
    'Refused while the app runs (exit 70, as rabbitmqctl). Asks for confirmation on a terminal unless --yes. Typical use: stop_app, reset, start_app.',
  arguments: [],
  options: [],
  warrenOnly: { rabbitmqEquivalent: 'rabbitmqctl stop_app && rabbitmqctl reset' },
  async run(ctx) {
    if (!(await ctx.confirm('Reset deletes every user, vhost, queue and message. Continue?'))) {
      throw new CliError(ExitCode.TEMP_FAIL, 'reset cancelled');
    }
    ctx.out.banner('Resetting warren ...');
    try {
      await ctx.client.post('/api/warren/reset');
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) {
        throw new CliError(ExitCode.SOFTWARE, 'the warren application is running; stop it first with `warrenctl stop_app` (or use force_reset)');
      }
      throw e;
    }
  },
});
