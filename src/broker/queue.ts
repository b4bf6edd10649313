// A queue: ready messages in publish order, requeued ones back in their original place,
// and round-robin delivery across consumers with capacity.
import type { FieldTable } from '../amqp/index.js';
import type { Consumer } from './consumer.js';
import type { Envelope, Message } from './message.js';
import { QueueLevel } from './queue-level.js';
import type { MessageStore } from './store/message-store.js';
import type { MemoryBudget } from './store/spool.js';

export interface QueueOptions {
  durable: boolean;
  /** id of the owning connection for exclusive queues, else null */
  exclusiveOwner: string | null;
  autoDelete: boolean;
  arguments: FieldTable;
}

/** RabbitMQ's x-max-priority: 1..255 priority levels, higher first. */
function maxPriority(args: FieldTable): number {
  const v = args['x-max-priority'];
  return typeof v === 'number' && v > 0 ? Math.min(Math.floor(v), 255) : 0;
}

export class Queue {
  readonly kind = 'queue' as const;
  /** index = priority; highest index served first */
  private levels: QueueLevel[];
  private count = 0;
  private readonly consumerList: Consumer[] = [];
  private roundRobin = 0;
  private draining = false;
  private hadConsumer = false;
  unackedCount = 0;
  readyBytes = 0;
  unackedBytes = 0;
  deleted = false;
  /** set for durable queues when the broker persists: told when stored messages leave */
  private storeRef: MessageStore | null = null;
  /** called when an auto-delete queue loses its last consumer */
  onUnused: ((queue: Queue) => void) | null = null;

  constructor(
    readonly name: string,
    readonly vhost: string,
    readonly options: QueueOptions,
    private readonly budget: MemoryBudget | null = null,
  ) {
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

  private makeLevels(): QueueLevel[] {
    return Array.from({ length: maxPriority(this.options.arguments) + 1 }, () => new QueueLevel(this.budget, this.storeRef));
  }

  /** ready messages kept on disk because of the memory budget */
  get spooledCount(): number {
    let n = 0;
    for (const level of this.levels) n += level.spooled;
    return n;
  }

  get messageCount(): number {
    return this.count;
  }

  private levelOf(message: Message): QueueLevel {
    const top = this.levels.length - 1;
    if (top === 0) return this.levels[0]!;
    const p = message.properties.priority ?? 0;
    return this.levels[p > top ? top : p]!;
  }

  get consumerCount(): number {
    return this.consumerList.length;
  }

  get consumers(): readonly Consumer[] {
    return this.consumerList;
  }

  get isExclusive(): boolean {
    return this.options.exclusiveOwner !== null;
  }

  enqueue(message: Message, redelivered = false): void {
    this.levelOf(message).push(message, redelivered);
    this.count++;
    this.readyBytes += message.size;
    if (this.consumerList.length > 0) this.drain();
  }

  /** Next ready envelope, for basic.get or a delivery; the caller owns it from here. */
  take(ackRequired: boolean): Envelope | undefined {
    if (this.count === 0) return undefined;
    let first: Envelope | undefined;
    for (let i = this.levels.length - 1; i >= 0 && !first; i--) first = this.levels[i]!.take();
    if (!first) return undefined;
    this.count--;
    this.readyBytes -= first.message.size;
    if (ackRequired) {
      this.unackedCount++;
      this.unackedBytes += first.message.size;
      if (this.store && first.message.stored && !first.redelivered) this.store.delivered(first.message, this);
    } else if (this.store && first.message.stored) {
      this.store.removed(first.message, this);
    }
    return first;
  }

  /** The consumer acknowledged (or rejected without requeue) an envelope taken with ackRequired. */
  settle(envelope: Envelope): void {
    this.unackedCount--;
    this.unackedBytes -= envelope.message.size;
    if (this.store && envelope.message.stored) this.store.removed(envelope.message, this);
  }

  /** Puts an unacknowledged envelope back in its original place, marked redelivered. */
  requeue(envelope: Envelope): void {
    if (this.deleted) return this.settle(envelope);
    this.unackedCount--;
    this.unackedBytes -= envelope.message.size;
    this.levelOf(envelope.message).requeue(envelope);
    this.count++;
    this.readyBytes += envelope.message.size;
  }

  purge(): number {
    const count = this.count;
    for (const level of this.levels) {
      const dropped = level.clear();
      if (this.store) for (const m of dropped) if (m.stored) this.store.removed(m, this);
    }
    this.count = 0;
    this.readyBytes = 0;
    return count;
  }

  /** Ready messages in delivery order (for listings and the management API's get). */
  peekAll(): Envelope[] {
    const out: Envelope[] = [];
    for (let i = this.levels.length - 1; i >= 0; i--) out.push(...this.levels[i]!.peek());
    return out;
  }

  addConsumer(consumer: Consumer): void {
    this.consumerList.push(consumer);
    this.hadConsumer = true;
    this.drain();
  }

  removeConsumer(consumer: Consumer): void {
    const i = this.consumerList.indexOf(consumer);
    if (i < 0) return;
    this.consumerList.splice(i, 1);
    if (this.roundRobin > i) this.roundRobin--;
    // 0-9-1 queue.declare auto-delete: deleted when the last consumer goes, once it had one.
    if (this.consumerList.length === 0 && this.hadConsumer && this.options.autoDelete) this.onUnused?.(this);
  }

  /** Marks the queue deleted and tells its consumers; returns the messages it held. */
  delete(): number {
    const count = this.purge();
    this.deleted = true;
    const consumers = this.consumerList.splice(0);
    for (const c of consumers) c.cancelledByBroker();
    return count;
  }

  /** Delivers ready messages to consumers that can take them, round robin. */
  drain(): void {
    if (this.draining || this.deleted) return;
    this.draining = true;
    try {
      const consumers = this.consumerList;
      while (this.messageCount > 0 && consumers.length > 0) {
        const consumer = this.nextAvailable();
        if (!consumer) break;
        consumer.deliver(this.take(!consumer.noAck)!);
      }
    } finally {
      this.draining = false;
    }
  }

  private nextAvailable(): Consumer | undefined {
    const consumers = this.consumerList;
    const n = consumers.length;
    for (let i = 0; i < n; i++) {
      const index = (this.roundRobin + i) % n;
      const c = consumers[index]!;
      if (c.canAccept()) {
        this.roundRobin = (index + 1) % n;
        return c;
      }
    }
    return undefined;
  }
}
