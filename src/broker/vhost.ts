// One virtual host: its exchanges, queues and bindings, and the declare/delete/bind rules of 0-9-1.
import { randomBytes } from 'node:crypto';
import type { FieldTable } from '../amqp/index.js';
import { firstArgumentMismatch } from './arguments.js';
import { bindingKey, type Bindable, type Binding } from './binding.js';
import {
  commandInvalid,
  defaultExchangeRefused,
  inequivalentArg,
  notFound,
  preconditionFailed,
  reservedName,
  resourceLocked,
} from './errors.js';
import { createExchange, isExchangeType, type Exchange, type ExchangeOptions } from './exchange.js';
import type { Message } from './message.js';
import { Queue, type QueueOptions } from './queue.js';
import type { DefinitionEmitter } from './definitions.js';
import type { MessageStore } from './store/message-store.js';
import type { MemoryBudget } from './store/spool.js';

/** What a vhost needs from its broker: where to store messages and report definition changes. */
export interface VhostEnv {
  readonly store: MessageStore;
  readonly definitions: DefinitionEmitter | null;
  readonly memory: MemoryBudget | null;
}

/** The queue arguments RabbitMQ compares on redeclaration; others are accepted as given. */
const EQUIVALENCE_ARGS = [
  'x-dead-letter-exchange',
  'x-dead-letter-routing-key',
  'x-expires',
  'x-max-length',
  'x-max-length-bytes',
  'x-max-priority',
  'x-message-ttl',
  'x-overflow',
  'x-queue-mode',
  'x-queue-type',
  'x-single-active-consumer',
] as const;

const STANDARD_EXCHANGES: [string, string][] = [
  ['amq.direct', 'direct'],
  ['amq.fanout', 'fanout'],
  ['amq.topic', 'topic'],
  ['amq.headers', 'headers'],
  ['amq.match', 'headers'],
];

// Scratch collections reused by publish(): routing is synchronous, so one of each suffices.
const routed = new Set<Queue>();
const durableTargets: Queue[] = [];

export interface ExchangeDeclare extends ExchangeOptions {
  name: string;
  type: string;
  passive: boolean;
}

export interface QueueDeclare extends QueueOptions {
  name: string;
  passive: boolean;
}

/** The connection asking, for exclusive-queue ownership checks. */
export type ConnectionId = string;

export class Vhost {
  readonly exchanges = new Map<string, Exchange>();
  readonly queues = new Map<string, Queue>();
  /** called after a queue is removed for any reason (delete, auto-delete, owner closed) */
  onQueueDeleted: ((queue: Queue) => void) | null = null;

  constructor(
    readonly name: string,
    public description = '',
    public tags: string[] = [],
    private readonly env: VhostEnv | null = null,
  ) {
    const builtIn = { durable: true, autoDelete: false, internal: false, arguments: {} };
    this.exchanges.set('', createExchange('direct', '', name, builtIn));
    for (const [xname, type] of STANDARD_EXCHANGES) this.exchanges.set(xname, createExchange(type as 'direct', xname, name, builtIn));
  }

  /** Updates description and tags (management API PUT on an existing vhost). */
  setMetadata(description: string | undefined, tags: string[] | undefined): void {
    if (description !== undefined) this.description = description;
    if (tags !== undefined) this.tags = tags;
    this.env?.definitions?.vhost(this);
  }

  /**
   * Routes a message and enqueues it. A persistent message is stored once for all its durable
   * queues before any consumer can see it. Returns how many queues took it and the store batch
   * whose durability confirms it (0: nothing to wait for).
   */
  publish(exchange: Exchange, message: Message): { routed: number; batch: number } {
    this.route(exchange, message, routed);
    const count = routed.size;
    let batch = 0;
    if (count > 0) {
      if (message.persistent && this.env) {
        for (const q of routed) if (q.store) durableTargets.push(q);
        if (durableTargets.length > 0) batch = this.env.store.persist(message, durableTargets);
        durableTargets.length = 0;
      }
      for (const q of routed) q.enqueue(message);
      routed.clear();
    }
    return { routed: count, batch };
  }

  exchange(name: string): Exchange {
    const x = this.exchanges.get(name);
    if (!x) throw notFound('exchange', name, this.name);
    return x;
  }

