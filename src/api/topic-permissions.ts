// Topic permissions: GET /api/topic-permissions, GET /api/vhosts/{v}/topic-permissions,
// GET /api/users/{u}/topic-permissions, GET|PUT|DELETE /api/topic-permissions/{v}/{u}
// (PUT body {exchange, write, read}; DELETE removes all of the user's in the vhost, or
// one exchange's with ?exchange=).
import type { TopicPermission } from '../broker/topic-permissions.js';
import { patternError } from '../broker/pcre.js';
import { brokerOf, vhostOr404, type ApiContext } from './context.js';
import { badRequest, createdOrUpdated, jsonBody, noContent, notFound, str, type ApiRequest } from './http.js';
import { listReply } from './list.js';
import type { Route } from './route.js';

export function formatTopicPermission(p: TopicPermission): Record<string, unknown> {
  return { user: p.user, vhost: p.vhost, exchange: p.exchange, write: p.write, read: p.read };
}

const all = (ctx: ApiContext): TopicPermission[] => brokerOf(ctx).topicPermissions.all();

/** Sets one exchange's topic permission after RabbitMQ's checks; returns whether it existed. */
export function putTopicPermission(ctx: ApiContext, vhost: string, user: string, exchange: string, write: string, read: string): boolean {
  const broker = brokerOf(ctx);
  if (!broker.vhosts.has(vhost) || !broker.users.has(user)) throw badRequest('vhost_or_user_not_found');
  for (const pattern of [write, read]) {
    const err = patternError(pattern);
    if (err) throw badRequest(`invalid_regexp: '${pattern}': ${err.message} at offset ${err.offset}`);
  }
  const existed = all(ctx).some((p) => p.vhost === vhost && p.user === user && p.exchange === exchange);
  broker.setTopicPermission({ user, vhost, exchange, write, read });
  return existed;
}

function forUser(ctx: ApiContext, req: ApiRequest): TopicPermission[] {
  const { vhost, user } = req.params;
  return all(ctx).filter((p) => p.vhost === vhost && p.user === user);
}

export const topicPermissionRoutes: Route[] = [
  { method: 'GET', path: 'topic-permissions', handler: (ctx, req) => listReply(req, all(ctx).map(formatTopicPermission), ['vhost', 'user']) },
  {
    method: 'GET',
    path: 'vhosts/:vhost/topic-permissions',
    handler: (ctx, req) => {
      const vhost = vhostOr404(ctx, req.params['vhost']);
      return listReply(
        req,
        all(ctx)
          .filter((p) => p.vhost === vhost.name)
          .map(formatTopicPermission),
        ['user'],
      );
    },
  },
  {
    method: 'GET',
    path: 'users/:name/topic-permissions',
    handler: (ctx, req) => {
      if (!brokerOf(ctx).users.has(req.params['name']!)) throw notFound();
      return listReply(
        req,
        all(ctx)
          .filter((p) => p.user === req.params['name'])
          .map(formatTopicPermission),
        ['vhost'],
      );
    },
  },
  {
    method: 'GET',
    path: 'topic-permissions/:vhost/:user',
    handler: (ctx, req) => {
      const found = forUser(ctx, req);
      if (found.length === 0) throw notFound();
      return listReply(req, found.map(formatTopicPermission), ['exchange']);
    },
  },
  {
    method: 'PUT',
    path: 'topic-permissions/:vhost/:user',
    handler: (ctx, req) => {
      const body = jsonBody(req);
      const exchange = str(body, 'exchange', '');
      if (exchange === '') throw badRequest("'exchange' is required");
      return createdOrUpdated(putTopicPermission(ctx, req.params['vhost']!, req.params['user']!, exchange, str(body, 'write', '.*'), str(body, 'read', '.*')));
    },
  },
  {
    method: 'DELETE',
    path: 'topic-permissions/:vhost/:user',
    handler: (ctx, req) => {
      const exchange = req.query.get('exchange');
      if (!brokerOf(ctx).clearTopicPermissions(req.params['vhost']!, req.params['user']!, exchange)) throw notFound();
      return noContent();
    },
  },
];
