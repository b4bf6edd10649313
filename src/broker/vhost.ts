// One virtual host: its exchanges, queues and bindings, and the declare/delete/bind rules of 0-9-1.
import { randomBytes } from 'node:crypto';
import { firstArgumentMismatch } from './arguments.js';
import { bindingKey, type Bindable, type Binding } from './binding.js';
import { commandInvalid, defaultExchangeRefused, inequivalentArg, notFound, preconditionFailed, reservedName, resourceLocked } from './errors.js';
import { createExchange, isExchangeType, type Exchange, type ExchangeOptions } from './exchange.js';
import { contentHeaderPayload, type FieldTable } from '../amqp/index.js';
import { deadLetter, wouldCycle, type DeathReason } from './dead-letter.js';
import { contained, reportFault } from './faults.js';
import { Message } from './message.js';
import { routeKey, routeMessage } from './routing.js';
import { Targets } from './targets.js';
import { Queue, type QueueHooks, type QueueOptions } from './queue.js';
import { EQUIVALENCE_ARGS as TABLE_EQUIVALENCE_ARGS } from '../amqp/queue-arguments.js';
import type { Limits } from './limits.js';
import { matchPolicy, validatePolicy, type Policy } from './policies.js';
import { validateQueueArguments } from './queue-settings.js';
import type { RoutingScope } from './routing.js';
import type { DefinitionEmitter } from './definition-emitter.js';
import { countRouted } from './message-stats.js';
import { strippedOf, TRACE_EXCHANGE } from './trace.js';
import type { MessageStore } from './store/message-store.js';
import type { MemoryBudget } from './store/memory-budget.js';

/** What a vhost needs from its broker: where to store messages and report definition changes. */
export interface VhostEnv {
  readonly store: MessageStore;
  readonly definitions: DefinitionEmitter | null;
  readonly memory: MemoryBudget | null;
  /** vhost limits (max-queues); absent in scratch copies */
  readonly limits?: Limits;
}

/** The queue arguments RabbitMQ compares on redeclaration (from the one argument table); others are accepted as given. */
const EQUIVALENCE_ARGS = [...TABLE_EQUIVALENCE_ARGS].sort();

const STANDARD_EXCHANGES: [string, string][] = [
  ['amq.direct', 'direct'],
  ['amq.fanout', 'fanout'],
  ['amq.topic', 'topic'],
  ['amq.headers', 'headers'],
  ['amq.match', 'headers'],
];

// Scratch set reused by publish() for routing (synchronous, so one suffices). It is emptied in a
// finally block: nothing one publish leaves behind may reach the next one, whoever makes it.
const routed = new Targets<Queue>();
// The accepted and durable queue lists of publish(), reused; null while a publish holds them.
let spareAccepted: Queue[] | null = [];
let spareDurable: Queue[] | null = [];

export interface PublishResult {
  routed: number;
  batch: number;
  rejected: boolean;
}

/** What publish() returns: overwritten by the next publish, so read it right away. */
const result: PublishResult = { routed: 0, batch: 0, rejected: false };

function withoutBcc(message: Message): Message {
  const headers = { ...message.properties.headers };
  delete headers['BCC'];
  const properties = { ...message.properties, headers };
  return strippedOf(
    new Message(message.exchange, message.routingKey, properties, contentHeaderPayload(message.size, properties), message.body, message.arrival),
    message,
  );
}

export interface ExchangeDeclare extends ExchangeOptions {
  name: string;
  type: string;
  passive: boolean;
}

export interface QueueDeclare extends QueueOptions {
  name: string;
  passive: boolean;
  /** definitions import and recovery may restore server-named (amq.gen-...) queues */
  allowReservedName?: boolean;
}

/** The connection asking, for exclusive-queue ownership checks. */
export type ConnectionId = string;

export class Vhost implements QueueHooks, RoutingScope {
  readonly exchanges = new Map<string, Exchange>();
  readonly queues = new Map<string, Queue>();
  readonly policies = new Map<string, Policy>();
  /** rabbitmqctl trace_on: publishes and deliveries are copied to amq.rabbitmq.trace (trace.ts) */
  tracing = false;

