// The disk message store: append-only segment files holding each persistent message once, however
// many queues it went to, with a small per-segment table of the queues it refers to; and per
// segment a file of fixed-width ack records (delivered / removed), one per event. A segment whose
// messages have all left their queues is deleted with its acks. Formats: records.ts.
//
// Recovery keeps whatever is intact: only the last record of the last segment can be a torn write
// (truncated); anything else is damage, named (file, offset, records skipped) and stepped over by
// record framing, never truncated away. Files it cannot read are kept aside, never deleted.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, read, readdirSync, readFileSync, renameSync, rmSync, truncateSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { CONTENT_HEADER_PREFIX, decodeBasicProperties, Reader } from '../../amqp/index.js';
import { Message, ownContent, type DiskPosition } from '../message.js';
import { AppendFile, GroupCommit } from './group-commit.js';
import { readFully } from './io.js';
import {
  queueKey,
  StoreFormatError,
  type HeldPosition,
  type MessageStore,
  type Overflow,
  type QueueRef,
  type RecoveredMessage,
  type RecoveryReport,
} from './message-store.js';
import { DELIVERED, Pairs, readIndex, REMOVED, type IndexRecord } from './recovery-index.js';
import {
  ACK_BYTES,
  ACKS_MAGIC,
  checkHeader,
  encodeAck,
  encodePublish,
  encodeQueue,
  FILE_HEADER,
  fileHeader,
  nextIntact,
  readAck,
  readRecord,
  RECORD_DELIVERED,
  RECORD_QUEUE,
  RECORD_REMOVED,
  RECORD_TRANSIENT,
  SEGMENT_MAGIC,
  type PublishRecord,
} from './records.js';

/** Start a new segment past this size; smaller segments free disk sooner. */
const SEGMENT_BYTES = 16 * 1024 * 1024;
const SEGMENT_NAME = /^(\d{10})\.seg$/;
/** where files recovery cannot use are kept (never deleted) */
const DAMAGED_DIR = 'damaged';

class Segment {
  /** (message, queue) pairs stored here and not yet removed */
  live = 0;
  /** lowest message id stored here (ids grow with segment ids) */
  firstId = 0;
  acks: AppendFile | null = null;
  /** for reading messages back (opened on first use) */
  readFd = -1;
  /** queue key -> the number this segment's records use for it */
  readonly numbers = new Map<string, number>();

  constructor(
    readonly id: number,
    readonly file: AppendFile | null,
  ) {}
}

const headerReader = new Reader();
const indexRecord: IndexRecord = { type: 0, next: 0, id: 0, queuesAt: 0, queueCount: 0, bodySize: 0, vhost: '', name: '' };


export class DiskMessageStore implements MessageStore, Overflow {
  private readonly segments = new Map<number, Segment>();
  /** live segments in id order (so also in message id order) */
  private readonly order: Segment[] = [];
  private current!: Segment;
  private lastId = 0;

  private constructor(
    readonly dir: string,
    private readonly commit: GroupCommit,
  ) {}

  /** Opens the store in `dir`, recovering what an earlier run left; `commit` batches its fsyncs. */
  static open(dir: string, commit: GroupCommit): { store: DiskMessageStore; report: RecoveryReport } {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const store = new DiskMessageStore(dir, commit);
    const report = store.recover();
    store.roll();
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
    if (this.current.file!.size >= SEGMENT_BYTES) this.roll();
    const id = ++this.lastId;
    const seg = this.current;
    const file = seg.file!;
    const numbers: number[] = [];
    for (const q of queues) {
      const key = queueKey(q);
      let n = seg.numbers.get(key);
      if (n === undefined) {
        n = seg.numbers.size;
        seg.numbers.set(key, n);
        this.commit.append(file, encodeQueue(n, q.vhost, q.name));
      }
      numbers.push(n);
    }
    if (seg.firstId === 0) seg.firstId = id;
    seg.live += queues.length;
    const record = encodePublish(id, message.arrival, numbers, message.exchange, message.routingKey, message.header, message.body);
    message.stored = { id, handle: seg, segment: seg.id, offset: file.size, length: record.length };
    this.commit.append(file, record);
    return this.commit.currentBatch;
  }

  delivered(message: Message, queue: QueueRef): void {
    const stored = message.stored;
    if (!stored) return;
    this.ack(stored.handle as Segment, RECORD_DELIVERED, stored.offset, queue);
  }

  removed(message: Message, queue: QueueRef): void {
    const stored = message.stored;
    if (stored) this.removedFrom(stored.handle as Segment, stored.offset, queue);
  }

