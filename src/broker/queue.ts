// A queue: ready messages (by priority level, in publish order), delivery to consumers,
// and RabbitMQ's queue extensions: message TTL, queue expiry, length limits, dead-lettering.
import type { FieldTable } from '../amqp/index.js';
import type { Consumer } from './consumer.js';
import { ConsumerSet } from './consumer-set.js';
import { contained } from './faults.js';
import { LongTimeout } from './long-timeout.js';
import type { DeathReason } from './dead-letter.js';
import type { Envelope, Message } from './message.js';
import { QueueLevel } from './queue-level.js';
import { queueSettings, type QueueSettings } from './queue-settings.js';
import { QueueCounters } from './message-stats.js';
import { queueKey, type MessageStore } from './store/message-store.js';
import { MemoryBudget } from './store/memory-budget.js';

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
  /** this queue's key in the message store (queueKey) */
  readonly storeKey: string;
  /** set for durable queues when the broker persists: told when stored messages leave */
  private storeRef: MessageStore | null = null;
  /** whenRead's callers, woken when a read from disk arrives */
  private readWaiters: (() => void)[] | null = null;
  private expiryTimer: LongTimeout | null = null;
  private unusedTimer: LongTimeout | null = null;

  constructor(
    readonly name: string,
    readonly vhost: string,
    readonly options: QueueOptions,
    private readonly budget: MemoryBudget | null = null,
  ) {
    this.storeKey = queueKey(this);
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

  /** True while some of this queue's messages are being read back from disk (take(…, false) waits for them). */
  get reading(): boolean {
    for (const level of this.levels) if (level.reading) return true;
    return false;
  }

  /** Calls `then` once the read in flight has arrived, or the queue was emptied or deleted meanwhile. */
  whenRead(then: () => void): void {
    (this.readWaiters ??= []).push(then);
  }

  /** Wakes the waiters of whenRead, after the current call (a purge by another connection does not run them). */
  private wakeReaders(): void {
    const waiters = this.readWaiters;
    if (waiters === null) return;
    this.readWaiters = null;
    queueMicrotask(() => {
      for (const then of waiters) then();
    });
  }

  private makeLevels(): QueueLevel[] {
    const expiry = (m: Message): number => this.expiryOf(m);
    // Messages read back from disk arrive later: deliver them then, and time their expiry.
    const loaded = (lost: number, lostBytes: number): void => {
      // messages that could not be read back (damage, logged by the store) leave the count
      this.count -= lost;
      this.readyBytes -= lostBytes;
      this.persistentReady = Math.max(0, this.persistentReady - lost);
      if (!this.deleted) {
        this.drain();
        this.scheduleExpiry();
      }
      this.wakeReaders();
    };
    return Array.from({ length: this.settings.maxPriority + 1 }, () => new QueueLevel(this.budget, this.storeRef, this, expiry, loaded));
  }

  /** The sooner of the queue's x-message-ttl and the message's own expiration. */
  private expiryOf(message: Message): number {
    const queueTtl = this.settings.messageTtl;
    const ttl = message.ttl;
    const effective = queueTtl === null ? ttl : ttl === null ? queueTtl : Math.min(queueTtl, ttl);
    return effective === null ? 0 : message.arrival + effective;
  }

  /** How log lines name this queue. */
  describe(): string {
    return `queue '${this.name}' in vhost '${this.vhost}'`;
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
    const p = message.priority ?? 0;
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

  /** A recovered persistent message: only its position in the store (read back when needed). */
  enqueueStored(segment: number, offset: number, length: number, bodySize: number, redelivered: boolean): void {
    const overflow = this.budget?.overflow();
    if (this.levels.length > 1 && overflow) {
      // A priority queue places each message by its priority, so it reads it now.
      overflow.read([{ segment, offset, length, durable: true }], true, ([m]) => m && this.enqueue(m, redelivered));
      return;
    }
    this.levels[0]!.pushStored(segment, offset, length, bodySize, redelivered);
    this.count++;
    this.readyBytes += bodySize;
    this.persistentReady++;
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

  /**
   * Removes the next envelope in delivery order, with no TTL or store handling. Unless `sync`, it
   * may be undefined while the next messages are being read back from disk.
   */
  private takeRaw(sync = true): Envelope | undefined {
    if (this.count === 0) return undefined;
    let first: Envelope | undefined;
    for (let i = this.levels.length - 1; i >= 0 && !first; i--) {
      const level = this.levels[i]!;
      if (level.length === 0) continue;
      first = level.take(sync);
      if (!first) return undefined; // this level's next ones are on their way from disk
    }
    if (!first) return undefined;
    this.count--;
    this.readyBytes -= first.message.size;
    if (first.message.persistent) this.persistentReady--;
    return first;
  }

  /**
   * Next ready envelope for basic.get or a delivery (expired ones are dead-lettered on the way).
   * `sync` false (deliveries): undefined while the next messages are read back from disk.
   */
  take(ackRequired: boolean, sync = true): Envelope | undefined {
    if (this.settings.expires !== null) this.touch();
    let first = this.takeRaw(sync);
    // TTL is enforced at the head only, as RabbitMQ does (the clock is read only for messages with one).
    while (first && first.expiresAt !== 0 && first.expiresAt < Date.now()) {
      this.drop(first.message, 'expired');
      first = this.takeRaw(sync);
    }
    if (!first) return undefined;
    if (ackRequired) {
      // An unacknowledged message is held until its consumer settles it: it counts against the budget.
      if (this.budget) this.budget.used += MemoryBudget.cost(first.message);
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
    if (this.budget) this.budget.used -= MemoryBudget.cost(envelope.message);
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
    if (this.budget) this.budget.used -= MemoryBudget.cost(envelope.message);
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
    // a read in flight was let go: whoever waited for it answers now
    this.wakeReaders();
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
        const envelope = this.take(!consumer.noAck, false);
        if (!envelope) break;
        consumer.deliver(envelope);
      }
    } finally {
      this.draining = false;
    }
  }

  /** The next message to deliver when it is in memory (the management API's head_message_timestamp). */
  get headMessage(): Message | undefined {
    return this.headLevel()?.peek(false)?.message;
  }

  /** The highest priority level holding messages: where the head is. */
  private headLevel(): QueueLevel | undefined {
    for (let i = this.levels.length - 1; i >= 0; i--) if (this.levels[i]!.length > 0) return this.levels[i];
    return undefined;
  }

  /** Expires messages at the head on time, even with nobody consuming. */
  private scheduleExpiry(): void {
    if (this.expiryTimer || this.deleted || this.count === 0) return;
    const head = this.headLevel()?.peek(false);
    if (!head || head.expiresAt === 0) return;
    this.expiryTimer = new LongTimeout(
      () => {
        this.expiryTimer = null;
        contained(
          () => this.describe(),
          'message expiry',
          () => this.expireHead(),
        );
        // expireHead re-arms itself; after a failure, the messages behind the head still expire
        contained(
          () => this.describe(),
          'message expiry',
          () => this.scheduleExpiry(),
        );
      },
      Math.max(0, head.expiresAt - Date.now() + 1),
    );
  }

  private expireHead(): void {
    const now = Date.now();
    for (;;) {
      // (only what is in memory: messages still on disk are checked when they are read back)
      const head = this.headLevel()?.peek(false);
      if (!head || head.expiresAt === 0 || head.expiresAt >= now) break;
      this.takeRaw(false);
      this.drop(head.message, 'expired');
    }
    this.scheduleExpiry();
  }

  /** x-expires: the queue is deleted after going unused (no consumers, gets or redeclares) that long. */
  touch(): void {
    const expires = this.settings.expires;
    this.unusedTimer?.clear();
    this.unusedTimer = null;
    if (expires === null || this.deleted || this.consumerSet.length > 0) return;
    this.unusedTimer = new LongTimeout(() => {
      this.unusedTimer = null;
      contained(
        () => this.describe(),
        'queue expiry (x-expires)',
        () => {
          if (this.consumerSet.length === 0) this.hooks?.remove(this);
        },
      );
    }, expires);
  }

  private clearTimers(): void {
    this.expiryTimer?.clear();
    this.unusedTimer?.clear();
    this.expiryTimer = this.unusedTimer = null;
  }
}
