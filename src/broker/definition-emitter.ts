// Turns changes of the broker model into stored definition events. Its own module, typed against the small
// view of a vhost it reads, so that the broker and its vhosts can hold one without importing the definitions
// code that rebuilds them (src/broker/definitions.ts).
import type { Binding } from './binding.js';
import type { Exchange } from './exchange.js';
import type { Limits } from './limits.js';
import type { Policy } from './policies.js';
import type { Queue } from './queue.js';
import type { DefinitionEvents } from './store/definitions-store.js';
import { tableToJson } from './store/json-values.js';
import type { TopicPermission } from './topic-permissions.js';
import { HASHING_ALGORITHM } from '../common/password-hash.js';
import type { Permission, User } from './users.js';

/** What the emitter reads of a vhost. */
export interface StoredVhostView {
  readonly name: string;
  readonly description: string;
  readonly tags: string[];
  readonly exchanges: { get(name: string): Exchange | undefined };
}

const key = (...parts: string[]): string => parts.join('\u0000');

/** Exclusive queues and transient objects are never stored. */
export const isStoredQueue = (q: Queue): boolean => q.options.durable && q.options.exclusiveOwner === null;
export const isStoredExchange = (x: Exchange): boolean => x.options.durable && x.name !== '' && !x.name.startsWith('amq.');

export function isStoredBinding(vhost: StoredVhostView, b: Binding): boolean {
  const source = vhost.exchanges.get(b.source);
  if (!source || !source.options.durable || source.name === '') return false;
  const d = b.destination as Queue | Exchange;
  return d.kind === 'queue' ? isStoredQueue(d as Queue) : (d as Exchange).options.durable;
}

/** A stored binding's record key (vhost, the binding's identity in its source, the source). */
const storedBindingKey = (vhost: string, b: Binding): string => key(vhost, b.key, b.source);

export class DefinitionEmitter {
  /** the broker's limits, stored with their vhost and user records */
  limits: Limits | null = null;

  constructor(private readonly sink: DefinitionEvents) {}

  vhost(v: StoredVhostView): void {
    this.sink.put('vhost', v.name, { name: v.name, description: v.description, tags: v.tags, limits: this.limits?.vhosts.get(v.name) ?? {} });
  }
  vhostDeleted(name: string): void {
    this.sink.delete('vhost', name);
  }
  user(u: User): void {
    this.sink.put('user', u.name, {
      name: u.name,
      password_hash: u.passwordHash,
      hashing_algorithm: HASHING_ALGORITHM,
      tags: u.tags,
      limits: this.limits?.users.get(u.name) ?? {},
    });
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
      name: x.name,
      vhost: x.vhost,
      type: x.type,
      durable: true,
      auto_delete: o.autoDelete,
      internal: o.internal,
      arguments: tableToJson(o.arguments),
      ...(o.actingUser === undefined ? {} : { user_who_performed_action: o.actingUser }),
    });
  }
  exchangeDeleted(x: Exchange): void {
    if (isStoredExchange(x)) this.sink.delete('exchange', key(x.vhost, x.name));
  }
  queue(q: Queue): void {
    if (!isStoredQueue(q)) return;
    this.sink.put('queue', key(q.vhost, q.name), {
      name: q.name,
      vhost: q.vhost,
      durable: true,
      auto_delete: q.options.autoDelete,
      arguments: tableToJson(q.options.arguments),
    });
  }
  queueDeleted(q: Queue): void {
    if (isStoredQueue(q)) this.sink.delete('queue', key(q.vhost, q.name));
  }
  policy(p: Policy): void {
    this.sink.put('policy', key(p.vhost, p.name), {
      vhost: p.vhost,
      name: p.name,
      pattern: p.pattern,
      'apply-to': p.applyTo,
      priority: p.priority,
      definition: tableToJson(p.definition),
    });
  }
  policyDeleted(p: Policy): void {
    this.sink.delete('policy', key(p.vhost, p.name));
  }
  binding(vhost: StoredVhostView, b: Binding): void {
    if (!isStoredBinding(vhost, b)) return;
    this.sink.put('binding', storedBindingKey(vhost.name, b), {
      source: b.source,
      vhost: vhost.name,
      destination: b.destination.name,
      destination_type: b.destination.kind,
      routing_key: b.routingKey,
      arguments: tableToJson(b.arguments),
    });
  }
  bindingDeleted(vhost: StoredVhostView, b: Binding): void {
    if (isStoredBinding(vhost, b)) this.sink.delete('binding', storedBindingKey(vhost.name, b));
  }
}
