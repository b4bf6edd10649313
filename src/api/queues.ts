// Queues: GET /api/queues[/{v}[/{q}]], PUT|DELETE /api/queues/{v}/{q}, DELETE .../contents (purge),
// POST .../get, GET .../bindings.
import type { Queue } from '../broker/queue.js';
import { DEFAULT_USER } from '../broker/broker.js';
import { Message, type Envelope } from '../broker/message.js';
import { managementOrigin, traceDeliver } from '../broker/trace.js';
import { consumersOf } from './connections.js';
import { checkNewQueueAccess } from '../broker/declare-access.js';
import { checkResourceAccess } from './authorisation.js';
import { brokerOf, vhostOr404, type ApiContext } from './context.js';
import { formatBinding, formatQueue, jsonToTable } from './format.js';
import { badRequest, bool, createdOrUpdated, int, jsonBody, noContent, notFound, ok, queryFlag, type ApiRequest } from './http.js';
import { listObjects, listReply, objectReply, type Lister } from './list.js';
import { encodePayload, propertiesToJson } from './messages.js';
import { queueRates } from './rates.js';
import type { Route } from './route.js';

export function queueJson(ctx: ApiContext, q: Queue, req: ApiRequest | null = null): Record<string, unknown> {
  const owner = q.options.exclusiveOwner === null ? undefined : ctx.server.findConnection(q.options.exclusiveOwner);
  return { ...formatQueue(q, owner), ...queueRates(ctx, req, q) };
}

/** Sort keys read straight from a queue (the rest need the formatted queue). */
function queueKey(ctx: ApiContext, q: Queue, key: string): { value: unknown } | undefined {
  switch (key) {
    case 'name':
      return { value: q.name };
    case 'vhost':
      return { value: q.vhost };
    case 'messages':
      return { value: q.messageCount + q.unackedCount };
    case 'messages_ready':
      return { value: q.messageCount };
    case 'messages_unacknowledged':
      return { value: q.unackedCount };
    case 'consumers':
      return { value: q.consumerCount };
    case 'message_bytes':
      return { value: q.readyBytes + q.unackedBytes };
    case 'durable':
      return { value: q.options.durable };
    case 'auto_delete':
      return { value: q.options.autoDelete };
    case 'policy':
      return { value: q.policy };
  }
  // message_stats.publish_details.rate and the like: from the sampler's series
  const m = /^message_stats\.([a-z_]+?)(_details\.rate)?$/.exec(key);
  if (m) {
    const field = m[1]!;
    const stats = q.stats as unknown as Record<string, number>;
    if (!m[2]) return field in stats ? { value: stats[field] } : undefined;
    const series = ctx.stats?.of(q);
    const i = series ? series.fields.indexOf(field) : -1;
    if (field === 'deliver_get' && series)
      return { value: ['deliver', 'deliver_no_ack', 'get', 'get_no_ack'].reduce((s, f) => s + series.rate(series.fields.indexOf(f)), 0) };
    if (series && i < 0) return undefined;
    return { value: series ? series.rate(i) : 0 };
  }
  return undefined;
}

function queueLister(ctx: ApiContext, req: ApiRequest): Lister<Queue> {
  return { name: (q) => q.name, vhost: (q) => q.vhost, format: (q) => queueJson(ctx, q, req), key: (q, key) => queueKey(ctx, q, key) };
}

function queueOr404(ctx: ApiContext, req: ApiRequest): Queue {
  const q = vhostOr404(ctx, req.params['vhost']).queues.get(req.params['name']!);
  if (!q) throw notFound();
  return q;
}

const ACK_MODES = ['ack_requeue_true', 'ack_requeue_false', 'reject_requeue_true', 'reject_requeue_false'] as const;
type AckMode = (typeof ACK_MODES)[number];

/** The next ready message; one on its way from disk is waited for (no synchronous read). */
async function takeReady(q: Queue): Promise<Envelope | undefined> {
  for (;;) {
    const envelope = q.take(true, false);
    if (envelope || !q.reading) return envelope;
    await new Promise<void>((resolve) => q.whenRead(resolve));
  }
}

