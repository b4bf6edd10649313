// Vhost and user limits, as RabbitMQ's management API: GET /api/vhost-limits[/{vhost}],
// PUT|DELETE /api/vhost-limits/{vhost}/{name} with {"value": N}; the same under /api/user-limits/{user}.
import { Limits } from '../broker/limits.js';
import { brokerOf, type ApiContext } from './context.js';
import { badRequest, jsonBody, noContent, notFound, ok, type ApiRequest } from './http.js';
import type { Route } from './route.js';

type Kind = 'vhost' | 'user';

function listLimits(ctx: ApiContext, kind: Kind, only?: string) {
  const map = kind === 'vhost' ? brokerOf(ctx).limits.vhosts : brokerOf(ctx).limits.users;
  return [...map.entries()].filter(([owner]) => only === undefined || owner === only).map(([owner, value]) => ({ [kind]: owner, value }));
}

function owner(ctx: ApiContext, kind: Kind, req: ApiRequest): string {
  const name = req.params[kind]!;
  const broker = brokerOf(ctx);
  if (!(kind === 'vhost' ? broker.vhosts.has(name) : broker.users.has(name))) throw notFound();
  return name;
}

function put(ctx: ApiContext, kind: Kind, req: ApiRequest) {
  const who = owner(ctx, kind, req);
  const name = req.params['name']!;
  const value = jsonBody(req)['value'];
  const why = Limits.validate(kind, name, value);
  if (why) throw badRequest(`Validation failed\n\n${why}\n`);
  brokerOf(ctx).setLimit(kind, who, name, value as number);
  return noContent();
}

function del(ctx: ApiContext, kind: Kind, req: ApiRequest) {
  const who = owner(ctx, kind, req);
  brokerOf(ctx).setLimit(kind, who, req.params['name']!, null);
  return noContent();
}

export const limitRoutes: Route[] = (['vhost', 'user'] as const).flatMap((kind): Route[] => [
  { method: 'GET', path: `${kind}-limits`, handler: (ctx) => ok(listLimits(ctx, kind)) },
  { method: 'GET', path: `${kind}-limits/:${kind}`, handler: (ctx, req) => ok(listLimits(ctx, kind, owner(ctx, kind, req))) },
  { method: 'PUT', path: `${kind}-limits/:${kind}/:name`, handler: (ctx, req) => put(ctx, kind, req) },
  { method: 'DELETE', path: `${kind}-limits/:${kind}/:name`, handler: (ctx, req) => del(ctx, kind, req) },
]);
