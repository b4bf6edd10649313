import { defineCommand } from '../src/cli/command.js';
import { CliError, ExitCode } from '../src/cli/exit-codes.js';

const LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency', 'none'] as const;

export default defineCommand({
  name: 'set_log_level',
  aliases: [],
  group: 'node',
  summary: "Change the daemon's log level at run time (debug, info, notice, warning, error, critical, alert, emergency, none)",
  description:
    "Lines less severe than the level are no longer written (warren-server writes info, warning and error lines; debug and notice are accepted as RabbitMQ's names). It lasts until the daemon restarts (warren-server -q starts at warning). RabbitMQ 3.10's management API has no way to read or change the log level: on RabbitMQ use rabbitmqctl set_log_level on the node, or log.console.level / log.file.level in rabbitmq.conf; warrenctl exits 69 saying so.",
  arguments: [{ name: 'level', description: LEVELS.join(', '), required: true, complete: { words: LEVELS } }],
  options: [],
  warrenOnly: { rabbitmqEquivalent: 'rabbitmqctl set_log_level <level>' },
  async run(ctx, [level]) {
    if (!(LEVELS as readonly string[]).includes(level as string)) {
      throw new CliError(ExitCode.USAGE, `level ${level} is not supported. Try one of ${LEVELS.join(', ')}`);
    }
    ctx.out.banner(`Setting log level to "${level}" ...`);
    await ctx.client.put('/api/warren/log_level', { json: { level } });
  },
});
