// Output buffer for frames. Small writes are copied into one growing chunk; large bodies
// are passed by reference, so a 10 MiB message is never copied on its way out.
import { encodeTable, type FieldTable } from './field-table.js';
import { Frame } from './generated/methods.js';
import type { Timestamp } from './timestamp.js';

const INITIAL_SIZE = 64 * 1024;
const COPY_LIMIT = 4096;

export class Writer {
  buf: Buffer = Buffer.allocUnsafe(INITIAL_SIZE);
  pos = 0;
  /** start of the part of `buf` not yet handed to `chunks` */
  private sealed = 0;
  private chunks: Buffer[] = [];
  /** offset of the frame begun with begin(); moves when ensure() reallocates */
  private frameStart = 0;
  /** how far ensure() has moved written bytes towards the start in all (offsets taken earlier shift by this) */
  moved = 0;

  get isEmpty(): boolean {
    return this.pos === this.sealed && this.chunks.length === 0;
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const unsealed = this.buf.subarray(this.sealed, this.pos);
    const next = Buffer.allocUnsafe(Math.max(INITIAL_SIZE, (unsealed.length + n) * 2));
    unsealed.copy(next, 0);
    this.frameStart -= this.sealed;
    this.moved += this.sealed;
    this.buf = next;
    this.pos = unsealed.length;
    this.sealed = 0;
  }

  /** Everything written since the last take(), as buffers to write in order. */
  take(): Buffer[] {
    this.seal();
    const out = this.chunks;
    this.chunks = [];
    // The handed-out slices still point into buf: start a fresh one rather than overwrite them.
    this.buf = Buffer.allocUnsafe(INITIAL_SIZE);
    this.pos = 0;
    this.sealed = 0;
    return out;
  }

  private seal(): void {
    if (this.pos > this.sealed) this.chunks.push(this.buf.subarray(this.sealed, this.pos));
    this.sealed = this.pos;
  }

  octet(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  short(v: number): void {
    this.ensure(2);
    this.pos = this.buf.writeUInt16BE(v, this.pos);
  }

  long(v: number): void {
    this.ensure(4);
    this.pos = this.buf.writeUInt32BE(v, this.pos);
  }

  longlong(v: number): void {
    this.ensure(8);
    this.buf.writeUInt32BE(Math.floor(v / 0x100000000), this.pos);
    this.buf.writeUInt32BE(v >>> 0, this.pos + 4);
    this.pos += 8;
  }

  shortstr(v: string): void {
    this.ensure(256);
    const len = this.buf.write(v, this.pos + 1, 255, 'utf8');
    this.buf[this.pos] = len;
    this.pos += 1 + len;
  }

  /** Always copied: a longstr sits inside a method frame whose size end() fills in. */
  longstr(v: Buffer | string): void {
    const bytes = typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
    this.long(bytes.length);
    this.ensure(bytes.length);
    this.pos += bytes.copy(this.buf, this.pos);
  }

  table(v: FieldTable | undefined): void {
    encodeTable(this, v);
  }

  timestamp(v: Timestamp): void {
    this.ensure(8);
    this.pos = this.buf.writeBigUInt64BE(v.seconds, this.pos);
  }

  /** Appends bytes; big ones by reference (the caller must not change them afterwards). */
  raw(bytes: Buffer): void {
    if (bytes.length <= COPY_LIMIT) {
      this.ensure(bytes.length);
      this.pos += bytes.copy(this.buf, this.pos);
      return;
    }
    this.seal();
    this.chunks.push(bytes);
  }

  /** Starts a frame whose payload follows; end() closes it. */
  begin(type: number, channel: number): void {
    this.ensure(7);
    this.frameStart = this.pos;
    this.buf[this.pos] = type;
    this.buf.writeUInt16BE(channel, this.pos + 1);
    this.pos += 7;
  }

  /** Fills in the payload size of the frame begun with begin() and writes the frame end. */
  end(): void {
    this.buf.writeUInt32BE(this.pos - this.frameStart - 7, this.frameStart + 3);
    this.octet(Frame.END);
  }

  /** A whole frame around a ready payload (a content header or body), passed by reference when large. */
  frame(type: number, channel: number, payload: Buffer): void {
    this.ensure(7);
    this.buf[this.pos] = type;
    this.buf.writeUInt16BE(channel, this.pos + 1);
    this.buf.writeUInt32BE(payload.length, this.pos + 3);
    this.pos += 7;
    this.raw(payload);
    this.octet(Frame.END);
  }

  heartbeat(): void {
    this.begin(Frame.HEARTBEAT, 0);
    this.end();
  }
}
