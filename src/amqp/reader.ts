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

  shortstr(): string {
    const len = this.octet();
    this.need(len);
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }

  /**
   * A shortstr that must be well-formed UTF-8 (names, keys and texts of methods without content):
   * malformed bytes are a connection error with RabbitMQ's reply, never silently replaced by
   * U+FFFD (which would make different names collide). Cheap: the decoder turns every malformed
   * sequence into U+FFFD, so only a string containing one (rare: a real U+FFFD is valid) goes to
   * the native validator. Stricter than RabbitMQ in one corner: encoded surrogates and code points
   * above U+10FFFF are refused too (a JavaScript string cannot hold them distinctly).
   */
  shortstrUtf8(): string {
    const len = this.octet();
    this.need(len);
    const start = this.pos;
    this.pos += len;
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
