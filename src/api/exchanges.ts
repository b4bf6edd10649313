// Exchanges and bindings: GET /api/exchanges[/{v}[/{x}]], PUT|DELETE /api/exchanges/{v}/{x},
// POST .../publish, GET .../bindings/{source,destination}; GET /api/bindings[/{v}],
// GET|POST /api/bindings/{v}/e/{x}/{q|e}/{dest}, GET|DELETE .../{props}.
import type { Binding, Bindable } from '../broker/binding.js';
import { DEFAULT_USER } from '../broker/broker.js';
import { checkNewExchangeAccess } from '../broker/declare-access.js';
import { defaultExchangeRefused } from '../broker/errors.js';
import type { Exchange } from '../broker/exchange.js';
import { managementOrigin, tracePublish } from '../broker/trace.js';
import type { Vhost } from '../broker/vhost.js';
import { checkResourceAccess } from './authorisation.js';
import { brokerOf, vhostOr404, type ApiContext } from './context.js';
import { formatBinding, formatExchange, jsonToTable, propertiesKey } from './format.js';
import { badRequest, bool, createdOrUpdated, jsonBody, noContent, notFound, obj, ok, queryFlag, str, type ApiRequest } from './http.js';
import { listReply, objectReply } from './list.js';
import { actedBy, actingUser } from './permissions.js';
import { buildMessage, decodePayload, jsonToProperties } from './messages.js';
import { exchangeRates } from './rates.js';
import type { Route } from './route.js';

/** The API names the default exchange "amq.default" in paths. */
function exchangeName(param: string | undefined): string {
  return param === 'amq.default' ? '' : (param ?? '');
}

function exchangeOr404(ctx: ApiContext, req: ApiRequest): { vhost: Vhost; exchange: Exchange } {
  const vhost = vhostOr404(ctx, req.params['vhost']);
  const exchange = vhost.exchanges.get(exchangeName(req.params['name']));
  if (!exchange) throw notFound();
  return { vhost, exchange };
}

function publish(ctx: ApiContext, req: ApiRequest): { routed: boolean } {
  const { vhost, exchange } = exchangeOr404(ctx, req);
  const body = jsonBody(req);
  if (body['payload'] === undefined) throw badRequest('payload is required');
  const routingKey = str(body, 'routing_key', '');
  // As basic.publish: write on the exchange, then its topic permissions.
  checkResourceAccess(
    ctx,
    req,
    (b, v, u) => {
      b.checkAccess(v, u, 'write', 'exchange', exchange.name);
      b.checkTopicAccess(v, u, exchange, 'write', routingKey);
    },
    'publish',
  );
  const message = buildMessage(exchange.name, routingKey, jsonToProperties(obj(body, 'properties')), decodePayload(body['payload'], body['payload_encoding']));
  if (exchange.options.internal) throw badRequest(`cannot publish to internal exchange '${exchange.name}' in vhost '${vhost.name}'`);
  if (vhost.tracing) tracePublish(vhost, message, managementOrigin(req.user?.name ?? DEFAULT_USER));
  return { routed: vhost.publish(exchange, message).routed > 0 };
}

function destinationOf(vhost: Vhost, kind: string, name: string): Bindable {
  const found = kind === 'q' ? vhost.queues.get(name) : vhost.exchanges.get(exchangeName(name));
  if (!found) throw notFound();
  return found;
}

interface BindingPath {
  vhost: Vhost;
  source: Exchange;
  destination: Bindable;
}

function bindingPath(ctx: ApiContext, req: ApiRequest, kind: 'q' | 'e'): BindingPath {
  const vhost = vhostOr404(ctx, req.params['vhost']);
  const source = vhost.exchanges.get(exchangeName(req.params['source']));
  if (!source) throw notFound();
  return { vhost, source, destination: destinationOf(vhost, kind, req.params['dest']!) };
}

/** As queue.bind / exchange.bind (and unbind): write on the destination, read on the source, then topic read. */
function checkBindingAccess(ctx: ApiContext, req: ApiRequest, kind: 'q' | 'e', routingKey: string | null): void {
  checkResourceAccess(ctx, req, (b, v, u) => {
    b.checkAccess(v, u, 'write', kind === 'q' ? 'queue' : 'exchange', kind === 'q' ? req.params['dest']! : exchangeName(req.params['dest']));
    b.checkAccess(v, u, 'read', 'exchange', exchangeName(req.params['source']));
    const source = routingKey === null ? undefined : b.vhosts.get(v)?.exchanges.get(exchangeName(req.params['source']));
    if (source && routingKey !== null) b.checkTopicAccess(v, u, source, 'read', routingKey);
  });
}

function bindingsBetween(p: BindingPath): Binding[] {
  return p.vhost.allBindings().filter((b) => b.source === p.source.name && b.destination === p.destination);
}

