import { seg } from '../src/cli/admin-client.js';
import { CliError, ExitCode } from '../src/cli/exit-codes.js';
import { QUEUE_ITEMS } from '../src/cli/info-items.js';
import { listCommand } from '../src/cli/list-command.js';

type Queue = Record<string, unknown>;

/** A queue is online when its node (classic) or one of its members (quorum, stream) is running. */
function isOnline(q: Queue): boolean {
  if (Array.isArray(q['online'])) return q['online'].length > 0;
  const state = q['state'];
  return state === undefined || state === 'running' || state === 'idle' || state === 'flow';
}

export default listCommand({
  name: 'list_queues',
  summary: 'List queues in a virtual host (-p) with the chosen info items (default: name messages)',
  description:
    "Message counts come from the management API; RabbitMQ refreshes them every few seconds, warren at once. On a cluster, node is the queue's node (the leader for quorum and stream queues), members and online list its replicas. --online, --offline and --local filter as rabbitmqctl does.",
  items: QUEUE_ITEMS,
  options: [
    { flags: '--online', description: 'only queues whose node (or a member) is running' },
    { flags: '--offline', description: 'only queues whose node (and every member) is down' },
    { flags: '--local', description: 'only queues whose node (or leader) is the node answering the API' },
  ],
  path: (ctx) => `/api/queues/${seg(ctx.vhost)}`,
  banner: (ctx) => `Listing queues for vhost ${ctx.vhost} ...`,
  vhostScoped: true,
  filterFields: ['online', 'state', 'node', 'leader'],
  async filter(ctx, queues, options) {
    if (options['online'] === true && options['offline'] === true) throw new CliError(ExitCode.USAGE, '--online and --offline exclude each other');
    let out = queues;
    if (options['online'] === true) out = out.filter(isOnline);
    if (options['offline'] === true) out = out.filter((q) => !isOnline(q));
    if (options['local'] === true) {
      const overview = await ctx.client.get<{ node?: string }>('/api/overview');
      out = out.filter((q) => (q['node'] ?? q['leader']) === overview.node);
    }
    return out;
  },
});
