// Node-level views RabbitMQ's API has: GET /api/overview, /api/nodes[/{name}], the health checks
// and GET /api/aliveness-test/{v}.
import { availableParallelism } from 'node:os';
import type { Queue } from '../broker/queue.js';
import { EXCHANGE_TYPES } from '../broker/exchange.js';
import { NODE_NAME, brokerOf, vhostOr404, type ApiContext } from './context.js';
import { HttpError, notFound, ok, type ApiReply, type ApiRequest, type ListScope } from './http.js';
import { buildMessage } from './messages.js';
import type { Route } from './route.js';
import { totalRates } from './rates.js';

const ALIVENESS_QUEUE = 'aliveness-test';
const ALIVENESS_BODY = 'test_message';

/** Object and message totals; with a list scope (a management or policymaker user) only what it may see, as RabbitMQ. */
export function totals(
  ctx: ApiContext,
  scope?: ListScope,
): { connections: number; channels: number; consumers: number; exchanges: number; queues: number; ready: number; unacked: number } {
  const t = { connections: 0, channels: 0, consumers: 0, exchanges: 0, queues: 0, ready: 0, unacked: 0 };
  for (const c of ctx.server.connections) {
    if (scope?.user !== undefined && scope.user !== null && c.user?.name !== scope.user) continue;
    t.connections++;
    t.channels += c.channels.size;
    for (const ch of c.channels.values()) t.consumers += ch.consumers.size;
  }
  for (const v of brokerOf(ctx).vhosts.values()) {
    if (scope?.vhosts && !scope.vhosts.has(v.name)) continue;
    t.exchanges += v.exchanges.size;
    t.queues += v.queues.size;
    for (const q of v.queues.values()) {
      t.ready += q.messageCount;
      t.unacked += q.unackedCount;
    }
  }
  return t;
}

/** Every TCP port this node listens on: AMQP (while the app runs) and the API. */
export function listeners(ctx: ApiContext): { protocol: string; host: string; port: number }[] {
  const out: { protocol: string; host: string; port: number }[] = [];
  const amqp = ctx.server.address;
  if (ctx.server.appRunning && amqp) out.push({ protocol: 'amqp', host: amqp.host, port: amqp.port });
  out.push(...ctx.apiListeners());
  return out;
}

const exchangeTypes = EXCHANGE_TYPES.map((name) => ({ name, description: `AMQP ${name} exchange, as per the AMQP specification`, enabled: true }));

function overview(ctx: ApiContext, req: ApiRequest): Record<string, unknown> {
  const t = totals(ctx, req.scope);
  const rates = totalRates(ctx, req, null, [t.ready + t.unacked, t.ready, t.unacked]);
  return {
    management_version: ctx.version,
    rates_mode: ctx.stats ? 'basic' : 'none',
    statistics_db_event_queue: 0,
    sample_retention_policies: { global: [600, 3600, 28800, 86400], basic: [600, 3600], detailed: [600] },
    exchange_types: exchangeTypes,
    product_version: ctx.version,
    product_name: 'Warren',
    rabbitmq_version: ctx.version,
    cluster_name: NODE_NAME,
    node: NODE_NAME,
    disable_stats: false,
    message_stats: rates.message_stats,
    queue_totals: { messages: t.ready + t.unacked, messages_ready: t.ready, messages_unacknowledged: t.unacked, ...rates.depth },
    object_totals: { channels: t.channels, connections: t.connections, consumers: t.consumers, exchanges: t.exchanges, queues: t.queues },
    listeners: listeners(ctx).map((l) => ({ node: NODE_NAME, protocol: l.protocol, ip_address: l.host, port: l.port, socket_opts: {} })),
    contexts: [],
  };
}

function node(ctx: ApiContext): Record<string, unknown> {
  const alarms = ctx.server.monitor?.alarms;
  return {
    name: NODE_NAME,
    type: 'disc',
    running: ctx.server.appRunning,
    os_pid: String(process.pid),
    uptime: Date.now() - ctx.server.startedAt,
    mem_used: process.memoryUsage().rss,
    mem_alarm: alarms?.has('memory') ?? false,
    disk_free_alarm: alarms?.has('disk') ?? false,
    processors: availableParallelism(),
    partitions: [],
    exchange_types: exchangeTypes,
  };
}

function aliveness(ctx: ApiContext, vhostName: string | undefined): Record<string, unknown> {
  const vhost = vhostOr404(ctx, vhostName);
  // As RabbitMQ: declare aliveness-test, publish a message to it, and get it back.
  const q: Queue = vhost.declareQueue({ name: ALIVENESS_QUEUE, passive: false, durable: false, autoDelete: false, exclusiveOwner: null, arguments: {} }, '');
  q.enqueue(buildMessage('', ALIVENESS_QUEUE, {}, Buffer.from(ALIVENESS_BODY)));
  const envelope = q.take(false);
  if (!envelope) throw new HttpError(503, 'failed', 'aliveness test message was not received');
  return { status: 'ok' };
}

export const nodeRoutes: Route[] = [
  { method: 'GET', path: 'overview', handler: (ctx, req) => ok(overview(ctx, req)) },
  { method: 'GET', path: 'nodes', handler: (ctx) => ok([node(ctx)]) },
  {
    method: 'GET',
    path: 'nodes/:name',
    handler: (ctx, req) => {
      if (req.params['name'] !== NODE_NAME) throw notFound();
      return ok(node(ctx));
    },
  },
  { method: 'GET', path: 'health/checks/alarms', handler: alarmCheck },
  { method: 'GET', path: 'health/checks/local-alarms', handler: alarmCheck },
  { method: 'GET', path: 'health/checks/virtual-hosts', handler: () => ok({ status: 'ok' }) },
  {
    method: 'GET',
    path: 'health/checks/port-listener/:port',
    handler: (ctx, req) => {
      const port = Number(req.params['port']);
      const ports = listeners(ctx).map((l) => l.port);
      if (ports.includes(port)) return ok({ status: 'ok', port });
      return { status: 503, body: { status: 'failed', reason: 'No active listener', missing: port, ports } };
    },
  },
  {
    method: 'GET',
    path: 'health/checks/protocol-listener/:protocol',
    handler: (ctx, req) => {
      const protocol = req.params['protocol']!;
      const protocols = listeners(ctx).map((l) => l.protocol);
      if (protocols.includes(protocol)) return ok({ status: 'ok', protocol });
      return { status: 503, body: { status: 'failed', reason: 'No active listener', missing: protocol, protocols } };
    },
  },
  { method: 'GET', path: 'aliveness-test/:vhost', handler: (ctx, req) => ok(aliveness(ctx, req.params['vhost'])) },
];

/** RabbitMQ answers 503 with the alarms in effect, 200 when there are none. */
function alarmCheck(ctx: ApiContext): ApiReply {
  const alarms = [...(ctx.server.monitor?.alarms ?? [])];
  if (alarms.length === 0) return ok({ status: 'ok' });
  return {
    status: 503,
    body: { status: 'failed', reason: 'resource alarm(s) in effect in the cluster', alarms: alarms.map((resource) => ({ node: NODE_NAME, resource })) },
  };
}
