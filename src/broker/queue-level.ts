// The messages of one priority level of a queue (a plain queue has one level): ready ones in
// publish order, requeued ones back in their original place. Only a window of the oldest ready
// messages is held in memory; past the broker's memory budget, younger ones are kept as positions
// on disk (16 bytes each, see PositionQueue) and read back asynchronously, in batches, as the
// window drains. A persistent message in a durable queue is already in the store: its position is
// its own record (nothing is written twice); any other message is spilled once to the same segments.
import { Deque } from './deque.js';
import { MESSAGE_OVERHEAD, type Envelope, type Message } from './message.js';
import { MinHeap } from './min-heap.js';
import { FLAG_DURABLE, FLAG_REDELIVERED, LENGTH_MASK, PositionQueue, type Position } from './position-queue.js';
import type { HeldPosition, MessageStore, Overflow, QueueRef } from './store/message-store.js';
import { MemoryBudget } from './store/memory-budget.js';

/** Read back when fewer than this many ready messages are in memory... */
const LOW_WATER = 256;
/** ...up to this many (fewer while the budget is exceeded, so many queues cannot hold much each) */
const WINDOW = 1024;
const WINDOW_OVER_BUDGET = 64;
/** one read-back batch: at most this many bytes of records */
const READ_BATCH_BYTES = 1 << 20;

interface Load {
  batch: HeldPosition[];
  /** each position's lengthFlags word (for FLAG_REDELIVERED) */
  flags: number[];
  bodySizes: number[];
  /** what the batch was charged to the budget while on its way */
  charge: number;
}

export class QueueLevel {
  private readonly ready = new Deque<Envelope>();
  /** Requeued envelopes. Everything ready was published after them, so they always go first. */
  private readonly requeued = new MinHeap<Envelope>((e) => e.seq);
  /** ready messages younger than the window, on disk */
  private readonly disk = new PositionQueue();
  /** positions being read back (taken from `disk`, not yet in `ready`) */
  private inflight: Load | null = null;
  private nextSeq = 0;
  private readonly scratch: Position = { segment: 0, offset: 0, lengthFlags: 0, bodySize: 0 };

  constructor(
    private readonly budget: MemoryBudget | null,
    private readonly store: MessageStore | null,
    private readonly queue: QueueRef,
    /** when a message enqueued now expires in this queue (0: never) */
    private readonly expiry: (message: Message) => number,
    /** messages came back from disk (`lost` of them could not be read): the queue delivers them */
    private readonly loaded: (lost: number, lostBytes: number) => void,
  ) {}

  private get loading(): number {
    return this.inflight?.batch.length ?? 0;
  }

  get length(): number {
    return this.ready.length + this.requeued.length + this.disk.length + this.loading;
  }

  /** ready messages kept on disk rather than in memory */
  get spooled(): number {
    return this.disk.length + this.loading;
  }

  private get overflow(): Overflow | null {
    return this.budget?.overflow() ?? null;
  }

  push(message: Message, redelivered: boolean): void {
    const budget = this.budget;
    // Once anything is on disk, everything after it is too, so order holds.
    if (budget && (this.disk.length > 0 || this.loading > 0 || budget.exceeded)) {
      const overflow = this.overflow;
      if (overflow) {
        const stored = this.store && message.stored;
        const flags = (stored ? FLAG_DURABLE : 0) | (redelivered ? FLAG_REDELIVERED : 0);
        const pos = stored || overflow.spill(message);
        this.disk.push(pos.segment, pos.offset, pos.length | flags, message.size);
        this.probe();
        return;
      }
    }
    this.pushReady(message, redelivered);
  }

  /** A recovered message: its position only; it is read back when the window needs it. */
  pushStored(segment: number, offset: number, length: number, bodySize: number, redelivered: boolean): void {
    this.disk.push(segment, offset, length | FLAG_DURABLE | (redelivered ? FLAG_REDELIVERED : 0), bodySize);
    this.probe();
  }

  /**
   * With nothing in memory, reads a few messages at the head (so expiry sees it) without filling
   * the window: a thousand recovered queues must not all load a window at once.
   */
  private probe(): void {
    if (this.ready.length === 0 && !this.inflight) this.refill(false, WINDOW_OVER_BUDGET);
  }

  requeue(envelope: Envelope): void {
    envelope.redelivered = true;
    this.requeued.push(envelope);
    if (this.budget) this.budget.used += MemoryBudget.cost(envelope.message);
  }

