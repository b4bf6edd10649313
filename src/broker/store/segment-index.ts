// Segment index files (*.idx): what recovery needs of a sealed segment, without its bodies. When a
// segment is sealed (the store moves on to a new one) and everything in it is durable, the store
// writes beside it the index data of each of its records: recovery then reads about 28 bytes per
// message instead of the whole record, and checks one checksum instead of one per record. An index
// is only a shortcut: one that is missing, torn, of another version or byte order, or written for
// a segment of another size is ignored, and the segment is read as before. (Damage inside a body
// is then found when the message is read back: it is logged and the message skipped.)
//
// Format: the 16-byte file header (records.ts) with magic WRNIDX, then u32 words in the writer's
// byte order (read as one Uint32Array):
//   0x01020304 (the byte order), the segment's id, its size in bytes, queue count, the queue table's bytes
//   (n), then n bytes padded to whole words: per queue u32 number (big-endian), shortstr vhost,
//   shortstr name; then per record: type | queue count << 8, offset, record length, body size,
//   id high, id low, [origin segment, if moved], queue number*; and last the crc32 of every word
//   before it.
import { readFileSync, writeFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import type { IndexRecord } from './recovery-index.js';
import { checkHeader, FILE_HEADER, fileHeader, RECORD_MOVED, type RECORD_PUBLISH, RECORD_QUEUE } from './records.js';

export const INDEX_MAGIC = Buffer.from('WRNIDX\r\n', 'latin1');
const BYTE_ORDER = 0x01020304;
/** words before the queue table */
const PREAMBLE = 5;

/** The index data of the current segment, gathered as its records are appended. */
export class IndexBuilder {
  private queues: Buffer[] = [];
  private queueCount = 0;
  private words = new Uint32Array(16 * 1024);
  private used = 0;

  queue(number: number, vhost: string, name: string): void {
    const v = Buffer.from(vhost, 'utf8');
    const n = Buffer.from(name, 'utf8');
    const b = Buffer.allocUnsafe(4 + 1 + v.length + 1 + n.length);
    b.writeUInt32BE(number, 0);
    b[4] = v.length;
    v.copy(b, 5);
    b[5 + v.length] = n.length;
    n.copy(b, 6 + v.length);
    this.queues.push(b);
    this.queueCount++;
  }

  record(
    type: typeof RECORD_PUBLISH | typeof RECORD_MOVED,
    offset: number,
    length: number,
    bodySize: number,
    id: number,
    from: number,
    queues: readonly number[],
  ): void {
    const size = 6 + (type === RECORD_MOVED ? 1 : 0) + queues.length;
    if (this.used + size > this.words.length) {
      const bigger = new Uint32Array(Math.max(this.words.length * 2, this.used + size));
      bigger.set(this.words.subarray(0, this.used));
      this.words = bigger;
    }
    const w = this.words;
    let p = this.used;
    w[p++] = type | (queues.length << 8);
    w[p++] = offset;
    w[p++] = length;
    w[p++] = bodySize;
    w[p++] = Math.floor(id / 0x100000000);
    w[p++] = id >>> 0;
    if (type === RECORD_MOVED) w[p++] = from;
    for (const q of queues) w[p++] = q;
    this.used = p;
  }

  /** Writes the index of segment `segment`, `segmentSize` bytes, to `path` (no fsync: a lost index is only a slower start). */
  write(path: string, segment: number, segmentSize: number): void {
    const table = Buffer.concat(this.queues);
    const tableWords = Math.ceil(table.length / 4);
    const all = new Uint32Array(PREAMBLE + tableWords + this.used + 1);
    all[0] = BYTE_ORDER;
    all[1] = segment;
    all[2] = segmentSize;
    all[3] = this.queueCount;
    all[4] = table.length;
    const bytes = Buffer.from(all.buffer);
    table.copy(bytes, PREAMBLE * 4);
    all.set(this.words.subarray(0, this.used), PREAMBLE + tableWords);
    all[all.length - 1] = crc32(bytes.subarray(0, bytes.length - 4));
    writeFileSync(path, Buffer.concat([fileHeader(INDEX_MAGIC), bytes]), { mode: 0o600 });
  }
}

/**
 * Calls `each` for every record in the index at `path` of segment `segment`, `segmentSize` bytes, in
 * offset order (the queue numbers in `r.words`). False, having called nothing, when the index is
 * missing or cannot be trusted: the caller reads the segment instead.
 */
export function readSegmentIndex(path: string, segment: number, segmentSize: number, r: IndexRecord, each: (r: IndexRecord, offset: number) => void): boolean {
  let file: Buffer;
  try {
    file = readFileSync(path);
  } catch {
    return false;
  }
  if (checkHeader(file, INDEX_MAGIC).kind !== 'ok' || (file.length - FILE_HEADER) % 4 !== 0 || file.length < FILE_HEADER + 4 * (PREAMBLE + 1)) return false;
  // (copied into words of their own: aligned, and not a view into a shared pool)
  const w = new Uint32Array((file.length - FILE_HEADER) / 4);
  const bytes = Buffer.from(w.buffer, 0, w.length * 4);
  file.copy(bytes, 0, FILE_HEADER);
  if (w[0] !== BYTE_ORDER || w[1] !== segment || w[2] !== segmentSize) return false;
  const last = w.length - 1;
  if (crc32(bytes.subarray(0, last * 4)) !== w[last]) return false;
  const queues = w[3]!;
  const tableBytes = w[4]!;
  const first = PREAMBLE + Math.ceil(tableBytes / 4);
  if (first > last) return false;
  r.words = w;
  r.source = bytes;
  // (the checksum stands for the framing: this store wrote the file whole)
  let p = PREAMBLE * 4;
  for (let i = 0; i < queues; i++) {
    r.type = RECORD_QUEUE;
    r.id = bytes.readUInt32BE(p);
    const vl = bytes[p + 4]!;
    r.vhost = bytes.toString('utf8', p + 5, p + 5 + vl);
    const nl = bytes[p + 5 + vl]!;
    r.name = bytes.toString('utf8', p + 6 + vl, p + 6 + vl + nl);
    p += 6 + vl + nl;
    each(r, 0);
  }
  for (let i = first; i < last;) {
    const head = w[i]!;
    const type = head & 0xff;
    const offset = w[i + 1]!;
    r.type = type;
    r.queueCount = head >>> 8;
    r.next = offset + w[i + 2]!;
    r.bodySize = w[i + 3]!;
    r.id = w[i + 4]! * 0x100000000 + w[i + 5]!;
    i += 6;
    if (type === RECORD_MOVED) r.from = w[i++]!;
    r.queuesAt = i;
    i += r.queueCount;
    each(r, offset);
  }
  r.words = null;
  return true;
}
