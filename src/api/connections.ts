// Connections, channels and consumers: GET /api/connections[/{name}], DELETE /api/connections/{name}
// (X-Reason header), GET /api/connections/{name}/channels, GET /api/channels[/{name}],
// GET /api/vhosts/{v}/{connections,channels}, GET /api/consumers[/{v}].
import { AmqpError, ReplyCode } from '../amqp/index.js';
import { vhostOr404, type ApiContext } from './context.js';
import { channelName, formatChannel, formatConnection, formatConsumer } from './format.js';
import { noContent, notFound, type ApiRequest } from './http.js';
import { listReply, objectReply } from './list.js';
import type { ConnectionView } from './read-model.js';
import { channelRates, connectionRates } from './rates.js';
import type { Route } from './route.js';

type Json = Record<string, unknown>;

/** RabbitMQ's explanation when the management API closes a connection without X-Reason. */
const DEFAULT_CLOSE_REASON = 'Closed via management plugin';

function connections(ctx: ApiContext, vhost?: string): ConnectionView[] {
  const all = [...ctx.server.connections];
  return vhost === undefined ? all : all.filter((c) => c.vhost?.name === vhost);
}

function connectionOr404(ctx: ApiContext, req: ApiRequest): ConnectionView {
  const c = ctx.server.findConnection(req.params['name']!);
  if (!c) throw notFound();
  return c;
}

function channelsOf(ctx: ApiContext, req: ApiRequest, list: ConnectionView[]): Json[] {
  return list.flatMap((c) => [...c.channels.values()].filter((ch) => !ch.closing).map((ch) => ({ ...formatChannel(c, ch), ...channelRates(ctx, req, ch) })));
}

export function consumersOf(list: ConnectionView[]): Json[] {
  return list.flatMap((c) => [...c.channels.values()].flatMap((ch) => [...ch.consumers.values()].map((consumer) => formatConsumer(c, ch, consumer))));
}

function connectionJson(ctx: ApiContext, req: ApiRequest, c: ConnectionView): Json {
  return { ...formatConnection(c), ...connectionRates(ctx, req, c) };
}

export const connectionRoutes: Route[] = [
  {
    method: 'GET',
    path: 'connections',
    handler: (ctx, req) =>
      listReply(
        req,
        connections(ctx).map((c) => connectionJson(ctx, req, c)),
        ['name'],
      ),
  },
  { method: 'GET', path: 'connections/:name', handler: (ctx, req) => objectReply(req, connectionJson(ctx, req, connectionOr404(ctx, req))) },
  {
    method: 'DELETE',
    path: 'connections/:name',
    handler: (ctx, req) => {
      const c = connectionOr404(ctx, req);
      const header = req.headers['x-reason'];
      const reason = (Array.isArray(header) ? header[0] : header) || DEFAULT_CLOSE_REASON;
      // The client sees "CONNECTION_FORCED - <reason>" with reply code 320.
      c.closeWith(new AmqpError(ReplyCode.CONNECTION_FORCED, reason));
      return noContent();
    },
  },
  { method: 'GET', path: 'connections/:name/channels', handler: (ctx, req) => listReply(req, channelsOf(ctx, req, [connectionOr404(ctx, req)]), ['name']) },
  {
    method: 'GET',
    path: 'vhosts/:vhost/connections',
    handler: (ctx, req) =>
      listReply(
        req,
        connections(ctx, vhostOr404(ctx, req.params['vhost']).name).map((c) => connectionJson(ctx, req, c)),
        ['name'],
      ),
  },
  { method: 'GET', path: 'channels', handler: (ctx, req) => listReply(req, channelsOf(ctx, req, connections(ctx)), ['name']) },
  {
    method: 'GET',
    path: 'channels/:name',
    handler: (ctx, req) => {
      const name = req.params['name']!;
      for (const c of ctx.server.connections) {
        for (const ch of c.channels.values())
          if (channelName(c, ch) === name) return objectReply(req, { ...formatChannel(c, ch), ...channelRates(ctx, req, ch) });
      }
      throw notFound();
    },
  },
  {
    method: 'GET',
    path: 'vhosts/:vhost/channels',
    handler: (ctx, req) => listReply(req, channelsOf(ctx, req, connections(ctx, vhostOr404(ctx, req.params['vhost']).name)), ['name']),
  },
  { method: 'GET', path: 'consumers', handler: (ctx, req) => listReply(req, consumersOf(connections(ctx))) },
  {
    method: 'GET',
    path: 'consumers/:vhost',
    handler: (ctx, req) => {
      const vhost = vhostOr404(ctx, req.params['vhost']).name;
      return listReply(
        req,
        consumersOf(connections(ctx)).filter((c) => (c['queue'] as Json)['vhost'] === vhost),
      );
    },
  },
];
