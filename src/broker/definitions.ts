// The broker's durable definitions in RabbitMQ's definitions-file shapes: what the store
// journals, and how a stored state is loaded back into a broker.
import type { FieldTable } from '../amqp/index.js';
import type { Binding } from './binding.js';
import type { Broker } from './broker.js';
import type { Exchange } from './exchange.js';
import type { ApplyTo, Policy } from './policies.js';
import type { TopicPermission } from './topic-permissions.js';
import type { Queue } from './queue.js';
import type { DefinitionEvents, DefinitionState } from './store/definitions-store.js';
import { fromJson, StoredValueTooDeep, tableToJson, type tableFromJson } from './store/json-values.js';
import { HASHING_ALGORITHM, type Permission, type User } from './users.js';
import type { Vhost } from './vhost.js';

const key = (...parts: string[]): string => parts.join('\u0000');

/** Exclusive queues and transient objects are never stored. */
export const isStoredQueue = (q: Queue): boolean => q.options.durable && q.options.exclusiveOwner === null;
export const isStoredExchange = (x: Exchange): boolean => x.options.durable && x.name !== '' && !x.name.startsWith('amq.');

export function isStoredBinding(vhost: Vhost, b: Binding): boolean {
  const source = vhost.exchanges.get(b.source);
  if (!source || !source.options.durable || source.name === '') return false;
  const d = b.destination as Queue | Exchange;
  return d.kind === 'queue' ? isStoredQueue(d as Queue) : (d as Exchange).options.durable;
}

export const bindingKey = (vhost: string, b: Binding): string => key(vhost, b.key, b.source);

export class DefinitionEmitter {
  constructor(private readonly sink: DefinitionEvents) {}

