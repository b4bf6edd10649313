// The disk message store: append-only segment files holding each persistent message once, however
// many queues it went to, with a small per-segment table of the queues it refers to; per segment a
// file of fixed-width ack records (delivered / removed), one per event, and once it is sealed an
// index file (segment-index.ts). A segment whose messages have all left their queues is deleted
// with its files; a mostly dead one is compacted. Formats: records.ts. Recovery: recovery.ts.
// Reading back: segment-reader.ts.
import { existsSync, fsyncSync, mkdirSync, readdirSync, rmSync, statSync, unlinkSync } from 'node:fs';
import type { DiskPosition, Message } from '../message.js';
import { CHUNK_BYTES } from '../position-queue.js';
import { type PagePool, PositionPages } from './position-pages.js';
import { AppendFile, GroupCommit } from './group-commit.js';
import {
  queueKey,
  type HeldPosition,
  type MessageStore,
  type Overflow,
  type QueueRef,
  type RecoveryReport,
  type RunPiece,
  type RunRead,
} from './message-store.js';
import {
  ACKS_MAGIC,
  ACK_BYTES,
  bufferContent,
  encodeQueue,
  fileHeader,
  publishSize,
  readRecord,
  type PublishRecord,
  RECORD_DELIVERED,
  RECORD_MOVED,
  RECORD_PUBLISH,
  RECORD_REMOVED,
  RECORD_TRANSIENT,
  SEGMENT_MAGIC,
  writeAck,
  writePublish,
  writeRangeAck,
} from './records.js';
import { liveRecords, Recovery } from './recovery.js';
import { IndexBuilder } from './segment-index.js';
import { SegmentReader } from './segment-reader.js';
import { closeReadFd, refOf, Segment, SEGMENT_BYTES, SEGMENT_NAME, segmentPath, syncDirectory, type Relocation, type StoreFile } from './segment.js';

const NO_QUEUES: readonly number[] = [];

/** Deletes a file if it is there; false when it is there and cannot be deleted. */
function unlinkIfThere(path: string): boolean {
  try {
    if (existsSync(path)) unlinkSync(path);
    return true;
  } catch {
    return false;
  }
}

function syncQuietly(fd: number): void {
  try {
    fsyncSync(fd);
  } catch {
    // a file that cannot be synced at a stop: what it held reaches the disk with the kernel's writeback
  }
}

/** Compact a full segment once fewer than 1 in this many of its pairs are live. */
const COMPACT_BELOW = 10;
/**
 * How long a segment stays sparse before it is compacted, for a segment of SEGMENT_BYTES
 * (proportionally less for smaller ones, at least COMPACT_MIN_DELAY_MS). What is left of a segment
 * the store has just moved on from is mostly the backlog a consumer is about to take: waiting
 * lets those messages leave and the segment be deleted whole, rather than copied forward only to
 * be acknowledged a moment later (that copying cost a tenth of the daemon's CPU in amqp-bench's
 * persistent mode). Messages still live after the wait are the ones worth moving.
 */
const COMPACT_DELAY_MS = 1000;
const COMPACT_MIN_DELAY_MS = 10;

/** How long a sparse segment of `segmentBytes` waits before it is compacted. */
export function compactionDelay(segmentBytes: number): number {
  return Math.min(COMPACT_DELAY_MS, Math.max(COMPACT_MIN_DELAY_MS, Math.round((COMPACT_DELAY_MS * segmentBytes) / SEGMENT_BYTES)));
}

export class DiskMessageStore implements MessageStore, Overflow {
  private readonly segments = new Map<number, Segment>();
  /** compacted segment -> old offset -> where its live record went */
  private readonly relocated = new Map<number, Map<number, Relocation>>();
  /** sparse segments -> when they are due for compaction (Date.now() based) */
  private readonly toCompact = new Map<Segment, number>();
  private compactionTimer: NodeJS.Timeout | null = null;
  /** live segments in id order (so also in message id order) */
  private readonly order: Segment[] = [];
  private current!: Segment;
  /** above every segment id in use or named by a moved record */
  private nextSegmentId = 1;
  private lastId = 0;
  /** persist()'s queue numbers (used again for every message) */
  private readonly numbers: number[] = [];

