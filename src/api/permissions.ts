// Vhosts and permissions: GET /api/vhosts, GET|PUT|DELETE /api/vhosts/{v},
// GET /api/vhosts/{v}/permissions, GET /api/permissions, GET|PUT|DELETE /api/permissions/{v}/{u}.
import { AmqpError, ReplyCode } from '../amqp/index.js';
import type { Permission } from '../broker/users.js';
import { patternError } from '../broker/pcre.js';
import type { Vhost } from '../broker/vhost.js';
import { NODE_NAME, brokerOf, vhostOr404, type ApiContext } from './context.js';
import { DEFAULT_USER } from '../broker/broker.js';
import { badRequest, createdOrUpdated, jsonBody, noContent, notFound, str, tagList, type ApiRequest } from './http.js';
import { listReply, objectReply } from './list.js';
import type { Route } from './route.js';
import { totalRates } from './rates.js';

function vhostRates(ctx: ApiContext, req: ApiRequest | null, name: string, depth: number[]): Record<string, unknown> {
  const r = totalRates(ctx, req, name, depth);
  return { ...(Object.keys(r.message_stats).length > 0 ? { message_stats: r.message_stats } : {}), ...r.depth };
}

export function formatPermission(p: Permission): Record<string, unknown> {
  return { user: p.user, vhost: p.vhost, configure: p.configure, write: p.write, read: p.read };
}

export function formatVhost(v: Vhost, ctx?: ApiContext, req?: ApiRequest): Record<string, unknown> {
  let ready = 0;
  let unacked = 0;
  for (const q of v.queues.values()) {
    ready += q.messageCount;
    unacked += q.unackedCount;
  }
  return {
    name: v.name,
    description: v.description,
    tags: [...v.tags],
    metadata: { description: v.description, tags: [...v.tags] },
    default_queue_type: 'undefined',
    tracing: v.tracing,
    cluster_state: { [NODE_NAME]: 'running' },
    messages: ready + unacked,
    messages_ready: ready,
    messages_unacknowledged: unacked,
    ...(ctx ? vhostRates(ctx, req ?? null, v.name, [ready + unacked, ready, unacked]) : {}),
  };
}

function allPermissions(ctx: ApiContext): Permission[] {
  return [...brokerOf(ctx).permissions.values()].flatMap((m) => [...m.values()]);
}

/**
 * The broker user an API request acts for: the one it authenticated as, else (the control socket
 * without credentials, i.e. the OS user owning the data directory) the default user guest, whom
 * warrenctl's messaging commands use on this machine. Null when that user does not exist.
 */
export function actingUser(ctx: ApiContext, req: ApiRequest): string | null {
  const name = req.user?.name ?? DEFAULT_USER;
  return brokerOf(ctx).users.has(name) ? name : null;
}

/** The acting user as a declaration's option (an exchange's user_who_performed_action), if there is one. */
export function actedBy(user: string | null): { actingUser?: string } {
  return user === null ? {} : { actingUser: user };
}

/**
 * Creates or updates a vhost; returns whether it existed. As RabbitMQ's management API (and its
 * definitions import) does, a vhost it creates gives `actingUser` full permissions on it, so a
 * client that creates a vhost over HTTP can connect to it at once (rascal does).
 */
export function putVhost(
  ctx: ApiContext,
  name: string,
  description: string | undefined,
  tags: string[] | undefined,
  actingUser: string | null = null,
): boolean {
  const broker = brokerOf(ctx);
  const existing = broker.vhosts.get(name);
  if (!existing) {
    broker.addVhost(name, description ?? '', tags ?? []);
    if (actingUser !== null && broker.users.has(actingUser)) broker.setPermissions(name, actingUser, '.*', '.*', '.*');
    return false;
  }
  // RabbitMQ updates description and tags on PUT of an existing vhost.
  existing.setMetadata(description, tags);
  return true;
}

