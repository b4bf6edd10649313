// RabbitMQ's management plugin authorisation by user tag, for requests over TCP:
//   administrator  everything;
//   monitoring     management, plus read-only views of every vhost, every connection and the node;
//   policymaker    management, plus policies in the vhosts it has permissions in;
//   management     the vhosts it has permissions in, its own connections and channels;
//   anything else  "Not management user" (401), as RabbitMQ.
// Writes to vhost resources always need permissions in that vhost (administrators too, as RabbitMQ),
// and queues, exchanges and bindings the configure/write/read patterns (checkResourceAccess).
import { AmqpError, ReplyCode } from '../amqp/index.js';
import type { Broker } from '../broker/broker.js';
import type { User } from '../broker/users.js';
import type { ApiContext } from './context.js';
import { HttpError, type ApiRequest } from './http.js';

export type { ListScope } from './http.js';

export const MANAGEMENT_TAGS = ['administrator', 'monitoring', 'policymaker', 'management'] as const;

const notAuthorised = (reason = 'Not_Authorized'): HttpError => new HttpError(401, 'not_authorised', reason);

/** Endpoint families only administrators may use (reading or writing). */
const ADMIN_ONLY = new Set([
  'users',
  'permissions',
  'topic-permissions',
  'definitions',
  'vhost-limits',
  'user-limits',
  'parameters',
  'global-parameters',
  'operator-policies',
  'feature-flags',
]);
/** Endpoint families of a vhost's resources. */
const RESOURCES = new Set(['queues', 'exchanges', 'bindings']);
/** Node views for monitoring users and administrators. */
const MONITOR_ONLY = new Set(['nodes']);

export function isManagementUser(user: User): boolean {
  return user.tags.some((t) => (MANAGEMENT_TAGS as readonly string[]).includes(t));
}

function hasVhostAccess(broker: Broker, user: User, vhost: string): boolean {
  return broker.permission(vhost, user.name) !== undefined;
}

/** Throws a 401 HttpError unless `user` may make this (already routed) request; sets req.scope for lists. */
export function authorise(ctx: ApiContext, req: ApiRequest, user: User): void {
  const tags = new Set(user.tags);
  // Resource operations check the user's configure/write/read patterns (administrators too, as RabbitMQ).
  req.checkResources = true;
  const broker = ctx.server.broker;
  const vhostParam = req.params['vhost'];
  if (tags.has('administrator')) {
    // Operations on a vhost's queues, exchanges and bindings need permissions there, even for administrators.
    if (req.method !== 'GET' && vhostParam !== undefined && RESOURCES.has(req.segments[0] ?? '') && !hasVhostAccess(broker, user, vhostParam)) {
      throw notAuthorised('Access refused.');
    }
    return;
  }
  if (!isManagementUser(user)) throw notAuthorised('Not management user');
  const monitoring = tags.has('monitoring');
  const policymaker = tags.has('policymaker');
  const read = req.method === 'GET';
  const first = req.segments[0] ?? '';

  if (first === 'whoami' || first === 'overview' || first === 'extensions' || first === 'auth') {
    if (!read) throw notAuthorised();
  } else if (ADMIN_ONLY.has(first)) {
    throw notAuthorised();
  } else if (MONITOR_ONLY.has(first)) {
    if (!monitoring) throw notAuthorised();
  } else if (first === 'warren') {
    // warren-only node status: a monitoring view; the node operations are the administrator's.
    if (!(monitoring && read)) throw notAuthorised();
  } else if (first === 'vhosts' && req.segments.length <= 2) {
    // Creating or deleting vhosts is the administrator's; reading the ones it can see is anyone's.
    if (!read) throw notAuthorised();
  } else if (first === 'vhosts' && req.segments[2] === 'permissions') {
    throw notAuthorised();
  } else if (first === 'policies') {
    if (!policymaker) throw notAuthorised();
  } else if (first === 'connections' || first === 'channels') {
    const name = req.params['name'];
    if (name !== undefined && !(monitoring && read)) {
      const owner = ownerOf(ctx, first, name);
      if (owner !== undefined && owner !== user.name) throw notAuthorised();
    }
  }
  // Anything in one vhost: permissions there (monitoring users may read every vhost).
  if (vhostParam !== undefined && !(monitoring && read) && !hasVhostAccess(broker, user, vhostParam)) {
    throw notAuthorised();
  }
  req.scope = {
    vhosts: monitoring ? null : new Set([...broker.vhosts.keys()].filter((v) => hasVhostAccess(broker, user, v))),
    user: monitoring ? null : user.name,
  };
}

function ownerOf(ctx: ApiContext, kind: 'connections' | 'channels', name: string): string | undefined {
  for (const c of ctx.server.connections) {
    if (kind === 'connections' && c.id === name) return c.user?.name;
    if (kind === 'channels' && name.startsWith(`${c.id} (`)) return c.user?.name;
  }
  return undefined;
}

const PER_USER = new Set(['connections', 'channels', 'consumers']);

/** Whether a list item is visible to the request's scope (applied before paging, so counts are right). */
export function inScope(req: ApiRequest, item: Record<string, unknown>): boolean {
  const scope = req.scope;
  if (!scope) return true;
  const first = req.segments[0];
  if (scope.vhosts) {
    const v =
      first === 'vhosts' && req.segments.length === 1 ? item['name'] : (item['vhost'] ?? (item['queue'] as Record<string, unknown> | undefined)?.['vhost']);
    if (typeof v === 'string' && !scope.vhosts.has(v)) return false;
  }
  const kind = first === 'vhosts' ? req.segments[2] : first;
  if (scope.user !== null && kind !== undefined && PER_USER.has(kind)) {
    const u = item['user'] ?? (item['channel_details'] as Record<string, unknown> | undefined)?.['user'];
    if (u !== scope.user) return false;
  }
  return true;
}

/**
 * How RabbitMQ's API answers a refused resource operation: its own check answers 401 "Access refused.";
 * the ones it makes through an AMQP channel answer with the channel's error (get: 401 with the
 * AMQP reason; publish: 400 with the reply code and text).
 */
export type Refusal = 'api' | 'get' | 'publish';

/**
 * Runs `check` (broker.checkAccess / checkTopicAccess calls for the request's user) when the request
 * came through the TCP listener; turns an access refusal into RabbitMQ's API answer.
 */
export function checkResourceAccess(
  ctx: ApiContext,
  req: ApiRequest,
  check: (broker: Broker, vhost: string, user: string) => void,
  refusal: Refusal = 'api',
): void {
  if (!req.checkResources || !req.user) return;
  try {
    check(ctx.server.broker, req.params['vhost'] ?? '', req.user.name);
  } catch (err) {
    if (!(err instanceof AmqpError) || err.replyCode !== ReplyCode.ACCESS_REFUSED) throw err;
    if (refusal === 'get') throw new HttpError(401, 'not_authorised', err.message);
    if (refusal === 'publish') throw new HttpError(400, 'bad_request', `${ReplyCode.ACCESS_REFUSED} ${err.message}`);
    throw notAuthorised('Access refused.');
  }
}
