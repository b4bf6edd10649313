// What recovery learns from the segments, kept as flat arrays rather than objects, so a million
// messages cost tens of megabytes and a few hundred milliseconds: one entry per (message, queue)
// pair, in publish order, with the record's position and whether it was delivered or removed.
import { crc32 } from 'node:zlib';
import { FRAME, RECORD_MARK, RECORD_MOVED, RECORD_PUBLISH, RECORD_QUEUE, RECORD_TRANSIENT } from './records.js';

const WORDS = 8;
const SEG = 0;
const OFFSET = 1;
const LENGTH = 2;
const BODY = 3;
const QUEUE = 4;
const STATE = 5;
const ID_HI = 6;
const ID_LO = 7;
export const DELIVERED = 1;
export const REMOVED = 2;

export class Pairs {
  private words = new Uint32Array(WORDS * 1024);
  length = 0;

  push(seg: number, offset: number, length: number, bodySize: number, queue: number, id: number): void {
    if ((this.length + 1) * WORDS > this.words.length) {
      const bigger = new Uint32Array(this.words.length * 2);
      bigger.set(this.words);
      this.words = bigger;
    }
    const i = this.length++ * WORDS;
    const w = this.words;
    w[i + SEG] = seg;
    w[i + OFFSET] = offset;
    w[i + LENGTH] = length;
    w[i + BODY] = bodySize;
    w[i + QUEUE] = queue;
    w[i + STATE] = 0;
    w[i + ID_HI] = Math.floor(id / 0x100000000);
    w[i + ID_LO] = id >>> 0;
  }

  /** the message id (publish order) */
  id(i: number): number {
    return this.words[i * WORDS + ID_HI]! * 0x100000000 + this.words[i * WORDS + ID_LO]!;
  }

  seg(i: number): number {
    return this.words[i * WORDS + SEG]!;
  }
  offset(i: number): number {
    return this.words[i * WORDS + OFFSET]!;
  }
  recordLength(i: number): number {
    return this.words[i * WORDS + LENGTH]!;
  }
  bodySize(i: number): number {
    return this.words[i * WORDS + BODY]!;
  }
  queue(i: number): number {
    return this.words[i * WORDS + QUEUE]!;
  }
  state(i: number): number {
    return this.words[i * WORDS + STATE]!;
  }

  /** Marks the pair of (offset, queue) among pairs [from, to) (sorted by offset); false if there is none. */
  mark(from: number, to: number, offset: number, queue: number, bit: number): boolean {
    let lo = from;
    let hi = to - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const o = this.offset(mid);
      if (o < offset) lo = mid + 1;
      else if (o > offset) hi = mid - 1;
      else {
        // pairs of one message are consecutive: find the one for this queue
        let i = mid;
        while (i > from && this.offset(i - 1) === offset) i--;
        for (; i < to && this.offset(i) === offset; i++) {
          if (this.queue(i) === queue) {
            this.words[i * WORDS + STATE]! |= bit;
            return true;
          }
        }
        return false;
      }
    }
    return false;
  }

  /** Marks every pair of `queue` with an offset in [start, end) among pairs [from, to); false if there is none. */
  markRange(from: number, to: number, start: number, end: number, queue: number, bit: number): boolean {
    if (end === start + 1) return this.mark(from, to, start, queue, bit);
    let lo = from;
    let hi = to;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.offset(mid) < start) lo = mid + 1;
      else hi = mid;
    }
    let found = false;
    for (let i = lo; i < to && this.offset(i) < end; i++) {
      if (this.queue(i) === queue) {
        this.words[i * WORDS + STATE]! |= bit;
        found = true;
      }
    }
    return found;
  }

  /** Drops the word storage (after replay). */
  release(): void {
    this.words = new Uint32Array(0);
    this.length = 0;
  }
}

/** One record's index data, filled in place by readIndex (no allocation per record). */
export interface IndexRecord {
  type: number;
  /** the buffer queuesAt points into (the segment, or its index file) */
  source: Buffer;
  /** read from an index file: queuesAt is a word index into these */
  words: Uint32Array | null;
  /** the end of the record */
  next: number;
  /** publish: message id; queue: the queue's number */
  id: number;
  /** publish: where its u32 queue numbers start in the buffer, and how many */
  queuesAt: number;
  queueCount: number;
  bodySize: number;
  /** moved: the segment it was compacted out of */
  from: number;
  /** queue: its name and vhost */
  vhost: string;
  name: string;
}

/**
 * Reads the index data of the record at `pos` into `out`, checking its frame and checksum but not
 * copying or decoding its strings and bytes (except a queue record's names).
 */
export function readIndex(buf: Buffer, pos: number, out: IndexRecord): 'record' | 'end' | 'short' | 'corrupt' {
  if (pos === buf.length) return 'end';
  if (buf.length - pos < FRAME) return 'short';
  if (buf.readUInt32BE(pos) !== RECORD_MARK) return 'corrupt';
  const len = buf.readUInt32BE(pos + 4);
  const start = pos + FRAME;
  const end = start + len;
  if (end > buf.length) return 'short';
  if (len < 1 || crc32(buf.subarray(start, end)) !== buf.readUInt32BE(pos + 8)) return 'corrupt';
  out.type = buf[start]!;
  out.next = end;
  out.source = buf;
  out.words = null;
  let p = start + 1;
  if (out.type === RECORD_QUEUE) {
    if (p + 5 > end) return 'corrupt';
    out.id = buf.readUInt32BE(p);
    p += 4;
    const vl = buf[p]!;
    if (p + 1 + vl + 1 > end) return 'corrupt';
    out.vhost = buf.toString('utf8', p + 1, p + 1 + vl);
    p += 1 + vl;
    const nl = buf[p]!;
    if (p + 1 + nl > end) return 'corrupt';
    out.name = buf.toString('utf8', p + 1, p + 1 + nl);
    return 'record';
  }
  if (out.type !== RECORD_PUBLISH && out.type !== RECORD_TRANSIENT && out.type !== RECORD_MOVED) return 'corrupt';
  if (out.type === RECORD_MOVED) {
    if (p + 4 > end) return 'corrupt';
    out.from = buf.readUInt32BE(p);
    p += 4;
  }
  if (p + 18 > end) return 'corrupt';
  out.id = buf.readUInt32BE(p) * 0x100000000 + buf.readUInt32BE(p + 4);
  out.queueCount = buf.readUInt16BE(p + 16);
  p += 18;
  out.queuesAt = p;
  p += 4 * out.queueCount;
  for (let s = 0; s < 2; s++) {
    if (p >= end) return 'corrupt';
    p += 1 + buf[p]!;
  }
  if (p + 4 > end) return 'corrupt';
  p += 4 + buf.readUInt32BE(p);
  if (p + 4 > end) return 'corrupt';
  out.bodySize = buf.readUInt32BE(p);
  if (p + 4 + out.bodySize !== end) return 'corrupt';
  return 'record';
}

/** The i-th queue number of a publish or moved record. */
export function queueAt(r: IndexRecord, i: number): number {
  return r.words ? r.words[r.queuesAt + i]! : r.source.readUInt32BE(r.queuesAt + 4 * i);
}