  /** A queue the connection may use: exclusive queues belong to their declaring connection. */
  queue(name: string, connection: ConnectionId | null): Queue {
    const q = this.queues.get(name);
    if (!q) throw notFound('queue', name, this.name);
    if (q.options.exclusiveOwner !== null && connection !== null && q.options.exclusiveOwner !== connection) {
      throw resourceLocked(name, this.name);
    }
    return q;
  }

  declareExchange(d: ExchangeDeclare): Exchange {
    const existing = this.exchanges.get(d.name);
    // 0-9-1 exchange.declare: passive -> 404 if it does not exist, no other checks.
    if (d.passive) {
      if (!existing) throw notFound('exchange', d.name, this.name);
      return existing;
    }
    if (d.name === '') throw defaultExchangeRefused();
    if (!isExchangeType(d.type)) throw commandInvalid(`invalid exchange type '${d.type}'`);
    if (existing) {
      this.checkExchangeEquivalent(existing, d);
      return existing;
    }
    // 0-9-1 exchange.declare: names starting "amq." are reserved.
    if (d.name.startsWith('amq.')) throw reservedName('exchange', d.name);
    const x = createExchange(d.type, d.name, this.name, d);
    this.exchanges.set(d.name, x);
    this.env?.definitions?.exchange(x);
    return x;
  }

  private checkExchangeEquivalent(x: Exchange, d: ExchangeDeclare): void {
    const fail = (arg: string, received: unknown, current: unknown) =>
      inequivalentArg(arg, 'exchange', x.name, this.name, `'${String(received)}'`, `'${String(current)}'`);
    if (x.type !== d.type) throw fail('type', d.type, x.type);
    if (x.options.durable !== d.durable) throw fail('durable', d.durable, x.options.durable);
    if (x.options.autoDelete !== d.autoDelete) throw fail('auto_delete', d.autoDelete, x.options.autoDelete);
    if (x.options.internal !== d.internal) throw fail('internal', d.internal, x.options.internal);
    const mismatch = firstArgumentMismatch(d.arguments, x.options.arguments, ['alternate-exchange']);
    if (mismatch) {
      throw inequivalentArg(mismatch.key, 'exchange', x.name, this.name, mismatch.received, mismatch.current);
    }
  }

  deleteExchange(name: string, ifUnused: boolean): void {
    if (name === '') throw defaultExchangeRefused();
    const x = this.exchanges.get(name);
    // RabbitMQ: deleting a missing exchange succeeds (idempotent delete).
    if (!x) return;
    if (name.startsWith('amq.')) throw reservedName('exchange', name);
    if (ifUnused && (x.bindings.size > 0 || this.hasBindingsTo(x))) {
      throw preconditionFailed(`exchange '${name}' in vhost '${this.name}' in use`);
    }
    this.removeExchange(x);
  }

  private removeExchange(x: Exchange): void {
    this.exchanges.delete(x.name);
    this.env?.definitions?.exchangeDeleted(x);
    for (const b of [...x.bindings.values()]) x.unbind(b.destination, b.routingKey, b.arguments);
    for (const other of this.exchanges.values()) {
      if (other.unbindAll(x) > 0) this.maybeAutoDeleteExchange(other);
    }
  }

  private hasBindingsTo(destination: Bindable): boolean {
    for (const x of this.exchanges.values()) {
      for (const b of x.bindings.values()) if (b.destination === destination) return true;
    }
    return false;
  }

  /** 0-9-1 exchange.declare auto-delete: deleted when its last binding (as source) goes. */
  private maybeAutoDeleteExchange(x: Exchange): void {
    if (x.options.autoDelete && x.bindings.size === 0) this.removeExchange(x);
  }

  declareQueue(d: QueueDeclare, connection: ConnectionId): Queue {
    const existing = this.queues.get(d.name);
    if (d.passive) {
      if (!existing) throw notFound('queue', d.name, this.name);
      return this.queue(d.name, connection);
    }
    const name = d.name === '' ? Vhost.generatedQueueName() : d.name;
    if (existing) {
      const q = this.queue(name, connection);
      this.checkQueueEquivalent(q, d);
      return q;
    }
    if (name.startsWith('amq.') && d.name !== '') throw reservedName('queue', name);
    const q = new Queue(name, this.name, d, this.env?.memory ?? null);
    // Exclusive queues die with their connection, so only the others keep messages across restarts.
    if (d.durable && d.exclusiveOwner === null) q.store = this.env?.store ?? null;
    q.onUnused = (unused) => this.removeQueue(unused);
    this.queues.set(name, q);
    this.env?.definitions?.queue(q);
    return q;
  }

