// A queue: ready messages (by priority level, in publish order), delivery to consumers,
// and RabbitMQ's queue extensions: message TTL, queue expiry, length limits, dead-lettering.
import type { FieldTable } from '../amqp/index.js';
import type { Consumer } from './consumer.js';
import { ConsumerSet } from './consumer-set.js';
import type { DeathReason } from './dead-letter.js';
import type { Envelope, Message } from './message.js';
import { QueueLevel } from './queue-level.js';
import { queueSettings, type QueueSettings } from './queue-settings.js';
import { QueueCounters } from './message-stats.js';
import type { MessageStore } from './store/message-store.js';
import type { MemoryBudget } from './store/spool.js';

export interface QueueOptions {
  durable: boolean;
  /** id of the owning connection for exclusive queues, else null */
  exclusiveOwner: string | null;
  autoDelete: boolean;
  arguments: FieldTable;
}

/** What a queue asks of its vhost. */
export interface QueueHooks {
  /** republish a message that died here (its dead-letter exchange decides whether anything happens) */
  deadLetter(queue: Queue, message: Message, reason: DeathReason): void;
  /** an auto-delete queue lost its last consumer, or an x-expires queue went unused: remove it */
  remove(queue: Queue): void;
}

export class Queue {
  readonly kind = 'queue' as const;
  /** index = priority; highest index served first */
  private levels: QueueLevel[];
  private count = 0;
  private consumerSet: ConsumerSet;
  private draining = false;
  private hadConsumer = false;
  unackedCount = 0;
  readyBytes = 0;
  unackedBytes = 0;
  /** persistent messages among the ready and the unacknowledged (for listings) */
  persistentReady = 0;
  persistentUnacked = 0;
  deleted = false;
  settings: QueueSettings;
  /** name of the policy applied, if any (for listings) */
  policy: string | null = null;
  hooks: QueueHooks | null = null;
  /** message counters for the management API (sampled by the server) */
  readonly stats = new QueueCounters();
  /** set for durable queues when the broker persists: told when stored messages leave */
  private storeRef: MessageStore | null = null;
  private expiryTimer: NodeJS.Timeout | null = null;
  private unusedTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly name: string,
    readonly vhost: string,
    readonly options: QueueOptions,
    private readonly budget: MemoryBudget | null = null,
  ) {
    this.settings = queueSettings(options.arguments, null);
    this.consumerSet = new ConsumerSet(this.settings.singleActiveConsumer);
    this.levels = this.makeLevels();
  }

  get store(): MessageStore | null {
    return this.storeRef;
  }

  /** Attaches the message store (durable queues); only before the queue holds messages. */
  set store(store: MessageStore | null) {
    this.storeRef = store;
    this.levels = this.makeLevels();
  }

  /** Applies a policy's definition (null: none); arguments given at declare time take precedence. */
  applyPolicy(name: string | null, definition: FieldTable | null): void {
    this.policy = name;
    this.settings = queueSettings(this.options.arguments, definition);
    this.enforceLimits();
    this.scheduleExpiry();
    this.touch();
  }

  private makeLevels(): QueueLevel[] {
    const expiry = (m: Message): number => this.expiryOf(m);
    return Array.from({ length: this.settings.maxPriority + 1 }, () => new QueueLevel(this.budget, this.storeRef, expiry));
  }

  /** The sooner of the queue's x-message-ttl and the message's own expiration. */
  private expiryOf(message: Message): number {
    const queueTtl = this.settings.messageTtl;
    const ttl = message.ttl;
    const effective = queueTtl === null ? ttl : ttl === null ? queueTtl : Math.min(queueTtl, ttl);
    return effective === null ? 0 : message.arrival + effective;
  }

  get messageCount(): number {
    return this.count;
  }

  get consumerCount(): number {
    return this.consumerSet.length;
  }

  get consumers(): readonly Consumer[] {
    return this.consumerSet.all;
  }

  /** Under single active consumer, whether `c` is the one receiving; otherwise always true. */
  isActiveConsumer(c: Consumer): boolean {
    return this.consumerSet.isActive(c);
  }

  get isExclusive(): boolean {
    return this.options.exclusiveOwner !== null;
  }

  /** ready messages kept on disk because of the memory budget */
  get spooledCount(): number {
    let n = 0;
    for (const level of this.levels) n += level.spooled;
    return n;
  }

  private levelOf(message: Message): QueueLevel {
    const top = this.levels.length - 1;
    if (top === 0) return this.levels[0]!;
    const p = message.properties.priority ?? 0;
    return this.levels[p > top ? top : p]!;
  }

  /** False when x-overflow reject-publish(-dlx) turns the message away (the queue is full). */
  accepts(message: Message): boolean {
    const s = this.settings;
    if (s.overflow === 'drop-head') return true;
    if (s.maxLength !== null && this.count >= s.maxLength) return false;
    if (s.maxLengthBytes !== null && this.readyBytes + message.size > s.maxLengthBytes) return false;
    return true;
  }

  enqueue(message: Message, redelivered = false): void {
    this.levelOf(message).push(message, redelivered);
    this.count++;
    this.readyBytes += message.size;
    if (message.persistent) this.persistentReady++;
    if (this.consumerSet.length > 0) this.drain();
    this.enforceLimits();
    this.scheduleExpiry();
  }

  /** x-max-length / x-max-length-bytes with drop-head: the oldest ready messages die as 'maxlen'. */
  private enforceLimits(): void {
    const s = this.settings;
    if (s.maxLength === null && s.maxLengthBytes === null) return;
    while (this.count > 0 && ((s.maxLength !== null && this.count > s.maxLength) || (s.maxLengthBytes !== null && this.readyBytes > s.maxLengthBytes))) {
      const head = this.takeRaw();
      if (!head) break;
      this.drop(head.message, 'maxlen');
    }
  }

  /** The message leaves this queue without being delivered: forget it, dead-letter it. */
  private drop(message: Message, reason: DeathReason): void {
    this.hooks?.deadLetter(this, message, reason);
    if (this.storeRef && message.stored) this.storeRef.removed(message, this);
  }

  /** Removes the next envelope in delivery order, with no TTL or store handling. */
  private takeRaw(): Envelope | undefined {
    if (this.count === 0) return undefined;
    let first: Envelope | undefined;
    for (let i = this.levels.length - 1; i >= 0 && !first; i--) first = this.levels[i]!.take();
    if (!first) return undefined;
    this.count--;
    this.readyBytes -= first.message.size;
    if (first.message.persistent) this.persistentReady--;
    return first;
  }

  /** Next ready envelope for basic.get or a delivery (expired ones are dead-lettered on the way). */
  take(ackRequired: boolean): Envelope | undefined {
    this.touch();
    const now = Date.now();
    let first = this.takeRaw();
    // TTL is enforced at the head only, as RabbitMQ does.
    while (first && first.expiresAt !== 0 && first.expiresAt < now) {
      this.drop(first.message, 'expired');
      first = this.takeRaw();
    }
    if (!first) return undefined;
    if (ackRequired) {
      this.unackedCount++;
      this.unackedBytes += first.message.size;
      if (first.message.persistent) this.persistentUnacked++;
      if (this.storeRef && first.message.stored && !first.redelivered) this.storeRef.delivered(first.message, this);
    } else if (this.storeRef && first.message.stored) {
      this.storeRef.removed(first.message, this);
    }
    return first;
  }

  /** The consumer acknowledged an envelope taken with ackRequired. */
  settle(envelope: Envelope): void {
    this.unackedCount--;
    this.unackedBytes -= envelope.message.size;
    if (envelope.message.persistent) this.persistentUnacked--;
    if (this.storeRef && envelope.message.stored) this.storeRef.removed(envelope.message, this);
  }

  /** basic.reject / nack without requeue: settled, and dead-lettered as 'rejected'. */
  reject(envelope: Envelope): void {
    this.hooks?.deadLetter(this, envelope.message, 'rejected');
    this.settle(envelope);
  }

  /** Puts an unacknowledged envelope back in its original place, marked redelivered. */
  requeue(envelope: Envelope): void {
    if (this.deleted) return this.settle(envelope);
    this.unackedCount--;
    this.unackedBytes -= envelope.message.size;
    this.levelOf(envelope.message).requeue(envelope);
    this.count++;
    this.readyBytes += envelope.message.size;
    if (envelope.message.persistent) {
      this.persistentUnacked--;
      this.persistentReady++;
    }
    this.scheduleExpiry();
  }

  purge(): number {
    const count = this.count;
    const store = this.storeRef;
    const forget = store ? (m: Message) => m.stored && store.removed(m, this) : null;
    for (const level of this.levels) level.clear(forget);
    this.count = 0;
    this.readyBytes = 0;
    this.persistentReady = 0;
    return count;
  }

  addConsumer(consumer: Consumer): void {
    this.consumerSet.add(consumer);
    this.hadConsumer = true;
    this.touch();
    this.drain();
  }

  removeConsumer(consumer: Consumer): void {
    if (!this.consumerSet.remove(consumer)) return;
    // 0-9-1 queue.declare auto-delete: deleted when the last consumer goes, once it had one.
    if (this.consumerSet.length === 0 && this.hadConsumer && this.options.autoDelete) {
      this.hooks?.remove(this);
      return;
    }
    this.touch();
    this.drain(); // under single active consumer, the next one takes over
  }

  /** Marks the queue deleted and tells its consumers; returns the messages it held. */
  delete(): number {
    const count = this.purge();
    this.deleted = true;
    this.clearTimers();
    for (const c of this.consumerSet.clear()) c.cancelledByBroker();
    return count;
  }

  /** Delivers ready messages to consumers that can take them. */
  drain(): void {
    if (this.draining || this.deleted) return;
    this.draining = true;
    try {
      while (this.count > 0 && this.consumerSet.length > 0) {
        const consumer = this.consumerSet.next();
        if (!consumer) break;
        const envelope = this.take(!consumer.noAck);
        if (!envelope) break;
        consumer.deliver(envelope);
      }
    } finally {
      this.draining = false;
    }
  }

  /** Expires messages at the head on time, even with nobody consuming. */
  private scheduleExpiry(): void {
    if (this.expiryTimer || this.deleted || this.count === 0) return;
    let head: Envelope | undefined;
    for (let i = this.levels.length - 1; i >= 0 && !head; i--) head = this.levels[i]!.peek();
    if (!head || head.expiresAt === 0) return;
    this.expiryTimer = setTimeout(() => {
      this.expiryTimer = null;
      this.expireHead();
    }, Math.max(0, head.expiresAt - Date.now() + 1));
    this.expiryTimer.unref();
  }

  private expireHead(): void {
    const now = Date.now();
    for (;;) {
      let level: QueueLevel | undefined;
      let head: Envelope | undefined;
      for (let i = this.levels.length - 1; i >= 0 && !head; i--) {
        level = this.levels[i]!;
        head = level.peek();
      }
      if (!head || head.expiresAt === 0 || head.expiresAt >= now) break;
      this.takeRaw();
      this.drop(head.message, 'expired');
    }
    this.scheduleExpiry();
  }

  /** x-expires: the queue is deleted after going unused (no consumers, gets or redeclares) that long. */
  touch(): void {
    const expires = this.settings.expires;
    if (this.unusedTimer) clearTimeout(this.unusedTimer);
    this.unusedTimer = null;
    if (expires === null || this.deleted || this.consumerSet.length > 0) return;
    this.unusedTimer = setTimeout(() => {
      this.unusedTimer = null;
      if (this.consumerSet.length === 0) this.hooks?.remove(this);
    }, expires);
    this.unusedTimer.unref();
  }

  private clearTimers(): void {
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    if (this.unusedTimer) clearTimeout(this.unusedTimer);
    this.expiryTimer = this.unusedTimer = null;
  }
}
