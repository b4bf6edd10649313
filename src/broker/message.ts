// A published message. The content header bytes are kept as received so deliveries can
// re-send them without re-encoding; properties are decoded when first needed (at once for a message with headers).
import {
  decodeBasicProperties,
  HEADERS_UNREAD,
  newPropertyScan,
  PROPERTY_EXPIRATION,
  PROPERTY_PRIORITY,
  PROPERTY_REPLY_TO,
  Reader,
  scanBasicProperties,
  type BasicProperties,
  type FieldTable,
} from '../amqp/index.js';
import { reportFault } from './faults.js';

const PERSISTENT = 2;

/**
 * Arrival times are kept relative to this (ms since the epoch, when the module loaded): a small
 * integer fits in the message object itself, where an absolute time in ms is a double, which V8
 * keeps boxed in a heap number of its own per message. (Past 2^31 ms, 24 days of uptime, the
 * offsets become doubles too: still right, only no longer saved.)
 */
const ARRIVAL_BASE = Date.now();

/** Where a message's properties are decoded from its header when first asked for. */
const lazyReader = new Reader();
/** Where the expiration of a message not decoded yet is read (ttl). */
const ttlScan = newPropertyScan();

/**
 * Heap bytes a held message costs beyond its content bytes, as the memory budget counts it.
 * Measured with bench/message-overhead.mjs on Node 20, 100-byte messages held in a queue: 246 bytes
 * for one with decoded properties and buffers of its own (a message with headers, or one the
 * broker made), 171 for one published without headers (properties not decoded, its content one
 * string); about 530 when every message was decoded and had an envelope. 600 stays the figure: properties and
 * headers can be much larger, and the budget errs on the side of spilling early.
 */
export const MESSAGE_OVERHEAD = 600;

/**
 * Per-message memory beyond the body as the daemon's memory accounting (the memory alarm) and the management
 * API's queue `memory` estimate count it: the objects, the header bytes and the queue slot, with some margin.
 */
export const MESSAGE_MEMORY_ESTIMATE = 700;

/**
 * A content (header payload and body) up to this many bytes is kept as one latin1 string, one
 * byte per character: a JS heap object of its exact size, cheap to make and to collect, with no
 * ArrayBuffer, backing store or malloc of its own, and nothing shared with other messages (so a
 * message held long keeps nothing else alive). Larger ones get their own exact-size buffer.
 */
export const TEXT_MAX = 2048;

/**
 * Copies a message's content header and body into one exact-size buffer the broker owns, so
 * nothing it keeps points into a socket chunk or a file read buffer (which would keep the whole
 * chunk alive for as long as the message lives). Returns the two views.
 */
export function ownContent(header: Buffer, body: Buffer | readonly Buffer[], bodySize = -1): { header: Buffer; body: Buffer } {
  const size = bodySize >= 0 ? bodySize : Buffer.isBuffer(body) ? body.length : (body as readonly Buffer[]).reduce((n, b) => n + b.length, 0);
  const owned = Buffer.allocUnsafeSlow(header.length + size);
  header.copy(owned, 0);
  let pos = header.length;
  if (Buffer.isBuffer(body)) pos += body.copy(owned, pos);
  else for (const part of body as readonly Buffer[]) pos += part.copy(owned, pos);
  return { header: owned.subarray(0, header.length), body: owned.subarray(header.length, pos) };
}

const NO_BYTES = Buffer.alloc(0);

/**
 * Characters [from, to) of a latin1 content string as bytes, in a buffer from Node's shared pool:
 * cheap, and safe to keep only briefly (the message store copies them into its record); a new
 * Message made from them keeps them as text of its own (see the constructor), never the buffer.
 */
function textBytes(text: string, from: number, to: number): Buffer {
  return Buffer.from(from === 0 && to === text.length ? text : text.substring(from, to), 'latin1');
}

/** where the constructor gathers a small content to make its string */
const gather = Buffer.allocUnsafeSlow(TEXT_MAX);

/** header then body as one latin1 string (their total is at most TEXT_MAX) */
function toText(header: Buffer, body: Buffer): string {
  const h = header.length;
  const n = h + body.length;
  if (n === 0) return '';
  gather.set(header, 0);
  gather.set(body, h);
  return gather.toString('latin1', 0, n);
}

/**
 * Where a content not kept as text is: the header payload at headerStart of headerBytes, the body
 * at bodyStart of bodyBytes (for a large published message one buffer: Message.published). Views
 * of them (header, body) are made only when asked for: delivery copies from here.
 */
interface ContentBytes {
  headerBytes: Buffer;
  headerStart: number;
  bodyBytes: Buffer;
  bodyStart: number;
  headerView: Buffer | null;
  bodyView: Buffer | null;
}