  static generatedQueueName(): string {
    return `amq.gen-${randomBytes(16).toString('base64url').slice(0, 22)}`;
  }

  private checkQueueEquivalent(q: Queue, d: QueueDeclare): void {
    const fail = (arg: string, received: boolean, current: boolean) =>
      inequivalentArg(arg, 'queue', q.name, this.name, `'${String(received)}'`, `'${String(current)}'`);
    if (q.options.durable !== d.durable) throw fail('durable', d.durable, q.options.durable);
    if (q.options.autoDelete !== d.autoDelete) throw fail('auto_delete', d.autoDelete, q.options.autoDelete);
    const exclusive = d.exclusiveOwner !== null;
    if (q.isExclusive !== exclusive) throw fail('exclusive', exclusive, q.isExclusive);
    const mismatch = firstArgumentMismatch(d.arguments, q.options.arguments, EQUIVALENCE_ARGS);
    if (mismatch) throw inequivalentArg(mismatch.key, 'queue', q.name, this.name, mismatch.received, mismatch.current);
  }

  deleteQueue(name: string, connection: ConnectionId | null, ifUnused: boolean, ifEmpty: boolean): number {
    // RabbitMQ: deleting a missing queue succeeds with a message count of 0.
    if (!this.queues.has(name)) return 0;
    const q = this.queue(name, connection);
    if (ifUnused && q.consumerCount > 0) throw preconditionFailed(`queue '${name}' in vhost '${this.name}' in use`);
    if (ifEmpty && q.messageCount > 0) throw preconditionFailed(`queue '${name}' in vhost '${this.name}' is not empty`);
    return this.removeQueue(q);
  }

  removeQueue(q: Queue): number {
    if (this.queues.get(q.name) !== q) return 0;
    this.queues.delete(q.name);
    this.env?.definitions?.queueDeleted(q);
    for (const x of [...this.exchanges.values()]) {
      if (x.unbindAll(q) > 0) this.maybeAutoDeleteExchange(x);
    }
    const count = q.delete();
    this.onQueueDeleted?.(q);
    return count;
  }

  bind(destination: Bindable, source: Exchange, routingKey: string, args: FieldTable): void {
    if (source.name === '') throw defaultExchangeRefused();
    if (source.bind(destination, routingKey, args)) {
      this.env?.definitions?.binding(this, source.bindings.get(bindingKey(destination, routingKey, args))!);
    }
  }

  unbind(destination: Bindable, source: Exchange, routingKey: string, args: FieldTable): void {
    if (source.name === '') throw defaultExchangeRefused();
    // RabbitMQ: unbinding a binding that does not exist succeeds.
    const binding = source.bindings.get(bindingKey(destination, routingKey, args));
    if (binding && source.unbind(destination, routingKey, args)) {
      this.env?.definitions?.bindingDeleted(this, binding);
      this.maybeAutoDeleteExchange(source);
    }
  }

  /**
   * Routes a message from `exchange` to the queues it reaches, following
   * exchange-to-exchange bindings (each exchange visited once).
   */
  route(exchange: Exchange, message: Message, out: Set<Queue>): void {
    if (exchange.name === '') {
      const q = this.queues.get(message.routingKey);
      if (q) out.add(q);
      return;
    }
    const matched = new Set<Binding>();
    const visited = new Set<Exchange>([exchange]);
    const pending: Exchange[] = [exchange];
    const headers = message.properties.headers;
    while (pending.length > 0) {
      matched.clear();
      pending.pop()!.route(message.routingKey, headers, matched);
      for (const b of matched) {
        if (b.destination.kind === 'queue') {
          out.add(b.destination as Queue);
        } else {
          const next = b.destination as Exchange;
          if (!visited.has(next)) {
            visited.add(next);
            pending.push(next);
          }
        }
      }
    }
  }

  /** Every binding in this vhost, the default exchange's implicit ones included (as RabbitMQ lists them). */
  allBindings(): Binding[] {
    const out: Binding[] = [];
    for (const q of this.queues.values()) {
      out.push({ source: '', destination: q, routingKey: q.name, arguments: {}, key: '' });
    }
    for (const x of this.exchanges.values()) out.push(...x.bindings.values());
    return out;
  }
}