/** POST /api/queues/{v}/{q}/get: takes up to `count` messages, then requeues or drops them. */
async function getMessages(ctx: ApiContext, req: ApiRequest): Promise<unknown[]> {
  const q = queueOr404(ctx, req);
  checkResourceAccess(ctx, req, (b, v, u) => b.checkAccess(v, u, 'read', 'queue', q.name), 'get');
  const body = jsonBody(req);
  const count = int(body, 'count', 1);
  if (count < 1) throw badRequest('count must be at least 1');
  const ackmode = body['ackmode'] ?? 'ack_requeue_true';
  if (!ACK_MODES.includes(ackmode as AckMode)) throw badRequest(`unknown ackmode '${String(ackmode)}' (expected ${ACK_MODES.join(', ')})`);
  const encoding = body['encoding'] ?? 'auto';
  if (encoding !== 'auto' && encoding !== 'base64') throw badRequest(`unknown encoding '${String(encoding)}' (expected auto or base64)`);
  const truncate = body['truncate'] === undefined || body['truncate'] === null ? null : int(body, 'truncate', 0);
  const requeue = (ackmode as AckMode).endsWith('requeue_true');

  const taken: Envelope[] = [];
  const out: unknown[] = [];
  const vhost = brokerOf(ctx).vhosts.get(q.vhost);
  const tracing = vhost?.tracing ? vhost : null;
  for (let i = 0; i < count; i++) {
    const envelope = await takeReady(q);
    if (!envelope) break;
    taken.push(envelope);
    if (tracing) traceDeliver(tracing, q, envelope, managementOrigin(req.user?.name ?? DEFAULT_USER));
    const m = envelope.message;
    out.push({
      payload_bytes: m.body.length,
      redelivered: envelope.redelivered,
      exchange: m.exchange,
      routing_key: m.routingKey,
      message_count: q.messageCount,
      properties: propertiesToJson(m.properties),
      ...encodePayload(m.body, encoding, truncate),
    });
  }
  // Settled only after all were taken, so a count above one never sees the same message twice. (A queue deleted
  // while a read from disk was awaited takes nothing back.)
  for (const envelope of taken) {
    if (requeue && !q.deleted) q.requeue(envelope);
    else q.settle(envelope);
  }
  if (requeue && taken.length > 0) q.drain();
  return out;
}

/**
 * POST /api/queues/{v}/{q}/move {"destination": "q2", "count": N} (warren-only; RabbitMQ's UI does
 * this with a shovel): moves up to `count` ready messages (all by default) to another queue of the
 * same vhost through the default exchange, keeping their properties. Answers {"moved": n}.
 */
async function moveMessages(ctx: ApiContext, req: ApiRequest): Promise<{ moved: number }> {
  const vhost = vhostOr404(ctx, req.params['vhost']);
  const q = queueOr404(ctx, req);
  const body = jsonBody(req);
  const destination = body['destination'];
  if (typeof destination !== 'string' || destination === '') throw badRequest('destination must be a queue name');
  if (destination === q.name) throw badRequest('destination must be another queue');
  if (!vhost.queues.has(destination)) throw badRequest(`no queue '${destination}' in vhost '${vhost.name}'`);
  // A get from the source and a publish to the destination.
  checkResourceAccess(ctx, req, (b, v, u) => {
    b.checkAccess(v, u, 'read', 'queue', q.name);
    b.checkAccess(v, u, 'write', 'queue', destination);
  });
  const count = body['count'] === undefined || body['count'] === null ? Infinity : int(body, 'count', 0);
  const exchange = vhost.exchange('');
  let moved = 0;
  while (moved < count) {
    const envelope = await takeReady(q);
    if (!envelope) break;
    const m = envelope.message;
    // A destination that turns it away (a length limit) leaves it where it was.
    if (vhost.publish(exchange, new Message('', destination, m.properties, m.header, m.body)).routed === 0) {
      q.requeue(envelope);
      q.drain();
      break;
    }
    q.settle(envelope);
    moved++;
  }
  return { moved };
}

