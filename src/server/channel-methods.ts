// The synchronous and asynchronous channel methods other than basic.publish,
// each cited to the 0-9-1 rule it implements.
import { randomBytes } from 'node:crypto';
import {
  AmqpError,
  MethodId,
  ReplyCode,
  type Method,
  writeBasicCancelOk,
  writeBasicConsumeOk,
  writeBasicGetEmpty,
  writeBasicQosOk,
  writeBasicRecoverOk,
  writeChannelFlowOk,
  writeConfirmSelectOk,
  writeExchangeBindOk,
  writeExchangeDeclareOk,
  writeExchangeDeleteOk,
  writeExchangeUnbindOk,
  writeQueueBindOk,
  writeQueueDeclareOk,
  writeQueueDeleteOk,
  writeQueuePurgeOk,
  writeQueueUnbindOk,
  writeTxCommitOk,
  writeTxRollbackOk,
  writeTxSelectOk,
  writeAccessRequestOk,
} from '../amqp/index.js';
import { accessRefused, commandInvalid, defaultExchangeRefused, notAllowed, preconditionFailed, reservedName } from '../broker/errors.js';
import { isExchangeType } from '../broker/exchange.js';
import { Vhost } from '../broker/vhost.js';
import { checkNewExchangeAccess, checkNewQueueAccess } from '../broker/declare-access.js';
import type { Channel } from './channel.js';
import { ChannelConsumer } from './channel-consumer.js';
import { REPLY_QUEUE } from '../broker/direct-reply-to.js';
import { DirectReplyConsumer } from './direct-reply-consumer.js';

