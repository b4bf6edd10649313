// The disk message store: append-only segment files holding each persistent message once, however
// many queues it went to, with a small per-segment table of the queues it refers to; and per
// segment a file of fixed-width ack records (delivered / removed), one per event. A segment whose
// messages have all left their queues is deleted with its acks. Formats: records.ts.
//
// Recovery keeps whatever is intact: only the last record of the last segment can be a torn write
// (truncated); anything else is damage, named (file, offset, records skipped) and stepped over by
// record framing, never truncated away. Files it cannot read are kept aside, never deleted.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, read, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, truncateSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { CONTENT_HEADER_PREFIX, decodeBasicProperties, Reader } from '../../amqp/index.js';
import { Message, ownContent, type DiskPosition } from '../message.js';
import { AppendFile, GroupCommit } from './group-commit.js';
import { IndexBuilder, readSegmentIndex } from './segment-index.js';
import { readFully, writeAll } from './io.js';
import {
  queueKey,
  StoreFormatError,
  type HeldPosition,
  type MessageStore,
  type Overflow,
  type QueueRef,
  type RecoveredMessage,
  type RecoveryReport,
  type RunPiece,
  type RunRead,
} from './message-store.js';
import { DELIVERED, Pairs, queueAt, readIndex, REMOVED, type IndexRecord } from './recovery-index.js';
import {
  ACK_BYTES,
  ACKS_MAGIC,
  checkHeader,
  encodeAck,
  encodePublish,
  encodeQueue,
  encodeRangeAck,
  FILE_HEADER,
  fileHeader,
  FRAME,
  nextIntact,
  readAck,
  readRecord,
  RECORD_DELIVERED,
  RECORD_MARK,
  RECORD_MOVED,
  RECORD_PUBLISH,
  RECORD_QUEUE,
  RECORD_REMOVED,
  RECORD_TRANSIENT,
  SEGMENT_MAGIC,
  type PublishRecord,
} from './records.js';

/**
 * Start a new segment past this size; smaller segments free disk sooner. WARREN_SEGMENT_BYTES
 * (read once, at start) sets another size, for tests that need many segments quickly.
 */
const SEGMENT_BYTES = Number(process.env.WARREN_SEGMENT_BYTES) > 0 ? Number(process.env.WARREN_SEGMENT_BYTES) : 16 * 1024 * 1024;
const SEGMENT_NAME = /^(\d{10})\.seg$/;
/** where files recovery cannot use are kept (never deleted) */
const DAMAGED_DIR = 'damaged';

class Segment {
  /** (message, queue) pairs stored here and not yet removed, plus spilled copies still held */
  live = 0;
  /** every (message, queue) pair ever stored here: live / pairs is how much of it is still useful */
  pairs = 0;
  /** spilled copies still held (a segment holding any is not compacted) */
  transientLive = 0;
  /** lowest message id stored here (ids grow with segment ids) */
  firstId = 0;
  acks: AppendFile | null = null;
  /** the index data of its records, gathered while it is the current segment (written when it is sealed) */
  index: IndexBuilder | null = null;
  /** for reading messages back (opened on first use) */
  readFd = -1;
  /** asynchronous reads in flight on readFd (compaction waits for them) */
  reading = 0;
  /** queue key -> the number this segment's records use for it */
  readonly numbers = new Map<string, number>();

  constructor(
    readonly id: number,
    readonly file: AppendFile | null,
  ) {}
}

const headerReader = new Reader();

/** Compact a full segment once fewer than 1 in this many of its pairs are live. */
const COMPACT_BELOW = 10;

interface Relocation {
  segment: number;
  offset: number;
  /** the copy's length (a moved record is longer than the original: it names its origin) */
  length: number;
  /** queues still holding the old position */
  holders: number;
}
const indexRecord: IndexRecord = { type: 0, source: Buffer.alloc(0), words: null, next: 0, id: 0, queuesAt: 0, queueCount: 0, bodySize: 0, from: 0, vhost: '', name: '' };


