import { ApiError, seg } from '../src/cli/admin-client.js';
import { defineCommand } from '../src/cli/command.js';
import { CliError, ExitCode } from '../src/cli/exit-codes.js';
import { parseInfoItems, toRows, UNRESPONSIVE_QUEUE_ITEMS } from '../src/cli/info-items.js';
import { infoItemArgument } from '../src/cli/list-command.js';
import { noSuchVhost } from '../src/cli/lookups.js';

type Queue = Record<string, unknown>;

/** States in which a RabbitMQ queue answers (anything else: crashed, down, stopped, terminated, minority ...). */
const ANSWERING = new Set(['running', 'idle', 'flow']);

export default defineCommand({
  name: 'list_unresponsive_queues',
  aliases: [],
  group: 'observe',
  summary: 'List the queues of a virtual host (-p) that do not answer within --queue-timeout',
  description:
    "On warren, every queue lives on the daemon's one event loop: the daemon asks each queue for its info in a turn of that loop and lists those whose answer came later than --queue-timeout, which happens only when the loop was held up that long (then every queue asked meanwhile is listed); an empty list says the loop answered in time for each queue. On RabbitMQ, whose management API cannot ping a queue process, the queues the node reports in a state other than running (crashed, down, stopped, minority, ...) are listed; rabbitmqctl list_unresponsive_queues on the node pings each queue process. Columns: name (default), durable, auto_delete, arguments, pid (the queue's node), recoverable_slaves.",
  arguments: [infoItemArgument(UNRESPONSIVE_QUEUE_ITEMS)],
  options: [
    { flags: '--queue-timeout <seconds>', description: 'how long each queue has to answer', defaultValue: '15' },
    { flags: '--local', description: "only queues on the node answering the API (a warren node's are all local)" },
  ],
  async run(ctx, words, options) {
    const { columns, unknown } = parseInfoItems(UNRESPONSIVE_QUEUE_ITEMS, words);
    if (unknown.length)
      throw new CliError(
        ExitCode.USAGE,
        `info item(s) ${unknown.join(', ')} not supported by list_unresponsive_queues; use: ${Object.keys(UNRESPONSIVE_QUEUE_ITEMS.items).join(' ')}`,
      );
    const seconds = Number(options['queueTimeout'] ?? '15');
    if (!Number.isFinite(seconds) || seconds <= 0)
      throw new CliError(ExitCode.USAGE, `invalid --queue-timeout '${String(options['queueTimeout'])}': expected a positive number of seconds`);
    ctx.out.banner(`Listing unresponsive queues for vhost ${ctx.vhost} ...`);
    let queues: Queue[];
    try {
      if (await ctx.isWarren()) {
        queues = await ctx.client.get<Queue[]>(`/api/warren/unresponsive-queues/${seg(ctx.vhost)}`, {
          query: { queue_timeout: String(Math.round(seconds * 1000)) },
        });
      } else {
        const all = await ctx.client.get<Queue[]>(`/api/queues/${seg(ctx.vhost)}`, {
          query: { columns: 'name,durable,auto_delete,arguments,node,leader,state,recoverable_slaves' },
        });
        queues = all.filter((q) => q['state'] !== undefined && !ANSWERING.has(String(q['state'])));
        if (options['local'] === true) {
          const overview = await ctx.client.get<{ node?: string }>('/api/overview');
          queues = queues.filter((q) => (q['node'] ?? q['leader']) === overview.node);
        }
      }
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) throw noSuchVhost(ctx.vhost);
      throw e;
    }
    await ctx.out.list(columns, toRows(UNRESPONSIVE_QUEUE_ITEMS, columns, queues));
  },
});
