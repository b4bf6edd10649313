// The message store's file formats (version 1).
//
// Every store file starts with a 16-byte header: an 8-byte magic naming the kind of file and a
// u32 format version (then 4 reserved bytes). Recovery refuses a version it does not know.
//
// Segment files (*.seg) hold variable-length records, each framed as
//   [u32 RECORD_MARK][u32 payload length][u32 crc32 of payload][payload]
// The mark lets recovery find the next record after damage by searching for it (Buffer#indexOf),
// checking the frame only where the mark is, instead of trying every byte offset.
//   queue payload:    u8 4, u32 number, shortstr vhost, shortstr name
//                     (once per segment for each queue it holds messages for: names are not repeated)
//   publish payload:  u8 1, u64 id, u64 arrival ms, u16 queue count, u32 queue number*,
//                     shortstr exchange, shortstr routing key, u32+bytes content header, u32+bytes body
//                     (once per message, however many queues it went to)
//   moved payload:    u8 6, u32 the segment it was compacted out of, then as publish: a live message
//                     moved forward; ignored by recovery while that older segment still exists
//   transient payload: as publish with u8 5 and no queues: a copy for a queue past the memory
//                     budget (the one overflow path for every message); not fsynced, ignored by recovery
//
// Ack files (*.acks, one per segment) hold fixed-width 20-byte records, one per event:
//   [u32 crc32 of the next 16 bytes][u8 type: 2 delivered | 3 removed][3 zero bytes][u32 queue number]
//   [u64 offset of the message's publish record in the segment]: acks are positions, not names.
//   Type 7 (removed range) has the same width: [u32 crc][u8 7][3 zero][u32 queue number]
//   [u32 start][u32 end]: every message of that queue in a record from start to end left it (a queue
//   purged or deleted while holding a run of consecutive records as one position, see PositionQueue)
import { crc32 } from 'node:zlib';

export const FORMAT_VERSION = 1;
export const FILE_HEADER = 16;
export const SEGMENT_MAGIC = Buffer.from('WRNSEG\r\n', 'latin1');
export const ACKS_MAGIC = Buffer.from('WRNACK\r\n', 'latin1');

export const RECORD_PUBLISH = 1;
export const RECORD_DELIVERED = 2;
export const RECORD_REMOVED = 3;
export const RECORD_QUEUE = 4;
/** a copy of a message put on disk for a queue past the memory budget: never fsynced, ignored by recovery */
export const RECORD_TRANSIENT = 5;
/** a live message compaction copied out of an older segment (payload: u32 that segment, then as publish) */
export const RECORD_MOVED = 6;
/** ack file only: every message of one queue in the records of a byte range left it */
export const RECORD_REMOVED_RANGE = 7;
export const RECORD_MARK = 0x57524e31; // 'WRN1'
const MARK_BYTES = Buffer.from([0x57, 0x52, 0x4e, 0x31]);
export const FRAME = 12;
export const ACK_BYTES = 20;

export function fileHeader(magic: Buffer): Buffer {
  const buf = Buffer.alloc(FILE_HEADER);
  magic.copy(buf, 0);
  buf.writeUInt32BE(FORMAT_VERSION, 8);
  return buf;
}

export type HeaderCheck = { kind: 'ok' } | { kind: 'empty' } | { kind: 'foreign' } | { kind: 'version'; version: number };

/** Whether `buf` starts with a store file header of this kind and version. */
export function checkHeader(buf: Buffer, magic: Buffer): HeaderCheck {
  if (buf.length === 0) return { kind: 'empty' };
  if (buf.length < FILE_HEADER || !buf.subarray(0, 8).equals(magic)) return { kind: 'foreign' };
  const version = buf.readUInt32BE(8);
  return version === FORMAT_VERSION ? { kind: 'ok' } : { kind: 'version', version };
}

const byteLen = (s: string): number => Buffer.byteLength(s, 'utf8');

function putShortstr(buf: Buffer, pos: number, s: string): number {
  const len = buf.write(s, pos + 1, 'utf8');
  buf[pos] = len;
  return pos + 1 + len;
}