  /**
   * The envelope take() would return, left in place (`sync`: read it from disk now if it must be;
   * otherwise only what is in memory: expiry timers look at the head without loading anything).
   */
  peek(sync = true): Envelope | undefined {
    if (this.requeued.length > 0) return this.requeued.peek();
    if (sync) this.refill(this.ready.length === 0);
    return this.ready.peek();
  }

  /** The next envelope; with `sync` false it may be undefined while the next ones are read from disk. */
  take(sync = true): Envelope | undefined {
    let envelope: Envelope | undefined;
    if (this.requeued.length > 0) envelope = this.requeued.pop();
    else {
      this.refill(sync && this.ready.length === 0);
      envelope = this.ready.shift();
    }
    if (envelope && this.budget) this.budget.used -= MemoryBudget.cost(envelope.message);
    return envelope;
  }

  /** Starts reading the next batch from disk when the window runs low (reads at once, when `sync`). */
  private refill(sync: boolean, limit = WINDOW): void {
    const inflight = this.inflight;
    if (this.disk.length === 0 && !(sync && inflight)) return;
    if (!sync && (inflight || this.ready.length >= LOW_WATER)) return;
    const overflow = this.overflow;
    if (!overflow) return;
    // A synchronous read takes over the batch in flight (its late arrival is then ignored), so order holds.
    const load: Load =
      inflight && sync
        ? { batch: [...inflight.batch], flags: [...inflight.flags], bodySizes: [...inflight.bodySizes], charge: 0 }
        : { batch: [], flags: [], bodySizes: [], charge: 0 };
    if (inflight && sync && this.budget) this.budget.used -= inflight.charge;
    const window = this.budget?.exceeded ? Math.min(limit, WINDOW_OVER_BUDGET) : limit;
    const room = Math.max(1, window - this.ready.length);
    let bytes = 0;
    while (load.batch.length < room && bytes < READ_BATCH_BYTES && this.disk.shift(this.scratch)) {
      const p = this.scratch;
      const length = p.lengthFlags & LENGTH_MASK;
      load.batch.push({ segment: p.segment, offset: p.offset, length, durable: (p.lengthFlags & FLAG_DURABLE) !== 0 });
      load.flags.push(p.lengthFlags);
      load.bodySizes.push(p.bodySize);
      bytes += length;
    }
    if (load.batch.length === 0) return;
    // What is on its way counts against the budget now, so many queues reading at once see it fill.
    load.charge = bytes + load.batch.length * MESSAGE_OVERHEAD;
    if (this.budget) this.budget.used += load.charge;
    this.inflight = load;
    overflow.read(load.batch, sync, (messages) => this.arrive(load, messages));
  }

  private arrive(load: Load, messages: (Message | null)[]): void {
    if (this.inflight !== load) return; // taken over by a synchronous read, or cleared
    this.inflight = null;
    if (this.budget) this.budget.used -= load.charge;
    const overflow = this.overflow;
    let lost = 0;
    let lostBytes = 0;
    for (let i = 0; i < load.batch.length; i++) {
      const message = messages[i];
      const p = load.batch[i]!;
      if (!p.durable) overflow?.release(p.segment);
      if (message) this.pushReady(message, (load.flags[i]! & FLAG_REDELIVERED) !== 0);
      else {
        lost++;
        lostBytes += load.bodySizes[i]!;
      }
    }
    this.loaded(lost, lostBytes);
  }

  /**
   * Drops every message (purge, delete), calling `each` for each one held in memory; positions on
   * disk are let go (this durable queue's stored ones removed from the store) without reading them.
   */
  clear(each: ((message: Message) => void) | null): void {
    for (const source of [this.ready.clear(), this.requeued.clear()]) {
      for (const e of source) {
        if (this.budget) this.budget.used -= MemoryBudget.cost(e.message);
        each?.(e.message);
      }
    }
    const overflow = this.overflow;
    const forget = (segment: number, offset: number, durable: boolean): void => {
      if (!overflow) return;
      if (!durable) overflow.release(segment);
      else if (this.store) overflow.removedAt(segment, offset, this.queue);
    };
    if (this.inflight) {
      for (const p of this.inflight.batch) forget(p.segment, p.offset, p.durable);
      if (this.budget) this.budget.used -= this.inflight.charge;
    }
    this.inflight = null;
    this.disk.clear((p) => forget(p.segment, p.offset, (p.lengthFlags & FLAG_DURABLE) !== 0));
  }

  private pushReady(message: Message, redelivered: boolean): void {
    this.ready.push({ message, seq: this.nextSeq++, redelivered, expiresAt: this.expiry(message) });
    if (this.budget) this.budget.used += MemoryBudget.cost(message);
  }
}
