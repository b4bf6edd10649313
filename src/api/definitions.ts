// Definitions in RabbitMQ's JSON format: GET|POST /api/definitions and /api/definitions/{v}.
// Exported: users (hash + algorithm + tags), vhosts, permissions, durable queues and exchanges
// (not amq.*), and bindings between durable objects (not the default exchange's).
import { AmqpError } from '../amqp/index.js';
import type { Binding } from '../broker/binding.js';
import { Broker } from '../broker/broker.js';
import { Limits } from '../broker/limits.js';
import { MemoryMessageStore } from '../broker/store/message-store.js';
import type { Vhost } from '../broker/vhost.js';
import { HASHING_ALGORITHM } from '../common/password-hash.js';
import { brokerOf, vhostOr404, type ApiContext } from './context.js';
import { jsonToTable, tableToJson } from './format.js';
import { HttpError, badRequest, noContent, ok, tagList, type ApiRequest } from './http.js';
import { actedBy, actingUser, putPermission, putVhost } from './permissions.js';
import { policiesOf, putPolicy } from './policies.js';
import { formatTopicPermission, putTopicPermission } from './topic-permissions.js';
import type { Route } from './route.js';
import { checkPasswordHash } from './users.js';

type Json = Record<string, unknown>;

function exportable(v: Vhost) {
  const queues = [...v.queues.values()].filter((q) => q.options.durable && !q.isExclusive);
  const exchanges = [...v.exchanges.values()].filter((x) => x.options.durable && x.name !== '' && !x.name.startsWith('amq.'));
  const durable = (b: Binding): boolean => {
    const source = v.exchanges.get(b.source);
    if (!source || b.source === '' || !source.options.durable) return false;
    const d = b.destination.kind === 'queue' ? v.queues.get(b.destination.name) : v.exchanges.get(b.destination.name);
    if (!d || d !== b.destination) return false;
    return d.kind === 'queue' ? d.options.durable && !d.isExclusive : d.options.durable;
  };
  return { queues, exchanges, bindings: v.allBindings().filter(durable) };
}

function vhostItems(v: Vhost, withVhost: boolean): { queues: Json[]; exchanges: Json[]; bindings: Json[] } {
  const e = exportable(v);
  const tag = (o: Json): Json => (withVhost ? { vhost: v.name, ...o } : o);
  return {
    queues: e.queues.map((q) => tag({ name: q.name, durable: true, auto_delete: q.options.autoDelete, arguments: tableToJson(q.options.arguments) })),
    exchanges: e.exchanges.map((x) =>
      tag({
        name: x.name,
        type: x.type,
        durable: true,
        auto_delete: x.options.autoDelete,
        internal: x.options.internal,
        arguments: tableToJson(x.options.arguments),
      }),
    ),
    bindings: e.bindings.map((b) =>
      tag({
        source: b.source,
        destination: b.destination.name,
        destination_type: b.destination.kind,
        routing_key: b.routingKey,
        arguments: tableToJson(b.arguments),
      }),
    ),
  };
}

export function exportAll(ctx: ApiContext): Json {
  const broker = brokerOf(ctx);
  const items = { queues: [] as Json[], exchanges: [] as Json[], bindings: [] as Json[] };
  for (const v of broker.vhosts.values()) {
    const i = vhostItems(v, true);
    // Loops, not push(...spread): a vhost may hold more items than a call may take arguments.
    for (const q of i.queues) items.queues.push(q);
    for (const x of i.exchanges) items.exchanges.push(x);
    for (const b of i.bindings) items.bindings.push(b);
  }
  return {
    rabbit_version: ctx.version,
    rabbitmq_version: ctx.version,
    product_name: 'Warren',
    product_version: ctx.version,
    users: [...broker.users.values()].map((u) => ({
      name: u.name,
      password_hash: u.passwordHash,
      hashing_algorithm: HASHING_ALGORITHM,
      tags: [...u.tags],
      limits: broker.limits.users.get(u.name) ?? {},
    })),
    vhosts: [...broker.vhosts.values()].map((v) => {
      const out: Json = { name: v.name };
      if (v.description !== '' || v.tags.length > 0)
        Object.assign(out, { description: v.description, tags: [...v.tags], metadata: { description: v.description, tags: [...v.tags] } });
      return out;
    }),
    permissions: [...broker.permissions.values()].flatMap((m) =>
      [...m.values()].map((p) => ({ user: p.user, vhost: p.vhost, configure: p.configure, write: p.write, read: p.read })),
    ),
    topic_permissions: broker.topicPermissions.all().map(formatTopicPermission),
    // RabbitMQ keeps vhost limits as runtime parameters of the vhost-limits component
    parameters: [...broker.limits.vhosts.entries()].map(([vhost, value]) => ({ value, vhost, component: 'vhost-limits', name: 'limits' })),
    global_parameters: [],
    policies: policiesOf(broker.vhosts.values()),
    ...items,
  };
}

