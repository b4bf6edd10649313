// Collects a content method's header and body frames into one message (0-9-1 section 4.2.6).
// The header frame gives the body size, so the content's place is chosen then and each frame is
// copied straight into it (no list of parts, no views of socket chunks): a small transient
// message is gathered in this assembler's scratch buffer and becomes one latin1 string (see
// TEXT_MAX in broker/message.ts); any other gets one exact-size buffer the broker owns. No socket
// chunk outlives the frames in it, however long the message is queued. The common case, a small
// message whose header and single body frame arrived in one chunk, is made into its string from
// that chunk without gathering: the header payload is moved up against the body (over the body
// frame's own frame header, already parsed) and the string is read from there.
import {
  AmqpError,
  ClassId,
  ReplyCode,
  Reader,
  decodeBasicProperties,
  Frame,
  FRAME_OVERHEAD,
  newPropertyScan,
  scanBasicProperties,
  type BasicProperties,
  type PropertyScan,
} from '../amqp/index.js';
import { TEXT_MAX } from '../broker/message.js';

/** RabbitMQ's default max_message_size (128 MiB): larger bodies are refused before buffering. */
export const MAX_MESSAGE_SIZE = 128 * 1024 * 1024;

/**
 * A whole message's content: as `text` (header payload then body, latin1), or when that is null
 * the header payload at content[headerStart, bodyStart), then `size` body bytes.
 */
export interface AssembledContent {
  /** null: not decoded (see Message's lazy properties); `scan` has what the broker checks */
  properties: BasicProperties | null;
  scan: PropertyScan;
  text: string | null;
  content: Buffer;
  headerStart: number;
  bodyStart: number;
  size: number;
}

const EMPTY = Buffer.alloc(0);
const reader = new Reader();

/** Copies src[from, to) into dst at `at`: small runs byte by byte, cheaper than a call into a copy. */
function copyInto(src: Buffer, from: number, to: number, dst: Buffer, at: number): void {
  if (to - from <= 32) {
    for (let i = from; i < to; i++) dst[at++] = src[i]!;
    return;
  }
  src.copy(dst, at, from, to);
}

/**
 * Whether the frame after a content header frame (payload at buf[start, end), its frame header just
 * before) is a body frame of the same channel with the whole `size`-byte body, complete in buf.
 */
function bodyFollows(buf: Buffer, start: number, end: number, size: number): boolean {
  // (the header frame's end octet is at `end`, the next frame's header right after it)
  const next = end + 1;
  return (
    next + FRAME_OVERHEAD + size <= buf.length &&
    buf[next] === Frame.BODY &&
    buf.readUInt16BE(next + 1) === buf.readUInt16BE(start - 6) &&
    buf.readUInt32BE(next + 3) === size
  );
}

export class ContentAssembler {
  private expectedSize = -1;
  private properties: BasicProperties | null = null;
  private readonly scan: PropertyScan = newPropertyScan();
  /** the content being filled: header at [start, bodyStart), body after it */
  private content: Buffer = EMPTY;
  private start = 0;
  private bodyStart = 0;
  private received = 0;
  /** what finish() returns (one object, reused: the caller takes its fields at once) */
  private readonly done: AssembledContent = { properties: null, scan: this.scan, text: null, content: EMPTY, headerStart: 0, bodyStart: 0, size: 0 };
  /** where small messages are gathered (made on first use) */
  private scratch: Buffer | null = null;
  /** a small message's header payload where it was received, buf[headerFrom, headerTo), not gathered yet: its body frame follows in buf (else null) */
  private headerBuf: Buffer | null = null;
  private headerFrom = 0;
  private headerTo = 0;
  /** messages made straight from the chunk they arrived in (a test hook: see body()) */
  inPlace = 0;

  /** Whether a received chunk is referenced until the body frame comes (a test hook: only when it is in the same chunk). */
  get holdsChunk(): boolean {
    return this.headerBuf !== null;
  }

  /** `maxSize`: the largest body accepted (warren-server --max-message-size). */
  constructor(private readonly maxSize = MAX_MESSAGE_SIZE) {}

  /** True between the header frame and the last body frame. */
  get inBody(): boolean {
    return this.expectedSize >= 0;
  }

