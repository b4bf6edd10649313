// The messages of one priority level of a queue (a plain queue has one level): ready ones in
// publish order, requeued ones back in their original place, and, when the broker's memory
// budget is used up, the youngest ones spooled to disk.
import { Deque } from './deque.js';
import type { Envelope, Message } from './message.js';
import { MinHeap } from './min-heap.js';
import type { MessageStore } from './store/message-store.js';
import { MemoryBudget, Spool } from './store/spool.js';

/** Read back from the spool when fewer than this many ready messages are left in memory. */
const REFILL_BELOW = 1024;

export class QueueLevel {
  private readonly ready = new Deque<Envelope>();
  /** Requeued envelopes. Everything ready was published after them, so they always go first. */
  private readonly requeued = new MinHeap<Envelope>((e) => e.seq);
  private spool: Spool | null = null;
  private nextSeq = 0;

  constructor(
    private readonly budget: MemoryBudget | null,
    private readonly store: MessageStore | null,
    /** when a message enqueued now expires in this queue (0: never) */
    private readonly expiry: (message: Message) => number,
  ) {}

  get length(): number {
    return this.ready.length + this.requeued.length + (this.spool?.length ?? 0);
  }

  /** messages kept on disk rather than in memory */
  get spooled(): number {
    return this.spool?.length ?? 0;
  }

  push(message: Message, redelivered: boolean): void {
    const budget = this.budget;
    // Once anything is spooled, everything after it is too, so order holds.
    if (budget && !redelivered && ((this.spool?.length ?? 0) > 0 || budget.exceeded)) {
      if (!this.spool) this.spool = new Spool(budget.spoolDir, this.store);
      this.spool.append(message);
      return;
    }
    this.pushReady(message, redelivered);
  }

  requeue(envelope: Envelope): void {
    envelope.redelivered = true;
    this.requeued.push(envelope);
    if (this.budget) this.budget.used += MemoryBudget.cost(envelope.message);
  }

  /** The envelope take() would return, left in place. */
  peek(): Envelope | undefined {
    if (this.requeued.length > 0) return this.requeued.peek();
    this.refill();
    return this.ready.peek();
  }

  take(): Envelope | undefined {
    let envelope: Envelope | undefined;
    if (this.requeued.length > 0) envelope = this.requeued.pop();
    else {
      this.refill();
      envelope = this.ready.shift();
    }
    if (envelope && this.budget) this.budget.used -= MemoryBudget.cost(envelope.message);
    return envelope;
  }

  private refill(): void {
    if (this.spool && this.spool.length > 0 && this.ready.length < REFILL_BELOW) {
      for (const m of this.spool.readChunk()) this.pushReady(m, false);
    }
  }

  /**
   * Drops every message (purge, delete), calling `each` for each one; the spool is only read back
   * when `each` is given (a durable queue must tell the store what left).
   */
  clear(each: ((message: Message) => void) | null): void {
    for (const source of [this.ready.clear(), this.requeued.clear()]) {
      for (const e of source) {
        if (this.budget) this.budget.used -= MemoryBudget.cost(e.message);
        each?.(e.message);
      }
    }
    if (this.spool) {
      if (each) while (this.spool.length > 0) for (const m of this.spool.readChunk()) each(m);
      this.spool.close();
      this.spool = null;
    }
  }

  private pushReady(message: Message, redelivered: boolean): void {
    this.ready.push({ message, seq: this.nextSeq++, redelivered, expiresAt: this.expiry(message) });
    if (this.budget) this.budget.used += MemoryBudget.cost(message);
  }
}
