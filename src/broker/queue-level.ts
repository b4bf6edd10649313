// The messages of one priority level of a queue (a plain queue has one level): ready ones in
// publish order, requeued ones back in their original place. Only a window of the oldest ready
// messages is held in memory; past the broker's memory budget, younger ones are kept as positions
// on disk (runs of consecutive records, see PositionQueue) and read back asynchronously, in batches, as the
// window drains. A persistent message in a durable queue is already in the store: its position is
// its own record (nothing is written twice); any other message is spilled once to the same segments.
import { MESSAGE_OVERHEAD, type Envelope, type Message } from './message.js';
import { MinHeap } from './min-heap.js';
import { ReadyRing } from './ready-ring.js';
import { emptyRun, FLAG_DURABLE, FLAG_REDELIVERED, PositionQueue, type Run } from './position-queue.js';
import type { MessageStore, Overflow, QueueRef, RunPiece, RunRead } from './store/message-store.js';
import { MemoryBudget } from './store/memory-budget.js';

/** Read back when fewer than this many ready messages are in memory... */
const LOW_WATER = 256;
/** ...up to this many (fewer while the budget is exceeded, so many queues cannot hold much each) */
const WINDOW = 1024;
const WINDOW_OVER_BUDGET = 64;
/** one read-back batch: at most this many bytes of records */
const READ_BATCH_BYTES = 1 << 20;

/** A stretch of a run being read back: a whole run (taken off the queue), or the start of the first run. */
interface Piece extends RunPiece {
  /** messages the piece holds (a whole run), 0 for the start of the first run (they stay counted there) */
  count: number;
  flags: number;
  bodyBytes: number;
  whole: boolean;
}

interface Load {
  pieces: Piece[];
  /** what the batch was charged to the budget while on its way */
  charge: number;
}

export class QueueLevel {
  private readonly ready = new ReadyRing();
  /** Requeued envelopes. Everything ready was published after them, so they always go first. */
  private readonly requeued = new MinHeap<Envelope>((e) => e.seq);
  /** ready messages younger than the window, on disk */
  private readonly disk = new PositionQueue(() => this.overflow?.positionPages() ?? null);
  /** positions being read back (taken from `disk`, not yet in `ready`) */
  private inflight: Load | null = null;
  private nextSeq = 0;
  private readonly scratch: Run = emptyRun();
  private readonly lostPage = { messages: 0, bodyBytes: 0 };

  constructor(
    private readonly budget: MemoryBudget | null,
    private readonly store: MessageStore | null,
    private readonly queue: QueueRef,
    /** when a message enqueued now expires in this queue (0: never) */
    private readonly expiry: (message: Message) => number,
    /** messages came back from disk (`lost` of them could not be read): the queue delivers them */
    private readonly loaded: (lost: number, lostBytes: number) => void,
  ) {}

  /** messages in whole runs being read back (taken off `disk`) */
  private get loading(): number {
    let n = 0;
    for (const p of this.inflight?.pieces ?? []) n += p.count;
    return n;
  }

