// The broker's durable definitions in RabbitMQ's definitions-file shapes: what the store
// journals, and how a stored state is loaded back into a broker.
import type { FieldTable } from '../amqp/index.js';
import type { Broker } from './broker.js';
import type { ApplyTo } from './policies.js';
import type { TopicPermission } from './topic-permissions.js';
import type { DefinitionState } from './store/definitions-store.js';
import { fromJson, StoredValueTooDeep, tableToJson, type tableFromJson } from './store/json-values.js';
import type { Permission } from './users.js';

export { DefinitionEmitter, isStoredBinding, isStoredExchange, isStoredQueue } from './definition-emitter.js';

type Json = Parameters<typeof tableFromJson>[0];

/**
 * Stored arguments (`holder[field]`), key by key: one nested deeper than the wire allows (written
 * by an older version) is left out with a note rather than failing the whole start, and the
 * stored copy is rewritten without it so later snapshots never meet it again.
 */
function argumentsFromJson<K extends string>(holder: { [k in K]: Json }, field: K, what: string, problems: string[]): FieldTable {
  const out: FieldTable = {};
  let dropped = false;
  for (const [k, v] of Object.entries(holder[field] ?? {})) {
    try {
      out[k] = fromJson(v);
    } catch (err) {
      // too deep, or otherwise unreadable: the argument goes, the definition stays
      const why = err instanceof StoredValueTooDeep ? err.message : `unreadable (${(err as Error).message})`;
      problems.push(`${what}: argument '${k}' is ${why}; left out`);
      dropped = true;
    }
  }
  if (dropped) holder[field] = tableToJson(out);
  return out;
}

/**
 * Rebuilds vhosts, users, permissions, durable exchanges, queues and bindings from a stored state.
 * A definition that cannot be restored is skipped and described in the returned problems, so one
 * bad stored value never stops the broker from starting.
 */
export function restoreDefinitions(broker: Broker, state: DefinitionState): string[] {
  const problems: string[] = [];
  const each = <T>(values: Iterable<object>, what: (v: T) => string, restore: (v: T) => void): void => {
    for (const value of values as Iterable<T>) {
      try {
        restore(value);
      } catch (err) {
        problems.push(`${what(value)}: not restored (${(err as Error).message})`);
      }
    }
  };
  const inVhost = (kind: string, name: string, vhost: string): string => `${kind} '${name}' in vhost '${vhost}'`;
  each<{ name: string; description?: string; tags?: string[] }>(
    state.vhost.values(),
    (v) => `vhost '${v.name}'`,
    (v) => {
      broker.addVhost(v.name, v.description ?? '', v.tags ?? []);
    },
  );
  each<{ name: string; password_hash: string; tags: string[] }>(
    state.user.values(),
    (u) => `user '${u.name}'`,
    (u) => {
      broker.putUser(u.name, u.password_hash, u.tags);
    },
  );
  each<Permission>(
    state.permission.values(),
    (p) => `permissions of '${p.user}' in vhost '${p.vhost}'`,
    (p) => {
      if (broker.vhosts.has(p.vhost) && broker.users.has(p.user)) broker.setPermissions(p.vhost, p.user, p.configure, p.write, p.read);
    },
  );
  each<TopicPermission>(
    state.topic_permission.values(),
    (p) => `topic permissions of '${p.user}' in vhost '${p.vhost}'`,
    (p) => {
      if (broker.vhosts.has(p.vhost) && broker.users.has(p.user)) broker.setTopicPermission(p);
    },
  );
  type StoredPolicy = { vhost: string; name: string; pattern: string; 'apply-to': ApplyTo; priority: number; definition: Json };
  each<StoredPolicy>(
    state.policy.values(),
    (p) => inVhost('policy', p.name, p.vhost),
    (p) => {
      const definition = argumentsFromJson(p, 'definition', inVhost('policy', p.name, p.vhost), problems);
      broker.vhosts.get(p.vhost)?.setPolicy({ vhost: p.vhost, name: p.name, pattern: p.pattern, applyTo: p['apply-to'], priority: p.priority, definition });
    },
  );
  type StoredExchange = {
    name: string;
    vhost: string;
    type: string;
    auto_delete: boolean;
    internal: boolean;
    arguments: Json;
    user_who_performed_action?: unknown;
  };
  each<StoredExchange>(
    state.exchange.values(),
    (x) => inVhost('exchange', x.name, x.vhost),
    (x) => {
      const args = argumentsFromJson(x, 'arguments', inVhost('exchange', x.name, x.vhost), problems);
      const acting = typeof x.user_who_performed_action === 'string' ? { actingUser: x.user_who_performed_action } : {};
      broker.vhosts.get(x.vhost)?.declareExchange({
        name: x.name,
        type: x.type,
        passive: false,
        durable: true,
        autoDelete: x.auto_delete,
        internal: x.internal,
        arguments: args,
        ...acting,
      });
    },
  );
  each<{ name: string; vhost: string; auto_delete: boolean; arguments: Json }>(
    state.queue.values(),
    (q) => inVhost('queue', q.name, q.vhost),
    (q) => {
      const args = argumentsFromJson(q, 'arguments', inVhost('queue', q.name, q.vhost), problems);
      broker.vhosts
        .get(q.vhost)
        ?.declareQueue(
          { name: q.name, passive: false, durable: true, exclusiveOwner: null, autoDelete: q.auto_delete, arguments: args, allowReservedName: true },
          '',
        );
    },
  );
  type StoredBinding = { source: string; vhost: string; destination: string; destination_type: string; routing_key: string; arguments: Json };
  const bindingName = (b: StoredBinding): string => `binding from '${b.source}' to ${b.destination_type} '${b.destination}' in vhost '${b.vhost}'`;
  each<StoredBinding>(state.binding.values(), bindingName, (b) => {
    const vhost = broker.vhosts.get(b.vhost);
    const source = vhost?.exchanges.get(b.source);
    const destination = b.destination_type === 'queue' ? vhost?.queues.get(b.destination) : vhost?.exchanges.get(b.destination);
    if (vhost && source && destination) vhost.bind(destination, source, b.routing_key, argumentsFromJson(b, 'arguments', bindingName(b), problems));
  });
  // limits last: a max-queues below the stored queue count must not stop their recovery
  const restoreLimits = (kind: 'vhost' | 'user', owner: string, limits: unknown): void => {
    if (limits === null || typeof limits !== 'object') return;
    for (const [name, value] of Object.entries(limits as Record<string, unknown>)) if (typeof value === 'number') broker.limits.set(kind, owner, name, value);
  };
  for (const v of state.vhost.values() as Iterable<{ name: string; limits?: unknown }>) restoreLimits('vhost', v.name, v.limits);
  for (const u of state.user.values() as Iterable<{ name: string; limits?: unknown }>) restoreLimits('user', u.name, u.limits);
  return problems;
}
