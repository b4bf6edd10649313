// A published message. The content header bytes are kept as received so deliveries can
// re-send them without re-encoding; properties are decoded once for routing decisions.
import type { BasicProperties } from '../amqp/index.js';

const PERSISTENT = 2;

/**
 * Heap bytes a held message costs beyond its content bytes: the Message and its decoded
 * properties, the two buffer views and their one ArrayBuffer, the envelope and its queue slot.
 * Measured with bench/message-overhead.mjs: about 530 bytes on Node 20 for a 100-byte message
 * with a content type and delivery mode; 600 leaves room for a few more properties.
 */
export const MESSAGE_OVERHEAD = 600;

/**
 * Per-message memory beyond the body as the daemon's memory accounting (the memory alarm) and the management
 * API's queue `memory` estimate count it: the objects, the header bytes and the queue slot, with some margin.
 */
export const MESSAGE_MEMORY_ESTIMATE = 700;

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

export class Message {
  /** where the message store keeps it for durable queues; null when not stored */
  stored: StoredRef | null = null;
  /** where a copy was put on disk for queues past the memory budget (written once, however many queues) */
  spilled: DiskPosition | null = null;

  constructor(
    readonly exchange: string,
    readonly routingKey: string,
    readonly properties: BasicProperties,
    /** content-header frame payload (class, weight, body size, flags, properties) */
    readonly header: Buffer,
    readonly body: Buffer,
    /** when the broker received it (ms since the epoch); TTLs count from here */
    readonly arrival = Date.now(),
  ) {}

  /** Per-message TTL from the expiration property, in ms; null when absent. */
  get ttl(): number | null {
    const e = this.properties.expiration;
    return e === undefined ? null : Number(e);
  }

  get persistent(): boolean {
    return this.properties.deliveryMode === PERSISTENT;
  }

  get size(): number {
    return this.body.length;
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
