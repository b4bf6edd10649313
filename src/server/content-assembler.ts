// Collects a content method's header and body frames into one message (0-9-1 section 4.2.6).
// The content is copied once, when complete, into one exact-size buffer the broker owns
// (ownContent): no socket chunk outlives the frames in it, however long the message is queued.
import { AmqpError, ClassId, ReplyCode, Reader, decodeBasicProperties, type BasicProperties } from '../amqp/index.js';
import { ownContent } from '../broker/message.js';

/** RabbitMQ's default max_message_size (128 MiB): larger bodies are refused before buffering. */
export const MAX_MESSAGE_SIZE = 128 * 1024 * 1024;

export interface AssembledContent {
  properties: BasicProperties;
  header: Buffer;
  body: Buffer;
}

const EMPTY = Buffer.alloc(0);
const reader = new Reader();

export class ContentAssembler {
  private expectedSize = -1;
  private properties: BasicProperties = {};
  private header: Buffer = EMPTY;
  private parts: Buffer[] = [];
  private received = 0;

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
      throw new AmqpError(
        ReplyCode.PRECONDITION_FAILED,
        `message size ${size} is larger than configured max size ${this.maxSize}`,
      );
    }
    // property-flag continuation words (bit 0) are not used by 0-9-1; leftover bytes are malformed
    // (RabbitMQ's channel crashes on both, 541; warren answers with a frame error)
    if (end - start >= 14 && (buf.readUInt16BE(start + 12) & 1) !== 0) {
      throw new AmqpError(ReplyCode.FRAME_ERROR, 'content header property flags continue past one word');
    }
    this.properties = decodeBasicProperties(reader);
    if (reader.pos !== end) throw new AmqpError(ReplyCode.FRAME_ERROR, `content header has ${end - reader.pos} bytes after its properties`);
    const mode = this.properties.deliveryMode;
    if (mode !== undefined && mode !== 1 && mode !== 2) {
      throw new AmqpError(ReplyCode.PRECONDITION_FAILED, `invalid message: {delivery_mode_unknown,${mode}}`);
    }
    this.header = buf.subarray(start, end);
    this.expectedSize = size;
    this.parts = [];
    this.received = 0;
    return size === 0 ? this.finish(EMPTY) : null;
  }

  /** Adds a body frame; returns the message once all of it has arrived. */
  body(buf: Buffer, start: number, end: number): AssembledContent | null {
    const chunk = buf.subarray(start, end);
    this.received += chunk.length;
    if (this.received > this.expectedSize) {
      // RabbitMQ's words for a body longer than its header declared
      throw new AmqpError(ReplyCode.UNEXPECTED_FRAME, 'expected content body, got non content body frame instead');
    }
    if (this.received < this.expectedSize) {
      this.parts.push(chunk);
      return null;
    }
    this.parts.push(chunk);
    return this.finish(this.parts);
  }

  reset(): void {
    this.expectedSize = -1;
    this.parts = [];
  }

  private finish(body: Buffer | Buffer[]): AssembledContent {
    const owned = ownContent(this.header, body, Buffer.isBuffer(body) ? body.length : this.received);
    const done = { properties: this.properties, header: owned.header, body: owned.body };
    this.reset();
    return done;
  }
}
