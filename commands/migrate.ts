import { defineCommand } from '../src/cli/command.js';
import { CliError, ExitCode } from '../src/cli/exit-codes.js';
import { intOption, str } from '../src/cli/messaging/properties.js';
import { migrate } from '../src/cli/migrate/run.js';

export default defineCommand({
  name: 'migrate',
  aliases: [],
  group: 'definitions',
  summary: "Move a warren node's definitions and messages into a RabbitMQ cluster (dynamic shovels; re-runnable)",
  description:
    "Imports the warren node's users (with their password hashes), vhosts, permissions, policies, exchanges, queues and bindings into the cluster named by --to (optionally turning durable classic queues into quorum queues), then moves every queue's messages, properties, headers and bodies as they are, with RabbitMQ's shovel plugin: one dynamic shovel per queue, acking on warren only what the cluster confirmed. The shovels run in the cluster, so the move goes on if warrenctl stops, and running migrate again resumes and finishes it; a crash of either side loses nothing (messages in flight may arrive twice). Progress on stderr (JSON lines on stdout with --formatter json), then per-queue counts on both sides. The source is the usual target (the local daemon, or --api-url); -p restricts the move to one vhost. Needs rabbitmq_shovel (and rabbitmq_shovel_management for states) on the cluster.",
  arguments: [],
  options: [
    {
      flags: '--to <node>',
      description:
        'the destination: a node profile of the config file (a cluster: api_url as an array), or management API URL(s), e.g. http://user:pass@host:15672',
    },
    {
      flags: '--queue-type <type>',
      description: 'quorum: durable classic queues become quorum queues (priority queues stay classic); classic: as they are (default)',
      choices: ['quorum', 'classic'],
    },
    { flags: '--source-url <url>', description: "the warren node's AMQP URL as the cluster's nodes reach it (default amqp://guest:guest@ its listener)" },
    { flags: '--definitions-only', description: 'import the definitions, move no messages' },
    { flags: '--detach', description: 'declare the shovels and exit; the move goes on in the cluster (run migrate again to see it end)' },
    { flags: '--prefetch <n>', description: 'unconfirmed messages per shovel (default 1000)' },
    { flags: '--interval <seconds>', description: 'seconds between progress reports (default 1)' },
  ],
  async run(ctx, _args, options) {
    const to = str(options, 'to');
    if (to === undefined) throw new CliError(ExitCode.USAGE, 'migrate needs --to NODE-OR-URL (usage: warrenctl migrate --help)');
    const interval = intOption(options, 'interval', '--interval', { min: 1, max: 3600 }) ?? 1;
    const rows = await migrate(ctx, {
      to,
      ...(str(options, 'queueType') === 'quorum' ? { queueType: 'quorum' as const } : {}),
      ...(str(options, 'sourceUrl') !== undefined ? { sourceUrl: str(options, 'sourceUrl') as string } : {}),
      ...(ctx.globals.vhost !== undefined ? { vhost: ctx.globals.vhost } : {}),
      detach: options.detach === true,
      messages: options.definitionsOnly !== true,
      prefetch: intOption(options, 'prefetch', '--prefetch', { min: 1, max: 65535 }) ?? 1000,
      interval,
    });
    if (!ctx.out.isJson)
      await ctx.out.list(
        ['vhost', 'queue', 'type', 'source_at_start', 'source_messages', 'destination_messages', 'moved'],
        rows as unknown as Record<string, unknown>[],
      );
    const left = rows.filter((r) => r.source_messages > 0 && options.detach !== true && options.definitionsOnly !== true);
    if (left.length)
      throw new CliError(ExitCode.TEMP_FAIL, `${left.length} queue${left.length === 1 ? '' : 's'} still hold messages on the source: run migrate again`);
  },
});