  private readonly reader = new SegmentReader({
    segment: (id) => this.segments.get(id),
    relocations: (id) => this.relocated.get(id),
    resolve: (segment, offset, length) => this.resolve(segment, offset, false, length),
    writeOut: () => this.commit.writeOut(),
    path: (id) => this.path(id, 'seg'),
  });

  /** where long position FIFOs put their middle pages (a scratch file, made on first use) */
  private readonly pages: PositionPages;

  private constructor(
    readonly dir: string,
    private readonly commit: GroupCommit,
    private readonly segmentBytes = SEGMENT_BYTES,
  ) {
    this.pages = new PositionPages(dir, CHUNK_BYTES);
    // what an earlier run left there means nothing now (positions are rebuilt from the segments)
    this.pages.close();
  }

  positionPages(): PagePool {
    return this.pages;
  }

  /** Opens the store in `dir`, recovering what an earlier run left; `commit` batches its fsyncs. */
  static open(dir: string, commit: GroupCommit, segmentBytes = SEGMENT_BYTES): { store: DiskMessageStore; report: RecoveryReport } {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const store = new DiskMessageStore(dir, commit, segmentBytes);
    const report = store.recover();
    store.roll();
    for (const seg of store.order) store.compactIfSparse(seg);
    return { store, report };
  }

  /**
   * A store for transient overflow only (a broker whose messages are not persisted): whatever an
   * earlier run left in `dir` is deleted, and nothing it writes is ever fsynced.
   */
  static openOverflow(dir: string): DiskMessageStore {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const store = new DiskMessageStore(dir, new GroupCommit());
    store.roll();
    return store;
  }

  /** Segment files in `dir` (a quick look, before opening: is there message data here?). */
  static segmentFiles(dir: string): string[] {
    if (!existsSync(dir)) return [];
    return readdirSync(dir).filter((f) => SEGMENT_NAME.test(f));
  }

  get durableBatch(): number {
    return this.commit.durableBatch;
  }

  onDurable(listener: (batch: number, failed: boolean) => void): void {
    this.commit.onDurable(listener);
  }

  onFault(listener: (reason: string | null) => void): void {
    this.commit.onFault(listener);
  }

  persist(message: Message, queues: readonly QueueRef[]): number {
    if (this.current.file!.size >= this.segmentBytes) this.roll();
    const id = ++this.lastId;
    const seg = this.current;
    const file = seg.file!;
    const numbers = this.numbers;
    numbers.length = 0;
    for (let i = 0; i < queues.length; i++) numbers.push(this.numberIn(seg, queues[i]!));
    if (seg.firstId === 0) seg.firstId = id;
    seg.live += queues.length;
    seg.pairs += queues.length;
    const size = publishSize(RECORD_PUBLISH, numbers.length, message.exchange, message.routingKey, message);
    const offset = file.size;
    const at = this.commit.reserve(file, size, true);
    writePublish(file.chunk, at, size, RECORD_PUBLISH, 0, id, message.arrival, numbers, message.exchange, message.routingKey, message);
    message.stored = { id, handle: seg, segment: seg.id, offset, length: size };
    seg.index?.record(RECORD_PUBLISH, offset, size, message.size, id, 0, numbers);
    return this.commit.currentBatch;
  }

  delivered(message: Message, queue: QueueRef): void {
    const stored = message.stored;
    if (!stored) return;
    // (a record not moved by compaction is where it was stored: no lookup object to make)
    const seg = this.segments.get(stored.segment);
    if (seg) return this.ack(seg, RECORD_DELIVERED, stored.offset, queue);
    const at = this.resolve(stored.segment, stored.offset);
    if (at) this.ack(at.seg, RECORD_DELIVERED, at.offset, queue);
  }