  /** true while a batch of positions is being read back from disk */
  get reading(): boolean {
    return this.inflight !== null;
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
        this.disk.push(pos.segment, pos.offset, pos.length, flags, message.size);
        this.probe();
        return;
      }
    }
    this.pushReady(message, redelivered);
  }

  /** A recovered message: its position only; it is read back when the window needs it. */
  pushStored(segment: number, offset: number, length: number, bodySize: number, redelivered: boolean): void {
    this.disk.push(segment, offset, length, FLAG_DURABLE | (redelivered ? FLAG_REDELIVERED : 0), bodySize);
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
    const load: Load = { pieces: inflight && sync ? inflight.pieces.slice() : [], charge: 0 };
    let bytes = 0;
    if (inflight && sync) {
      if (this.budget) this.budget.used -= inflight.charge;
      for (const p of load.pieces) bytes += p.limit - p.start;
    } else {
      const window = this.budget?.exceeded ? Math.min(limit, WINDOW_OVER_BUDGET) : limit;
      let room = Math.max(1, window - this.ready.length);
      const run = this.scratch;
      while (room > 0 && bytes < READ_BATCH_BYTES && this.disk.peek(run)) {
        const size = run.end - run.start;
        const durable = (run.flags & FLAG_DURABLE) !== 0;
        if (run.count <= room && (bytes + size <= READ_BATCH_BYTES || load.pieces.length === 0)) {
          this.disk.shift(run);
          load.pieces.push({
            segment: run.segment,
            start: run.start,
            end: run.end,
            limit: run.end,
            durable,
            count: run.count,
            flags: run.flags,
            bodyBytes: run.bodyBytes,
            whole: true,
          });
          room -= run.count;
          bytes += size;
          continue;
        }
        // The start of the first run: about `room` records' worth of bytes (the store reads at least one record whole).
        const part = Math.min(READ_BATCH_BYTES - bytes, Math.ceil((room * size) / run.count));
        if (part > 0) {
          load.pieces.push({
            segment: run.segment,
            start: run.start,
            end: run.end,
            limit: run.start + part,
            durable,
            count: 0,
            flags: run.flags,
            bodyBytes: 0,
            whole: false,
          });
          bytes += part;
        }
        break;
      }
    }
    this.reportLostPages();
    if (load.pieces.length === 0) return;
    // What is on its way counts against the budget now, so many queues reading at once see it fill.
    load.charge = bytes + this.loadingEstimate(load) * MESSAGE_OVERHEAD;
    if (this.budget) this.budget.used += load.charge;
    this.inflight = load;
    let pending = load.pieces.length;
    const results: RunRead[] = new Array<RunRead>(pending);
    load.pieces.forEach((piece, i) => {
      overflow.readRun(piece, sync, (r) => {
        results[i] = r;
        if (--pending === 0) this.arrive(load, results);
      });
    });
  }

  /** About how many messages a load brings (the start of a run counts by its bytes). */
  private loadingEstimate(load: Load): number {
    let n = 0;
    for (const p of load.pieces) n += p.whole ? p.count : 1;
    return n;
  }

  private arrive(load: Load, results: RunRead[]): void {
    if (this.inflight !== load) return; // taken over by a synchronous read, or cleared
    this.inflight = null;
    if (this.budget) this.budget.used -= load.charge;
    const overflow = this.overflow;
    let lost = 0;
    let lostBytes = 0;
    load.pieces.forEach((piece, i) => {
      const r = results[i]!;
      const redelivered = (piece.flags & FLAG_REDELIVERED) !== 0;
      for (const message of r.messages) this.pushReady(message, redelivered);
      let missing = 0;
      if (piece.whole) {
        missing = Math.max(0, piece.count - r.messages.length);
        if (missing > 0) lostBytes += Math.max(0, piece.bodyBytes - r.bodyBytes);
      } else {
        missing = this.disk.advance(r.next, r.messages.length, r.bodyBytes, this.scratch);
        if (missing > 0) lostBytes += this.scratch.bodyBytes;
      }
      lost += missing;
      // spilled copies read back (or lost) are no longer held
      if (!piece.durable) overflow?.release(piece.segment, r.messages.length + missing);
      // A stored run that could not be read at all (the store logged why) leaves the store too: kept
      // there while the queue has let it go, it would come back at the next start.
      else if (missing > 0 && r.messages.length === 0 && this.store) overflow?.removedRange(piece.segment, piece.start, r.next, missing, this.queue);
    });
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
    const forget = (run: { segment: number; start: number; end: number; count: number; flags: number }): void => {
      if (!overflow || run.count === 0) return;
      if ((run.flags & FLAG_DURABLE) === 0) overflow.release(run.segment, run.count);
      else if (this.store) overflow.removedRange(run.segment, run.start, run.end, run.count, this.queue);
    };
    if (this.inflight) {
      // (the start of the first run is still on `disk`)
      for (const p of this.inflight.pieces) if (p.whole) forget(p);
      if (this.budget) this.budget.used -= this.inflight.charge;
    }
    this.inflight = null;
    this.disk.clear(forget);
    this.disk.takeLost(this.lostPage); // (gone with the rest)
  }

  /** Positions whose page could not be read back (store/position-pages.ts) leave the queue's count. */
  private reportLostPages(): void {
    this.disk.takeLost(this.lostPage);
    const { messages, bodyBytes } = this.lostPage;
    if (messages > 0) queueMicrotask(() => this.loaded(messages, bodyBytes));
  }

  private pushReady(message: Message, redelivered: boolean): void {
    this.ready.push(message, this.nextSeq++, redelivered, this.expiry(message));
    if (this.budget) this.budget.used += MemoryBudget.cost(message);
  }
}
