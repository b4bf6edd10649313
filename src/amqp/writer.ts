// Output buffer for frames. Frames are encoded into a 64 KiB arena; what is handed out (take,
// writeTo) is a view of the arena, and writing goes on after it in the same arena, so a flush
// allocates nothing: a new arena is needed only once per 64 KiB of output. Large bodies are
// passed by reference, so a 10 MiB message is never copied on its way out.
import type { Writable } from 'node:stream';
import { encodeTable, type FieldTable } from './field-table.js';
import { FRAME_HEADER_SIZE } from './frame-parser.js';
import { Frame } from './generated/constants.js';
import type { Timestamp } from './timestamp.js';

const ARENA_SIZE = 64 * 1024;
const COPY_LIMIT = 4096;
/** payloads up to this many bytes are copied byte by byte (cheaper than a call into a copy) */
const SMALL_COPY = 64;
/** strings up to this length are tried as ASCII first */
const SHORT_ASCII = 48;
/** frameStart values that are not offsets */
const BETWEEN_FRAMES = -1;
const UNKNOWN = -2;

export class Writer {
  buf: Buffer;
  pos = 0;
  /** start of the part of `buf` not yet handed to `chunks` */
  private sealed = 0;
  private chunks: Buffer[] = [];
  /**
   * Offset of the frame being written with begin() or frame(), which ensure() must keep whole;
   * otherwise `idle`: BETWEEN_FRAMES for a writer of frames (everything not handed out is whole
   * frames), UNKNOWN for one used for other encodings (a content header payload), which keeps
   * all it has not handed out together.
   */
  private frameStart: number;
  private readonly idle: number;
  /** how far ensure() has moved written bytes towards the start in all (offsets taken earlier shift by this) */
  moved = 0;
  /** arenas allocated so far (a test and benchmark hook) */
  arenas = 1;
  /** bytes ensure() has copied into new arenas: the part of a frame open at the arena's end (a test hook) */
  bytesMoved = 0;

  /** `framing`: everything written is whole frames (false: a payload or other encoding, kept in one piece) */
  constructor(
    private readonly arenaSize = ARENA_SIZE,
    framing = true,
  ) {
    this.buf = Buffer.allocUnsafe(arenaSize);
    this.frameStart = this.idle = framing ? BETWEEN_FRAMES : UNKNOWN;
  }

  get isEmpty(): boolean {
    return this.pos === this.sealed && this.chunks.length === 0;
  }

