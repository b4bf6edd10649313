// A FIFO of message positions on disk: what a queue keeps for the messages beyond its in-memory
// window. Each entry is four u32 words (16 bytes, no objects): segment, offset, record length with
// two flag bits, body size. Stored in fixed chunks so it grows and shrinks without copying.

const WORDS = 4;
const CHUNK_ENTRIES = 4096;
/** the entry's message is a persistent one the store holds for this durable queue (else a spilled copy) */
export const FLAG_DURABLE = 0x80000000;
/** the message was delivered before (recovery) */
export const FLAG_REDELIVERED = 0x40000000;
export const LENGTH_MASK = 0x3fffffff;

export interface Position {
  segment: number;
  offset: number;
  /** record length | FLAG_* bits */
  lengthFlags: number;
  bodySize: number;
}

export class PositionQueue {
  private chunks: Uint32Array[] = [];
  /** index of the first entry in chunks[0] */
  private head = 0;
  /** entries used in the last chunk */
  private tail = CHUNK_ENTRIES;
  length = 0;

  push(segment: number, offset: number, lengthFlags: number, bodySize: number): void {
    if (this.tail === CHUNK_ENTRIES) {
      this.chunks.push(new Uint32Array(CHUNK_ENTRIES * WORDS));
      this.tail = 0;
    }
    const c = this.chunks[this.chunks.length - 1]!;
    const i = this.tail++ * WORDS;
    c[i] = segment;
    c[i + 1] = offset;
    c[i + 2] = lengthFlags >>> 0;
    c[i + 3] = bodySize;
    this.length++;
  }

  /** The first entry, copied into `into` (no allocation); false when empty. */
  peek(into: Position): boolean {
    if (this.length === 0) return false;
    const c = this.chunks[0]!;
    const i = this.head * WORDS;
    into.segment = c[i]!;
    into.offset = c[i + 1]!;
    into.lengthFlags = c[i + 2]!;
    into.bodySize = c[i + 3]!;
    return true;
  }

  /** Removes the first entry, copying it into `into`; false when empty. */
  shift(into: Position): boolean {
    if (!this.peek(into)) return false;
    this.length--;
    if (++this.head === CHUNK_ENTRIES || this.length === 0) {
      if (this.length === 0) {
        this.chunks = [];
        this.tail = CHUNK_ENTRIES;
      } else this.chunks.shift();
      this.head = 0;
    }
    return true;
  }

  clear(each: (p: Position) => void): void {
    const p: Position = { segment: 0, offset: 0, lengthFlags: 0, bodySize: 0 };
    while (this.shift(p)) each(p);
  }
}
