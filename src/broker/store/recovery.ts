// Recovery of the disk message store: which messages in the segments are still live, for which
// queues, and whether they were delivered. Only their positions are kept (flat arrays, see Pairs),
// never their bytes. A sealed segment with a sound index file is known by the index (no bodies
// read); the last segment, or one without an index, is read whole.
//
// Whatever is intact is kept: only the last record of the last segment can be a torn write
// (truncated); anything else is damage, named (file, offset, records skipped) and stepped over by
// record framing, never truncated away. Files it cannot read are kept aside, never deleted.
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { queueKey, StoreFormatError, type RecoveredMessage, type RecoveryReport } from './message-store.js';
import { DELIVERED, Pairs, queueAt, readIndex, REMOVED, type IndexRecord } from './recovery-index.js';
import { readFully } from './io.js';
import {
  ACKS_MAGIC,
  ACK_BYTES,
  checkHeader,
  encodeAck,
  FILE_HEADER,
  fileHeader,
  nextIntact,
  readAck,
  RECORD_DELIVERED,
  RECORD_MOVED,
  RECORD_PUBLISH,
  RECORD_QUEUE,
  RECORD_REMOVED,
  RECORD_TRANSIENT,
  SEGMENT_MAGIC,
} from './records.js';
import { readSegmentIndex } from './segment-index.js';
import { appendDurably, countMarks, keepAside, readHead, Segment, SEGMENT_NAME, segmentPath } from './segment.js';

/** One record's index data, filled in place (shared: recovery and compaction run one at a time). */
export const indexRecord: IndexRecord = {
  type: 0,
  source: Buffer.alloc(0),
  words: null,
  next: 0,
  id: 0,
  queuesAt: 0,
  queueCount: 0,
  bodySize: 0,
  from: 0,
  vhost: '',
  name: '',
};

export class Recovery {
  /** above every segment id in use or named by a moved record */
  nextSegmentId = 0;
  /** the highest message id found */
  lastId = 0;
  /** the segments still holding live messages, in id order */
  readonly segments: Segment[] = [];

  constructor(readonly dir: string) {}

  /**
   * Reads every segment and its acks to learn which messages are still live, keeping only their
   * positions (not their bytes), then deletes segments with nothing live. The messages themselves
   * are read again, one segment at a time, by replay().
   */
  run(): RecoveryReport {
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
      const path = segmentPath(this.dir, segId, 'seg');
      const header = checkHeader(readHead(path), SEGMENT_MAGIC);
      if (header.kind === 'version') {
        throw new StoreFormatError(
          `${path}: message store format version ${header.version} is not one this warren reads (version 1); use the warren that wrote it`,
        );
      }
      if (header.kind !== 'ok') {
        const why = header.kind === 'empty' ? 'empty (0 bytes): whatever it held is lost' : 'not a warren message segment (no valid header)';
        problems.push(`${path}: ${why}; kept aside as ${keepAside(this.dir, path)}`);
        const acks = segmentPath(this.dir, segId, 'acks');
        if (existsSync(acks)) keepAside(this.dir, acks);
        rmSync(segmentPath(this.dir, segId, 'idx'), { force: true });
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
      const indexed = segId !== last && readSegmentIndex(segmentPath(this.dir, segId, 'idx'), segId, statSync(path).size, indexRecord, each);
      if (!indexed) this.scanSegment(readFileSync(path), path, segId === last, problems, each);
      if (firstId !== 0) firstIdOf.set(segId, firstId);
      scanAcks(this.dir, segId, [pairs, from, moved, movedFrom], problems);
      if (stale.length > 0) {
        const acks = segmentPath(this.dir, segId, 'acks');
        const records = stale.map((s) => encodeAck(RECORD_REMOVED, s.queue, s.offset));
        if (!existsSync(acks) || statSync(acks).size === 0) records.unshift(fileHeader(ACKS_MAGIC));
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
        unlinkSync(segmentPath(this.dir, segId, 'seg'));
        for (const ext of ['acks', 'idx'] as const) if (existsSync(segmentPath(this.dir, segId, ext))) unlinkSync(segmentPath(this.dir, segId, ext));
        continue;
      }
      const seg = new Segment(segId, null);
      seg.size = statSync(segmentPath(this.dir, segId, 'seg')).size;
      seg.live = keep.has(segId) ? Number.MAX_SAFE_INTEGER : count;
      seg.pairs = total.get(segId) ?? 0;
      seg.firstId = firstIdOf.get(segId) ?? 0;
      for (const [n, key] of numbers) seg.numbers.set(key, n);
      this.segments.push(seg);
    }
    return {
      messages,
      segments: this.segments.length,
      problems,
      millis: Date.now() - started,
      replay: () => this.replay(pairs, moved, numbersOf),
    };
  }