  removed(message: Message, queue: QueueRef): void {
    const stored = message.stored;
    if (stored) this.removedAt(stored.segment, stored.offset, queue);
  }

  removedAt(segment: number, offset: number, queue: QueueRef): void {
    let seg = this.segments.get(segment);
    if (!seg) {
      const at = this.resolve(segment, offset, true);
      if (!at) return;
      seg = at.seg;
      offset = at.offset;
    }
    if (--seg.live === 0 && seg !== this.current) {
      this.drop(seg);
      return;
    }
    this.ack(seg, RECORD_REMOVED, offset, queue);
    this.compactIfSparse(seg);
  }

  private compactIfSparse(seg: Segment): void {
    if (seg !== this.current && seg.live > 0 && seg.live * COMPACT_BELOW < seg.pairs) this.scheduleCompaction(seg);
  }

  private scheduleCompaction(seg: Segment, delay = compactionDelay(this.segmentBytes)): void {
    if (seg === this.current || seg.transientLive > 0 || this.toCompact.has(seg)) return;
    this.toCompact.set(seg, Date.now() + delay);
    if (this.compactionTimer === null) this.armCompaction(delay);
  }

  private armCompaction(delay: number): void {
    this.compactionTimer = setTimeout(() => {
      this.compactionTimer = null;
      const now = Date.now();
      for (const [s, due] of [...this.toCompact]) {
        if (due > now) continue;
        this.toCompact.delete(s);
        if (this.segments.get(s.id) === s) this.compact(s);
      }
      // (a compaction put back for a read in flight has armed the timer itself)
      if (this.compactionTimer === null && this.toCompact.size > 0) {
        this.armCompaction(Math.max(1, Math.min(...this.toCompact.values()) - now));
      }
    }, delay);
    this.compactionTimer.unref();
  }

  /**
   * Moves the live records of a mostly dead segment forward into the current one, then deletes it,
   * all in one turn of the event loop (nothing else touches either meanwhile). Crash-safe: the
   * copies are fsynced before the original is unlinked, and recovery ignores copies (type moved,
   * naming their origin) while the original still exists, so a kill at any point loses nothing and
   * duplicates nothing. Holders of old positions reach the copies through a forwarding entry.
   */
  private compact(seg: Segment): void {
    if (seg === this.current || seg.transientLive > 0 || seg.live === 0 || this.commit.fault !== null) return;
    if (seg.reading > 0) {
      // a read is in flight on its file descriptor: try again shortly
      this.scheduleCompaction(seg, COMPACT_MIN_DELAY_MS);
      return;
    }
    // Copies appended by a compaction that then stops (a disk fault) are dead: nobody is pointed at
    // them. They get removal acks (else, once the original is compacted or deleted later, recovery
    // would take them for live moved records: duplicates) and leave the count of live pairs, so
    // their segment can still be deleted or compacted.
    let target: Segment | null = null;
    const copies: { offset: number; refs: QueueRef[] }[] = [];
    try {
      this.commit.writeOut();
      const records = liveRecords(this.dir, seg);
      if (!records) return; // damaged: leave the segment as it is
      const parsed: PublishRecord[] = [];
      for (const { bytes } of records) {
        const rec = readRecord(bytes, 0);
        // a live record that cannot be read: the segment stays as it is (reading it back names the damage)
        if (rec.kind !== 'record' || rec.record.type !== RECORD_PUBLISH) return;
        parsed.push(rec.record);
      }
      if (this.current.file!.size >= this.segmentBytes) this.roll();
      target = this.current;
      const file = target.file!;
      const map = new Map<number, Relocation>();
      for (let r = 0; r < records.length; r++) {
        const { offset, live } = records[r]!;
        const p = parsed[r]!;
        const refs = live.map((l) => refOf(l.key));
        const numbers = refs.map((q) => this.numberIn(target!, q));
        const newOffset = file.size;
        const content = bufferContent(p.header, p.body);
        const size = publishSize(RECORD_MOVED, numbers.length, p.exchange, p.routingKey, content);
        const at = this.commit.reserve(file, size, true);
        writePublish(file.chunk, at, size, RECORD_MOVED, seg.id, p.id, p.arrival, numbers, p.exchange, p.routingKey, content);
        target.index?.record(RECORD_MOVED, newOffset, size, p.body.length, p.id, seg.id, numbers);
        live.forEach((l, k) => l.delivered && this.ack(target!, RECORD_DELIVERED, newOffset, refs[k]!));
        map.set(offset, { segment: target.id, offset: newOffset, length: size, holders: live.length });
        target.live += live.length;
        target.pairs += live.length;
        copies.push({ offset: newOffset, refs });
      }
      // The copies are durable before the original goes.
      this.commit.writeOut();
      if (this.commit.fault !== null) throw new Error(this.commit.fault);
      fsyncSync(file.fd);
      if (target.acks) fsyncSync(target.acks.fd);
      this.relocated.set(seg.id, map);
      this.drop(seg, true);
      syncDirectory(this.dir);
    } catch (err) {
      if (target && copies.length > 0 && !this.relocated.has(seg.id)) this.abandonCopies(target, copies);
      process.stderr.write(
        `${new Date().toISOString()} [warning] compaction of ${this.path(seg.id, 'seg')} stopped (${(err as Error).message}); it is kept as it is\n`,
      );
    }
  }

