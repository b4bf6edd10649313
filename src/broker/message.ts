// A published message. The content header bytes are kept as received so deliveries can
// re-send them without re-encoding; properties are decoded once for routing decisions.
import type { BasicProperties } from '../amqp/index.js';

const PERSISTENT = 2;

export class Message {
  /** where the message store keeps it (opaque to everyone else); null when not stored */
  stored: { readonly id: number; readonly segment: unknown } | null = null;

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

/** One message's place in one queue: a message routed to three queues has three envelopes. */
export interface Envelope {
  readonly message: Message;
  /** position in the queue; requeued messages go back to it */
  readonly seq: number;
  redelivered: boolean;
  /** when it expires in this queue (ms since the epoch), 0 for never */
  readonly expiresAt: number;
}