  /** Calls `each` for every intact record; names damage and steps over it; truncates only a torn tail. */
  private scanSegment(buf: Buffer, path: string, isLast: boolean, problems: string[], each: (r: IndexRecord, offset: number) => void): void {
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
      return {
        queue,
        segment: table.seg(i),
        offset: table.offset(i),
        length: table.recordLength(i),
        bodySize: table.bodySize(i),
        redelivered: (state & DELIVERED) !== 0,
      };
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

/** Applies a segment's acks to its pairs: those of each table from the index given on (in offset order). */
export function scanAcks(dir: string, segId: number, tables: [Pairs, number, Pairs?, number?], problems: string[]): void {
  const [pairs, from, other, otherFrom] = tables;
  const to = pairs.length;
  const otherTo = other?.length ?? 0;
  const path = segmentPath(dir, segId, 'acks');
  if (!existsSync(path)) return;
  const buf = readFileSync(path);
  const header = checkHeader(buf, ACKS_MAGIC);
  if (header.kind === 'version') {
    throw new StoreFormatError(
      `${path}: message store format version ${header.version} is not one this warren reads (version 1); use the warren that wrote it`,
    );
  }
  if (header.kind === 'empty') return; // created, then the process stopped before its first write
  if (header.kind === 'foreign') {
    problems.push(`${path}: not a warren ack file (no valid header); kept aside as ${keepAside(dir, path)} (acknowledged messages in it may come back)`);
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
  if (damaged > 0)
    problems.push(`${path}: ${damaged} damaged ack record${damaged === 1 ? '' : 's'} skipped (the first at byte ${firstDamaged}); the rest kept`);
  if (whole < buf.length) {
    problems.push(`${path}: torn ack record at byte ${whole} (a write cut short by a crash); truncated ${buf.length - whole} bytes`);
    truncateSync(path, whole);
  }
}

/** A record of a segment and the queues it is still live for (whether each delivered it). */
export interface LiveRecord {
  offset: number;
  /** the record's bytes (from its start) */
  bytes: Buffer;
  live: { key: string; delivered: boolean }[];
}

/**
 * The records of `seg` still live for some queue, in offset order, each with its bytes; null when
 * the segment or its acks are damaged (compaction then leaves it as it is). A sealed segment with a
 * sound index is known by its index, and only its live records are read; else it is read whole.
 */
export function liveRecords(dir: string, seg: Segment): LiveRecord[] | null {
  const path = segmentPath(dir, seg.id, 'seg');
  const pairs = new Pairs();
  const keyOf = new Map<number, string>();
  for (const [key, n] of seg.numbers) keyOf.set(n, key);
  const r = indexRecord;
  const collect = (rec: IndexRecord, offset: number): void => {
    if (rec.type !== RECORD_PUBLISH && rec.type !== RECORD_MOVED) return;
    for (let i = 0; i < rec.queueCount; i++) pairs.push(seg.id, offset, rec.next - offset, rec.bodySize, queueAt(rec, i), rec.id);
  };
  let whole: Buffer | null = null;
  if (!readSegmentIndex(segmentPath(dir, seg.id, 'idx'), seg.id, statSync(path).size, r, collect)) {
    whole = readFileSync(path);
    for (let pos = FILE_HEADER; ; pos = r.next) {
      const kind = readIndex(whole, pos, r);
      if (kind === 'end') break;
      if (kind !== 'record') return null;
      collect(r, pos);
    }
  }
  const problems: string[] = [];
  scanAcks(dir, seg.id, [pairs, 0], problems);
  if (problems.length > 0) return null;
  const records: LiveRecord[] = [];
  const fd = whole === null ? openSync(path, 'r') : -1;
  try {
    for (let i = 0; i < pairs.length;) {
      const offset = pairs.offset(i);
      const length = pairs.recordLength(i);
      const live: LiveRecord['live'] = [];
      for (; i < pairs.length && pairs.offset(i) === offset; i++) {
        const state = pairs.state(i);
        const key = keyOf.get(pairs.queue(i));
        if (!(state & REMOVED) && key !== undefined) live.push({ key, delivered: (state & DELIVERED) !== 0 });
      }
      if (live.length === 0) continue;
      let bytes: Buffer;
      if (whole !== null) bytes = whole.subarray(offset, offset + length);
      else {
        bytes = Buffer.allocUnsafe(length);
        readFully(fd, bytes, offset);
      }
      records.push({ offset, bytes, live });
    }
  } finally {
    if (fd >= 0) closeSync(fd);
  }
  return records;
}
