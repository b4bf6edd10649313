// The disk message store: append-only segment files holding each persistent message once, however
// many queues it went to, with a small per-segment table of the queues it refers to; and per
// segment a file of fixed-width ack records (delivered / removed), one per event. A segment whose
// messages have all left their queues is deleted with its acks. Formats: records.ts.
//
// Recovery keeps whatever is intact: only the last record of the last segment can be a torn write
// (truncated); anything else is damage, named (file, offset, records skipped) and stepped over by
// record framing, never truncated away. Files it cannot read are kept aside, never deleted.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, truncateSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { decodeBasicProperties, Reader } from '../../amqp/index.js';
import { Message, ownContent } from '../message.js';
import { AppendFile, type GroupCommit } from './group-commit.js';
import { queueKey, StoreFormatError, type MessageStore, type QueueRef, type RecoveredMessage, type RecoveryReport } from './message-store.js';
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
  RECORD_PUBLISH,
  RECORD_REMOVED,
  SEGMENT_MAGIC,
  type PublishRecord,
  type QueueRecord,
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
  /** queue key -> the number this segment's records use for it */
  readonly numbers = new Map<string, number>();

  constructor(
    readonly id: number,
    readonly file: AppendFile | null,
  ) {}
}

const headerReader = new Reader();

interface RecoveredEntry {
  id: number;
  seg: number;
  /** where its publish record starts in the segment file */
  offset: number;
  /** queue keys holding the message; '' once removed from that queue */
  keys: string[];
  delivered: boolean[];
  live: number;
}