  /** The copies a stopped compaction made in `target` are dead: removed, as if consumed. */
  private abandonCopies(target: Segment, copies: readonly { offset: number; refs: QueueRef[] }[]): void {
    for (const { offset, refs } of copies) for (const ref of refs) this.removedAt(target.id, offset, ref);
  }

  /** The number `target` uses for queue `q`, writing its queue record on first use. */
  private numberIn(target: Segment, q: QueueRef): number {
    const key = queueKey(q);
    let n = target.numbers.get(key);
    if (n === undefined) {
      n = target.numbers.size;
      target.numbers.set(key, n);
      target.index?.queue(n, q.vhost, q.name);
      this.commit.append(target.file!, encodeQueue(n, q.vhost, q.name));
    }
    return n;
  }

  /**
   * Where the record once at (segment, offset) is now: compaction moves live records forward and
   * leaves a forwarding entry behind. `leaving`: one holder is done with it (entries are dropped
   * once nobody holds the old position).
   */
  private resolve(segment: number, offset: number, leaving = false, length = 0): { seg: Segment; offset: number; length: number } | null {
    for (let hops = 0; hops < 64; hops++) {
      const seg = this.segments.get(segment);
      if (seg) return { seg, offset, length };
      const map = this.relocated.get(segment);
      const moved = map?.get(offset);
      if (!map || !moved) return null;
      if (leaving && --moved.holders === 0) {
        map.delete(offset);
        if (map.size === 0) this.relocated.delete(segment);
      }
      segment = moved.segment;
      offset = moved.offset;
      length = moved.length;
    }
    return null;
  }

  spill(message: Message): DiskPosition {
    const spilled = message.spilled;
    const seg = spilled && this.segments.get(spilled.segment);
    if (spilled && seg) {
      seg.live++;
      seg.transientLive++;
      return spilled;
    }
    if (this.current.file!.size >= this.segmentBytes) this.roll();
    const current = this.current;
    const file = current.file!;
    const size = publishSize(RECORD_TRANSIENT, 0, message.exchange, message.routingKey, message);
    const position = { segment: current.id, offset: file.size, length: size };
    const at = this.commit.reserve(file, size, false);
    writePublish(file.chunk, at, size, RECORD_TRANSIENT, 0, 0, message.arrival, NO_QUEUES, message.exchange, message.routingKey, message);
    current.live++;
    current.transientLive++;
    message.spilled = position;
    return position;
  }

  release(segment: number, count = 1): void {
    // (spilled copies are never moved: a segment holding any is not compacted)
    const seg = this.segments.get(segment);
    if (!seg || count === 0) return;
    seg.transientLive -= count;
    seg.live -= count;
    if (seg.live <= 0 && seg !== this.current) this.drop(seg);
  }