function putU32(buf: Buffer, pos: number, n: number): number {
  buf[pos] = n >>> 24;
  buf[pos + 1] = n >>> 16;
  buf[pos + 2] = n >>> 8;
  buf[pos + 3] = n;
  return pos + 4;
}

function putU64(buf: Buffer, pos: number, n: number): number {
  return putU32(buf, putU32(buf, pos, Math.floor(n / 0x100000000)), n >>> 0);
}

/** crc32 tables for slicing by 8 (the zlib polynomial: the same values as zlib's crc32) */
const CRC = new Int32Array(8 * 256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  CRC[n] = c;
}
for (let n = 0; n < 256; n++) {
  let c = CRC[n]!;
  for (let k = 1; k < 8; k++) {
    c = CRC[c & 0xff]! ^ (c >>> 8);
    CRC[k * 256 + n] = c;
  }
}
/** Below this many bytes the JavaScript crc32 is faster than zlib's (no view to make, no native call). */
const JS_CRC_BELOW = 256;

/** crc32 of buf[start, end), as zlib computes it. */
export function crcOf(buf: Buffer, start: number, end: number): number {
  if (end - start >= JS_CRC_BELOW) return crc32(buf.subarray(start, end));
  const t = CRC;
  let c = -1;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    const a = c ^ (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24));
    c =
      t[1792 + (a & 0xff)]! ^
      t[1536 + ((a >>> 8) & 0xff)]! ^
      t[1280 + ((a >>> 16) & 0xff)]! ^
      t[1024 + (a >>> 24)]! ^
      t[768 + buf[i + 4]!]! ^
      t[512 + buf[i + 5]!]! ^
      t[256 + buf[i + 6]!]! ^
      t[buf[i + 7]!]!;
  }
  for (; i < end; i++) c = t[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/** Frames the record of `size` bytes encoded at `at` (its payload already in place). */
function seal(buf: Buffer, at: number, size: number): void {
  putU32(buf, at, RECORD_MARK);
  putU32(buf, at + 4, size - FRAME);
  putU32(buf, at + 8, crcOf(buf, at + FRAME, at + size));
}

export function encodeQueue(number: number, vhost: string, name: string): Buffer {
  const buf = Buffer.allocUnsafe(FRAME + 1 + 4 + 2 + byteLen(vhost) + byteLen(name));
  buf[FRAME] = RECORD_QUEUE;
  buf.writeUInt32BE(number, FRAME + 1);
  putShortstr(buf, putShortstr(buf, FRAME + 5, vhost), name);
  seal(buf, 0, buf.length);
  return buf;
}

/** A message's content as a record takes it: header payload then body, copied straight into place. */
export interface RecordContent {
  readonly headerSize: number;
  /** body size */
  readonly size: number;
  /** Puts the header payload at headerAt and the body at bodyAt (bodyAt >= headerAt + headerSize). */
  writeContent(buf: Buffer, headerAt: number, bodyAt: number): void;
}

/** Content given as two buffers (a record read back, for compaction). */
export function bufferContent(header: Buffer, body: Buffer): RecordContent {
  return {
    headerSize: header.length,
    size: body.length,
    writeContent(buf: Buffer, headerAt: number, bodyAt: number): void {
      header.copy(buf, headerAt);
      body.copy(buf, bodyAt);
    },
  };
}

type PublishType = typeof RECORD_PUBLISH | typeof RECORD_TRANSIENT | typeof RECORD_MOVED;

/** The size of a publish (or transient, or moved) record. */
export function publishSize(type: PublishType, queueCount: number, exchange: string, routingKey: string, content: RecordContent): number {
  const moved = type === RECORD_MOVED ? 4 : 0;
  return moved + FRAME + 1 + 8 + 8 + 2 + 4 * queueCount + 1 + byteLen(exchange) + 1 + byteLen(routingKey) + 4 + content.headerSize + 4 + content.size;
}

/** Encodes a publish record of `size` bytes (publishSize) at `at`. `from`: a moved record's old segment. */
export function writePublish(
  buf: Buffer,
  at: number,
  size: number,
  type: PublishType,
  from: number,
  id: number,
  arrival: number,
  queues: readonly number[],
  exchange: string,
  routingKey: string,
  content: RecordContent,
): void {
  let pos = at + FRAME;
  buf[pos++] = type;
  if (type === RECORD_MOVED) pos = putU32(buf, pos, from);
  pos = putU64(buf, pos, id);
  pos = putU64(buf, pos, arrival);
  buf[pos] = queues.length >>> 8;
  buf[pos + 1] = queues.length;
  pos += 2;
  for (let i = 0; i < queues.length; i++) pos = putU32(buf, pos, queues[i]!);
  pos = putShortstr(buf, putShortstr(buf, pos, exchange), routingKey);
  const headerAt = putU32(buf, pos, content.headerSize);
  const bodyAt = headerAt + content.headerSize + 4;
  content.writeContent(buf, headerAt, bodyAt);
  putU32(buf, bodyAt - 4, content.size);
  seal(buf, at, size);
}

export function encodePublish(
  id: number,
  arrival: number,
  queues: readonly number[],
  exchange: string,
  routingKey: string,
  header: Buffer,
  body: Buffer,
  type: PublishType = RECORD_PUBLISH,
  from = 0,
): Buffer {
  const content = bufferContent(header, body);
  const size = publishSize(type, queues.length, exchange, routingKey, content);
  const buf = Buffer.allocUnsafe(size);
  writePublish(buf, 0, size, type, from, id, arrival, queues, exchange, routingKey, content);
  return buf;
}

/** Encodes a delivered or removed ack record (ACK_BYTES) at `at`. */
export function writeAck(buf: Buffer, at: number, type: typeof RECORD_DELIVERED | typeof RECORD_REMOVED, queue: number, offset: number): void {
  buf[at + 4] = type;
  buf[at + 5] = buf[at + 6] = buf[at + 7] = 0;
  putU32(buf, at + 8, queue);
  putU64(buf, at + 12, offset);
  putU32(buf, at, crcOf(buf, at + 4, at + ACK_BYTES));
}

export function encodeAck(type: typeof RECORD_DELIVERED | typeof RECORD_REMOVED, queue: number, offset: number): Buffer {
  const buf = Buffer.allocUnsafe(ACK_BYTES);
  writeAck(buf, 0, type, queue, offset);
  return buf;
}

/** Encodes the ack record removing a queue's messages in the records from `start` to `end`, at `at`. */
export function writeRangeAck(buf: Buffer, at: number, queue: number, start: number, end: number): void {
  buf[at + 4] = RECORD_REMOVED_RANGE;
  buf[at + 5] = buf[at + 6] = buf[at + 7] = 0;
  putU32(buf, at + 8, queue);
  putU32(buf, at + 12, start);
  putU32(buf, at + 16, end);
  putU32(buf, at, crcOf(buf, at + 4, at + ACK_BYTES));
}

export interface AckRecord {
  /** removed range: type RECORD_REMOVED over [offset, end) */
  type: typeof RECORD_DELIVERED | typeof RECORD_REMOVED;
  queue: number;
  /** the publish record's offset in its segment (a range: where it starts) */
  offset: number;
  /** a range: where it ends; else offset + 1 */
  end: number;
}

/** The ack record at `pos`, or null when its checksum or contents are wrong. */
export function readAck(buf: Buffer, pos: number): AckRecord | null {
  if (crcOf(buf, pos + 4, pos + ACK_BYTES) !== buf.readUInt32BE(pos)) return null;
  const rec = buf.subarray(pos, pos + ACK_BYTES);
  const type = rec[4];
  if (type === RECORD_REMOVED_RANGE) return { type: RECORD_REMOVED, queue: rec.readUInt32BE(8), offset: rec.readUInt32BE(12), end: rec.readUInt32BE(16) };
  if (type !== RECORD_DELIVERED && type !== RECORD_REMOVED) return null;
  const offset = rec.readUInt32BE(12) * 0x100000000 + rec.readUInt32BE(16);
  return { type, queue: rec.readUInt32BE(8), offset, end: offset + 1 };
}

export interface PublishRecord {
  type: typeof RECORD_PUBLISH | typeof RECORD_TRANSIENT;
  id: number;
  arrival: number;
  queues: number[];
  exchange: string;
  routingKey: string;
  header: Buffer;
  body: Buffer;
}

export interface QueueRecord {
  type: typeof RECORD_QUEUE;
  number: number;
  vhost: string;
  name: string;
}

export type ScanResult =
  | { kind: 'record'; record: PublishRecord | QueueRecord; next: number }
  | { kind: 'end' }
  /** the file ends inside this record's frame (a write cut short, if it is the last one) */
  | { kind: 'short' }
  /** no intact record here (a damaged frame, checksum or contents) */
  | { kind: 'corrupt' };

/** Reads the record at `pos`. Records point into `buf` (no copies). */
export function readRecord(buf: Buffer, pos: number): ScanResult {
  if (pos === buf.length) return { kind: 'end' };
  if (buf.length - pos < FRAME) return { kind: 'short' };
  if (buf.readUInt32BE(pos) !== RECORD_MARK) return { kind: 'corrupt' };
  const end = pos + FRAME + buf.readUInt32BE(pos + 4);
  if (end > buf.length) return { kind: 'short' };
  if (crcOf(buf, pos + FRAME, end) !== buf.readUInt32BE(pos + 8)) return { kind: 'corrupt' };
  const payload = buf.subarray(pos + FRAME, end);
  try {
    return { kind: 'record', record: parsePayload(payload), next: end };
  } catch {
    return { kind: 'corrupt' };
  }
}

/** The offset of the next intact record after `from` (found by its mark), or null if none follows. */
export function nextIntact(buf: Buffer, from: number): number | null {
  for (let pos = buf.indexOf(MARK_BYTES, from); pos >= 0; pos = buf.indexOf(MARK_BYTES, pos + 1)) {
    if (readRecord(buf, pos).kind === 'record') return pos;
  }
  return null;
}

function parsePayload(p: Buffer): PublishRecord | QueueRecord {
  let pos = 0;
  const need = (n: number) => {
    if (pos + n > p.length) throw new Error('short record');
  };
  const shortstr = (): string => {
    need(1);
    const len = p[pos]!;
    need(1 + len);
    const s = p.toString('utf8', pos + 1, pos + 1 + len);
    pos += 1 + len;
    return s;
  };
  const bytes = (): Buffer => {
    need(4);
    const len = p.readUInt32BE(pos);
    need(4 + len);
    const b = p.subarray(pos + 4, pos + 4 + len);
    pos += 4 + len;
    return b;
  };
  need(1);
  const type = p[pos++]!;
  if (type === RECORD_QUEUE) {
    need(4);
    const number = p.readUInt32BE(pos);
    pos += 4;
    const vhost = shortstr();
    return { type, number, vhost, name: shortstr() };
  }
  if (type !== RECORD_PUBLISH && type !== RECORD_TRANSIENT && type !== RECORD_MOVED) throw new Error(`unknown record type ${type}`);
  if (type === RECORD_MOVED) {
    need(4);
    pos += 4;
  }
  need(18);
  const id = p.readUInt32BE(pos) * 0x100000000 + p.readUInt32BE(pos + 4);
  const arrival = p.readUInt32BE(pos + 8) * 0x100000000 + p.readUInt32BE(pos + 12);
  const count = p.readUInt16BE(pos + 16);
  pos += 18;
  need(4 * count);
  const queues: number[] = [];
  for (let i = 0; i < count; i++) queues.push(p.readUInt32BE(pos + 4 * i));
  pos += 4 * count;
  const exchange = shortstr();
  const routingKey = shortstr();
  const header = bytes();
  const body = bytes();
  return { type: type === RECORD_TRANSIENT ? type : RECORD_PUBLISH, id, arrival, queues, exchange, routingKey, header, body };
}
