// A FIFO of message positions on disk: what a queue keeps for the messages beyond its in-memory
// window, as runs. A run is a stretch of consecutive records of one segment (each record starts
// where the one before it ends) with the same flags: five u32 words (20 bytes, no objects) for
// however many messages it holds. A queue filled by one publisher keeps a handful of runs per
// 16 MiB segment, so ten million queued messages cost kilobytes here, not 160 MB; records that are
// not consecutive (queues published to in turn) cost one run each. Reading a run back walks its
// record headers (see Overflow.readRun). Runs are stored in fixed chunks, so the FIFO grows and
// shrinks without copying. With a page pool, a FIFO longer than a few chunks writes its middle
// chunks out (store/position-pages.ts) and reads each back while the chunk before it is consumed:
// in memory are the head chunk, the next one and the tail, however long the queue.
import type { PagePool } from './store/position-pages.js';

const WORDS = 5;
const SEGMENT = 0;
const START = 1;
const END = 2;
const COUNT_FLAGS = 3;
const BODY = 4;
const CHUNK_RUNS = 1024;
/** bytes of a chunk (a page when written out) */
export const CHUNK_BYTES = CHUNK_RUNS * WORDS * 4;
/** chunks a FIFO has before the one before its tail is written out */
const RESIDENT = 4;
/** the run's messages are persistent ones the store holds for this durable queue (else spilled copies) */
export const FLAG_DURABLE = 0x80000000;
/** the run's messages were delivered before (recovery) */
export const FLAG_REDELIVERED = 0x40000000;
const FLAGS = FLAG_DURABLE | FLAG_REDELIVERED;
const COUNT_MASK = 0x3fffffff;
/** a run stops growing before its body total could pass what a u32 holds */
const BODY_LIMIT = 0xffffffff;

/** One run: messages in the records from `start` to `end` of `segment`. */
export interface Run {
  segment: number;
  start: number;
  end: number;
  /** messages in the run */
  count: number;
  /** FLAG_* bits */
  flags: number;
  /** their body bytes in all */
  bodyBytes: number;
}

export const emptyRun = (): Run => ({ segment: 0, start: 0, end: 0, count: 0, flags: 0, bodyBytes: 0 });

/** A chunk of runs: in memory (`words`), or written out to `slot` of the page pool. */
interface Chunk {
  words: Uint32Array | null;
  slot: number;
  /** a read of the slot is on its way (started ahead of the chunk's turn) */
  loading: boolean;
  /** messages and body bytes of its runs (counted when written out, for a page that cannot be read back) */
  messages: number;
  bodyBytes: number;
}

const newChunk = (): Chunk => ({ words: new Uint32Array(CHUNK_RUNS * WORDS), slot: -1, loading: false, messages: 0, bodyBytes: 0 });

export class PositionQueue {
  private chunks: Chunk[] = [];
  /** index of the first run in chunks[0] */
  private head = 0;
  /** runs used in the last chunk */
  private tail = CHUNK_RUNS;
  /** runs held */
  runs = 0;
  /** messages held */
  length = 0;
  /** messages (and their body bytes) whose page could not be read back, not yet reported (see takeLost) */
  private lostMessages = 0;
  private lostBytes = 0;

  /** `pages`: where long FIFOs put their middle chunks (null: all stay in memory) */
  constructor(private readonly pages: () => PagePool | null = () => null) {}

  /** Appends one message's record, extending the last run when the record follows it. */
  push(segment: number, offset: number, recordLength: number, flags: number, bodySize: number): void {
    this.length++;
    if (this.runs > 0) {
      // (the tail chunk is never written out)
      const c = this.chunks[this.chunks.length - 1]!.words!;
      const i = (this.tail - 1) * WORDS;
      const cf = c[i + COUNT_FLAGS]!;
      if (
        c[i + SEGMENT] === segment &&
        c[i + END] === offset &&
        (cf & FLAGS) >>> 0 === (flags & FLAGS) >>> 0 &&
        (cf & COUNT_MASK) < COUNT_MASK &&
        c[i + BODY]! + bodySize <= BODY_LIMIT
      ) {
        c[i + END] = offset + recordLength;
        c[i + COUNT_FLAGS] = cf + 1;
        c[i + BODY] = c[i + BODY]! + bodySize;
        return;
      }
    }
    if (this.tail === CHUNK_RUNS) {
      this.chunks.push(newChunk());
      this.tail = 0;
      // the chunk just filled is the furthest from the head: out it goes
      if (this.chunks.length >= RESIDENT) this.pageOut(this.chunks[this.chunks.length - 2]!);
    }
    const c = this.chunks[this.chunks.length - 1]!.words!;
    const i = this.tail++ * WORDS;
    c[i + SEGMENT] = segment;
    c[i + START] = offset;
    c[i + END] = offset + recordLength;
    c[i + COUNT_FLAGS] = ((flags & FLAGS) | 1) >>> 0;
    c[i + BODY] = bodySize;
    this.runs++;
  }