  constructor(
    readonly name: string,
    public description = '',
    public tags: string[] = [],
    private readonly env: VhostEnv | null = null,
  ) {
    const builtIn = { durable: true, autoDelete: false, internal: false, arguments: {} };
    this.exchanges.set('', createExchange('direct', '', name, builtIn));
    for (const [xname, type] of STANDARD_EXCHANGES) this.exchanges.set(xname, createExchange(type as 'direct', xname, name, builtIn));
    this.exchanges.set(TRACE_EXCHANGE, createExchange('topic', TRACE_EXCHANGE, name, { ...builtIn, internal: true }));
  }

  /** Adds or replaces a policy and re-applies policies to every queue and exchange. */
  setPolicy(policy: Policy): void {
    validatePolicy(policy);
    this.policies.set(policy.name, policy);
    this.env?.definitions?.policy(policy);
    this.applyPolicies();
  }

  clearPolicy(name: string): boolean {
    const policy = this.policies.get(name);
    if (!policy) return false;
    this.policies.delete(name);
    this.env?.definitions?.policyDeleted(policy);
    this.applyPolicies();
    return true;
  }

  private applyPolicies(): void {
    for (const q of this.queues.values()) this.applyPolicyTo(q);
    for (const x of this.exchanges.values()) this.applyPolicyTo(x);
  }

  private applyPolicyTo(target: Queue | Exchange): void {
    if (target.kind === 'exchange' && target.name === '') return;
    const p = this.policies.size === 0 ? null : matchPolicy(this.policies.values(), target.kind, target.name);
    if (target.kind === 'queue') {
      if (p || target.policy) target.applyPolicy(p?.name ?? null, p?.definition ?? null);
    } else {
      target.policy = p?.name ?? null;
      target.policyDefinition = p?.definition ?? null;
    }
  }

  /** Updates description and tags (management API PUT on an existing vhost). */
  setMetadata(description: string | undefined, tags: string[] | undefined): void {
    if (description !== undefined) this.description = description;
    if (tags !== undefined) this.tags = tags;
    this.env?.definitions?.vhost(this);
  }

  /**
   * Routes a message and enqueues it. A persistent message is stored once for all its durable
   * queues before any consumer can see it. Returns how many queues took it, the store batch
   * whose durability confirms it (0: nothing to wait for), and whether a full queue with
   * x-overflow reject-publish turned it away (the publisher is then nacked).
   */
  publish(exchange: Exchange, message: Message, skip?: (q: Queue) => boolean): PublishResult {
    // The queues taking this message are this call's own: the scratch lists are taken out of the
    // pool for the call (a publish nested in it, say a dead-lettering, gets fresh ones) and come
    // back emptied in finally blocks, so a publish that throws half-way cannot leave queues for the
    // next publish (issue 10: that leaked messages across vhosts).
    const accepted = spareAccepted ?? [];
    const durable = spareDurable ?? [];
    spareAccepted = spareDurable = null;
    try {
      let rejected = false;
      let delivered: Message;
      try {
        routeMessage(this, exchange, message, routed);
        // BCC recipients get the message, but nobody sees the BCC header.
        delivered = message.headers?.['BCC'] !== undefined ? withoutBcc(message) : message;
        for (let i = 0; i < routed.items.length; i++) {
          const q = routed.items[i]!;
          if (skip?.(q)) continue;
          if (!q.accepts(delivered)) {
            rejected = true;
            if (q.settings.overflow === 'reject-publish-dlx') this.deadLetter(q, delivered, 'maxlen');
            continue;
          }
          accepted.push(q);
          if (delivered.persistent && q.store) durable.push(q);
        }
      } finally {
        routed.clear();
      }
      let batch = 0;
      if (durable.length > 0 && this.env) batch = this.env.store.persist(delivered, durable);
      for (let i = 0; i < accepted.length; i++) accepted[i]!.enqueue(delivered);
      countRouted(exchange.stats, accepted);
      // One result object, filled last: callers read it before they publish again.
      result.routed = accepted.length;
      result.batch = batch;
      result.rejected = rejected;
      return result;
    } finally {
      // (pop, not length = 0: setting an array's length is a call into the runtime)
      while (accepted.length > 0) accepted.pop();
      while (durable.length > 0) durable.pop();
      spareAccepted = accepted;
      spareDurable = durable;
    }
  }