function findBinding(p: BindingPath, props: string): Binding {
  const found = bindingsBetween(p).find((b) => {
    const key = propertiesKey(b.routingKey, b.arguments);
    return key === props || safeDecode(key) === props;
  });
  if (!found) throw notFound();
  return found;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function bindingRoutes(kind: 'q' | 'e'): Route[] {
  const base = `bindings/:vhost/e/:source/${kind}/:dest`;
  return [
    {
      method: 'GET',
      path: base,
      handler: (ctx, req) => {
        const p = bindingPath(ctx, req, kind);
        return listReply(
          req,
          bindingsBetween(p).map((b) => formatBinding(p.vhost.name, b)),
        );
      },
    },
    {
      method: 'POST',
      path: base,
      handler: (ctx, req) => {
        const p = bindingPath(ctx, req, kind);
        const body = jsonBody(req);
        const routingKey = str(body, 'routing_key', '');
        const args = jsonToTable(body['arguments']);
        checkBindingAccess(ctx, req, kind, routingKey);
        if (p.source.name === '') throw defaultExchangeRefused();
        p.vhost.bind(p.destination, p.source, routingKey, args);
        return { status: 201, headers: { location: `${encodeURIComponent(p.destination.name)}/${propertiesKey(routingKey, args)}` } };
      },
    },
    {
      method: 'GET',
      path: `${base}/:props`,
      handler: (ctx, req) => {
        const p = bindingPath(ctx, req, kind);
        return objectReply(req, formatBinding(p.vhost.name, findBinding(p, req.params['props']!)));
      },
    },
    {
      method: 'DELETE',
      path: `${base}/:props`,
      handler: (ctx, req) => {
        const p = bindingPath(ctx, req, kind);
        const b = findBinding(p, req.params['props']!);
        checkBindingAccess(ctx, req, kind, b.routingKey);
        p.vhost.unbind(p.destination, p.source, b.routingKey, b.arguments);
        return noContent();
      },
    },
  ];
}

function exchangeJson(ctx: ApiContext, req: ApiRequest, x: Exchange): Record<string, unknown> {
  return { ...formatExchange(x), ...exchangeRates(ctx, req, x) };
}

export const exchangeRoutes: Route[] = [
  {
    method: 'GET',
    path: 'exchanges',
    handler: (ctx, req) => {
      const all = [...brokerOf(ctx).vhosts.values()].flatMap((v) => [...v.exchanges.values()]);
      return listReply(
        req,
        all.map((e) => exchangeJson(ctx, req, e)),
        ['vhost', 'name'],
      );
    },
  },
  {
    method: 'GET',
    path: 'exchanges/:vhost',
    handler: (ctx, req) =>
      listReply(
        req,
        [...vhostOr404(ctx, req.params['vhost']).exchanges.values()].map((e) => exchangeJson(ctx, req, e)),
        ['name'],
      ),
  },
  { method: 'GET', path: 'exchanges/:vhost/:name', handler: (ctx, req) => objectReply(req, exchangeJson(ctx, req, exchangeOr404(ctx, req).exchange)) },
  {
    method: 'PUT',
    path: 'exchanges/:vhost/:name',
    handler: (ctx, req) => {
      const vhost = vhostOr404(ctx, req.params['vhost']);
      const name = exchangeName(req.params['name']);
      const body = jsonBody(req);
      const existed = vhost.exchanges.has(name);
      const type = str(body, 'type', 'direct');
      const args = jsonToTable(body['arguments']);
      // As exchange.declare: configure on it, and for a new one its alternate exchange.
      checkResourceAccess(ctx, req, (b, v, u) => {
        b.checkAccess(v, u, 'configure', 'exchange', name);
        if (!existed && !name.startsWith('amq.')) checkNewExchangeAccess(b, v, u, name, args);
      });
      try {
        vhost.declareExchange({
          name,
          type,
          passive: false,
          durable: bool(body, 'durable', false),
          autoDelete: bool(body, 'auto_delete', false),
          internal: bool(body, 'internal', false),
          arguments: args,
          ...actedBy(actingUser(ctx, req)),
        });
      } catch (err) {
        // RabbitMQ's API words an unknown type this way (as AMQP does for types it has never heard of).
        if (err instanceof Error && /(invalid|unknown) exchange type/.test(err.message)) throw badRequest(`unknown exchange type '${type}'`);
        throw err;
      }
      return createdOrUpdated(existed);
    },
  },
  {
    method: 'DELETE',
    path: 'exchanges/:vhost/:name',
    handler: (ctx, req) => {
      const { vhost, exchange } = exchangeOr404(ctx, req);
      checkResourceAccess(ctx, req, (b, v, u) => b.checkAccess(v, u, 'configure', 'exchange', exchange.name));
      vhost.deleteExchange(exchange.name, queryFlag(req, 'if-unused'));
      return noContent();
    },
  },
  { method: 'POST', path: 'exchanges/:vhost/:name/publish', handler: (ctx, req) => ok(publish(ctx, req)) },
  {
    method: 'GET',
    path: 'exchanges/:vhost/:name/bindings/source',
    handler: (ctx, req) => {
      const { vhost, exchange } = exchangeOr404(ctx, req);
      return listReply(
        req,
        vhost
          .allBindings()
          .filter((b) => b.source === exchange.name)
          .map((b) => formatBinding(vhost.name, b)),
      );
    },
  },
  {
    method: 'GET',
    path: 'exchanges/:vhost/:name/bindings/destination',
    handler: (ctx, req) => {
      const { vhost, exchange } = exchangeOr404(ctx, req);
      return listReply(
        req,
        vhost
          .allBindings()
          .filter((b) => b.destination === exchange)
          .map((b) => formatBinding(vhost.name, b)),
      );
    },
  },
  {
    method: 'GET',
    path: 'bindings',
    handler: (ctx, req) => {
      const all = [...brokerOf(ctx).vhosts.values()].flatMap((v) => v.allBindings().map((b) => formatBinding(v.name, b)));
      return listReply(req, all);
    },
  },
  {
    method: 'GET',
    path: 'bindings/:vhost',
    handler: (ctx, req) => {
      const vhost = vhostOr404(ctx, req.params['vhost']);
      return listReply(
        req,
        vhost.allBindings().map((b) => formatBinding(vhost.name, b)),
      );
    },
  },
  ...bindingRoutes('q'),
  ...bindingRoutes('e'),
];