  /** The first run, copied into `into` (no allocation); false when empty. */
  peek(into: Run): boolean {
    const c = this.headWords();
    if (c === null) return false;
    const i = this.head * WORDS;
    into.segment = c[i + SEGMENT]!;
    into.start = c[i + START]!;
    into.end = c[i + END]!;
    const cf = c[i + COUNT_FLAGS]!;
    into.count = cf & COUNT_MASK;
    into.flags = (cf & FLAGS) >>> 0;
    into.bodyBytes = c[i + BODY]!;
    return true;
  }

  /** Removes the first run, copying it into `into`; false when empty. */
  shift(into: Run): boolean {
    if (!this.peek(into)) return false;
    this.runs--;
    this.length -= into.count;
    if (++this.head === CHUNK_RUNS || this.runs === 0) {
      if (this.runs === 0) {
        this.chunks = [];
        this.tail = CHUNK_RUNS;
      } else {
        this.chunks.shift();
        this.prefetch();
      }
      this.head = 0;
    }
    return true;
  }

  /**
   * The first `count` messages of the first run (their records end at `to`, `bodyBytes` of bodies)
   * have left it; a run left with nothing is removed. Returns the messages the run still counted
   * when its bytes ran out (records that could not be read back: damage), or 0.
   */
  advance(to: number, count: number, bodyBytes: number, lost: Run): number {
    const c = this.headWords();
    if (c === null) return 0;
    const i = this.head * WORDS;
    const cf = c[i + COUNT_FLAGS]!;
    const left = Math.max(0, (cf & COUNT_MASK) - count);
    this.length -= Math.min(count, cf & COUNT_MASK);
    if (to < c[i + END]! && left > 0) {
      c[i + START] = to;
      c[i + COUNT_FLAGS] = ((cf & FLAGS) | left) >>> 0;
      c[i + BODY] = Math.max(0, c[i + BODY]! - bodyBytes);
      return 0;
    }
    // Its bytes are used up (or its messages are): what it still counted is lost.
    c[i + START] = Math.min(to, c[i + END]!);
    c[i + BODY] = Math.max(0, c[i + BODY]! - bodyBytes);
    c[i + COUNT_FLAGS] = ((cf & FLAGS) | left) >>> 0;
    this.shift(lost);
    return left;
  }

  clear(each: (run: Run) => void): void {
    const run = emptyRun();
    while (this.shift(run)) each(run);
  }

  /** Messages (and body bytes) whose page could not be read back since the last call: they are gone. */
  takeLost(into: { messages: number; bodyBytes: number }): void {
    into.messages = this.lostMessages;
    into.bodyBytes = this.lostBytes;
    this.lostMessages = this.lostBytes = 0;
  }

  /** chunks written out now (tests) */
  get pagedOut(): number {
    let n = 0;
    for (const c of this.chunks) if (c.words === null) n++;
    return n;
  }

  /** The head chunk's runs, read back now if it is out; null when there are no runs. */
  private headWords(): Uint32Array | null {
    while (this.runs > 0) {
      const chunk = this.chunks[0]!;
      if (chunk.words !== null || this.loadNow(chunk)) return chunk.words;
    }
    return null;
  }

  private pageOut(chunk: Chunk): void {
    const pool = this.pages();
    const words = chunk.words;
    if (pool === null || words === null) return;
    let messages = 0;
    let bodyBytes = 0;
    for (let i = 0; i < CHUNK_RUNS * WORDS; i += WORDS) {
      messages += words[i + COUNT_FLAGS]! & COUNT_MASK;
      bodyBytes += words[i + BODY]!;
    }
    const slot = pool.write(words);
    if (slot < 0) return;
    chunk.slot = slot;
    chunk.words = null;
    chunk.messages = messages;
    chunk.bodyBytes = bodyBytes;
  }

  /** Starts reading the chunk after the head back, so it is in memory by its turn. */
  private prefetch(): void {
    const next = this.chunks[1];
    const pool = this.pages();
    if (next === undefined || next.words !== null || next.loading || pool === null) return;
    next.loading = true;
    const words = new Uint32Array(CHUNK_RUNS * WORDS);
    pool.read(next.slot, words, false, (ok) => {
      next.loading = false;
      // a read at its turn came first, or the queue let it go: this one is not needed
      if (!ok || next.words !== null || next.slot < 0) return;
      next.words = words;
      pool.free(next.slot);
      next.slot = -1;
    });
  }

  /** Reads the head chunk back at once; false when it cannot be (its runs are dropped and counted lost). */
  private loadNow(chunk: Chunk): boolean {
    const pool = this.pages();
    const words = new Uint32Array(CHUNK_RUNS * WORDS);
    let ok = false;
    if (pool !== null) pool.read(chunk.slot, words, true, (r) => (ok = r));
    if (pool !== null) pool.free(chunk.slot);
    chunk.slot = -1;
    if (ok) {
      chunk.words = words;
      return true;
    }
    // Lost: a written-out chunk is always a full one that no run has left yet.
    this.lostMessages += chunk.messages;
    this.lostBytes += chunk.bodyBytes;
    this.runs -= CHUNK_RUNS;
    this.length -= chunk.messages;
    this.chunks.shift();
    this.head = 0;
    if (this.runs === 0) {
      this.chunks = [];
      this.tail = CHUNK_RUNS;
    } else this.prefetch();
    return false;
  }
}