  vhost(v: Vhost): void {
    this.sink.put('vhost', v.name, { name: v.name, description: v.description, tags: v.tags });
  }
  vhostDeleted(name: string): void {
    this.sink.delete('vhost', name);
  }
  user(u: User): void {
    this.sink.put('user', u.name, { name: u.name, password_hash: u.passwordHash, hashing_algorithm: HASHING_ALGORITHM, tags: u.tags });
  }
  userDeleted(name: string): void {
    this.sink.delete('user', name);
  }
  permission(p: Permission): void {
    this.sink.put('permission', key(p.vhost, p.user), { user: p.user, vhost: p.vhost, configure: p.configure, write: p.write, read: p.read });
  }
  permissionDeleted(vhost: string, user: string): void {
    this.sink.delete('permission', key(vhost, user));
  }
  topicPermission(p: TopicPermission): void {
    this.sink.put('topic_permission', key(p.vhost, p.user, p.exchange), { user: p.user, vhost: p.vhost, exchange: p.exchange, write: p.write, read: p.read });
  }
  topicPermissionDeleted(p: TopicPermission): void {
    this.sink.delete('topic_permission', key(p.vhost, p.user, p.exchange));
  }
  exchange(x: Exchange): void {
    if (!isStoredExchange(x)) return;
    const o = x.options;
    this.sink.put('exchange', key(x.vhost, x.name), {
      name: x.name, vhost: x.vhost, type: x.type, durable: true, auto_delete: o.autoDelete, internal: o.internal, arguments: tableToJson(o.arguments),
    });
  }
  exchangeDeleted(x: Exchange): void {
    if (isStoredExchange(x)) this.sink.delete('exchange', key(x.vhost, x.name));
  }
  queue(q: Queue): void {
    if (!isStoredQueue(q)) return;
    this.sink.put('queue', key(q.vhost, q.name), {
      name: q.name, vhost: q.vhost, durable: true, auto_delete: q.options.autoDelete, arguments: tableToJson(q.options.arguments),
    });
  }
  queueDeleted(q: Queue): void {
    if (isStoredQueue(q)) this.sink.delete('queue', key(q.vhost, q.name));
  }
  policy(p: Policy): void {
    this.sink.put('policy', key(p.vhost, p.name), {
      vhost: p.vhost, name: p.name, pattern: p.pattern, 'apply-to': p.applyTo, priority: p.priority, definition: tableToJson(p.definition),
    });
  }
  policyDeleted(p: Policy): void {
    this.sink.delete('policy', key(p.vhost, p.name));
  }
  binding(vhost: Vhost, b: Binding): void {
    if (!isStoredBinding(vhost, b)) return;
    this.sink.put('binding', bindingKey(vhost.name, b), {
      source: b.source, vhost: vhost.name, destination: b.destination.name, destination_type: b.destination.kind,
      routing_key: b.routingKey, arguments: tableToJson(b.arguments),
    });
  }
  bindingDeleted(vhost: Vhost, b: Binding): void {
    if (isStoredBinding(vhost, b)) this.sink.delete('binding', bindingKey(vhost.name, b));
  }
}

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
      if (!(err instanceof StoredValueTooDeep)) throw err;
      problems.push(`${what}: argument '${k}' is ${err.message}; left out`);
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
  each<{ name: string; description?: string; tags?: string[] }>(state.vhost.values(), (v) => `vhost '${v.name}'`, (v) => {
    broker.addVhost(v.name, v.description ?? '', v.tags ?? []);
  });
  each<{ name: string; password_hash: string; tags: string[] }>(state.user.values(), (u) => `user '${u.name}'`, (u) => {
    broker.putUser(u.name, u.password_hash, u.tags);
  });
  each<Permission>(state.permission.values(), (p) => `permissions of '${p.user}' in vhost '${p.vhost}'`, (p) => {
    if (broker.vhosts.has(p.vhost) && broker.users.has(p.user)) broker.setPermissions(p.vhost, p.user, p.configure, p.write, p.read);
  });
  each<TopicPermission>(state.topic_permission.values(), (p) => `topic permissions of '${p.user}' in vhost '${p.vhost}'`, (p) => {
    if (broker.vhosts.has(p.vhost) && broker.users.has(p.user)) broker.setTopicPermission(p);
  });
  type StoredPolicy = { vhost: string; name: string; pattern: string; 'apply-to': ApplyTo; priority: number; definition: Json };
  each<StoredPolicy>(state.policy.values(), (p) => inVhost('policy', p.name, p.vhost), (p) => {
    const definition = argumentsFromJson(p, 'definition', inVhost('policy', p.name, p.vhost), problems);
    broker.vhosts.get(p.vhost)?.setPolicy({ vhost: p.vhost, name: p.name, pattern: p.pattern, applyTo: p['apply-to'], priority: p.priority, definition });
  });
  type StoredExchange = { name: string; vhost: string; type: string; auto_delete: boolean; internal: boolean; arguments: Json };
  each<StoredExchange>(state.exchange.values(), (x) => inVhost('exchange', x.name, x.vhost), (x) => {
    const args = argumentsFromJson(x, 'arguments', inVhost('exchange', x.name, x.vhost), problems);
    broker.vhosts.get(x.vhost)?.declareExchange({ name: x.name, type: x.type, passive: false, durable: true, autoDelete: x.auto_delete, internal: x.internal, arguments: args });
  });
  each<{ name: string; vhost: string; auto_delete: boolean; arguments: Json }>(state.queue.values(), (q) => inVhost('queue', q.name, q.vhost), (q) => {
    const args = argumentsFromJson(q, 'arguments', inVhost('queue', q.name, q.vhost), problems);
    broker.vhosts.get(q.vhost)?.declareQueue(
      { name: q.name, passive: false, durable: true, exclusiveOwner: null, autoDelete: q.auto_delete, arguments: args, allowReservedName: true },
      '',
    );
  });
  type StoredBinding = { source: string; vhost: string; destination: string; destination_type: string; routing_key: string; arguments: Json };
  const bindingName = (b: StoredBinding): string => `binding from '${b.source}' to ${b.destination_type} '${b.destination}' in vhost '${b.vhost}'`;
  each<StoredBinding>(state.binding.values(), bindingName, (b) => {
    const vhost = broker.vhosts.get(b.vhost);
    const source = vhost?.exchanges.get(b.source);
    const destination = b.destination_type === 'queue' ? vhost?.queues.get(b.destination) : vhost?.exchanges.get(b.destination);
    if (vhost && source && destination) vhost.bind(destination, source, b.routing_key, argumentsFromJson(b, 'arguments', bindingName(b), problems));
  });
  return problems;
}
