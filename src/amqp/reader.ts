// Cursor over one frame payload; every read is bounds-checked, so truncated or lying
// payloads become a SYNTAX_ERROR instead of a RangeError.
import { isUtf8 } from 'node:buffer';
import { AmqpError, syntaxError } from './errors.js';
import { ReplyCode } from './generated/constants.js';
import { decodeTable, type FieldTable } from './field-table.js';
import { Timestamp } from './timestamp.js';

export class Reader {
  buf: Buffer = Buffer.alloc(0);
  pos = 0;
  end = 0;

  reset(buf: Buffer, start: number, end: number): this {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    return this;
  }

  private need(n: number): void {
    if (this.pos + n > this.end) throw syntaxError('method frame is shorter than its arguments');
  }

  octet(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  short(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  long(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  /** 64-bit unsigned; delivery tags and body sizes stay far below 2^53. */
  longlong(): number {
    this.need(8);
    const v = this.buf.readUInt32BE(this.pos) * 0x100000000 + this.buf.readUInt32BE(this.pos + 4);
    this.pos += 8;
    return v;
  }

  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }

  /** Steps over a shortstr (as shortstr() reads it: any bytes, no string made). */
  skipShortstr(): void {
    this.skip(this.octet());
  }

  shortstr(): string {
    const len = this.octet();
    this.need(len);
    const start = this.pos;
    this.pos += len;
    const cached = asciiShortstr(this.buf, start, len);
    return cached ?? this.buf.toString('utf8', start, this.pos);
  }

  /**
   * A shortstr that must be well-formed UTF-8 (names, keys and texts of methods without content):
   * malformed bytes are a connection error with RabbitMQ's reply, never silently replaced by
   * U+FFFD (which would make different names collide). Cheap: ASCII (always valid) comes from the
   * cache below; otherwise the decoder turns every malformed sequence into U+FFFD, so only a string
   * containing one (rare: a real U+FFFD is valid) goes to the native validator. Stricter than
   * RabbitMQ in one corner: encoded surrogates and code points above U+10FFFF are refused too (a
   * JavaScript string cannot hold them distinctly).
   */
  shortstrUtf8(): string {
    const len = this.octet();
    this.need(len);
    const start = this.pos;
    this.pos += len;
    const cached = asciiShortstr(this.buf, start, len);
    if (cached !== null) return cached;
    const s = this.buf.toString('utf8', start, this.pos);
    if (s.includes('\ufffd') && !isUtf8(this.buf.subarray(start, this.pos))) {
      throw new AmqpError(ReplyCode.FRAME_ERROR, 'Malformed UTF-8 in shortstr');
    }
    return s;
  }

  longstr(): Buffer {
    const len = this.long();
    this.need(len);
    const b = Buffer.from(this.buf.subarray(this.pos, this.pos + len));
    this.pos += len;
    return b;
  }

  table(): FieldTable {
    const len = this.long();
    this.need(len);
    const t = decodeTable(this.buf, this.pos, this.pos + len);
    this.pos += len;
    return t;
  }

  /** 64-bit unsigned seconds, whatever their range (see Timestamp). */
  timestamp(): Timestamp {
    this.need(8);
    const v = this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    return new Timestamp(v);
  }
}

// ASCII shortstrs (exchange names, routing keys, consumer tags) repeat message after message:
// a small direct-mapped cache of their bytes hands back the same string without decoding it or
// allocating. Only all-ASCII byte runs are cached, so a cached string is always valid UTF-8 and
// both shortstr() and shortstrUtf8() may use it; anything else takes the decoder.
const SLOTS = 64;
const SLOT_BYTES = 256;
const cacheBytes = Buffer.alloc(SLOTS * SLOT_BYTES);
const cacheLen = new Int16Array(SLOTS).fill(-1);
const cacheStr: string[] = new Array<string>(SLOTS).fill('');

/** The string of the ASCII bytes buf[start, start + len), or null when they are not all ASCII. */
function asciiShortstr(buf: Buffer, start: number, len: number): string | null {
  if (len === 0) return '';
  const slot = (len * 31 + buf[start]! * 7 + buf[start + len - 1]! + buf[start + (len >> 1)]! * 3) & (SLOTS - 1);
  const base = slot * SLOT_BYTES;
  if (cacheLen[slot] === len) {
    let i = 0;
    while (i < len && buf[start + i] === cacheBytes[base + i]) i++;
    if (i === len) return cacheStr[slot]!;
  }
  for (let i = 0; i < len; i++) if (buf[start + i]! >= 0x80) return null;
  const s = buf.toString('latin1', start, start + len);
  buf.copy(cacheBytes, base, start, start + len);
  cacheLen[slot] = len;
  cacheStr[slot] = s;
  return s;
}
