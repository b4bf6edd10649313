// The channel side of direct reply-to: consuming the pseudo-queue, and addressing requests.
import { AmqpError, ReplyCode, contentHeaderPayload } from '../amqp/index.js';
import type { Broker } from '../broker/broker.js';
import { REPLY_PREFIX, REPLY_QUEUE, type ReplySink } from '../broker/direct-reply-to.js';
import { Message } from '../broker/message.js';

/** What direct reply-to needs of a channel (the Channel class implements it). */
export interface ReplyConsumerHost extends ReplySink {
  readonly broker: Broker;
  replyConsumer: DirectReplyConsumer | null;
}

export class DirectReplyConsumer {
  private constructor(
    readonly tag: string,
    readonly token: string,
  ) {}

  /** basic.consume on amq.rabbitmq.reply-to: RabbitMQ requires no-ack and one such consumer per channel. */
  static start(channel: ReplyConsumerHost, tag: string, noAck: boolean): DirectReplyConsumer {
    if (!noAck) throw new AmqpError(ReplyCode.PRECONDITION_FAILED, 'reply consumer cannot acknowledge');
    if (channel.replyConsumer) throw new AmqpError(ReplyCode.PRECONDITION_FAILED, 'reply consumer already set');
    const consumer = new DirectReplyConsumer(tag, channel.broker.directReplyTo.register(channel));
    channel.replyConsumer = consumer;
    return consumer;
  }

  cancel(channel: ReplyConsumerHost): void {
    channel.broker.directReplyTo.unregister(this.token);
    channel.replyConsumer = null;
  }

  /** A request with reply_to amq.rabbitmq.reply-to gets this channel's reply address instead. */
  static addressRequest(channel: ReplyConsumerHost, message: Message): Message {
    if (message.replyTo !== REPLY_QUEUE) return message;
    const consumer = channel.replyConsumer;
    if (!consumer) throw new AmqpError(ReplyCode.PRECONDITION_FAILED, 'fast reply consumer does not exist');
    const properties = { ...message.properties, replyTo: REPLY_PREFIX + consumer.token };
    return new Message(message.exchange, message.routingKey, properties, contentHeaderPayload(message.size, properties), message.body);
  }
}