  removedAt(segment: number, offset: number, queue: QueueRef): void {
    const seg = this.segments.get(segment);
    if (seg) this.removedFrom(seg, offset, queue);
  }

  private removedFrom(seg: Segment, offset: number, queue: QueueRef): void {
    if (--seg.live === 0 && seg !== this.current) {
      this.drop(seg);
      return;
    }
    this.ack(seg, RECORD_REMOVED, offset, queue);
  }

  spill(message: Message): DiskPosition {
    const spilled = message.spilled;
    const seg = spilled && this.segments.get(spilled.segment);
    if (spilled && seg) {
      seg.live++;
      return spilled;
    }
    if (this.current.file!.size >= SEGMENT_BYTES) this.roll();
    const current = this.current;
    const file = current.file!;
    const record = encodePublish(0, message.arrival, [], message.exchange, message.routingKey, message.header, message.body, RECORD_TRANSIENT);
    const position = { segment: current.id, offset: file.size, length: record.length };
    this.commit.appendLazy(file, record);
    current.live++;
    message.spilled = position;
    return position;
  }

  release(segment: number): void {
    const seg = this.segments.get(segment);
    if (seg && --seg.live === 0 && seg !== this.current) this.drop(seg);
  }

  read(positions: readonly HeldPosition[], sync: boolean, done: (messages: (Message | null)[]) => void): void {
    this.commit.writeOut(); // records still buffered reach the kernel before they are read
    const messages: (Message | null)[] = new Array<Message | null>(positions.length).fill(null);
    // Consecutive records of one segment are read with one call.
    const runs: { seg: Segment; start: number; end: number; first: number; count: number }[] = [];
    positions.forEach((p, i) => {
      const last = runs[runs.length - 1];
      if (last && last.seg.id === p.segment && last.end === p.offset) {
        last.end += p.length;
        last.count++;
        return;
      }
      const seg = this.segments.get(p.segment);
      if (seg) runs.push({ seg, start: p.offset, end: p.offset + p.length, first: i, count: 1 });
    });
    let pending = runs.length;
    if (pending === 0) return done(messages);
    const parse = (run: (typeof runs)[number], buf: Buffer | null): void => {
      for (let i = run.first; i < run.first + run.count; i++) {
        const p = positions[i]!;
        messages[i] = buf ? this.messageAt(run.seg, buf, p.offset - run.start, p.offset, p.durable) : null;
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
      readAsync(fd, buf, run.start, (err) => {
        if (err) this.readFailed(run.seg, err.message);
        parse(run, err ? null : buf);
        if (--pending === 0) done(messages);
      });
    }
  }

  /** The message in the record at `at` of `buf` (which is its segment from `offset` on). */
  private messageAt(seg: Segment, buf: Buffer, at: number, offset: number, durable: boolean): Message | null {
    const r = readRecord(buf, at);
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
    if (durable) message.stored = { id: record.id, handle: seg, segment: seg.id, offset, length: r.next - at };
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

  private path(id: number, ext: 'seg' | 'acks'): string {
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
    const id = Math.max(0, ...this.segments.keys()) + 1;
    let file: AppendFile;
    try {
      file = this.create(this.path(id, 'seg'), SEGMENT_MAGIC);
    } catch (err) {
      // A full disk may refuse a new file: keep appending to the current one (the commit reports the fault).
      if (previous) return;
      throw err;
    }
    this.current = new Segment(id, file);
    this.segments.set(id, this.current);
    this.order.push(this.current);
    if (previous && previous.live === 0) this.drop(previous);
  }

  private drop(seg: Segment): void {
    this.segments.delete(seg.id);
    const i = this.order.indexOf(seg);
    if (i >= 0) this.order.splice(i, 1);
    if (seg.file) this.commit.retire(seg.file);
    if (seg.acks) this.commit.retire(seg.acks);
    if (seg.readFd >= 0) closeSync(seg.readFd);
    seg.readFd = -1;
    for (const path of [this.path(seg.id, 'seg'), this.path(seg.id, 'acks')]) {
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
    const ids = readdirSync(this.dir)
      .map((f) => SEGMENT_NAME.exec(f)?.[1])
      .filter((m): m is string => m !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    const last = ids.length > 0 ? ids[ids.length - 1]! : -1;
    /** segments that must be kept whatever their live count (they hold messages recovery could not place) */
    const keep = new Set<number>();
    const numbersOf = new Map<number, Map<number, string>>();
    const firstIdOf = new Map<number, number>();
    for (const segId of ids) {
      const path = this.path(segId, 'seg');
      const buf = readFileSync(path);
      const header = checkHeader(buf, SEGMENT_MAGIC);
      if (header.kind === 'version') {
        throw new StoreFormatError(`${path}: message store format version ${header.version} is not one this warren reads (version 1); use the warren that wrote it`);
      }
      if (header.kind !== 'ok') {
        const why = header.kind === 'empty' ? 'empty (0 bytes): whatever it held is lost' : 'not a warren message segment (no valid header)';
        problems.push(`${path}: ${why}; kept aside as ${this.keepAside(path)}`);
        const acks = this.path(segId, 'acks');
        if (existsSync(acks)) this.keepAside(acks);
        continue;
      }
      const numbers = new Map<number, string>();
      numbersOf.set(segId, numbers);
      const from = pairs.length;
      this.scanSegment(buf, path, segId === last, problems, (r, offset) => {
        if (r.type === RECORD_TRANSIENT) return; // an overflow copy of a transient message: gone with the run that wrote it
        if (r.type === RECORD_QUEUE) {
          numbers.set(r.id, queueKey(r));
          return;
        }
        for (let i = 0; i < r.queueCount; i++) {
          const n = buf.readUInt32BE(r.queuesAt + 4 * i);
          if (numbers.has(n)) pairs.push(segId, offset, r.next - offset, r.bodySize, n);
          else {
            keep.add(segId);
            problems.push(`${path}: message ${r.id} at byte ${offset} names queue number ${n}, whose record is damaged; the segment is kept`);
          }
        }
        if (r.id > this.lastId) this.lastId = r.id;
        if (!firstIdOf.has(segId)) firstIdOf.set(segId, r.id);
      });
      this.scanAcks(segId, pairs, from, problems);
    }
    const live = new Map<number, number>();
    let messages = 0;
    let lastSeg = -1;
    let lastOffset = -1;
    for (let i = 0; i < pairs.length; i++) {
      if (pairs.state(i) & REMOVED) continue;
      const seg = pairs.seg(i);
      live.set(seg, (live.get(seg) ?? 0) + 1);
      if (seg !== lastSeg || pairs.offset(i) !== lastOffset) messages++;
      lastSeg = seg;
      lastOffset = pairs.offset(i);
    }
    // Re-open the segments that still hold live messages; delete the rest.
    for (const segId of ids) {
      const numbers = numbersOf.get(segId);
      if (!numbers) continue; // kept aside
      const count = live.get(segId) ?? 0;
      if (count === 0 && !keep.has(segId)) {
        unlinkSync(this.path(segId, 'seg'));
        if (existsSync(this.path(segId, 'acks'))) unlinkSync(this.path(segId, 'acks'));
        continue;
      }
      const seg = new Segment(segId, null);
      seg.live = keep.has(segId) ? Number.MAX_SAFE_INTEGER : count;
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
      replay: () => this.replay(pairs, numbersOf),
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

  /** Applies a segment's acks to its pairs (pairs [from, end) of `pairs`, in offset order). */
  private scanAcks(segId: number, pairs: Pairs, from: number, problems: string[]): void {
    const to = pairs.length;
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
      pairs.mark(from, to, a.offset, a.queue, a.type === RECORD_DELIVERED ? DELIVERED : REMOVED);
    }
    if (damaged > 0) problems.push(`${path}: ${damaged} damaged ack record${damaged === 1 ? '' : 's'} skipped (the first at byte ${firstDamaged}); the rest kept`);
    if (whole < buf.length) {
      problems.push(`${path}: torn ack record at byte ${whole} (a write cut short by a crash); truncated ${buf.length - whole} bytes`);
      truncateSync(path, whole);
    }
  }

  /** The live messages' positions, in publish order, one per queue holding each. */
  private *replay(pairs: Pairs, numbersOf: Map<number, Map<number, string>>): Generator<RecoveredMessage> {
    for (let i = 0; i < pairs.length; i++) {
      const state = pairs.state(i);
      if (state & REMOVED) continue;
      const queue = numbersOf.get(pairs.seg(i))?.get(pairs.queue(i));
      if (queue === undefined) continue;
      yield {
        queue,
        segment: pairs.seg(i),
        offset: pairs.offset(i),
        length: pairs.recordLength(i),
        bodySize: pairs.bodySize(i),
        redelivered: (state & DELIVERED) !== 0,
      };
    }
    pairs.release();
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

function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