function parseDefinitions(req: ApiRequest): Json {
  let value: unknown;
  try {
    value = JSON.parse(req.body.toString('utf8'));
  } catch {
    throw badRequest('failed_to_parse_json');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw badRequest('definitions must be a JSON object');
  return value as Json;
}

function list(defs: Json, key: string): Json[] {
  const v = defs[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((i) => i === null || typeof i !== 'object' || Array.isArray(i))) throw badRequest(`${key} must be a list of objects`);
  return v as Json[];
}

function text(item: Json, key: string, what: string): string {
  const v = item[key];
  if (typeof v !== 'string') throw badRequest(`${what}: '${key}' is required and must be a string`);
  return v;
}

const flag = (v: unknown, fallback: boolean): boolean => (typeof v === 'boolean' ? v : v === 'true' ? true : v === 'false' ? false : fallback);

/** Declares queues, exchanges and bindings; `target` forces the vhost (per-vhost import); `acting` declares them. */
function importVhostItems(ctx: ApiContext, defs: Json, target: string | null, acting: string | null): void {
  const vhostOf = (item: Json, what: string): Vhost => {
    const name = target ?? text(item, 'vhost', what);
    const v = brokerOf(ctx).vhosts.get(name);
    if (!v) throw badRequest(`${what}: vhost '${name}' does not exist`);
    return v;
  };
  for (const x of list(defs, 'exchanges')) {
    const name = text(x, 'name', 'exchange');
    if (name === '' || name.startsWith('amq.')) continue;
    vhostOf(x, `exchange '${name}'`).declareExchange({
      name,
      type: typeof x['type'] === 'string' ? x['type'] : 'direct',
      passive: false,
      durable: flag(x['durable'], true),
      autoDelete: flag(x['auto_delete'], false),
      internal: flag(x['internal'], false),
      arguments: jsonToTable(x['arguments']),
      ...actedBy(acting),
    });
  }
  for (const q of list(defs, 'queues')) {
    const name = text(q, 'name', 'queue');
    vhostOf(q, `queue '${name}'`).declareQueue(
      {
        name,
        passive: false,
        durable: flag(q['durable'], true),
        autoDelete: flag(q['auto_delete'], false),
        exclusiveOwner: null,
        arguments: jsonToTable(q['arguments']),
        allowReservedName: true,
      },
      '',
    );
  }
  for (const b of list(defs, 'bindings')) {
    const source = text(b, 'source', 'binding');
    const v = vhostOf(b, `binding from '${source}'`);
    const destName = text(b, 'destination', 'binding');
    const toExchange = b['destination_type'] === 'exchange';
    // RabbitMQ skips a binding whose source or destination does not exist (and still answers 204);
    // warrenctl import_definitions names each one in a warning
    const sourceExchange = v.exchanges.get(source);
    const destination = toExchange ? v.exchanges.get(destName) : v.queues.get(destName);
    if (!sourceExchange || !destination) continue;
    v.bind(
      toExchange ? v.exchange(destName) : v.queue(destName, null),
      sourceExchange,
      typeof b['routing_key'] === 'string' ? b['routing_key'] : '',
      jsonToTable(b['arguments']),
    );
  }
}

/**
 * A copy of the broker's definitions (users, vhosts, permissions, policies, exchanges, queues) with no
 * messages and no store: an import is tried on it first, so a file that fails changes nothing.
 */
function scratchCopy(real: Broker): Broker {
  const b = new Broker(new MemoryMessageStore(), false);
  for (const u of real.users.values()) b.putUser(u.name, u.passwordHash, [...u.tags]);
  for (const v of real.vhosts.values()) {
    const copy = b.addVhost(v.name, v.description, [...v.tags]);
    for (const p of v.policies.values()) copy.setPolicy({ ...p });
    for (const x of v.exchanges.values()) {
      if (x.name === '' || copy.exchanges.has(x.name)) continue;
      copy.declareExchange({ name: x.name, type: x.type, passive: false, ...x.options });
    }
    for (const q of v.queues.values())
      copy.declareQueue({ name: q.name, passive: false, allowReservedName: true, ...q.options }, q.options.exclusiveOwner ?? '');
  }
  for (const byUser of real.permissions.values()) for (const p of byUser.values()) b.setPermissions(p.vhost, p.user, p.configure, p.write, p.read);
  for (const p of real.topicPermissions.all()) b.setTopicPermission({ ...p });
  for (const [v, t] of real.limits.vhosts) for (const [n, x] of Object.entries(t)) b.limits.set('vhost', v, n, x);
  for (const [u, t] of real.limits.users) for (const [n, x] of Object.entries(t)) b.limits.set('user', u, n, x);
  return b;
}

/** The same context, administering another broker. */
function onBroker(ctx: ApiContext, broker: Broker): ApiContext {
  return { ...ctx, server: { ...ctx.server, broker } as ApiContext['server'] };
}

/** All or nothing: the import runs on a scratch copy first; only if that succeeds on the broker itself. */
function importAtomically(ctx: ApiContext, apply: (c: ApiContext) => void): void {
  const scratch = scratchCopy(brokerOf(ctx));
  try {
    asBadRequest(() => apply(onBroker(ctx, scratch)));
  } finally {
    for (const name of [...scratch.vhosts.keys()]) scratch.deleteVhost(name); // stops its queues' timers
  }
  asBadRequest(() => apply(ctx));
}

export function importAll(ctx: ApiContext, defs: Json, actingUser: string | null = null): void {
  const broker = brokerOf(ctx);
  for (const u of list(defs, 'users')) {
    const name = text(u, 'name', 'user');
    const hash = typeof u['password_hash'] === 'string' ? u['password_hash'] : '';
    checkPasswordHash(hash, typeof u['hashing_algorithm'] === 'string' ? u['hashing_algorithm'] : HASHING_ALGORITHM);
    broker.putUser(name, hash, tagList(u['tags']));
  }
  for (const v of list(defs, 'vhosts')) {
    const meta = (typeof v['metadata'] === 'object' && v['metadata'] !== null ? v['metadata'] : {}) as Json;
    const description = typeof v['description'] === 'string' ? v['description'] : typeof meta['description'] === 'string' ? meta['description'] : undefined;
    const tags = v['tags'] ?? meta['tags'];
    putVhost(ctx, text(v, 'name', 'vhost'), description, tags === undefined ? undefined : tagList(tags), actingUser);
  }
  for (const p of list(defs, 'permissions')) {
    const user = text(p, 'user', 'permission');
    const vhost = text(p, 'vhost', `permission for '${user}'`);
    putPermission(ctx, vhost, user, text(p, 'configure', 'permission'), text(p, 'write', 'permission'), text(p, 'read', 'permission'));
  }
  for (const p of list(defs, 'topic_permissions')) {
    const user = text(p, 'user', 'topic permission');
    const vhost = text(p, 'vhost', `topic permission for '${user}'`);
    putTopicPermission(ctx, vhost, user, text(p, 'exchange', 'topic permission'), text(p, 'write', 'topic permission'), text(p, 'read', 'topic permission'));
  }
  for (const p of list(defs, 'policies')) {
    const name = text(p, 'name', 'policy');
    putPolicy(vhostOrBadRequest(ctx, text(p, 'vhost', `policy '${name}'`)), name, p);
  }
  importVhostItems(ctx, defs, null, actingUser);
  importLimits(ctx, defs);
}

/** users[].limits and the vhost-limits parameters, as RabbitMQ exports them. */
function importLimits(ctx: ApiContext, defs: Json): void {
  const broker = brokerOf(ctx);
  const apply = (kind: 'vhost' | 'user', owner: string, limits: unknown): void => {
    if (limits === null || typeof limits !== 'object' || Array.isArray(limits)) return;
    for (const [name, value] of Object.entries(limits as Json)) {
      const why = Limits.validate(kind, name, value);
      if (why) throw badRequest(`Validation failed\n\n${why}\n`);
      broker.setLimit(kind, owner, name, value as number);
    }
  };
  for (const u of list(defs, 'users')) apply('user', text(u, 'name', 'user'), u['limits']);
  for (const p of list(defs, 'parameters')) {
    if (p['component'] !== 'vhost-limits') continue;
    const vhost = text(p, 'vhost', 'vhost limits');
    if (!broker.vhosts.has(vhost)) throw badRequest(`vhost '${vhost}' does not exist`);
    apply('vhost', vhost, p['value']);
  }
}

function vhostOrBadRequest(ctx: ApiContext, name: string): Vhost {
  const v = brokerOf(ctx).vhosts.get(name);
  if (!v) throw badRequest(`vhost '${name}' does not exist`);
  return v;
}

/** Import errors are the caller's data: report them as 400 with the reason; a bug (TypeError, ...) stays a 500. */
function asBadRequest(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    if (err instanceof HttpError && err.status === 400) throw err;
    if (err instanceof HttpError) throw badRequest(err.reason);
    if (err instanceof AmqpError) throw badRequest(err.message.replace(/^[A-Z_]+ - /, ''));
    throw err;
  }
}

export const definitionRoutes: Route[] = [
  { method: 'GET', path: 'definitions', handler: (ctx) => ok(exportAll(ctx)) },
  {
    method: 'POST',
    path: 'definitions',
    handler: (ctx, req) => {
      const defs = parseDefinitions(req);
      const acting = actingUser(ctx, req);
      importAtomically(ctx, (c) => importAll(c, defs, acting));
      return noContent();
    },
  },
  {
    method: 'GET',
    path: 'definitions/:vhost',
    handler: (ctx, req) => {
      const v = vhostOr404(ctx, req.params['vhost']);
      return ok({ rabbit_version: ctx.version, parameters: [], policies: policiesOf([v]), ...vhostItems(v, false) });
    },
  },
  {
    method: 'POST',
    path: 'definitions/:vhost',
    handler: (ctx, req) => {
      const v = vhostOr404(ctx, req.params['vhost']);
      const defs = parseDefinitions(req);
      const acting = actingUser(ctx, req);
      importAtomically(ctx, (c) => importVhostItems(c, defs, v.name, acting));
      return noContent();
    },
  },
];