export function handleChannelMethod(ch: Channel, m: Method): void {
  const { vhost, broker, writer: w, number: n } = ch;
  const user = ch.user.name;
  const check = broker.checkAccess.bind(broker, vhost.name, user);
  switch (m.id) {
    case MethodId.EXCHANGE_DECLARE: {
      // RabbitMQ's order: type, the default exchange (passive too), configure, then for a new exchange its alternate.
      if (!m.passive && !isExchangeType(m.type)) throw commandInvalid(`unknown exchange type '${m.type}'`);
      if (m.exchange === '') throw defaultExchangeRefused();
      if (!m.passive) {
        check('configure', 'exchange', m.exchange);
        // The alternate exchange of new exchanges only (reserved names fail first).
        if (!vhost.exchanges.has(m.exchange) && !m.exchange.startsWith('amq.')) checkNewExchangeAccess(broker, vhost.name, user, m.exchange, m.arguments);
      }
      vhost.declareExchange({
        name: m.exchange,
        type: m.type,
        passive: m.passive,
        durable: m.durable,
        autoDelete: m.autoDelete,
        internal: m.internal,
        arguments: m.arguments,
      });
      if (!m.nowait) writeExchangeDeclareOk(w, n);
      return;
    }
    case MethodId.EXCHANGE_DELETE:
      // RabbitMQ refuses the default and system exchanges before looking at permissions.
      if (m.exchange === '') throw defaultExchangeRefused();
      if (m.exchange.startsWith('amq.')) throw accessRefused(`deletion of system exchange '${m.exchange}' in vhost '${vhost.name}' not allowed`);
      check('configure', 'exchange', m.exchange);
      vhost.deleteExchange(m.exchange, m.ifUnused);
      if (!m.nowait) writeExchangeDeleteOk(w, n);
      return;
    case MethodId.EXCHANGE_BIND:
    case MethodId.EXCHANGE_UNBIND: {
      // RabbitMQ (binding_action): write on the destination, neither end the default exchange,
      // read on the source, topic read on the routing key (bind and unbind alike), then the lookups.
      check('write', 'exchange', m.destination);
      if (m.destination === '' || m.source === '') throw defaultExchangeRefused();
      check('read', 'exchange', m.source);
      checkTopicRead(ch, m.source, m.routingKey);
      const source = vhost.exchange(m.source);
      const destination = vhost.exchange(m.destination);
      if (m.id === MethodId.EXCHANGE_BIND) {
        vhost.bind(destination, source, m.routingKey, m.arguments);
        if (!m.nowait) writeExchangeBindOk(w, n);
      } else {
        vhost.unbind(destination, source, m.routingKey, m.arguments);
        if (!m.nowait) writeExchangeUnbindOk(w, n);
      }
      return;
    }
    case MethodId.QUEUE_DECLARE: {
      // RabbitMQ: the direct reply-to pseudo-queue can be declared passively; it always looks empty.
      if (m.queue === REPLY_QUEUE && m.passive) {
        if (!m.nowait) writeQueueDeclareOk(w, n, REPLY_QUEUE, 0, 0);
        return;
      }
      // RabbitMQ names a server-named queue first and checks configure on that name; a name the
      // client gives may not start with "amq." (even that of an existing server-named queue).
      const serverNamed = m.queue === '' && !m.passive;
      const name = serverNamed ? Vhost.generatedQueueName() : m.queue;
      if (!m.passive) {
        if (!serverNamed && name.startsWith('amq.')) throw reservedName('queue', name);
        check('configure', 'queue', name);
        // The dead-letter exchange of new queues only.
        if (!vhost.queues.has(name)) checkNewQueueAccess(broker, vhost.name, user, name, m.arguments);
      }
      const q = vhost.declareQueue(
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
      if (q.options.exclusiveOwner === ch.connectionId) ch.host.ownedQueues.add(q);
      ch.lastQueue = q.name;
      if (!m.nowait) writeQueueDeclareOk(w, n, q.name, q.messageCount, q.consumerCount);
      return;
    }
    case MethodId.QUEUE_BIND:
    case MethodId.QUEUE_UNBIND: {
      const queueName = queueOrLast(ch, m.queue);
      // 0-9-1 queue.bind: with both the queue and the routing key empty, the key is the queue's name.
      const routingKey = m.queue === '' && m.routingKey === '' ? queueName : m.routingKey;
      // The same order as exchange.bind; a missing source is reported before a missing queue.
      check('write', 'queue', queueName);
      if (m.exchange === '') throw defaultExchangeRefused();
      check('read', 'exchange', m.exchange);
      checkTopicRead(ch, m.exchange, routingKey);
      const x = vhost.exchange(m.exchange);
      const q = vhost.queue(queueName, ch.connectionId);
      if (m.id === MethodId.QUEUE_BIND) {
        vhost.bind(q, x, routingKey, m.arguments);
        if (!m.nowait) writeQueueBindOk(w, n);
      } else {
        vhost.unbind(q, x, routingKey, m.arguments);
        writeQueueUnbindOk(w, n);
      }
      return;
    }
    case MethodId.QUEUE_PURGE: {
      const queueName = queueOrLast(ch, m.queue);
      check('read', 'queue', queueName);
      const count = vhost.queue(queueName, ch.connectionId).purge();
      if (!m.nowait) writeQueuePurgeOk(w, n, count);
      return;
    }
    case MethodId.QUEUE_DELETE: {
      const queueName = queueOrLast(ch, m.queue);
      check('configure', 'queue', queueName);
      const count = vhost.deleteQueue(queueName, ch.connectionId, m.ifUnused, m.ifEmpty);
      if (!m.nowait) writeQueueDeleteOk(w, n, count);
      return;
    }
    case MethodId.BASIC_QOS:
      // RabbitMQ implements prefetch counts only.
      if (m.prefetchSize !== 0) {
        throw new AmqpError(ReplyCode.NOT_IMPLEMENTED, `prefetch_size!=0 (${m.prefetchSize})`);
      }
      // RabbitMQ's per_consumer_qos: global=false applies to consumers created after it.
      if (m.global) ch.channelPrefetch = m.prefetchCount;
      else ch.consumerPrefetch = m.prefetchCount;
      writeBasicQosOk(w, n);
      ch.host.scheduleFlush();
      return;
    case MethodId.BASIC_CONSUME: {
      if (m.queue === REPLY_QUEUE) {
        const tag = m.consumerTag || generatedConsumerTag();
        DirectReplyConsumer.start(ch, tag, m.noAck);
        if (!m.nowait) writeBasicConsumeOk(w, n, tag);
        return;
      }
      const queueName = queueOrLast(ch, m.queue);
      check('read', 'queue', queueName);
      const q = vhost.queue(queueName, ch.connectionId);
      const tag = m.consumerTag || generatedConsumerTag();
      if (ch.consumers.has(tag)) throw notAllowed(`attempt to reuse consumer tag '${tag}'`);
      if (q.consumers.some((c) => c.exclusive) || (m.exclusive && q.consumerCount > 0)) {
        throw accessRefused(`queue '${q.name}' in vhost '${vhost.name}' in exclusive use`);
      }
      const consumer = new ChannelConsumer(ch, q, tag, m.noAck, m.exclusive, m.arguments, ch.consumerPrefetch);
      ch.consumers.set(tag, consumer);
      // consume-ok goes out before the first delivery.
      if (!m.nowait) writeBasicConsumeOk(w, n, tag);
      q.addConsumer(consumer);
      ch.host.scheduleFlush();
      return;
    }
    case MethodId.BASIC_CANCEL: {
      if (ch.replyConsumer?.tag === m.consumerTag) ch.replyConsumer.cancel(ch);
      const consumer = ch.consumers.get(m.consumerTag);
      if (consumer) {
        ch.consumers.delete(m.consumerTag);
        consumer.queue.removeConsumer(consumer);
      }
      // 0-9-1 basic.cancel: cancelling an unknown tag is not an error.
      if (!m.nowait) writeBasicCancelOk(w, n, m.consumerTag);
      return;
    }
    case MethodId.BASIC_GET: {
      const queueName = queueOrLast(ch, m.queue);
      check('read', 'queue', queueName);
      const q = vhost.queue(queueName, ch.connectionId);
      const envelope = q.take(!m.noAck);
      if (envelope) ch.deliverGet(q, envelope, m.noAck);
      else {
        ch.stats.get_empty++;
        writeBasicGetEmpty(w, n, '');
      }
      return;
    }
    case MethodId.BASIC_ACK:
      ch.settle(m.deliveryTag, m.multiple, true, false);
      return;
    case MethodId.BASIC_NACK:
      ch.settle(m.deliveryTag, m.multiple, false, m.requeue);
      return;
    case MethodId.BASIC_REJECT:
      ch.settle(m.deliveryTag, false, false, m.requeue);
      return;
    case MethodId.BASIC_RECOVER:
    case MethodId.BASIC_RECOVER_ASYNC:
      // RabbitMQ redelivers through the queue either way.
      ch.requeueAll();
      if (m.id === MethodId.BASIC_RECOVER) writeBasicRecoverOk(w, n);
      return;
    case MethodId.CONFIRM_SELECT:
      if (ch.txMode) throw preconditionFailed('cannot switch from tx to confirm mode');
      ch.confirmMode = true;
      if (!m.nowait) writeConfirmSelectOk(w, n);
      return;
    case MethodId.TX_SELECT:
      if (ch.confirmMode) throw preconditionFailed('cannot switch from confirm to tx mode');
      ch.txMode = true;
      writeTxSelectOk(w, n);
      return;
    case MethodId.TX_COMMIT:
      if (!ch.txMode) throw preconditionFailed('channel is not transactional');
      ch.commit();
      writeTxCommitOk(w, n);
      return;
    case MethodId.TX_ROLLBACK:
      if (!ch.txMode) throw preconditionFailed('channel is not transactional');
      ch.rollback();
      writeTxRollbackOk(w, n);
      return;
    case MethodId.CHANNEL_FLOW:
      ch.flowActive = m.active;
      writeChannelFlowOk(w, n, m.active);
      if (m.active) for (const c of ch.consumers.values()) c.queue.drain();
      return;
    case MethodId.ACCESS_REQUEST:
      // Deprecated in 0-9-1 but still sent by some old clients: grant a dummy ticket.
      writeAccessRequestOk(w, n, 1);
      return;
    default:
      throw new AmqpError(ReplyCode.COMMAND_INVALID, `unexpected method ${m.id >>> 16}.${m.id & 0xffff} on a channel`);
  }
}

/** Topic permissions on binding and unbinding, when the source exists (RabbitMQ checks both). */
function checkTopicRead(ch: Channel, exchange: string, routingKey: string): void {
  const x = ch.vhost.exchanges.get(exchange);
  if (x) ch.broker.checkTopicAccess(ch.vhost.name, ch.user.name, x, 'read', routingKey);
}

/** 0-9-1: an empty queue name means the last queue declared on this channel. */
function queueOrLast(ch: Channel, name: string): string {
  if (name !== '') return name;
  if (ch.lastQueue === null) throw new AmqpError(ReplyCode.NOT_FOUND, 'no previously declared queue');
  return ch.lastQueue;
}

function generatedConsumerTag(): string {
  return `amq.ctag-${randomBytes(16).toString('base64url').slice(0, 22)}`;
}