export class DiskMessageStore implements MessageStore, Overflow {
  private readonly segments = new Map<number, Segment>();
  /** compacted segment -> old offset -> where its live record went */
  private readonly relocated = new Map<number, Map<number, Relocation>>();
  private readonly toCompact = new Set<Segment>();
  private compactionScheduled = false;
  /** live segments in id order (so also in message id order) */
  private readonly order: Segment[] = [];
  private current!: Segment;
  /** above every segment id in use or named by a moved record */
  private nextSegmentId = 1;
  private lastId = 0;

  private constructor(
    readonly dir: string,
    private readonly commit: GroupCommit,
    private readonly segmentBytes = SEGMENT_BYTES,
  ) {}

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
    const numbers: number[] = [];
    for (const q of queues) numbers.push(this.numberIn(seg, q));
    if (seg.firstId === 0) seg.firstId = id;
    seg.live += queues.length;
    seg.pairs += queues.length;
    const record = encodePublish(id, message.arrival, numbers, message.exchange, message.routingKey, message.header, message.body);
    message.stored = { id, handle: seg, segment: seg.id, offset: file.size, length: record.length };
    seg.index?.record(RECORD_PUBLISH, file.size, record.length, message.body.length, id, 0, numbers);
    this.commit.append(file, record);
    return this.commit.currentBatch;
  }

  delivered(message: Message, queue: QueueRef): void {
    const stored = message.stored;
    const at = stored && this.resolve(stored.segment, stored.offset);
    if (at) this.ack(at.seg, RECORD_DELIVERED, at.offset, queue);
  }

  removed(message: Message, queue: QueueRef): void {
    const stored = message.stored;
    if (stored) this.removedAt(stored.segment, stored.offset, queue);
  }

  removedAt(segment: number, offset: number, queue: QueueRef): void {
    const at = this.resolve(segment, offset, true);
    if (!at) return;
    const seg = at.seg;
    if (--seg.live === 0 && seg !== this.current) {
      this.drop(seg);
      return;
    }
    this.ack(seg, RECORD_REMOVED, at.offset, queue);
    this.compactIfSparse(seg);
  }

  private compactIfSparse(seg: Segment): void {
    if (seg !== this.current && seg.live > 0 && seg.live * COMPACT_BELOW < seg.pairs) this.scheduleCompaction(seg);
  }

  private scheduleCompaction(seg: Segment): void {
    if (seg === this.current || seg.transientLive > 0 || this.toCompact.has(seg)) return;
    this.toCompact.add(seg);
    if (this.compactionScheduled) return;
    this.compactionScheduled = true;
    setTimeout(() => {
      this.compactionScheduled = false;
      for (const s of [...this.toCompact]) {
        this.toCompact.delete(s);
        if (this.segments.get(s.id) === s) this.compact(s);
      }
    }, 10).unref();
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
      this.scheduleCompaction(seg);
      return;
    }
    try {
      this.commit.writeOut();
      const path = this.path(seg.id, 'seg');
      const buf = readFileSync(path);
      const pairs = new Pairs();
      const keyOf = new Map<number, string>();
      for (const [key, n] of seg.numbers) keyOf.set(n, key);
      const r = indexRecord;
      for (let pos = FILE_HEADER; ; pos = r.next) {
        const kind = readIndex(buf, pos, r);
        if (kind === 'end') break;
        if (kind !== 'record') return; // damaged: leave the segment as it is
        if (r.type !== RECORD_PUBLISH && r.type !== RECORD_MOVED) continue;
        for (let i = 0; i < r.queueCount; i++) pairs.push(seg.id, pos, r.next - pos, r.bodySize, buf.readUInt32BE(r.queuesAt + 4 * i), r.id);
      }
      const problems: string[] = [];
      this.scanAcks(seg.id, [pairs, 0], problems);
      if (problems.length > 0) return;
      if (this.current.file!.size >= this.segmentBytes) this.roll();
      const target = this.current;
      const file = target.file!;
      const map = new Map<number, Relocation>();
      for (let i = 0; i < pairs.length; ) {
        const offset = pairs.offset(i);
        const live: { key: string; delivered: boolean }[] = [];
        for (; i < pairs.length && pairs.offset(i) === offset; i++) {
          const state = pairs.state(i);
          const key = keyOf.get(pairs.queue(i));
          if (!(state & REMOVED) && key !== undefined) live.push({ key, delivered: (state & DELIVERED) !== 0 });
        }
        if (live.length === 0) continue;
        const rec = readRecord(buf, offset);
        if (rec.kind !== 'record' || rec.record.type !== RECORD_PUBLISH) continue;
        const p = rec.record;
        const refs = live.map((l) => refOf(l.key));
        const numbers = refs.map((q) => this.numberIn(target, q));
        const newOffset = file.size;
        const copy = encodePublish(p.id, p.arrival, numbers, p.exchange, p.routingKey, p.header, p.body, RECORD_MOVED, seg.id);
        target.index?.record(RECORD_MOVED, newOffset, copy.length, p.body.length, p.id, seg.id, numbers);
        this.commit.append(file, copy);
        live.forEach((l, k) => l.delivered && this.ack(target, RECORD_DELIVERED, newOffset, refs[k]!));
        map.set(offset, { segment: target.id, offset: newOffset, length: copy.length, holders: live.length });
        target.live += live.length;
        target.pairs += live.length;
      }
      // The copies are durable before the original goes.
      this.commit.writeOut();
      if (this.commit.fault !== null) return;
      fsyncSync(file.fd);
      if (target.acks) fsyncSync(target.acks.fd);
      this.relocated.set(seg.id, map);
      this.drop(seg);
      syncDirectory(this.dir);
    } catch (err) {
      process.stderr.write(`${new Date().toISOString()} [warning] compaction of ${this.path(seg.id, 'seg')} stopped (${(err as Error).message}); it is kept as it is\n`);
    }
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
    const record = encodePublish(0, message.arrival, [], message.exchange, message.routingKey, message.header, message.body, RECORD_TRANSIENT);
    const position = { segment: current.id, offset: file.size, length: record.length };
    this.commit.appendLazy(file, record);
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
    if (acks) this.commit.append(acks, encodeRangeAck(n!, start, end));
    this.compactIfSparse(seg);
  }

  readRun(piece: RunPiece, sync: boolean, done: (result: RunRead) => void): void {
    this.commit.writeOut(); // records still buffered reach the kernel before they are read
    const seg = this.segments.get(piece.segment);
    if (!seg) {
      // Compacted: its live records (all of this run) went forward one by one; read them where they are.
      const map = this.relocated.get(piece.segment);
      const positions: HeldPosition[] = [];
      for (const [offset, r] of map ?? []) if (offset >= piece.start && offset < piece.end) positions.push({ segment: piece.segment, offset, length: r.length, durable: piece.durable });
      positions.sort((a, b) => a.offset - b.offset);
      this.read(positions, sync, (messages) => {
        const found = messages.filter((m): m is Message => m !== null);
        done({ messages: found, next: piece.end, bodyBytes: found.reduce((n, m) => n + m.size, 0) });
      });
      return;
    }
    const from = piece.start;
    const attempt = (length: number): void => {
      const buf = Buffer.allocUnsafe(length);
      const parse = (err: Error | null): void => {
        if (err) {
          this.readFailed(seg, err.message);
          return done({ messages: [], next: piece.end, bodyBytes: 0 });
        }
        const result = this.parseRun(seg, buf, piece);
        if (typeof result === 'number') attempt(result);
        else done(result);
      };
      let fd: number;
      try {
        fd = this.readFdOf(seg);
      } catch (err) {
        return parse(err as Error);
      }
      if (sync) {
        try {
          readFully(fd, buf, from);
        } catch (err) {
          return parse(err as Error);
        }
        return parse(null);
      }
      seg.reading++;
      readAsync(fd, buf, from, (err) => {
        seg.reading--;
        parse(err);
      });
    };
    attempt(Math.max(FRAME, Math.min(piece.limit, piece.end) - from));
  }

  /**
   * The messages in the records of `buf` (a run's bytes from its start): whole records only, so
   * the run's next read starts at a record. A number: read this many bytes instead (the first
   * record is longer than what was read).
   */
  private parseRun(seg: Segment, buf: Buffer, piece: RunPiece): RunRead | number {
    const messages: Message[] = [];
    let bodyBytes = 0;
    let pos = 0;
    const runBytes = piece.end - piece.start;
    while (pos < buf.length) {
      const r = readRecord(buf, pos);
      if (r.kind === 'record') {
        if (r.record.type !== RECORD_QUEUE) {
          const m = this.messageAt(seg, buf, pos, { segment: piece.segment, offset: piece.start + pos, length: r.next - pos, durable: piece.durable }, piece.durable);
          if (m) {
            messages.push(m);
            bodyBytes += m.size;
          }
        }
        pos = r.next;
        continue;
      }
      if (r.kind === 'short') {
        // cut by the end of this read: the next read starts here, unless the frame claims more than the run holds
        const framed = buf.length - pos >= FRAME && buf.readUInt32BE(pos) === RECORD_MARK ? FRAME + buf.readUInt32BE(pos + 4) : FRAME;
        if (pos + framed <= runBytes) {
          if (pos === 0) return framed;
          break;
        }
      }
      // damage: find the next intact record by its framing; whatever the run still counts at its end is lost
      const resume = nextIntact(buf, pos + 1);
      this.readFailed(seg, `no intact record at byte ${piece.start + pos}`);
      if (resume === null) {
        // an intact record may begin after this read's end: the next read looks from the next byte on
        pos = buf.length < runBytes ? pos + 1 : buf.length;
        break;
      }
      pos = resume;
    }
    return { messages, next: piece.start + pos, bodyBytes };
  }

  read(positions: readonly HeldPosition[], sync: boolean, done: (messages: (Message | null)[]) => void): void {
    this.commit.writeOut(); // records still buffered reach the kernel before they are read
    const messages: (Message | null)[] = new Array<Message | null>(positions.length).fill(null);
    // Consecutive records of one segment are read with one call.
    const runs: { seg: Segment; start: number; end: number; first: number; count: number }[] = [];
    const at: number[] = []; // where each position's record is now (compaction may have moved it)
    positions.forEach((p, i) => {
      const where = this.resolve(p.segment, p.offset, false, p.length);
      at.push(where ? where.offset : -1);
      if (!where) return;
      const last = runs[runs.length - 1];
      if (last && last.seg === where.seg && last.end === where.offset && last.first + last.count === i) {
        last.end += where.length;
        last.count++;
        return;
      }
      runs.push({ seg: where.seg, start: where.offset, end: where.offset + where.length, first: i, count: 1 });
    });
    let pending = runs.length;
    if (pending === 0) return done(messages);
    const parse = (run: (typeof runs)[number], buf: Buffer | null): void => {
      for (let i = run.first; i < run.first + run.count; i++) {
        const p = positions[i]!;
        messages[i] = buf ? this.messageAt(run.seg, buf, at[i]! - run.start, p, p.durable) : null;
      }
    };
    for (const run of runs) {
      const buf = Buffer.allocUnsafe(run.end - run.start);
      let fd: number;
      try {
        fd = this.readFdOf(run.seg);
      } catch (err) {
        this.readFailed(run.seg, (err as Error).message);
        parse(run, null);
        if (--pending === 0) done(messages);
        continue;
      }
      if (sync) {
        try {
          readFully(fd, buf, run.start);
          parse(run, buf);
        } catch (err) {
          this.readFailed(run.seg, (err as Error).message);
          parse(run, null);
        }
        if (--pending === 0) done(messages);
        continue;
      }
      run.seg.reading++;
      readAsync(fd, buf, run.start, (err) => {
        run.seg.reading--;
        if (err) this.readFailed(run.seg, err.message);
        parse(run, err ? null : buf);
        if (--pending === 0) done(messages);
      });
    }
  }

  /** The message in the record at `at` of `buf` (which is its segment from `offset` on). */
  private messageAt(seg: Segment, buf: Buffer, at: number, position: HeldPosition, durable: boolean): Message | null {
    const r = readRecord(buf, at);
    const offset = position.offset;
    if (r.kind !== 'record' || r.record.type === RECORD_QUEUE) {
      this.readFailed(seg, `no intact record at byte ${offset}`);
      return null;
    }
    const record = r.record as PublishRecord;
    let properties;
    try {
      properties = decodeBasicProperties(headerReader.reset(record.header, CONTENT_HEADER_PREFIX, record.header.length));
    } catch (err) {
      // e.g. headers nested deeper than today's wire limit, stored by an older version
      this.readFailed(seg, `message ${record.id} at byte ${offset} has unreadable properties (${(err as Error).message})`);
      return null;
    }
    const owned = ownContent(record.header, record.body);
    const message = new Message(record.exchange, record.routingKey, properties, owned.header, owned.body, record.arrival);
    // (the position the queue held, even if the record moved since: removal goes through the forwarding entry)
    if (durable) message.stored = { id: record.id, handle: seg, segment: position.segment, offset, length: position.length };
    return message;
  }

  private readFdOf(seg: Segment): number {
    if (seg.readFd < 0) seg.readFd = openSync(this.path(seg.id, 'seg'), 'r');
    return seg.readFd;
  }

  private readFailed(seg: Segment, why: string): void {
    process.stderr.write(`${new Date().toISOString()} [warning] damage: ${this.path(seg.id, 'seg')}: a message could not be read back (${why}); it is skipped\n`);
  }

  writeOut(): void {
    this.commit.writeOut();
  }

  flush(): Promise<void> {
    return this.commit.drain();
  }

  async close(): Promise<void> {
    await this.commit.drain();
    // A current segment that holds nothing live goes, so the next start's last segment is one with data.
    if (this.current.live === 0) this.drop(this.current);
    for (const seg of this.segments.values()) {
      if (seg.file) this.commit.retire(seg.file);
      if (seg.acks) this.commit.retire(seg.acks);
      if (seg.readFd >= 0) closeSync(seg.readFd);
      seg.readFd = -1;
    }
    await this.commit.drain();
  }

  private ack(seg: Segment, type: typeof RECORD_DELIVERED | typeof RECORD_REMOVED, offset: number, queue: QueueRef): void {
    const n = seg.numbers.get(queueKey(queue));
    if (n === undefined) return;
    const acks = this.acksOf(seg);
    if (acks) this.commit.append(acks, encodeAck(type, n, offset));
  }

  private path(id: number, ext: 'seg' | 'acks' | 'idx'): string {
    return join(this.dir, `${String(id).padStart(10, '0')}.${ext}`);
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
      seg.acks = existsSync(path) ? new AppendFile(path, readFileSync(path).length) : this.create(path, ACKS_MAGIC);
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

  private drop(seg: Segment): void {
    this.segments.delete(seg.id);
    const i = this.order.indexOf(seg);
    if (i >= 0) this.order.splice(i, 1);
    if (seg.file) this.commit.retire(seg.file);
    if (seg.acks) this.commit.retire(seg.acks);
    if (seg.readFd >= 0) closeSync(seg.readFd);
    seg.readFd = -1;
    for (const path of [this.path(seg.id, 'seg'), this.path(seg.id, 'acks'), this.path(seg.id, 'idx')]) {
      try {
        if (existsSync(path)) unlinkSync(path);
      } catch {
        // left behind: recovery finds nothing live in it and deletes it then
      }
    }
  }

  /** Keeps a file recovery cannot use in messages/damaged/, never deleting it; returns where it went. */
  private keepAside(path: string): string {
    const dir = join(this.dir, DAMAGED_DIR);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const to = join(dir, `${path.slice(this.dir.length + 1)}.${Date.now()}`);
    renameSync(path, to);
    return to;
  }

  /**
   * Reads every segment and its acks to learn which messages are still live, keeping only their
   * positions (not their bytes), then deletes segments with nothing live. The messages themselves
   * are read again, one segment at a time, by replay().
   */
  private recover(): RecoveryReport {
    const started = Date.now();
    const problems: string[] = [];
    // One entry per (message, queue) pair, in publish order (segment by segment, offset by offset).
    const pairs = new Pairs();
    // Live messages compaction moved forward: out of publish order in their segment, merged back by id.
    const moved = new Pairs();
    const files = readdirSync(this.dir);
    const ids = files
      .map((f) => SEGMENT_NAME.exec(f)?.[1])
      .filter((m): m is string => m !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    // Acks and index files whose segment is gone (a kill in the middle of deleting one) are stale: a
    // new segment may be given that id, and must not find them.
    const present = new Set(ids);
    for (const f of files) {
      const m = /^(\d{10})\.(acks|idx)$/.exec(f);
      if (m && !present.has(Number(m[1]))) unlinkSync(join(this.dir, f));
    }
    const last = ids.length > 0 ? ids[ids.length - 1]! : -1;
    this.nextSegmentId = last + 1;
    /** segments that must be kept whatever their live count (they hold messages recovery could not place) */
    const keep = new Set<number>();
    const numbersOf = new Map<number, Map<number, string>>();
    const firstIdOf = new Map<number, number>();
    for (const segId of ids) {
      const path = this.path(segId, 'seg');
      const header = checkHeader(readHead(path), SEGMENT_MAGIC);
      if (header.kind === 'version') {
        throw new StoreFormatError(`${path}: message store format version ${header.version} is not one this warren reads (version 1); use the warren that wrote it`);
      }
      if (header.kind !== 'ok') {
        const why = header.kind === 'empty' ? 'empty (0 bytes): whatever it held is lost' : 'not a warren message segment (no valid header)';
        problems.push(`${path}: ${why}; kept aside as ${this.keepAside(path)}`);
        const acks = this.path(segId, 'acks');
        if (existsSync(acks)) this.keepAside(acks);
        rmSync(this.path(segId, 'idx'), { force: true });
        continue;
      }
      const numbers = new Map<number, string>();
      numbersOf.set(segId, numbers);
      const from = pairs.length;
      const movedFrom = moved.length;
      const stale: { offset: number; queue: number }[] = [];
      let firstId = 0;
      const each = (r: IndexRecord, offset: number): void => {
        if (r.type === RECORD_TRANSIENT) return; // an overflow copy of a transient message: gone with the run that wrote it
        if (r.type === RECORD_QUEUE) {
          numbers.set(r.id, queueKey(r));
          return;
        }
        if (r.type === RECORD_MOVED && r.from >= this.nextSegmentId) this.nextSegmentId = r.from + 1;
        if (r.type === RECORD_MOVED && numbersOf.has(r.from)) {
          // A compaction was cut short: its original still exists and is what counts; this copy
          // is marked removed below so it stays dead once the original is gone.
          for (let i = 0; i < r.queueCount; i++) stale.push({ offset, queue: queueAt(r, i) });
          return;
        }
        const into = r.type === RECORD_MOVED ? moved : pairs;
        for (let i = 0; i < r.queueCount; i++) {
          const n = queueAt(r, i);
          if (numbers.has(n)) into.push(segId, offset, r.next - offset, r.bodySize, n, r.id);
          else {
            keep.add(segId);
            problems.push(`${path}: message ${r.id} at byte ${offset} names queue number ${n}, whose record is damaged; the segment is kept`);
          }
        }
        if (r.id > this.lastId) this.lastId = r.id;
        if (firstId === 0) firstId = r.id;
      };
      // A sealed segment with a sound index is known by it; the last one (where a torn tail can be), or one without, is read whole.
      const indexed = segId !== last && readSegmentIndex(this.path(segId, 'idx'), segId, statSync(path).size, indexRecord, each);
      if (!indexed) this.scanSegment(readFileSync(path), path, segId === last, problems, each);
      if (firstId !== 0) firstIdOf.set(segId, firstId);
      this.scanAcks(segId, [pairs, from, moved, movedFrom], problems);
      if (stale.length > 0) {
        const acks = this.path(segId, 'acks');
        const records = stale.map((s) => encodeAck(RECORD_REMOVED, s.queue, s.offset));
        if (!existsSync(acks)) records.unshift(fileHeader(ACKS_MAGIC));
        appendDurably(acks, records);
        problems.push(`${path}: ${stale.length} copies left by a compaction cut short ignored (the originals are kept)`);
      }
    }
    const live = new Map<number, number>();
    const total = new Map<number, number>();
    let messages = 0;
    for (const table of [pairs, moved]) {
      // (pairs come segment by segment: counted per stretch, not per pair in a map)
      let seg = -1;
      let all = 0;
      let alive = 0;
      let lastOffset = -1;
      const flush = (): void => {
        if (seg < 0) return;
        total.set(seg, (total.get(seg) ?? 0) + all);
        live.set(seg, (live.get(seg) ?? 0) + alive);
      };
      for (let i = 0; i < table.length; i++) {
        const s = table.seg(i);
        if (s !== seg) {
          flush();
          seg = s;
          all = alive = 0;
          lastOffset = -1;
        }
        all++;
        if (table.state(i) & REMOVED) continue;
        alive++;
        const offset = table.offset(i);
        if (offset !== lastOffset) messages++;
        lastOffset = offset;
      }
      flush();
    }
    // Re-open the segments that still hold live messages; delete the rest.
    for (const segId of ids) {
      const numbers = numbersOf.get(segId);
      if (!numbers) continue; // kept aside
      const count = live.get(segId) ?? 0;
      if (count === 0 && !keep.has(segId)) {
        unlinkSync(this.path(segId, 'seg'));
        for (const ext of ['acks', 'idx'] as const) if (existsSync(this.path(segId, ext))) unlinkSync(this.path(segId, ext));
        continue;
      }
      const seg = new Segment(segId, null);
      seg.live = keep.has(segId) ? Number.MAX_SAFE_INTEGER : count;
      seg.pairs = total.get(segId) ?? 0;
      seg.firstId = firstIdOf.get(segId) ?? 0;
      for (const [n, key] of numbers) seg.numbers.set(key, n);
      this.segments.set(segId, seg);
      this.order.push(seg);
    }
    return {
      messages,
      segments: this.segments.size,
      problems,
      millis: Date.now() - started,
      replay: () => this.replay(pairs, moved, numbersOf),
    };
  }

  /** Calls `each` for every intact record; names damage and steps over it; truncates only a torn tail. */
  private scanSegment(
    buf: Buffer,
    path: string,
    isLast: boolean,
    problems: string[],
    each: (r: IndexRecord, offset: number) => void,
  ): void {
    let pos = FILE_HEADER;
    const r = indexRecord;
    for (;;) {
      const kind = readIndex(buf, pos, r);
      if (kind === 'end') return;
      if (kind === 'record') {
        each(r, pos);
        pos = r.next;
        continue;
      }
      const resume = nextIntact(buf, pos + 1);
      if (resume === null && isLast) {
        // Only the last record of the last segment can be a write cut short by a crash.
        problems.push(`${path}: torn record at byte ${pos} (a write cut short by a crash); truncated ${buf.length - pos} bytes`);
        truncateSync(path, pos);
        return;
      }
      const end = resume ?? buf.length;
      const skipped = countMarks(buf, pos, end);
      problems.push(
        `${path}: damaged data at byte ${pos} (${end - pos} bytes, about ${skipped} record${skipped === 1 ? '' : 's'}) skipped; ` +
          (resume === null ? 'nothing intact after it' : `records from byte ${resume} kept`),
      );
      if (resume === null) return;
      pos = resume;
    }
  }

  /** Applies a segment's acks to its pairs: those of each table from the index given on (in offset order). */
  private scanAcks(segId: number, tables: [Pairs, number, Pairs?, number?], problems: string[]): void {
    const [pairs, from, other, otherFrom] = tables;
    const to = pairs.length;
    const otherTo = other?.length ?? 0;
    const path = this.path(segId, 'acks');
    if (!existsSync(path)) return;
    const buf = readFileSync(path);
    const header = checkHeader(buf, ACKS_MAGIC);
    if (header.kind === 'version') {
      throw new StoreFormatError(`${path}: message store format version ${header.version} is not one this warren reads (version 1); use the warren that wrote it`);
    }
    if (header.kind === 'empty') return; // created, then the process stopped before its first write
    if (header.kind === 'foreign') {
      problems.push(`${path}: not a warren ack file (no valid header); kept aside as ${this.keepAside(path)} (acknowledged messages in it may come back)`);
      return;
    }
    const whole = FILE_HEADER + Math.floor((buf.length - FILE_HEADER) / ACK_BYTES) * ACK_BYTES;
    let damaged = 0;
    let firstDamaged = -1;
    for (let pos = FILE_HEADER; pos < whole; pos += ACK_BYTES) {
      const a = readAck(buf, pos);
      if (!a) {
        if (damaged++ === 0) firstDamaged = pos;
        continue;
      }
      const bit = a.type === RECORD_DELIVERED ? DELIVERED : REMOVED;
      // (a range may cover publish records and moved ones: it marks both tables)
      const range = a.end !== a.offset + 1;
      if ((!pairs.markRange(from, to, a.offset, a.end, a.queue, bit) || range) && other) other.markRange(otherFrom!, otherTo, a.offset, a.end, a.queue, bit);
    }
    if (damaged > 0) problems.push(`${path}: ${damaged} damaged ack record${damaged === 1 ? '' : 's'} skipped (the first at byte ${firstDamaged}); the rest kept`);
    if (whole < buf.length) {
      problems.push(`${path}: torn ack record at byte ${whole} (a write cut short by a crash); truncated ${buf.length - whole} bytes`);
      truncateSync(path, whole);
    }
  }

  /** The live messages' positions, in publish (id) order, one per queue holding each. */
  private *replay(pairs: Pairs, moved: Pairs, numbersOf: Map<number, Map<number, string>>): Generator<RecoveredMessage> {
    // `pairs` is in id order already; moved ones are merged in by id (pairs of one message stay together).
    const order = Array.from({ length: moved.length }, (_, i) => i).sort((x, y) => moved.id(x) - moved.id(y) || x - y);
    let m = 0;
    const entry = (table: Pairs, i: number): RecoveredMessage | null => {
      const state = table.state(i);
      if (state & REMOVED) return null;
      const queue = numbersOf.get(table.seg(i))?.get(table.queue(i));
      if (queue === undefined) return null;
      return { queue, segment: table.seg(i), offset: table.offset(i), length: table.recordLength(i), bodySize: table.bodySize(i), redelivered: (state & DELIVERED) !== 0 };
    };
    for (let i = 0; i < pairs.length; i++) {
      const id = pairs.id(i);
      for (; m < order.length && moved.id(order[m]!) < id; m++) {
        const e = entry(moved, order[m]!);
        if (e) yield e;
      }
      const e = entry(pairs, i);
      if (e) yield e;
    }
    for (; m < order.length; m++) {
      const e = entry(moved, order[m]!);
      if (e) yield e;
    }
    pairs.release();
    moved.release();
  }
}

/** Reads `buf.length` bytes at `position`, continuing after short reads. */
function readAsync(fd: number, buf: Buffer, position: number, done: (err: Error | null) => void): void {
  let got = 0;
  const next = (): void => {
    read(fd, buf, got, buf.length - got, position + got, (err, n) => {
      if (err) return done(err);
      if (n === 0) return done(new Error('file ended early'));
      got += n;
      if (got < buf.length) next();
      else done(null);
    });
  };
  next();
}

function refOf(key: string): QueueRef {
  const cut = key.indexOf('\u0000');
  return { vhost: key.slice(0, cut), name: key.slice(cut + 1) };
}

/** How many record marks lie in [from, to): about how many records a damaged stretch held. */
function countMarks(buf: Buffer, from: number, to: number): number {
  let n = 0;
  for (let pos = from; pos < to; ) {
    const at = buf.indexOf(MARK, pos);
    if (at < 0 || at >= to) break;
    n++;
    pos = at + 1;
  }
  return Math.max(1, n);
}

const MARK = Buffer.from([0x57, 0x52, 0x4e, 0x31]); // RECORD_MARK's bytes

/** The first bytes of a file (its header, if it has one). */
function readHead(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(FILE_HEADER);
    const n = readSync(fd, buf, 0, FILE_HEADER, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** Appends and fsyncs at once (recovery, before anything else runs). */
function appendDurably(path: string, chunks: Buffer[]): void {
  const fd = openSync(path, 'a', 0o600);
  try {
    writeAll(fd, chunks);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