  /**
   * Makes room for n more bytes. When the arena is full, the whole frames written since the last
   * take stay where they are (sealed, to go out as they are) and only the frame being written, if
   * any, moves to the new arena: a flush of many deliveries is not copied again at each new arena.
   * A writer not known to be between frames (see frameStart) moves all it has not handed out.
   */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const f = this.frameStart;
    const keepFrom = f === BETWEEN_FRAMES ? this.pos : f > this.sealed && f <= this.pos ? f : this.sealed;
    if (keepFrom > this.sealed) this.chunks.push(this.buf.subarray(this.sealed, keepFrom));
    const open = this.buf.subarray(keepFrom, this.pos);
    const next = Buffer.allocUnsafe(Math.max(this.arenaSize, (open.length + n) * 2));
    this.arenas++;
    this.bytesMoved += open.copy(next, 0);
    if (f >= 0) this.frameStart = f >= keepFrom ? f - keepFrom : this.idle;
    this.moved += keepFrom;
    this.buf = next;
    this.pos = open.length;
    this.sealed = 0;
  }

  /**
   * Everything written since the last take(), as buffers to write in order. They stay valid:
   * later frames are written after them in the arena, never over them.
   */
  take(): Buffer[] {
    this.seal();
    const out = this.chunks;
    this.chunks = [];
    return out;
  }

  /**
   * Writes everything since the last take to a stream: one write for the usual single run of
   * frames, corked writes when large bodies are passed by reference. Returns the bytes written.
   */
  writeTo(stream: Writable): number {
    this.seal();
    const chunks = this.chunks;
    let bytes = 0;
    if (chunks.length === 1) {
      bytes = chunks[0]!.length;
      stream.write(chunks[0]!);
    } else {
      stream.cork();
      for (const chunk of chunks) {
        bytes += chunk.length;
        stream.write(chunk);
      }
      stream.uncork();
    }
    chunks.length = 0;
    return bytes;
  }

  /** Everything written since the last take, as one new buffer of its exact size; the writer is then empty. */
  copyOut(): Buffer {
    const unsealed = this.buf.subarray(this.sealed, this.pos);
    const out = this.chunks.length === 0 ? Buffer.from(unsealed) : Buffer.concat([...this.chunks, unsealed]);
    this.chunks.length = 0;
    this.pos = this.sealed;
    return out;
  }

  /** Drops everything written since the last take (a failed encoding). */
  discard(): void {
    this.chunks.length = 0;
    this.pos = this.sealed;
    this.frameStart = this.idle;
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
    const n = v.length;
    // Short ASCII strings (consumer tags, exchange names, routing keys) are copied here in JS:
    // cheaper than a call into the UTF-8 encoder for each of them, on every delivery.
    if (n <= SHORT_ASCII) {
      const buf = this.buf;
      const at = this.pos + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = v.charCodeAt(i);
        if (c > 0x7f) break;
        buf[at + i] = c;
      }
      if (i === n) {
        buf[this.pos] = n;
        this.pos = at + n;
        return;
      }
    }
    const len = this.buf.write(v, this.pos + 1, 255, 'utf8');
    this.buf[this.pos] = len;
    this.pos += 1 + len;
  }

  /** Always copied: a longstr sits inside a method frame whose size end() fills in. */
  longstr(v: Buffer | string): void {
    if (typeof v === 'string') {
      const length = Buffer.byteLength(v, 'utf8');
      this.long(length);
      this.ensure(length);
      this.pos += this.buf.write(v, this.pos, length, 'utf8');
      return;
    }
    this.long(v.length);
    this.ensure(v.length);
    this.pos += v.copy(this.buf, this.pos);
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
    const n = bytes.length;
    if (n <= COPY_LIMIT) {
      this.ensure(n);
      // TypedArray#set: a straight memcpy, without Buffer#copy's argument handling
      this.buf.set(bytes, this.pos);
      this.pos += n;
      return;
    }
    this.seal();
    this.chunks.push(bytes);
  }

  /** Starts a frame whose payload follows; end() closes it. */
  begin(type: number, channel: number): void {
    this.ensure(FRAME_HEADER_SIZE);
    this.frameStart = this.pos;
    this.buf[this.pos] = type;
    this.buf.writeUInt16BE(channel, this.pos + 1);
    this.pos += FRAME_HEADER_SIZE;
  }

  /** Fills in the payload size of the frame begun with begin() and writes the frame end. */
  end(): void {
    this.buf.writeUInt32BE(this.pos - this.frameStart - FRAME_HEADER_SIZE, this.frameStart + 3);
    this.octet(Frame.END);
    this.frameStart = this.idle;
  }

  /** A whole frame around a ready payload (a content header or body), passed by reference when large. */
  frame(type: number, channel: number, payload: Buffer): void {
    this.ensure(FRAME_HEADER_SIZE);
    this.frameStart = this.pos;
    this.buf[this.pos] = type;
    this.buf.writeUInt16BE(channel, this.pos + 1);
    this.buf.writeUInt32BE(payload.length, this.pos + 3);
    this.pos += FRAME_HEADER_SIZE;
    this.raw(payload);
    this.octet(Frame.END);
    this.frameStart = this.idle;
  }

  /**
   * A whole frame whose payload is src[start, end) (a message's header or body within its
   * content buffer): copied in without making a view of it, or passed by reference when large.
   */
  frameFrom(type: number, channel: number, src: Buffer, start: number, end: number): void {
    const n = end - start;
    if (n > COPY_LIMIT) return this.frame(type, channel, src.subarray(start, end));
    let pos = this.openFrame(type, channel, n);
    const buf = this.buf; // (after openFrame: making room may have moved to a new arena)
    if (n <= SMALL_COPY) {
      for (let i = start; i < end; i++) buf[pos++] = src[i]!;
    } else {
      src.copy(buf, pos, start, end);
      pos += n;
    }
    buf[pos] = Frame.END;
    this.pos = pos + 1;
  }

  /** A whole frame whose payload is characters [from, to) of a latin1 string, one byte each. */
  frameText(type: number, channel: number, text: string, from: number, to: number): void {
    const n = to - from;
    let pos = this.openFrame(type, channel, n);
    const buf = this.buf; // (after openFrame: making room may have moved to a new arena)
    if (n <= SMALL_COPY) {
      for (let i = from; i < to; i++) buf[pos++] = text.charCodeAt(i);
    } else {
      pos += buf.write(from === 0 && to === text.length ? text : text.substring(from, to), pos, n, 'latin1');
    }
    buf[pos] = Frame.END;
    this.pos = pos + 1;
  }

  /** Makes room for a whole frame with an `n`-byte payload, writes its header; returns where the payload goes. */
  private openFrame(type: number, channel: number, n: number): number {
    this.ensure(FRAME_HEADER_SIZE + n + 1);
    const buf = this.buf;
    const pos = this.pos;
    buf[pos] = type;
    buf.writeUInt16BE(channel, pos + 1);
    buf.writeUInt32BE(n, pos + 3);
    return pos + FRAME_HEADER_SIZE;
  }

  heartbeat(): void {
    this.begin(Frame.HEARTBEAT, 0);
    this.end();
  }
}