/** What the channel assembled of a published message (server/content-assembler.ts). */
export interface PublishedContent {
  properties: BasicProperties | null;
  /** the header's property flags and delivery mode (used when `properties` is null) */
  scan: { flags: number; deliveryMode: number | undefined };
  /** header payload then body, as latin1, or null: see content */
  text: string | null;
  content: Buffer;
  headerStart: number;
  bodyStart: number;
  size: number;
}

export class Message {
  /** where the message store keeps it for durable queues; null when not stored */
  stored: StoredRef | null = null;
  /** where a copy was put on disk for queues past the memory budget (written once, however many queues) */
  spilled: DiskPosition | null = null;
  /** body size in bytes */
  size: number;
  /** content-header payload size in bytes */
  headerSize: number;
  /** delivery mode 2 (read once: properties objects come in many shapes) */
  readonly persistent: boolean;
  /**
   * The decoded properties, or null until first asked for. A published message whose headers are
   * absent or empty (amqplib sends an empty table, pika none) is not decoded when it arrives: the
   * content header was checked then (ContentAssembler), and the broker's hot path needs only
   * `propertyFlags` and the delivery mode. Two objects fewer per queued message.
   */
  private props: BasicProperties | null;
  /** the content header's property flags, for a message whose properties are not decoded yet */
  private readonly propertyFlags: number;
  /** arrival - ARRIVAL_BASE */
  private readonly arrivalOffset: number;
  /** where the bytes of a content not kept as `text` are (an object of its own: most messages are text) */
  private bytes: ContentBytes | null;
  /** or, for a small message (see TEXT_MAX), header payload and body as one latin1 string, else null */
  text: string | null;

  constructor(
    readonly exchange: string,
    readonly routingKey: string,
    /** null: decoded from `header` when first asked for (its headers absent or empty, or HEADERS_UNREAD in `propertyFlags`; see `props`) */
    properties: BasicProperties | null,
    /** content-header frame payload (class, weight, body size, flags, properties) */
    header: Buffer,
    body: Buffer,
    /** when the broker received it (ms since the epoch); TTLs count from here */
    arrival = Date.now(),
    /** with `properties` null: the header's property flags (and HEADERS_UNREAD) and delivery mode */
    propertyFlags = 0,
    deliveryMode?: number,
  ) {
    this.props = properties;
    this.propertyFlags = propertyFlags;
    this.arrivalOffset = arrival - ARRIVAL_BASE;
    this.persistent = (properties === null ? deliveryMode : properties.deliveryMode) === PERSISTENT;
    this.headerSize = header.length;
    this.size = body.length;
    // A small content becomes text of its own, so the message keeps no buffer it was given (a
    // view into a socket chunk, a read buffer or a shared pool would pin all of it).
    if (header.length + body.length <= TEXT_MAX) {
      this.text = toText(header, body);
      this.bytes = null;
    } else {
      this.text = null;
      this.bytes = { headerBytes: header, headerStart: 0, bodyBytes: body, bodyStart: 0, headerView: header, bodyView: body };
    }
  }

  /**
   * A published message from its assembled content: small ones as text (header payload, then
   * body), others as the header payload at content[headerStart, bodyStart) and `size` body bytes
   * after it. Properties null: decoded from the header when first asked for (see `props`).
   */
  static published(exchange: string, routingKey: string, c: PublishedContent, arrival: number): Message {
    const m = new Message(exchange, routingKey, c.properties, NO_BYTES, NO_BYTES, arrival, c.scan.flags, c.scan.deliveryMode);
    const headerSize = c.bodyStart - c.headerStart;
    m.headerSize = headerSize;
    if (c.text !== null) {
      m.text = c.text;
      m.size = c.text.length - headerSize;
    } else {
      m.text = null;
      m.bytes = { headerBytes: c.content, headerStart: c.headerStart, bodyBytes: c.content, bodyStart: c.bodyStart, headerView: null, bodyView: null };
      m.size = c.size;
    }
    return m;
  }

  /** when the broker received it (ms since the epoch); TTLs count from here */
  get arrival(): number {
    return ARRIVAL_BASE + this.arrivalOffset;
  }

  get properties(): BasicProperties {
    if (this.props === null) {
      // (class, weight and body size come first: 12 bytes)
      const header = this.header;
      try {
        this.props = decodeBasicProperties(lazyReader.reset(header, 12, header.length));
      } catch (err) {
        // Only a message read back from the store can get here (a published one was checked as it
        // arrived): its headers were stepped over then. It keeps its delivery mode and nothing else.
        reportFault(`message published to '${this.exchange}' with key '${this.routingKey}'`, 'decoding its stored properties', err);
        this.props = { deliveryMode: this.persistent ? PERSISTENT : 1 };
      }
    }
    return this.props;
  }