/** RabbitMQ's parse_bool: true/false, or their strings; anything else is a 400 (not_boolean). */
function optionalBoolean(v: unknown): boolean | undefined {
  if (v === undefined) return undefined;
  if (v === true || v === 'true') return true;
  if (v === false || v === 'false') return false;
  throw badRequest(`not_boolean: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
}

/** rabbitmqctl trace_on / trace_off (the vhost's `tracing` field): the firehose, src/broker/trace.ts. */
function setTracing(ctx: ApiContext, name: string, on: boolean): void {
  const vhost = vhostOr404(ctx, name);
  if (vhost.tracing !== on) ctx.server.log.info(`${on ? 'Enabling' : 'Disabling'} tracing for vhost '${name}'`);
  vhost.tracing = on;
}

/** Sets permissions after RabbitMQ's checks; returns whether they existed. */
export function putPermission(ctx: ApiContext, vhost: string, user: string, configure: string, write: string, read: string): boolean {
  const broker = brokerOf(ctx);
  // RabbitMQ answers both with 400 vhost_or_user_not_found.
  if (!broker.vhosts.has(vhost) || !broker.users.has(user)) throw badRequest('vhost_or_user_not_found');
  for (const pattern of [configure, write, read]) {
    const err = patternError(pattern);
    if (err) throw badRequest(`invalid_regexp: '${pattern}': ${err.message} at offset ${err.offset}`);
  }
  const existed = broker.permission(vhost, user) !== undefined;
  broker.setPermissions(vhost, user, configure, write, read);
  return existed;
}

export const permissionRoutes: Route[] = [
  {
    method: 'GET',
    path: 'vhosts',
    handler: (ctx, req) =>
      listReply(
        req,
        [...brokerOf(ctx).vhosts.values()].map((v) => formatVhost(v, ctx, req)),
        ['name'],
      ),
  },
  { method: 'GET', path: 'vhosts/:vhost', handler: (ctx, req) => objectReply(req, formatVhost(vhostOr404(ctx, req.params['vhost']), ctx, req)) },
  {
    method: 'PUT',
    path: 'vhosts/:vhost',
    handler: (ctx, req) => {
      const name = req.params['vhost']!;
      if (name === '') throw badRequest('vhost name must not be empty');
      const body = jsonBody(req);
      const meta = (typeof body['metadata'] === 'object' && body['metadata'] !== null ? body['metadata'] : {}) as Record<string, unknown>;
      const description =
        body['description'] !== undefined ? str(body, 'description', '') : typeof meta['description'] === 'string' ? meta['description'] : undefined;
      const rawTags = body['tags'] ?? meta['tags'];
      const tracing = optionalBoolean(body['tracing']);
      const existed = putVhost(ctx, name, description, rawTags === undefined ? undefined : tagList(rawTags), actingUser(ctx, req));
      if (tracing !== undefined) setTracing(ctx, name, tracing);
      return createdOrUpdated(existed);
    },
  },
  {
    method: 'DELETE',
    path: 'vhosts/:vhost',
    handler: (ctx, req) => {
      const name = req.params['vhost']!;
      vhostOr404(ctx, name);
      brokerOf(ctx).deleteVhost(name);
      // RabbitMQ closes the connections of a deleted vhost.
      const err = new AmqpError(ReplyCode.CONNECTION_FORCED, `vhost '${name}' is deleted`);
      for (const c of ctx.server.connections) if (c.vhost?.name === name) c.closeWith(err);
      return noContent();
    },
  },
  {
    method: 'GET',
    path: 'vhosts/:vhost/permissions',
    handler: (ctx, req) => {
      const vhost = vhostOr404(ctx, req.params['vhost']);
      return listReply(
        req,
        allPermissions(ctx)
          .filter((p) => p.vhost === vhost.name)
          .map(formatPermission),
        ['user'],
      );
    },
  },
  { method: 'GET', path: 'permissions', handler: (ctx, req) => listReply(req, allPermissions(ctx).map(formatPermission), ['vhost', 'user']) },
  {
    method: 'GET',
    path: 'permissions/:vhost/:user',
    handler: (ctx, req) => {
      const p = brokerOf(ctx).permission(req.params['vhost']!, req.params['user']!);
      if (!p) throw notFound();
      return objectReply(req, formatPermission(p));
    },
  },
  {
    method: 'PUT',
    path: 'permissions/:vhost/:user',
    handler: (ctx, req) => {
      const body = jsonBody(req);
      for (const key of ['configure', 'write', 'read']) {
        if (typeof body[key] !== 'string') throw badRequest(`${key} is required and must be a string`);
      }
      const existed = putPermission(
        ctx,
        req.params['vhost']!,
        req.params['user']!,
        body['configure'] as string,
        body['write'] as string,
        body['read'] as string,
      );
      return createdOrUpdated(existed);
    },
  },
  {
    method: 'DELETE',
    path: 'permissions/:vhost/:user',
    handler: (ctx, req) => {
      if (!brokerOf(ctx).clearPermissions(req.params['vhost']!, req.params['user']!)) throw notFound();
      return noContent();
    },
  },
];
