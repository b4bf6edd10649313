// A bounded, broker-wide cache of segment bytes read back from disk, in aligned blocks, least
// recently used first out. Queues that read the same records (a fanout past the memory budget:
// one spilled copy, many queues; a run read in pieces, whose pieces share a block) get them from
// memory instead of issuing another read. A block is kept as far as the file was written when it
// was read (segments are append-only: bytes once written never change); a read that needs more of
// it reads it again. A deleted segment's blocks go with it. A block already on its way from the
// disk (another queue missed it a moment earlier) is waited for, not read a second time.
// Its bytes are a fixed overhead outside the memory budget (READ_CACHE_BYTES).

export const BLOCK = 64 * 1024;
/** the cache's size: 8 MiB, 128 blocks */
export const READ_CACHE_BYTES = 8 * 1024 * 1024;

export class ReadCache {
  /** key: segment * 65536 + block index (a segment stays far below 4 GiB), in use order */
  private readonly blocks = new Map<number, Buffer>();
  /** blocks an asynchronous read is bringing in -> who waits for it */
  private readonly coming = new Map<number, (() => void)[]>();
  /** reads that went to the disk, the bytes they read, and blocks found here */
  diskReads = 0;
  diskBytes = 0;
  hits = 0;
  /** of diskReads, those made synchronously (a priority queue's recovery, a drop-head past the budget, the API) */
  syncReads = 0;

  constructor(private readonly capacity = READ_CACHE_BYTES) {}

  private static key(segment: number, block: number): number {
    return segment * 65536 + block;
  }

  /** The block, now the most recently used, if held with at least its first `need` bytes. */
  get(segment: number, block: number, need: number): Buffer | undefined {
    const key = ReadCache.key(segment, block);
    const b = this.blocks.get(key);
    if (b && b.length >= need) {
      this.blocks.delete(key);
      this.blocks.set(key, b);
      this.hits++;
    }
    return b && b.length >= need ? b : undefined;
  }

  /** Keeps a copy of a block's first bytes (at most BLOCK), unless as much of it is held already. */
  put(segment: number, block: number, bytes: Buffer): void {
    if (this.capacity < BLOCK || bytes.length === 0) return;
    const key = ReadCache.key(segment, block);
    const held = this.blocks.get(key);
    if (held && held.length >= bytes.length) return;
    this.blocks.delete(key);
    while (this.blocks.size * BLOCK + BLOCK > this.capacity) {
      const oldest = this.blocks.keys().next().value as number;
      this.blocks.delete(oldest);
    }
    const copy = Buffer.allocUnsafeSlow(Math.min(BLOCK, bytes.length));
    bytes.copy(copy, 0, 0, copy.length);
    this.blocks.set(key, copy);
  }

  /**
   * When `block` is being read already, `retry` runs once that read has ended (its blocks are then
   * here, unless pushed out since) and true is returned; false: nobody is reading it.
   */
  waitFor(segment: number, block: number, retry: () => void): boolean {
    const waiting = this.coming.get(ReadCache.key(segment, block));
    if (waiting === undefined) return false;
    waiting.push(retry);
    return true;
  }

  /** An asynchronous read of blocks `first` to `last` begins: later readers of them wait (waitFor). */
  reading(segment: number, first: number, last: number): void {
    for (let b = first; b <= last; b++) {
      const key = ReadCache.key(segment, b);
      if (!this.coming.has(key)) this.coming.set(key, []);
    }
  }

  /** That read has ended (and put what it read): its waiters go on. */
  readEnded(segment: number, first: number, last: number): void {
    const go: (() => void)[] = [];
    for (let b = first; b <= last; b++) {
      const key = ReadCache.key(segment, b);
      const waiting = this.coming.get(key);
      if (waiting === undefined) continue;
      this.coming.delete(key);
      go.push(...waiting);
    }
    for (const retry of go) retry();
  }

  /** Drops a deleted segment's blocks. */
  forget(segment: number): void {
    for (const key of [...this.blocks.keys()]) if (Math.floor(key / 65536) === segment) this.blocks.delete(key);
  }

  get bytes(): number {
    return this.blocks.size * BLOCK;
  }
}