  /** RabbitMQ's alternate exchange: the exchange's argument, else its policy's. */
  alternateOf(x: Exchange): string | null {
    const v = x.options.arguments['alternate-exchange'] ?? x.policyDefinition?.['alternate-exchange'];
    return typeof v === 'string' ? v : null;
  }

  /** A message died in `queue`: republish a copy with its x-death history to the dead-letter exchange. */
  deadLetter(queue: Queue, message: Message, reason: DeathReason): void {
    const dlx = queue.settings.deadLetterExchange;
    if (dlx === null) return;
    const exchange = this.exchanges.get(dlx);
    if (!exchange) return;
    // Runs from expiry timers, length limits and rejections: a failure here costs this one
    // dead-lettered copy (logged), never the publish, the queue or the process.
    let copy: Message;
    const targets = new Targets<Queue>();
    try {
      const dead = deadLetter(message, queue.name, reason, dlx, queue.settings.deadLetterRoutingKey);
      copy = dead.message;
      for (const key of dead.routingKeys) routeKey(this, exchange, key, copy.properties.headers, targets);
    } catch (err) {
      reportFault(queue.describe(), `dead-lettering a message to exchange '${dlx}' (the copy is dropped)`, err);
      return;
    }
    for (const target of targets.items) {
      contained(
        () => target.describe(),
        `enqueueing a message dead-lettered from ${queue.describe()}`,
        () => {
          if (wouldCycle(copy, target.name) || !target.accepts(copy)) return;
          if (copy.persistent && target.store && this.env) this.env.store.persist(copy, [target]);
          target.enqueue(copy);
        },
      );
    }
  }

  remove(queue: Queue): void {
    this.removeQueue(queue);
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
    // RabbitMQ says "unknown exchange type" for a type it has no module for (x-delayed-message without
    // its plugin, a typo). For names that happen to be atoms in its VM ('x', 'foo', '') it says
    // "invalid exchange type" instead, which depends on its internals; warren always says "unknown".
    if (!isExchangeType(d.type)) throw commandInvalid(`unknown exchange type '${d.type}'`);
    if (existing) {
      this.checkExchangeEquivalent(existing, d);
      return existing;
    }
    // 0-9-1 exchange.declare: names starting "amq." are reserved.
    if (d.name.startsWith('amq.')) throw reservedName('exchange', d.name);
    const x = createExchange(d.type, d.name, this.name, d);
    this.exchanges.set(d.name, x);
    this.applyPolicyTo(x);
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
      q.touch();
      return q;
    }
    if (name.startsWith('amq.') && d.name !== '' && !d.allowReservedName) throw reservedName('queue', name);
    validateQueueArguments(d.arguments, name, this.name, d.durable, d.exclusiveOwner !== null);
    this.env?.limits?.checkQueue(this.name, name, this.queues.size);
    const q = new Queue(name, this.name, d, this.env?.memory ?? null);
    // Exclusive queues die with their connection, so only the others keep messages across restarts.
    if (d.durable && d.exclusiveOwner === null) q.store = this.env?.store ?? null;
    q.hooks = this;
    this.applyPolicyTo(q);
    q.touch(); // starts the x-expires clock
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
    return q.delete();
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

  /** Every binding in this vhost, the default exchange's implicit ones included (as RabbitMQ lists them). */
  allBindings(): Binding[] {
    const out: Binding[] = [];
    for (const q of this.queues.values()) {
      out.push({ source: '', destination: q, routingKey: q.name, arguments: {}, key: '' });
    }
    for (const x of this.exchanges.values()) for (const b of x.bindings.values()) out.push(b);
    return out;
  }
}
