// queue.declare, queue.bind, queue.unbind, queue.purge and queue.delete.
import {
  type QueueBind,
  type QueueDeclare,
  type QueueDelete,
  type QueuePurge,
  type QueueUnbind,
  writeQueueBindOk,
  writeQueueDeclareOk,
  writeQueueDeleteOk,
  writeQueuePurgeOk,
  writeQueueUnbindOk,
} from '../../amqp/index.js';
import { checkNewQueueAccess } from '../../broker/declare-access.js';
import { REPLY_QUEUE } from '../../broker/direct-reply-to.js';
import { defaultExchangeRefused, reservedName } from '../../broker/errors.js';
import type { Exchange } from '../../broker/exchange.js';
import type { Queue } from '../../broker/queue.js';
import { Vhost } from '../../broker/vhost.js';
import type { ChannelContext } from '../channel-context.js';
import { check, checkTopicRead } from './access.js';

export function queueDeclare(ch: ChannelContext, m: QueueDeclare): void {
  // RabbitMQ: the direct reply-to pseudo-queue can be declared passively; it always looks empty.
  if (m.queue === REPLY_QUEUE && m.passive) {
    if (!m.nowait) writeQueueDeclareOk(ch.writer, ch.number, REPLY_QUEUE, 0, 0);
    return;
  }
  // RabbitMQ names a server-named queue first and checks configure on that name; a name the
  // client gives may not start with "amq." (even that of an existing server-named queue).
  const serverNamed = m.queue === '' && !m.passive;
  const name = serverNamed ? Vhost.generatedQueueName() : m.queue;
  if (!m.passive) {
    if (!serverNamed && name.startsWith('amq.')) throw reservedName('queue', name);
    check(ch, 'configure', 'queue', name);
    // The dead-letter exchange of new queues only.
    if (!ch.vhost.queues.has(name)) checkNewQueueAccess(ch.broker, ch.vhost.name, ch.user.name, name, m.arguments);
  }
  const q = ch.vhost.declareQueue(
    {
      name,
      passive: m.passive,
      durable: m.durable,
      exclusiveOwner: m.exclusive ? ch.connectionId : null,
      autoDelete: m.autoDelete,
      arguments: m.arguments,
      allowReservedName: serverNamed,
    },
    ch.connectionId,
  );
  if (q.options.exclusiveOwner === ch.connectionId) ch.ownQueue(q);
  ch.rememberQueue(q.name);
  if (!m.nowait) writeQueueDeclareOk(ch.writer, ch.number, q.name, q.messageCount, q.consumerCount);
}

/** The same order as exchange.bind; a missing source is reported before a missing queue. */
function queueBinding(ch: ChannelContext, m: QueueBind | QueueUnbind): { queue: Queue; exchange: Exchange; routingKey: string } {
  const queueName = ch.queueOrLast(m.queue);
  // 0-9-1 queue.bind: with both the queue and the routing key empty, the key is the queue's name.
  const routingKey = m.queue === '' && m.routingKey === '' ? queueName : m.routingKey;
  check(ch, 'write', 'queue', queueName);
  if (m.exchange === '') throw defaultExchangeRefused();
  check(ch, 'read', 'exchange', m.exchange);
  checkTopicRead(ch, m.exchange, routingKey);
  const exchange = ch.vhost.exchange(m.exchange);
  return { exchange, queue: ch.vhost.queue(queueName, ch.connectionId), routingKey };
}

export function queueBind(ch: ChannelContext, m: QueueBind): void {
  const { queue, exchange, routingKey } = queueBinding(ch, m);
  ch.vhost.bind(queue, exchange, routingKey, m.arguments);
  if (!m.nowait) writeQueueBindOk(ch.writer, ch.number);
}

export function queueUnbind(ch: ChannelContext, m: QueueUnbind): void {
  const { queue, exchange, routingKey } = queueBinding(ch, m);
  ch.vhost.unbind(queue, exchange, routingKey, m.arguments);
  writeQueueUnbindOk(ch.writer, ch.number);
}

export function queuePurge(ch: ChannelContext, m: QueuePurge): void {
  const queueName = ch.queueOrLast(m.queue);
  check(ch, 'read', 'queue', queueName);
  const count = ch.vhost.queue(queueName, ch.connectionId).purge();
  if (!m.nowait) writeQueuePurgeOk(ch.writer, ch.number, count);
}

export function queueDelete(ch: ChannelContext, m: QueueDelete): void {
  const queueName = ch.queueOrLast(m.queue);
  check(ch, 'configure', 'queue', queueName);
  const count = ch.vhost.deleteQueue(queueName, ch.connectionId, m.ifUnused, m.ifEmpty);
  if (!m.nowait) writeQueueDeleteOk(ch.writer, ch.number, count);
}