  removedRange(segment: number, start: number, end: number, count: number, queue: QueueRef): void {
    const seg = this.segments.get(segment);
    if (!seg) {
      // compacted: each live record went forward on its own
      const map = this.relocated.get(segment);
      if (!map) return;
      for (const offset of [...map.keys()]) if (offset >= start && offset < end) this.removedAt(segment, offset, queue);
      return;
    }
    if (count === 1) return this.removedAt(segment, start, queue);
    seg.live -= count;
    if (seg.live <= 0 && seg !== this.current) {
      this.drop(seg);
      return;
    }
    const n = seg.numbers.get(queueKey(queue));
    const acks = n === undefined ? null : this.acksOf(seg);
    if (!acks) return this.compactIfSparse(seg);
    const at = this.commit.reserve(acks, ACK_BYTES, false); // (before reading acks.chunk: it may change)
    writeRangeAck(acks.chunk, at, n!, start, end);
    this.compactIfSparse(seg);
  }

  readRun(piece: RunPiece, sync: boolean, done: (result: RunRead) => void): void {
    this.reader.readRun(piece, sync, done);
  }

  read(positions: readonly HeldPosition[], sync: boolean, done: (messages: (Message | null)[]) => void): void {
    this.reader.read(positions, sync, done);
  }

  /** The read cache's counters (reads that went to disk, their bytes, blocks found in memory). */
  get readStats(): { diskReads: number; diskBytes: number; hits: number; cachedBytes: number; syncReads: number } {
    const c = this.reader.cache;
    return { diskReads: c.diskReads, diskBytes: c.diskBytes, hits: c.hits, cachedBytes: c.bytes, syncReads: c.syncReads };
  }

  writeOut(): void {
    this.commit.writeOut();
  }

  flush(): Promise<void> {
    return this.commit.drain();
  }

  async close(): Promise<void> {
    if (this.compactionTimer !== null) clearTimeout(this.compactionTimer);
    this.compactionTimer = null;
    this.toCompact.clear();
    await this.commit.drain();
    // A current segment that holds nothing live goes, so the next start's last segment is one with data.
    if (this.current.live === 0) this.drop(this.current);
    for (const seg of this.segments.values()) {
      // acks are never fsynced for themselves (see ack()): at a clean stop they are
      if (seg.acks && !seg.acks.closed) syncQuietly(seg.acks.fd);
      if (seg.file) this.commit.retire(seg.file);
      if (seg.acks) this.commit.retire(seg.acks);
      closeReadFd(seg);
    }
    await this.commit.drain();
    this.pages.close();
  }

  private ack(seg: Segment, type: typeof RECORD_DELIVERED | typeof RECORD_REMOVED, offset: number, queue: QueueRef): void {
    const n = seg.numbers.get(queueKey(queue));
    if (n === undefined) return;
    const acks = this.acksOf(seg);
    // Acks are not fsynced for themselves (a confirm never waits on one): one lost to a power cut
    // brings its message back once, as RabbitMQ's queue index may. They reach the kernel with the
    // next flush, so a killed process loses none.
    if (!acks) return;
    const at = this.commit.reserve(acks, ACK_BYTES, false); // (before reading acks.chunk: it may change)
    writeAck(acks.chunk, at, type, n, offset);
  }

  private path(id: number, ext: StoreFile): string {
    return segmentPath(this.dir, id, ext);
  }

  /** Learns from the files what an earlier run left (see Recovery). */
  private recover(): RecoveryReport {
    const recovery = new Recovery(this.dir);
    const report = recovery.run();
    this.nextSegmentId = recovery.nextSegmentId;
    this.lastId = recovery.lastId;
    for (const seg of recovery.segments) {
      this.segments.set(seg.id, seg);
      this.order.push(seg);
    }
    return report;
  }

  /** A new store file with its header, made durable in its directory before anything relies on it. */
  private create(path: string, magic: Buffer): AppendFile {
    const file = new AppendFile(path);
    syncDirectory(this.dir);
    this.commit.append(file, fileHeader(magic));
    return file;
  }