  /** Starts a message from its header frame; returns it at once when the body is empty. */
  begin(buf: Buffer, start: number, end: number): AssembledContent | null {
    reader.reset(buf, start, end);
    const classId = reader.short();
    if (classId !== ClassId.BASIC) {
      throw new AmqpError(ReplyCode.UNEXPECTED_FRAME, `expected content header for class ${ClassId.BASIC}, got one for class ${classId} instead`);
    }
    reader.short(); // weight: unused in 0-9-1
    const size = reader.longlong();
    if (size > this.maxSize) {
      throw new AmqpError(ReplyCode.PRECONDITION_FAILED, `message size ${size} is larger than configured max size ${this.maxSize}`);
    }
    // property-flag continuation words (bit 0) are not used by 0-9-1; leftover bytes are malformed
    // (RabbitMQ's channel crashes on both, 541; warren answers with a frame error)
    if (end - start >= 14 && (buf.readUInt16BE(start + 12) & 1) !== 0) {
      throw new AmqpError(ReplyCode.FRAME_ERROR, 'content header property flags continue past one word');
    }
    const scan = this.scan;
    if (scanBasicProperties(reader, scan)) this.properties = null;
    else {
      const p = (this.properties = decodeBasicProperties(reader));
      scan.deliveryMode = p.deliveryMode;
      scan.expiration = p.expiration;
      scan.userId = p.userId;
    }
    if (reader.pos !== end) throw new AmqpError(ReplyCode.FRAME_ERROR, `content header has ${end - reader.pos} bytes after its properties`);
    const mode = scan.deliveryMode;
    if (mode !== undefined && mode !== 1 && mode !== 2) {
      throw new AmqpError(ReplyCode.PRECONDITION_FAILED, `invalid message: {delivery_mode_unknown,${mode}}`);
    }
    const total = end - start + size;
    this.start = 0;
    this.bodyStart = end - start;
    if (total <= TEXT_MAX) {
      this.content = this.scratch ??= Buffer.allocUnsafeSlow(TEXT_MAX);
      // When the whole single body frame of this message follows in the chunk (read in the same pass
      // of the parser), the header stays where it is for body() to make the string in place; a header
      // whose body comes later is gathered now and keeps no chunk alive.
      if (size > 0 && bodyFollows(buf, start, end, size)) {
        this.headerBuf = buf;
        this.headerFrom = start;
        this.headerTo = end;
      } else copyInto(buf, start, end, this.content, 0);
    } else {
      this.content = Buffer.allocUnsafeSlow(total);
      copyInto(buf, start, end, this.content, 0);
    }
    this.expectedSize = size;
    this.received = 0;
    return size === 0 ? this.finish() : null;
  }

  /** Adds a body frame; returns the message once all of it has arrived. */
  body(buf: Buffer, start: number, end: number): AssembledContent | null {
    const at = this.received;
    this.received += end - start;
    if (this.received > this.expectedSize) {
      // RabbitMQ's words for a body longer than its header declared
      throw new AmqpError(ReplyCode.UNEXPECTED_FRAME, 'expected content body, got non content body frame instead');
    }
    const pending = this.headerBuf;
    if (pending !== null) {
      this.headerBuf = null;
      // The small message's only body frame right after its header frame in the same chunk (as
      // begin() saw): the string is read from the chunk (see the top of this file). The bytes
      // overwritten are the header frame's end octet and the body frame's header, which the parser
      // has read; the frames after this one are not touched.
      if (buf === pending && start === this.headerTo + FRAME_OVERHEAD && this.received === this.expectedSize) {
        const from = this.headerFrom;
        const headerSize = this.headerTo - from;
        const to = start - headerSize;
        // (moving up by 8 bytes, so from the last byte down)
        for (let i = headerSize - 1; i >= 0; i--) buf[to + i] = buf[from + i]!;
        this.inPlace++;
        return this.finish(buf.toString('latin1', to, end));
      }
      // (not after all: the parser handed the body over in another buffer) the header is gathered first
      copyInto(pending, this.headerFrom, this.headerTo, this.content, 0);
    }
    copyInto(buf, start, end, this.content, this.bodyStart + at);
    return this.received < this.expectedSize ? null : this.finish();
  }

  reset(): void {
    this.expectedSize = -1;
    this.content = EMPTY;
    this.headerBuf = null;
  }

  /** `text`: the message as text already made (else made here from the scratch buffer for a small one) */
  private finish(text: string | null = null): AssembledContent {
    const done = this.done;
    done.properties = this.properties;
    const content = this.content;
    done.text = text ?? (content === this.scratch ? content.toString('latin1', 0, this.bodyStart + this.expectedSize) : null);
    done.content = content;
    done.headerStart = this.start;
    done.bodyStart = this.bodyStart;
    done.size = this.expectedSize;
    this.reset();
    return done;
  }
}
