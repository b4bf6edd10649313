// Incremental frame parser: feed it socket chunks in any split, it calls back once per frame.
// A frame that arrives whole within one chunk is passed as a view into that chunk (no copy);
// only frames spread over several chunks are joined, once, when their last byte arrives.
import { AmqpError } from './errors.js';
import { Frame, ReplyCode } from './generated/methods.js';

export const FRAME_HEADER_SIZE = 7;
/** header + frame-end octet */
export const FRAME_OVERHEAD = FRAME_HEADER_SIZE + 1;

export type FrameHandler = (type: number, channel: number, buf: Buffer, start: number, end: number) => void;

export class FrameParser {
  /** Largest payload accepted; 0-9-1 section 4.2.3: a peer must not send frames over frame_max. */
  maxPayload: number;
  private held: Buffer[] = [];
  private heldBytes = 0;
  /** total size of the frame being assembled from held chunks, once its header is known */
  private wanted = 0;

  constructor(
    private readonly onFrame: FrameHandler,
    maxPayload: number,
  ) {
    this.maxPayload = maxPayload;
  }

  push(chunk: Buffer): void {
    let buf = chunk;
    if (this.heldBytes > 0) {
      const joined = this.join(chunk);
      if (!joined) return;
      buf = joined;
    }
    let pos = 0;
    while (buf.length - pos >= FRAME_HEADER_SIZE) {
      const size = this.checkedSize(buf, pos);
      const total = size + FRAME_OVERHEAD;
      if (buf.length - pos < total) break;
      const endByte = buf[pos + total - 1];
      if (endByte !== Frame.END) {
        throw new AmqpError(ReplyCode.FRAME_ERROR, `frame end octet 0x${endByte?.toString(16)} is not 0xce`);
      }
      this.onFrame(buf[pos]!, buf.readUInt16BE(pos + 1), buf, pos + FRAME_HEADER_SIZE, pos + FRAME_HEADER_SIZE + size);
      pos += total;
    }
    if (pos < buf.length) this.hold(buf.subarray(pos));
  }

  private checkedSize(buf: Buffer, pos: number): number {
    const size = buf.readUInt32BE(pos + 3);
    if (size > this.maxPayload) {
      throw new AmqpError(ReplyCode.FRAME_ERROR, `frame size ${size + FRAME_OVERHEAD} exceeds frame_max ${this.maxPayload + FRAME_OVERHEAD}`);
    }
    return size;
  }

  private hold(rest: Buffer): void {
    this.held = [rest];
    this.heldBytes = rest.length;
    this.wanted = rest.length >= FRAME_HEADER_SIZE ? this.checkedSize(rest, 0) + FRAME_OVERHEAD : 0;
  }

  /** Adds a chunk to the held bytes; returns them joined once one whole frame is there. */
  private join(chunk: Buffer): Buffer | null {
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    if (this.wanted === 0 && this.heldBytes >= FRAME_HEADER_SIZE) {
      const head = Buffer.concat(this.held, this.heldBytes);
      this.held = [head];
      this.wanted = this.checkedSize(head, 0) + FRAME_OVERHEAD;
    }
    if (this.wanted === 0 || this.heldBytes < this.wanted) return null;
    const joined = this.held.length === 1 ? this.held[0]! : Buffer.concat(this.held, this.heldBytes);
    this.held = [];
    this.heldBytes = 0;
    this.wanted = 0;
    return joined;
  }
}
