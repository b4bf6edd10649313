// A basic.consume subscription: the broker's Consumer, backed by a channel.
import type { FieldTable } from '../amqp/index.js';
import type { ConsumerView } from '../api/read-model.js';
import type { Envelope } from '../broker/message.js';
import type { Queue } from '../broker/queue.js';

/** What a consumer needs from its channel. */
export interface ConsumerHost {
  readonly connectionId: string;
  /** channel-wide checks: flow, global prefetch, socket backpressure */
  canDeliver(): boolean;
  deliver(consumer: ChannelConsumer, envelope: Envelope): void;
  /** deliver() threw: contain it to this consumer's connection */
  deliveryFailed(consumer: ChannelConsumer, err: unknown): void;
  consumerCancelledByBroker(consumer: ChannelConsumer): void;
}

export class ChannelConsumer implements ConsumerView {
  /** messages delivered to this consumer and not yet settled */
  unacked = 0;

  constructor(
    readonly host: ConsumerHost,
    readonly queue: Queue,
    readonly tag: string,
    readonly noAck: boolean,
    readonly exclusive: boolean,
    private readonly args: FieldTable,
    /** per-consumer prefetch (basic.qos global=false before the consume); 0 = unlimited */
    readonly prefetch: number,
  ) {}

  get arguments(): FieldTable {
    return this.args;
  }

  get connectionId(): string {
    return this.host.connectionId;
  }

  canAccept(): boolean {
    if (!this.host.canDeliver()) return false;
    return this.noAck || this.prefetch === 0 || this.unacked < this.prefetch;
  }

  deliver(envelope: Envelope): void {
    // Runs inside whoever made the message ready (often another connection's publish): a failure
    // here must not reach that caller.
    try {
      this.host.deliver(this, envelope);
    } catch (err) {
      this.host.deliveryFailed(this, err);
    }
  }

  cancelledByBroker(): void {
    this.host.consumerCancelledByBroker(this);
  }
}