export const queueRoutes: Route[] = [
  {
    method: 'GET',
    path: 'queues',
    handler: (ctx, req) => {
      const all = [...brokerOf(ctx).vhosts.values()].flatMap((v) => [...v.queues.values()]);
      return listObjects(req, all, queueLister(ctx, req), ['vhost', 'name']);
    },
  },
  {
    method: 'GET',
    path: 'queues/:vhost',
    handler: (ctx, req) => listObjects(req, vhostOr404(ctx, req.params['vhost']).queues.values(), queueLister(ctx, req), ['name']),
  },
  {
    method: 'GET',
    path: 'queues/:vhost/:name',
    handler: (ctx, req) => {
      const q = queueOr404(ctx, req);
      // As RabbitMQ, one queue also shows its consumers.
      const consumers =
        q.consumerCount === 0
          ? []
          : consumersOf([...ctx.server.connections]).filter((c) => {
              const cq = c['queue'] as { name: string; vhost: string };
              return cq.name === q.name && cq.vhost === q.vhost;
            });
      return objectReply(req, { ...queueJson(ctx, q, req), consumer_details: consumers });
    },
  },
  {
    method: 'PUT',
    path: 'queues/:vhost/:name',
    handler: (ctx, req) => {
      const vhost = vhostOr404(ctx, req.params['vhost']);
      const name = req.params['name']!;
      if (name === '') throw badRequest('queue name must not be empty');
      const body = jsonBody(req);
      const existed = vhost.queues.has(name);
      const args = jsonToTable(body['arguments']);
      // As queue.declare: configure on it, and for a new one its dead-letter exchange.
      checkResourceAccess(ctx, req, (b, v, u) => {
        b.checkAccess(v, u, 'configure', 'queue', name);
        if (!existed) checkNewQueueAccess(b, v, u, name, args);
      });
      // The API cannot declare exclusive queues (they belong to a connection).
      vhost.declareQueue(
        {
          name,
          passive: false,
          durable: bool(body, 'durable', false),
          autoDelete: bool(body, 'auto_delete', false),
          exclusiveOwner: null,
          arguments: args,
        },
        '',
      );
      return createdOrUpdated(existed);
    },
  },
  {
    method: 'DELETE',
    path: 'queues/:vhost/:name',
    handler: (ctx, req) => {
      const q = queueOr404(ctx, req);
      const vhost = vhostOr404(ctx, req.params['vhost']);
      checkResourceAccess(ctx, req, (b, v, u) => b.checkAccess(v, u, 'configure', 'queue', q.name));
      vhost.deleteQueue(q.name, null, queryFlag(req, 'if-unused'), queryFlag(req, 'if-empty'));
      return noContent();
    },
  },
  {
    method: 'DELETE',
    path: 'queues/:vhost/:name/contents',
    handler: (ctx, req) => {
      const q = queueOr404(ctx, req);
      checkResourceAccess(ctx, req, (b, v, u) => b.checkAccess(v, u, 'read', 'queue', q.name));
      q.purge();
      return noContent();
    },
  },
  { method: 'POST', path: 'queues/:vhost/:name/get', handler: async (ctx, req) => ok(await getMessages(ctx, req)) },
  { method: 'POST', path: 'queues/:vhost/:name/move', handler: async (ctx, req) => ok(await moveMessages(ctx, req)) },
  {
    method: 'GET',
    path: 'queues/:vhost/:name/bindings',
    handler: (ctx, req) => {
      const q = queueOr404(ctx, req);
      const vhost = vhostOr404(ctx, req.params['vhost']);
      const bindings = vhost.allBindings().filter((b) => b.destination === q);
      return listReply(
        req,
        bindings.map((b) => formatBinding(vhost.name, b)),
      );
    },
  },
];
