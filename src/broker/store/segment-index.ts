// Segment index files (*.idx): what recovery needs of a sealed segment, without its bodies. When a
// segment is sealed (the store moves on to a new one) and everything in it is durable, the store
// writes beside it the index data of each of its records: recovery then reads tens of bytes per
// message instead of the whole record, and checks one checksum instead of one per record. An index
// is only a shortcut: one that is missing, torn, of another version, or written for a segment of
// another size is ignored and the segment is read as before. (Damage inside a body is then found
// when the message is read back: it is logged and skipped, as recovery would have.)
//
// Format (big-endian): the 16-byte file header (records.ts) with magic WRNIDX, then
//   u32 the segment's size in bytes, u32 queue count, per queue: u32 number, shortstr vhost, shortstr name,
//   u32 record count, per record: u8 type (publish or moved), u32 offset, u32 record length,
//   u32 body size, u64 message id, [u32 origin segment, if moved], u16 queue count, u32 queue number*,
//   then u32 crc32 of everything after the file header.
import { readFileSync, writeFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import type { IndexRecord } from './recovery-index.js';
import { checkHeader, FILE_HEADER, fileHeader, RECORD_MOVED, type RECORD_PUBLISH, RECORD_QUEUE } from './records.js';

export const INDEX_MAGIC = Buffer.from('WRNIDX\r\n', 'latin1');

/** The index data of the current segment, gathered as its records are appended. */
export class IndexBuilder {
  private queues: Buffer[] = [];
  private queueCount = 0;
  private buf = Buffer.allocUnsafe(64 * 1024);
  private used = 0;
  private records = 0;

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

  record(type: typeof RECORD_PUBLISH | typeof RECORD_MOVED, offset: number, length: number, bodySize: number, id: number, from: number, queues: readonly number[]): void {
    const size = 1 + 4 + 4 + 4 + 8 + (type === RECORD_MOVED ? 4 : 0) + 2 + 4 * queues.length;
    if (this.used + size > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.used + size));
      this.buf.copy(bigger, 0, 0, this.used);
      this.buf = bigger;
    }
    const b = this.buf;
    let p = this.used;
    b[p++] = type;
    p = b.writeUInt32BE(offset, p);
    p = b.writeUInt32BE(length, p);
    p = b.writeUInt32BE(bodySize, p);
    p = b.writeUInt32BE(Math.floor(id / 0x100000000), p);
    p = b.writeUInt32BE(id >>> 0, p);
    if (type === RECORD_MOVED) p = b.writeUInt32BE(from, p);
    p = b.writeUInt16BE(queues.length, p);
    for (const q of queues) p = b.writeUInt32BE(q, p);
    this.used = p;
    this.records++;
  }

  /** Writes the index of a segment of `segmentSize` bytes to `path` (no fsync: a lost index is only a slower start). */
  write(path: string, segmentSize: number): void {
    const head = Buffer.allocUnsafe(8);
    head.writeUInt32BE(segmentSize, 0);
    head.writeUInt32BE(this.queueCount, 4);
    const count = Buffer.allocUnsafe(4);
    count.writeUInt32BE(this.records, 0);
    const body = Buffer.concat([head, ...this.queues, count, this.buf.subarray(0, this.used)]);
    const crc = Buffer.allocUnsafe(4);
    crc.writeUInt32BE(crc32(body), 0);
    writeFileSync(path, Buffer.concat([fileHeader(INDEX_MAGIC), body, crc]), { mode: 0o600 });
  }
}

/**
 * Calls `each` for every record in the index at `path` of a segment of `segmentSize` bytes, in
 * offset order (`r.source` is the index file). False, having called nothing, when the index is
 * missing or cannot be trusted: the caller reads the segment instead.
 */
export function readSegmentIndex(path: string, segmentSize: number, r: IndexRecord, each: (r: IndexRecord, offset: number) => void): boolean {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch {
    return false;
  }
  if (checkHeader(buf, INDEX_MAGIC).kind !== 'ok' || buf.length < FILE_HEADER + 16) return false;
  const end = buf.length - 4;
  if (crc32(buf.subarray(FILE_HEADER, end)) !== buf.readUInt32BE(end)) return false;
  let p = FILE_HEADER;
  if (buf.readUInt32BE(p) !== segmentSize) return false;
  const queues = buf.readUInt32BE(p + 4);
  p += 8;
  r.source = buf;
  // (a well-formed index was written whole by this store: the checksum stands for its framing)
  for (let i = 0; i < queues; i++) {
    r.type = RECORD_QUEUE;
    r.id = buf.readUInt32BE(p);
    const vl = buf[p + 4]!;
    r.vhost = buf.toString('utf8', p + 5, p + 5 + vl);
    const nl = buf[p + 5 + vl]!;
    r.name = buf.toString('utf8', p + 6 + vl, p + 6 + vl + nl);
    p += 6 + vl + nl;
    each(r, 0);
  }
  const records = buf.readUInt32BE(p);
  p += 4;
  for (let i = 0; i < records && p < end; i++) {
    const type = buf[p]!;
    const offset = buf.readUInt32BE(p + 1);
    r.type = type;
    r.next = offset + buf.readUInt32BE(p + 5);
    r.bodySize = buf.readUInt32BE(p + 9);
    r.id = buf.readUInt32BE(p + 13) * 0x100000000 + buf.readUInt32BE(p + 17);
    p += 21;
    if (type === RECORD_MOVED) {
      r.from = buf.readUInt32BE(p);
      p += 4;
    }
    r.queueCount = buf.readUInt16BE(p);
    r.queuesAt = p + 2;
    p += 2 + 4 * r.queueCount;
    each(r, offset);
  }
  return true;
}
