// Binary records of the message store. Every record is [u32 length][u32 crc32][payload], so a
// torn write or flipped byte is caught on recovery.
//   publish payload:  u8 1, u64 id, u64 arrival ms, u16 queue count, (shortstr vhost, shortstr queue)*,
//                     shortstr exchange, shortstr routing key, u32+bytes content header, u32+bytes body
//   mark payload:     u8 2 (delivered) | 3 (removed), u64 id, shortstr vhost, shortstr queue
import { crc32 } from 'node:zlib';
import type { QueueRef } from './message-store.js';

export const RECORD_PUBLISH = 1;
export const RECORD_DELIVERED = 2;
export const RECORD_REMOVED = 3;
const FRAME = 8;

const byteLen = (s: string): number => Buffer.byteLength(s, 'utf8');

function putShortstr(buf: Buffer, pos: number, s: string): number {
  const len = buf.write(s, pos + 1, 'utf8');
  buf[pos] = len;
  return pos + 1 + len;
}

function putId(buf: Buffer, pos: number, id: number): number {
  buf.writeUInt32BE(Math.floor(id / 0x100000000), pos);
  buf.writeUInt32BE(id >>> 0, pos + 4);
  return pos + 8;
}

function seal(buf: Buffer): Buffer {
  buf.writeUInt32BE(buf.length - FRAME, 0);
  buf.writeUInt32BE(crc32(buf.subarray(FRAME)), 4);
  return buf;
}

export function encodePublish(
  id: number,
  arrival: number,
  queues: readonly QueueRef[],
  exchange: string,
  routingKey: string,
  header: Buffer,
  body: Buffer,
): Buffer {
  let size = FRAME + 1 + 8 + 8 + 2 + 1 + byteLen(exchange) + 1 + byteLen(routingKey) + 4 + header.length + 4 + body.length;
  for (const q of queues) size += 2 + byteLen(q.vhost) + byteLen(q.name);
  const buf = Buffer.allocUnsafe(size);
  let pos = FRAME;
  buf[pos++] = RECORD_PUBLISH;
  pos = putId(buf, pos, id);
  pos = putId(buf, pos, arrival);
  pos = buf.writeUInt16BE(queues.length, pos);
  for (const q of queues) pos = putShortstr(buf, putShortstr(buf, pos, q.vhost), q.name);
  pos = putShortstr(buf, putShortstr(buf, pos, exchange), routingKey);
  pos = buf.writeUInt32BE(header.length, pos);
  pos += header.copy(buf, pos);
  pos = buf.writeUInt32BE(body.length, pos);
  body.copy(buf, pos);
  return seal(buf);
}

export function encodeMark(type: number, id: number, queue: QueueRef): Buffer {
  const buf = Buffer.allocUnsafe(FRAME + 1 + 8 + 2 + byteLen(queue.vhost) + byteLen(queue.name));
  buf[FRAME] = type;
  putShortstr(buf, putShortstr(buf, putId(buf, FRAME + 1, id), queue.vhost), queue.name);
  return seal(buf);
}

export interface PublishRecord {
  type: typeof RECORD_PUBLISH;
  id: number;
  arrival: number;
  queues: QueueRef[];
  exchange: string;
  routingKey: string;
  header: Buffer;
  body: Buffer;
}

export interface MarkRecord {
  type: typeof RECORD_DELIVERED | typeof RECORD_REMOVED;
  id: number;
  queue: QueueRef;
}

export type ScanResult =
  | { kind: 'record'; record: PublishRecord | MarkRecord; next: number }
  | { kind: 'end' }
  /** the file ends inside a record: a write cut short by a crash */
  | { kind: 'torn' }
  /** a whole record whose checksum or contents are wrong; `next` skips it when its length is plausible */
  | { kind: 'corrupt'; next: number | null };

/** Reads the record at `pos`. Records point into `buf` (no copies). */
export function readRecord(buf: Buffer, pos: number): ScanResult {
  if (pos === buf.length) return { kind: 'end' };
  if (buf.length - pos < FRAME) return { kind: 'torn' };
  const len = buf.readUInt32BE(pos);
  const end = pos + FRAME + len;
  if (end > buf.length) return { kind: 'torn' };
  const payload = buf.subarray(pos + FRAME, end);
  if (crc32(payload) !== buf.readUInt32BE(pos + 4)) return { kind: 'corrupt', next: end };
  try {
    return { kind: 'record', record: parsePayload(payload), next: end };
  } catch {
    return { kind: 'corrupt', next: end };
  }
}

function parsePayload(p: Buffer): PublishRecord | MarkRecord {
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
  need(9);
  const type = p[pos]!;
  const id = p.readUInt32BE(pos + 1) * 0x100000000 + p.readUInt32BE(pos + 5);
  pos += 9;
  if (type === RECORD_PUBLISH) {
    need(10);
    const arrival = p.readUInt32BE(pos) * 0x100000000 + p.readUInt32BE(pos + 4);
    pos += 8;
    const count = p.readUInt16BE(pos);
    pos += 2;
    const queues: QueueRef[] = [];
    for (let i = 0; i < count; i++) queues.push({ vhost: shortstr(), name: shortstr() });
    const exchange = shortstr();
    const routingKey = shortstr();
    const header = bytes();
    const body = bytes();
    return { type, id, arrival, queues, exchange, routingKey, header, body };
  }
  if (type === RECORD_DELIVERED || type === RECORD_REMOVED) return { type, id, queue: { vhost: shortstr(), name: shortstr() } };
  throw new Error(`unknown record type ${type}`);
}