export class DiskMessageStore implements MessageStore {
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
    message.stored = { id, segment: seg };
    if (seg.firstId === 0) seg.firstId = id;
    seg.live += queues.length;
    this.commit.append(file, encodePublish(id, message.arrival, numbers, message.exchange, message.routingKey, message.header, message.body));
    return this.commit.currentBatch;
  }

  delivered(message: Message, queue: QueueRef): void {
    const stored = message.stored;
    if (!stored) return;
    this.ack(stored.segment as Segment, RECORD_DELIVERED, stored.id, queue);
  }

  removed(message: Message, queue: QueueRef): void {
    const stored = message.stored;
    if (!stored) return;
    const seg = stored.segment as Segment;
    if (--seg.live === 0 && seg !== this.current) {
      this.drop(seg);
      return;
    }
    this.ack(seg, RECORD_REMOVED, stored.id, queue);
  }

  /** Points a message read back from a queue's spool at its stored record again. */
  reattach(message: Message, id: number): void {
    // the last segment whose first id is at most `id` (binary search: segments are in id order)
    let lo = 0;
    let hi = this.order.length - 1;
    let found: Segment | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const seg = this.order[mid]!;
      if (seg.firstId !== 0 && seg.firstId <= id) {
        found = seg;
        lo = mid + 1;
      } else if (seg.firstId === 0) hi = mid - 1;
      else hi = mid - 1;
    }
    if (found) message.stored = { id, segment: found };
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
    }
    await this.commit.drain();
  }

  private ack(seg: Segment, type: typeof RECORD_DELIVERED | typeof RECORD_REMOVED, id: number, queue: QueueRef): void {
    const n = seg.numbers.get(queueKey(queue));
    if (n === undefined) return;
    const acks = this.acksOf(seg);
    if (acks) this.commit.append(acks, encodeAck(type, n, id));
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
    // Publish records arrive in id order, so `entries` needs no sorting.
    const entries: RecoveredEntry[] = [];
    const ids = readdirSync(this.dir)
      .map((f) => SEGMENT_NAME.exec(f)?.[1])
      .filter((m): m is string => m !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    const last = ids.length > 0 ? ids[ids.length - 1]! : -1;
    /** segments that must be kept whatever their live count (they hold messages recovery could not place) */
    const keep = new Set<number>();
    const numbersOf = new Map<number, Map<number, string>>();
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
      const byId = new Map<number, RecoveredEntry>();
      this.scanSegment(buf, path, segId === last, problems, (r, offset) => {
        if (r.type !== RECORD_PUBLISH) {
          numbers.set(r.number, queueKey(r));
          return;
        }
        const keys: string[] = [];
        for (const n of r.queues) {
          const key = numbers.get(n);
          if (key === undefined) {
            keep.add(segId);
            problems.push(`${path}: message ${r.id} at byte ${offset} names queue number ${n}, whose record is damaged; the segment is kept`);
          } else keys.push(key);
        }
        const entry: RecoveredEntry = { id: r.id, seg: segId, offset, keys, delivered: keys.map(() => false), live: keys.length };
        entries.push(entry);
        byId.set(r.id, entry);
        if (r.id > this.lastId) this.lastId = r.id;
      });
      this.scanAcks(segId, numbers, byId, problems);
    }
    const liveEntries = entries.filter((e) => e.live > 0);
    const live = new Map<number, number>();
    const firstIds = new Map<number, number>();
    for (const entry of liveEntries) {
      live.set(entry.seg, (live.get(entry.seg) ?? 0) + entry.live);
      if (!firstIds.has(entry.seg)) firstIds.set(entry.seg, entry.id);
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
      seg.firstId = firstIds.get(segId) ?? 0;
      for (const [n, key] of numbers) seg.numbers.set(key, n);
      this.segments.set(segId, seg);
      this.order.push(seg);
    }
    return {
      messages: liveEntries.length,
      segments: this.segments.size,
      problems,
      millis: Date.now() - started,
      replay: () => this.replay(liveEntries, problems),
    };
  }

  /** Calls `each` for every intact record; names damage and steps over it; truncates only a torn tail. */
  private scanSegment(
    buf: Buffer,
    path: string,
    isLast: boolean,
    problems: string[],
    each: (r: PublishRecord | QueueRecord, offset: number) => void,
  ): void {
    let pos = FILE_HEADER;
    for (;;) {
      const r = readRecord(buf, pos);
      if (r.kind === 'end') return;
      if (r.kind === 'record') {
        each(r.record, pos);
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

  private scanAcks(segId: number, numbers: Map<number, string>, byId: Map<number, RecoveredEntry>, problems: string[]): void {
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
      const entry = byId.get(a.id);
      const key = numbers.get(a.queue);
      const i = entry && key !== undefined ? entry.keys.indexOf(key) : -1;
      if (!entry || i < 0) continue;
      if (a.type === RECORD_DELIVERED) entry.delivered[i] = true;
      else if (entry.keys[i] !== '') {
        entry.keys[i] = '';
        entry.live--;
      }
    }
    if (damaged > 0) problems.push(`${path}: ${damaged} damaged ack record${damaged === 1 ? '' : 's'} skipped (the first at byte ${firstDamaged}); the rest kept`);
    if (whole < buf.length) {
      problems.push(`${path}: torn ack record at byte ${whole} (a write cut short by a crash); truncated ${buf.length - whole} bytes`);
      truncateSync(path, whole);
    }
  }

  /** The live messages, segment by segment in publish order: one segment's bytes in memory at a time. */
  private *replay(entries: RecoveredEntry[], problems: string[]): Generator<RecoveredMessage> {
    let segId = -1;
    let buf = Buffer.alloc(0);
    for (const entry of entries) {
      if (entry.seg !== segId) {
        segId = entry.seg;
        buf = readFileSync(this.path(segId, 'seg'));
      }
      const r = readRecord(buf, entry.offset);
      if (r.kind !== 'record' || r.record.type !== RECORD_PUBLISH) continue;
      const record = r.record;
      let properties;
      try {
        properties = decodeBasicProperties(headerReader.reset(record.header, 12, record.header.length));
      } catch (err) {
        // e.g. headers nested deeper than today's wire limit, stored by an older version
        problems.push(`message ${record.id} in segment ${segId}: unreadable properties (${(err as Error).message}); skipped`);
        continue;
      }
      const owned = ownContent(record.header, record.body);
      const message = new Message(record.exchange, record.routingKey, properties, owned.header, owned.body, record.arrival);
      const segment = this.segments.get(segId);
      if (segment) message.stored = { id: record.id, segment };
      for (let i = 0; i < entry.keys.length; i++) {
        const queue = entry.keys[i]!;
        if (queue !== '') yield { queue, message, redelivered: entry.delivered[i]! };
      }
    }
  }
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
