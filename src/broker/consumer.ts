// What a queue needs from a consumer; the server's channels implement it.
import type { FieldTable } from '../amqp/index.js';
import type { Envelope } from './message.js';

export interface Consumer {
  readonly tag: string;
  readonly noAck: boolean;
  readonly exclusive: boolean;
  readonly arguments: FieldTable;
  /** connection that owns the consumer, for exclusive-queue checks and listings */
  readonly connectionId: string;
  /** false while prefetch is used up, the channel is flow-stopped or the socket is backed up */
  canAccept(): boolean;
  deliver(envelope: Envelope): void;
  /** The queue went away: tell the client (basic.cancel, RabbitMQ's consumer_cancel_notify). */
  cancelledByBroker(): void;
}
