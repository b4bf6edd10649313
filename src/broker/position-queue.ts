// A FIFO of message positions on disk: what a queue keeps for the messages beyond its in-memory
// window, as runs. A run is a stretch of consecutive records of one segment (each record starts
// where the one before it ends) with the same flags: five u32 words (20 bytes, no objects) for
// however many messages it holds. A queue filled by one publisher keeps a handful of runs per
// 16 MiB segment, so ten million queued messages cost kilobytes here, not 160 MB; records that are
// not consecutive (queues published to in turn) cost one run each. Reading a run back walks its
// record headers (see Overflow.readRun). Runs are stored in fixed chunks, so the FIFO grows and
// shrinks without copying.

const WORDS = 5;
const SEGMENT = 0;
const START = 1;
const END = 2;
const COUNT_FLAGS = 3;
const BODY = 4;
const CHUNK_RUNS = 1024;
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

export class PositionQueue {
  private chunks: Uint32Array[] = [];
  /** index of the first run in chunks[0] */
  private head = 0;
  /** runs used in the last chunk */
  private tail = CHUNK_RUNS;
  /** runs held */
  runs = 0;
  /** messages held */
  length = 0;

  /** Appends one message's record, extending the last run when the record follows it. */
  push(segment: number, offset: number, recordLength: number, flags: number, bodySize: number): void {
    this.length++;
    if (this.runs > 0) {
      const c = this.chunks[this.chunks.length - 1]!;
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
      this.chunks.push(new Uint32Array(CHUNK_RUNS * WORDS));
      this.tail = 0;
    }
    const c = this.chunks[this.chunks.length - 1]!;
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
    if (this.runs === 0) return false;
    const c = this.chunks[0]!;
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
      } else this.chunks.shift();
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
    if (this.runs === 0) return 0;
    const c = this.chunks[0]!;
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
}
