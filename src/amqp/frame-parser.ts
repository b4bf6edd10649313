// Incremental frame parser: feed it socket chunks in any split, it calls back once per frame.
// Frames are read in place: a frame that lies whole within one chunk is passed as a view into
// that chunk (no copy). Only a frame split across chunks is copied, once, into a buffer of its
// exact size; the rest of the chunk is never copied or joined with held bytes.
import { AmqpError } from './errors.js';
import { Frame, ReplyCode } from './generated/constants.js';

export const FRAME_HEADER_SIZE = 7;
/** header + frame-end octet */
export const FRAME_OVERHEAD = FRAME_HEADER_SIZE + 1;

/**
 * Called once per frame with its payload at buf[start, end). The view is valid only during the call unless copied.
 * The parser never reads a frame's bytes again once it has handed the frame over, so a handler may
 * overwrite them, and those of earlier frames of the same buffer (the content assembler does).
 */
export type FrameHandler = (type: number, channel: number, buf: Buffer, start: number, end: number) => void;

export class FrameParser {
  /** Largest payload accepted; 0-9-1 section 4.2.3: a peer must not send frames over frame_max. */
  maxPayload: number;
  /** Bytes copied to assemble frames split across chunks (a test hook: whole chunks are never copied). */
  bytesCopied = 0;
  /**
   * Set once a framing error (or an exception from the handler) was thrown: the stream is out
   * of step, so everything pushed afterwards is discarded unparsed, at no cost per byte.
   */
  failed = false;
  /** the first bytes of a frame whose header is split across chunks */
  private readonly head = Buffer.alloc(FRAME_HEADER_SIZE);
  private headLength = 0;
  /** a frame split across chunks, being filled (header, payload and end octet) */
  private partial: Buffer | null = null;
  private partialLength = 0;
  /** set by stop(): the frames after the current one wait in `stash` until resume() */
  private stopped = false;
  private stash: Buffer[] = [];

  constructor(
    private readonly onFrame: FrameHandler,
    maxPayload: number,
  ) {
    this.maxPayload = maxPayload;
  }

  /** True while part of a frame is held, waiting for the rest. */
  get holding(): boolean {
    return this.headLength > 0 || this.partial !== null;
  }

  /**
   * Stops after the frame being handled (a basic.get waiting for its message from disk): the bytes after it, and
   * every chunk pushed meanwhile, are kept as they are (views, not copies) until resume().
   */
  stop(): void {
    this.stopped = true;
  }

  /** Parses what stop() kept, in order, then goes on as before (it may stop again on the way). */
  resume(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const kept = this.stash;
    this.stash = [];
    for (let i = 0; i < kept.length; i++) {
      this.push(kept[i]!);
      if (this.stopped) {
        for (let j = i + 1; j < kept.length; j++) this.stash.push(kept[j]!);
        return;
      }
    }
  }

  push(chunk: Buffer): void {
    if (this.failed) return;
    if (this.stopped) {
      this.stash.push(chunk);
      return;
    }
    try {
      let pos = 0;
      if (this.holding) {
        pos = this.completeSplit(chunk);
        if (pos < 0) return;
        if (this.stopped) return this.keep(chunk, pos);
      }
      pos = this.parseInPlace(chunk, pos);
      if (this.stopped) return this.keep(chunk, pos);
      if (pos < chunk.length) this.startSplit(chunk, pos);
    } catch (err) {
      this.failed = true;
      this.partial = null;
      this.headLength = 0;
      this.stash = [];
      throw err;
    }
  }

  /** Every whole frame from `pos` on, as views into the chunk; returns where the first incomplete one starts. */
  private parseInPlace(buf: Buffer, pos: number): number {
    const length = buf.length;
    while (length - pos >= FRAME_HEADER_SIZE) {
      const total = this.checkedSize(buf, pos) + FRAME_OVERHEAD;
      if (length - pos < total) break;
      this.emit(buf, pos, total);
      pos += total;
      if (this.stopped) break;
    }
    return pos;
  }

  /** The rest of a chunk after a stop, kept for resume(). */
  private keep(chunk: Buffer, pos: number): void {
    if (pos < chunk.length) this.stash.push(pos === 0 ? chunk : chunk.subarray(pos));
  }

  /** Holds the tail of a chunk: the beginning of a frame whose rest comes later. */
  private startSplit(chunk: Buffer, pos: number): void {
    const rest = chunk.length - pos;
    if (rest < FRAME_HEADER_SIZE) {
      chunk.copy(this.head, 0, pos);
      this.headLength = rest;
      this.bytesCopied += rest;
      return;
    }
    this.partial = Buffer.allocUnsafe(this.checkedSize(chunk, pos) + FRAME_OVERHEAD);
    this.partialLength = chunk.copy(this.partial, 0, pos);
    this.bytesCopied += this.partialLength;
  }

  /**
   * Copies the missing part of the held frame out of the chunk and emits the frame once whole.
   * Returns the chunk offset after it, or -1 when the chunk ended first.
   */
  private completeSplit(chunk: Buffer): number {
    let pos = 0;
    if (this.partial === null) {
      pos = Math.min(FRAME_HEADER_SIZE - this.headLength, chunk.length);
      chunk.copy(this.head, this.headLength, 0, pos);
      this.headLength += pos;
      this.bytesCopied += pos;
      if (this.headLength < FRAME_HEADER_SIZE) return -1;
      this.partial = Buffer.allocUnsafe(this.checkedSize(this.head, 0) + FRAME_OVERHEAD);
      this.partialLength = this.head.copy(this.partial, 0);
      this.headLength = 0;
    }
    const frame = this.partial;
    const n = Math.min(frame.length - this.partialLength, chunk.length - pos);
    chunk.copy(frame, this.partialLength, pos, pos + n);
    this.partialLength += n;
    this.bytesCopied += n;
    pos += n;
    if (this.partialLength < frame.length) return -1;
    this.partial = null;
    this.emit(frame, 0, frame.length);
    return pos;
  }

  private emit(buf: Buffer, pos: number, total: number): void {
    const endByte = buf[pos + total - 1];
    if (endByte !== Frame.END) {
      throw new AmqpError(ReplyCode.FRAME_ERROR, `frame end octet 0x${endByte?.toString(16)} is not 0xce`);
    }
    this.onFrame(buf[pos]!, buf.readUInt16BE(pos + 1), buf, pos + FRAME_HEADER_SIZE, pos + total - 1);
  }

  private checkedSize(buf: Buffer, pos: number): number {
    const size = buf.readUInt32BE(pos + 3);
    if (size > this.maxPayload) {
      throw new AmqpError(ReplyCode.FRAME_ERROR, `frame size ${size + FRAME_OVERHEAD} exceeds frame_max ${this.maxPayload + FRAME_OVERHEAD}`);
    }
    return size;
  }
}