  private acksOf(seg: Segment): AppendFile | null {
    if (seg.acks) return seg.acks;
    try {
      const path = this.path(seg.id, 'acks');
      // An ack file a kill left empty (created, its header not yet written) starts over with its
      // header: acks appended without one would make the whole file unreadable at the next start.
      const size = existsSync(path) ? statSync(path).size : 0;
      seg.acks = size > 0 ? new AppendFile(path, size) : this.create(path, ACKS_MAGIC);
    } catch {
      // cannot create the file (a full disk): the ack is lost, so at worst a message comes back once
    }
    return seg.acks;
  }

  /** Starts a new segment; the previous one is deleted if nothing in it is live. */
  private roll(): void {
    const previous = this.current as Segment | undefined;
    // Ids are never reused: a moved record names the segment it came from, and must not find a new one there.
    const id = this.nextSegmentId++;
    let file: AppendFile;
    try {
      file = this.create(this.path(id, 'seg'), SEGMENT_MAGIC);
    } catch (err) {
      // A full disk may refuse a new file: keep appending to the current one (the commit reports the fault).
      if (previous) return;
      throw err;
    }
    this.current = new Segment(id, file);
    this.current.index = new IndexBuilder();
    this.segments.set(id, this.current);
    this.order.push(this.current);
    if (previous && previous.live === 0) this.drop(previous);
    else if (previous) {
      this.sealIndex(previous);
      this.compactIfSparse(previous);
    }
  }

  /** Once everything in a sealed segment is durable, writes its index beside it (recovery's shortcut). */
  private sealIndex(seg: Segment): void {
    const index = seg.index;
    const size = seg.file?.size ?? 0;
    seg.index = null;
    if (!index) return;
    void this.commit.drain().then(() => {
      if (this.segments.get(seg.id) !== seg || this.commit.fault !== null) return;
      try {
        index.write(this.path(seg.id, 'idx'), seg.id, size);
      } catch {
        // no index: the next start reads the segment itself
      }
    });
  }

  /**
   * Deletes a segment. Nothing in it is live any more, and its last removals wrote no ack (the file was to go):
   * should the file stay (its unlink failed), every record in it is marked removed first, so that recovery does not
   * bring those back. Not so for a `compacted` segment: while it exists, recovery takes its records, not their
   * copies.
   */
  private drop(seg: Segment, compacted = false): void {
    this.segments.delete(seg.id);
    this.reader.cache.forget(seg.id);
    const i = this.order.indexOf(seg);
    if (i >= 0) this.order.splice(i, 1);
    const kept = !unlinkIfThere(this.path(seg.id, 'seg'));
    if (kept && !compacted) this.markAllRemoved(seg);
    if (seg.file) this.commit.retire(seg.file);
    if (seg.acks) this.commit.retire(seg.acks);
    // Reads still in flight on its descriptor keep it open: closed now, its number could be reused
    // by another file (or a socket) before they run, and they would read that instead.
    if (seg.reading > 0) seg.dropped = true;
    else closeReadFd(seg);
    // A segment left behind keeps its acks: recovery finds nothing live in it and deletes it then (with whatever
    // else could not be deleted now).
    if (!kept) unlinkIfThere(this.path(seg.id, 'acks'));
    unlinkIfThere(this.path(seg.id, 'idx'));
  }

  /** One removed-range ack per queue over the whole segment, written out now (before its files are retired). */
  private markAllRemoved(seg: Segment): void {
    const end = seg.file ? seg.file.size : seg.size;
    try {
      const acks = this.acksOf(seg);
      if (!acks) return;
      for (const n of seg.numbers.values()) {
        const at = this.commit.reserve(acks, ACK_BYTES, false); // (before reading acks.chunk: it may change)
        writeRangeAck(acks.chunk, at, n, 0, end);
      }
      this.commit.writeOut();
    } catch {
      // the disk refuses this too: the commit reports the fault; recovery may bring these messages back once
    }
  }
}
