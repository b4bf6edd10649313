// basic.qos, basic.consume, basic.cancel, basic.get, the acknowledgements and basic.recover (basic.publish is
// the channel's own: it is followed by content frames).
import { randomBytes } from 'node:crypto';
import {
  AmqpError,
  MethodId,
  ReplyCode,
  type BasicAck,
  type BasicCancel,
  type BasicConsume,
  type BasicGet,
  type BasicNack,
  type BasicQos,
  type BasicRecover,
  type BasicRecoverAsync,
  type BasicReject,
  writeBasicCancelOk,
  writeBasicConsumeOk,
  writeBasicGetEmpty,
  writeBasicQosOk,
  writeBasicRecoverOk,
} from '../../amqp/index.js';
import { REPLY_QUEUE } from '../../broker/direct-reply-to.js';
import { accessRefused, notAllowed } from '../../broker/errors.js';
import type { ChannelContext } from '../channel-context.js';
import { DirectReplyConsumer } from '../direct-reply-consumer.js';
import { check } from './access.js';

/** amq.ctag- and 22 characters, as RabbitMQ's generated consumer tags. */
const CONSUMER_TAG_RANDOM_BYTES = 16;
const CONSUMER_TAG_LENGTH = 22;

function generatedConsumerTag(): string {
  return `amq.ctag-${randomBytes(CONSUMER_TAG_RANDOM_BYTES).toString('base64url').slice(0, CONSUMER_TAG_LENGTH)}`;
}

export function basicQos(ch: ChannelContext, m: BasicQos): void {
  // RabbitMQ implements prefetch counts only.
  if (m.prefetchSize !== 0) throw new AmqpError(ReplyCode.NOT_IMPLEMENTED, `prefetch_size!=0 (${m.prefetchSize})`);
  ch.setPrefetch(m.prefetchCount, m.global);
  writeBasicQosOk(ch.writer, ch.number);
  ch.scheduleFlush();
}

export function basicConsume(ch: ChannelContext, m: BasicConsume): void {
  if (m.queue === REPLY_QUEUE) {
    const tag = m.consumerTag || generatedConsumerTag();
    DirectReplyConsumer.start(ch, tag, m.noAck);
    if (!m.nowait) writeBasicConsumeOk(ch.writer, ch.number, tag);
    return;
  }
  const queueName = ch.queueOrLast(m.queue);
  check(ch, 'read', 'queue', queueName);
  const q = ch.vhost.queue(queueName, ch.connectionId);
  const tag = m.consumerTag || generatedConsumerTag();
  if (ch.hasConsumer(tag)) throw notAllowed(`attempt to reuse consumer tag '${tag}'`);
  if (q.consumers.some((c) => c.exclusive) || (m.exclusive && q.consumerCount > 0)) {
    throw accessRefused(`queue '${q.name}' in vhost '${ch.vhost.name}' in exclusive use`);
  }
  ch.addConsumer(q, tag, m.noAck, m.exclusive, m.arguments);
  // consume-ok goes out before the first delivery.
  if (!m.nowait) writeBasicConsumeOk(ch.writer, ch.number, tag);
  ch.startConsumer(tag);
  ch.scheduleFlush();
}

export function basicCancel(ch: ChannelContext, m: BasicCancel): void {
  if (ch.replyConsumer?.tag === m.consumerTag) ch.replyConsumer.cancel(ch);
  // 0-9-1 basic.cancel: cancelling an unknown tag is not an error.
  ch.cancelConsumer(m.consumerTag);
  if (!m.nowait) writeBasicCancelOk(ch.writer, ch.number, m.consumerTag);
}

export function basicGet(ch: ChannelContext, m: BasicGet): void {
  const queueName = ch.queueOrLast(m.queue);
  check(ch, 'read', 'queue', queueName);
  const q = ch.vhost.queue(queueName, ch.connectionId);
  // Past the memory budget the next messages may be on their way from disk: the get waits for them (the
  // connection's later frames wait too), rather than reading them synchronously.
  const envelope = q.take(!m.noAck, false);
  if (envelope) ch.deliverGet(q, envelope, m.noAck);
  else if (q.reading) ch.afterQueueRead(q, MethodId.BASIC_GET, () => basicGet(ch, m));
  else {
    ch.stats.get_empty++;
    writeBasicGetEmpty(ch.writer, ch.number, '');
  }
}

export const basicAck = (ch: ChannelContext, m: BasicAck): void => ch.settle(m.deliveryTag, m.multiple, true, false);
export const basicNack = (ch: ChannelContext, m: BasicNack): void => ch.settle(m.deliveryTag, m.multiple, false, m.requeue);
export const basicReject = (ch: ChannelContext, m: BasicReject): void => ch.settle(m.deliveryTag, false, false, m.requeue);

/** RabbitMQ redelivers through the queue, with or without requeue. */
export function basicRecover(ch: ChannelContext, _m: BasicRecover): void {
  ch.requeueAll();
  writeBasicRecoverOk(ch.writer, ch.number);
}

export function basicRecoverAsync(ch: ChannelContext, _m: BasicRecoverAsync): void {
  ch.requeueAll();
}