  /** Whether the content header carries property `flag` (one of the PROPERTY_ constants). */
  private has(flag: number): boolean {
    return this.props === null ? (this.propertyFlags & flag) !== 0 : true;
  }

  /**
   * The headers table, if any. A published message not decoded yet has none (its table is empty);
   * one read back from the store (HEADERS_UNREAD in its flags) is decoded now.
   */
  get headers(): FieldTable | undefined {
    if (this.props === null) return (this.propertyFlags & HEADERS_UNREAD) !== 0 ? this.properties.headers : undefined;
    return this.props.headers;
  }

  get priority(): number | undefined {
    return this.has(PROPERTY_PRIORITY) ? this.properties.priority : undefined;
  }

  get replyTo(): string | undefined {
    return this.has(PROPERTY_REPLY_TO) ? this.properties.replyTo : undefined;
  }

  /** content-header frame payload (class, weight, body size, flags, properties) */
  get header(): Buffer {
    const b = this.bytes;
    if (b === null) return textBytes(this.text!, 0, this.headerSize);
    return (b.headerView ??= b.headerBytes.subarray(b.headerStart, b.headerStart + this.headerSize));
  }

  get body(): Buffer {
    const b = this.bytes;
    if (b === null) return textBytes(this.text!, this.headerSize, this.text!.length);
    return (b.bodyView ??= b.bodyBytes.subarray(b.bodyStart, b.bodyStart + this.size));
  }

  /** For a content not kept as text: the buffer holding the header payload, from headerStart (else empty). */
  get headerBytes(): Buffer {
    return this.bytes?.headerBytes ?? NO_BYTES;
  }

  get headerStart(): number {
    return this.bytes?.headerStart ?? 0;
  }

  /** For a content not kept as text: the buffer holding the body, from bodyStart (else empty). */
  get bodyBytes(): Buffer {
    return this.bytes?.bodyBytes ?? NO_BYTES;
  }

  get bodyStart(): number {
    return this.bytes?.bodyStart ?? 0;
  }

  /**
   * Copies the header payload to buf[headerAt] and the body to buf[bodyAt] (bodyAt >= headerAt +
   * headerSize), with no buffer made on the way (the message store encodes records with it). The
   * bytes between the two may be overwritten: the caller fills them in afterwards.
   */
  writeContent(buf: Buffer, headerAt: number, bodyAt: number): void {
    const text = this.text;
    if (text !== null) {
      // The whole text so that its body lands at bodyAt (its header part then lies just before,
      // over bytes the header write below puts right), then the header's characters in place.
      const headerSize = this.headerSize;
      buf.write(text, bodyAt - headerSize, 'latin1');
      // (a short header by plain byte stores: cheaper than a second call into the string writer)
      if (headerSize <= 64) for (let i = 0; i < headerSize; i++) buf[headerAt + i] = text.charCodeAt(i);
      else buf.write(text, headerAt, headerSize, 'latin1');
      return;
    }
    const b = this.bytes!;
    b.headerBytes.copy(buf, headerAt, b.headerStart, b.headerStart + this.headerSize);
    b.bodyBytes.copy(buf, bodyAt, b.bodyStart, b.bodyStart + this.size);
  }

  /** Per-message TTL from the expiration property, in ms; null when absent. */
  get ttl(): number | null {
    if (!this.has(PROPERTY_EXPIRATION)) return null;
    let e: string | undefined;
    if (this.props !== null) e = this.props.expiration;
    else {
      // (read without decoding the rest: a message read back from the store may carry large headers)
      const header = this.header;
      scanBasicProperties(lazyReader.reset(header, 12, header.length), ttlScan, true);
      e = ttlScan.expiration;
    }
    return e === undefined ? null : Number(e);
  }
}

/** A record's place in the message store's segments. */
export interface DiskPosition {
  readonly segment: number;
  readonly offset: number;
  /** the whole record's length in bytes */
  readonly length: number;
}

/** A persistent message's own record in the store (`handle` is the store's, opaque to everyone else). */
export interface StoredRef extends DiskPosition {
  readonly id: number;
  readonly handle: unknown;
}

/** One message's place in one queue: a message routed to three queues has three envelopes. */
export interface Envelope {
  readonly message: Message;
  /** position in the queue; requeued messages go back to it */
  readonly seq: number;
  redelivered: boolean;
  /** when it expires in this queue (ms since the epoch), 0 for never */
  readonly expiresAt: number;
}
