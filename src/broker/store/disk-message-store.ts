// The disk message store: publish records in append-only segment files (each message once,
// however many queues hold it), delivered/removed marks in a companion .marks file per segment.
// A segment whose messages have all left their queues is deleted with its marks.
import { existsSync, mkdirSync, readdirSync, readFileSync, truncateSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { decodeBasicProperties, Reader } from '../../amqp/index.js';
import { Message } from '../message.js';
import { AppendFile, type GroupCommit } from './group-commit.js';
import { queueKey, type MessageStore, type QueueRef, type RecoveredMessage, type RecoveryReport } from './message-store.js';
import {
  encodeMark,
  encodePublish,
  readRecord,
  RECORD_DELIVERED,
  RECORD_PUBLISH,
  RECORD_REMOVED,
  type MarkRecord,
  type PublishRecord,
} from './records.js';

/** Start a new segment past this size; smaller segments free disk sooner. */
const SEGMENT_BYTES = 16 * 1024 * 1024;
const SEGMENT_NAME = /^(\d{10})\.seg$/;

class Segment {
  /** (message, queue) pairs stored here and not yet removed */
  live = 0;
  /** lowest message id stored here (ids grow with segment ids) */
  firstId = 0;
  marks: AppendFile | null = null;

  constructor(
    readonly id: number,
    readonly file: AppendFile,
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
  private current!: Segment;
  private lastId = 0;

  private constructor(
    readonly dir: string,
    private readonly commit: GroupCommit,
  ) {}

  /** Opens the store in `dir`, recovering what an earlier run left; `commit` batches its fsyncs. */
  static open(dir: string, commit: GroupCommit): { store: DiskMessageStore; report: RecoveryReport } {
    mkdirSync(dir, { recursive: true });
    const store = new DiskMessageStore(dir, commit);
    const report = store.recover();
    store.roll();
    return { store, report };
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
    if (this.current.file.size >= SEGMENT_BYTES) this.roll();
    const id = ++this.lastId;
    const seg = this.current;
    message.stored = { id, segment: seg };
    if (seg.firstId === 0) seg.firstId = id;
    seg.live += queues.length;
    this.commit.append(seg.file, encodePublish(id, message.arrival, queues, message.exchange, message.routingKey, message.header, message.body));
    return this.commit.currentBatch;
  }

  delivered(message: Message, queue: QueueRef): void {
    const stored = message.stored;
    if (!stored) return;
    const marks = this.marksOf(stored.segment as Segment);
    if (marks) this.commit.append(marks, encodeMark(RECORD_DELIVERED, stored.id, queue));
  }

  removed(message: Message, queue: QueueRef): void {
    const stored = message.stored;
    if (!stored) return;
    const seg = stored.segment as Segment;
    if (--seg.live === 0 && seg !== this.current) {
      this.drop(seg);
      return;
    }
    const marks = this.marksOf(seg);
    if (marks) this.commit.append(marks, encodeMark(RECORD_REMOVED, stored.id, queue));
  }

  /** Points a message read back from a queue's spool at its stored record again. */
  reattach(message: Message, id: number): void {
    let found: Segment | undefined;
    for (const seg of this.segments.values()) if (seg.firstId !== 0 && seg.firstId <= id && (!found || seg.firstId > found.firstId)) found = seg;
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
    for (const seg of this.segments.values()) {
      this.commit.retire(seg.file);
      if (seg.marks) this.commit.retire(seg.marks);
    }
    await this.commit.drain();
  }

  private path(id: number, ext: 'seg' | 'marks'): string {
    return join(this.dir, `${String(id).padStart(10, '0')}.${ext}`);
  }

  private marksOf(seg: Segment): AppendFile | null {
    try {
      seg.marks ??= new AppendFile(this.path(seg.id, 'marks'));
    } catch {
      // cannot create the file (a full disk): the mark is lost, so at worst a message comes back once
    }
    return seg.marks;
  }

  /** Starts a new segment; the previous one is deleted if nothing in it is live. */
  private roll(): void {
    const previous = this.current as Segment | undefined;
    const id = Math.max(0, ...this.segments.keys()) + 1;
    let file: AppendFile;
    try {
      file = new AppendFile(this.path(id, 'seg'));
    } catch (err) {
      // A full disk may refuse a new file: keep appending to the current one (the commit reports the fault).
      if (previous) return;
      throw err;
    }
    this.current = new Segment(id, file);
    this.segments.set(id, this.current);
    if (previous && previous.live === 0) this.drop(previous);
  }

  private drop(seg: Segment): void {
    this.segments.delete(seg.id);
    this.commit.retire(seg.file);
    if (seg.marks) this.commit.retire(seg.marks);
    for (const path of [seg.file.path, this.path(seg.id, 'marks')]) {
      try {
        if (existsSync(path)) unlinkSync(path);
      } catch {
        // left behind: recovery finds nothing live in it and deletes it then
      }
    }
  }

  /** Reads every segment and its marks back; rebuilds live counts. */
  /**
   * Reads every segment and its marks to learn which messages are still live, keeping only
   * their positions (not their bytes), then deletes segments with nothing live. The messages
   * themselves are read again, one segment at a time, by replay().
   */
  private recover(): RecoveryReport {
    const started = Date.now();
    const problems: string[] = [];
    // Publish records arrive in id order, so `entries` needs no sorting.
    const entries: RecoveredEntry[] = [];
    const byId = new Map<number, RecoveredEntry>();
    const ids = readdirSync(this.dir)
      .map((f) => SEGMENT_NAME.exec(f)?.[1])
      .filter((m): m is string => m !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    for (const segId of ids) {
      const file = this.path(segId, 'seg');
      this.scan(readFileSync(file), file, problems, (r, offset) => {
        if (r.type !== RECORD_PUBLISH) return;
        const entry: RecoveredEntry = { id: r.id, seg: segId, offset, keys: r.queues.map(queueKey), delivered: r.queues.map(() => false), live: r.queues.length };
        entries.push(entry);
        byId.set(r.id, entry);
        if (r.id > this.lastId) this.lastId = r.id;
      });
      const marksPath = this.path(segId, 'marks');
      if (!existsSync(marksPath)) continue;
      this.scan(readFileSync(marksPath), marksPath, problems, (r) => {
        if (r.type === RECORD_PUBLISH) return;
        const entry = byId.get(r.id);
        const i = entry ? entry.keys.indexOf(queueKey(r.queue)) : -1;
        if (!entry || i < 0) return;
        if (r.type === RECORD_DELIVERED) entry.delivered[i] = true;
        else if (entry.keys[i] !== '') {
          entry.keys[i] = '';
          entry.live--;
        }
      });
    }
    byId.clear();
    const liveEntries = entries.filter((e) => e.live > 0);
    const live = new Map<number, number>();
    const firstIds = new Map<number, number>();
    for (const entry of liveEntries) {
      live.set(entry.seg, (live.get(entry.seg) ?? 0) + entry.live);
      if (!firstIds.has(entry.seg)) firstIds.set(entry.seg, entry.id);
    }
    // Re-open the segments that still hold live messages; delete the rest.
    for (const segId of ids) {
      const count = live.get(segId) ?? 0;
      if (count === 0) {
        unlinkSync(this.path(segId, 'seg'));
        if (existsSync(this.path(segId, 'marks'))) unlinkSync(this.path(segId, 'marks'));
        continue;
      }
      const seg = new Segment(segId, new AppendFile(this.path(segId, 'seg')));
      seg.live = count;
      seg.firstId = firstIds.get(segId) ?? 0;
      this.segments.set(segId, seg);
    }
    return {
      messages: liveEntries.length,
      segments: this.segments.size,
      problems,
      millis: Date.now() - started,
      replay: () => this.replay(liveEntries),
    };
  }

  /** The live messages, segment by segment in publish order: one segment's bytes in memory at a time. */
  private *replay(entries: RecoveredEntry[]): Generator<RecoveredMessage> {
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
      const properties = decodeBasicProperties(headerReader.reset(record.header, 12, record.header.length));
      const message = new Message(record.exchange, record.routingKey, properties, record.header, record.body, record.arrival);
      const segment = this.segments.get(segId);
      if (segment) message.stored = { id: record.id, segment };
      for (let i = 0; i < entry.keys.length; i++) {
        const queue = entry.keys[i]!;
        if (queue !== '') yield { queue, message, redelivered: entry.delivered[i]! };
      }
    }
  }

  /** Calls `each` for every intact record; reports damage; truncates a torn tail. */
  private scan(buf: Buffer, file: string, problems: string[], each: (r: PublishRecord | MarkRecord, offset: number) => void): void {
    let pos = 0;
    for (;;) {
      const r = readRecord(buf, pos);
      if (r.kind === 'end') return;
      if (r.kind === 'record') {
        each(r.record, pos);
        pos = r.next;
        continue;
      }
      if (r.kind === 'torn') {
        problems.push(`${file}: torn record at byte ${pos} (a write cut short by a crash); truncated ${buf.length - pos} bytes`);
        truncateSync(file, pos);
        return;
      }
      const resume = resync(buf, pos + 1);
      problems.push(
        resume === null
          ? `${file}: corrupt record at byte ${pos}; nothing intact after it`
          : `${file}: corrupt record at byte ${pos} skipped (${resume - pos} bytes)`,
      );
      if (resume === null) return;
      pos = resume;
    }
  }
}

/** The first offset from `from` where an intact record (or the end) starts. */
function resync(buf: Buffer, from: number): number | null {
  for (let pos = from; pos <= buf.length; pos++) {
    const r = readRecord(buf, pos);
    if (r.kind === 'end' || r.kind === 'record') return pos;
  }
  return null;
}
