// exchange.declare, exchange.delete, exchange.bind and exchange.unbind, in RabbitMQ's order of checks.
import {
  type ExchangeBind,
  type ExchangeDeclare,
  type ExchangeDelete,
  type ExchangeUnbind,
  writeExchangeBindOk,
  writeExchangeDeclareOk,
  writeExchangeDeleteOk,
  writeExchangeUnbindOk,
} from '../../amqp/index.js';
import { checkNewExchangeAccess } from '../../broker/declare-access.js';
import { accessRefused, commandInvalid, defaultExchangeRefused } from '../../broker/errors.js';
import { isExchangeType, type Exchange } from '../../broker/exchange.js';
import type { ChannelContext } from '../channel-context.js';
import { check, checkTopicRead } from './access.js';

export function exchangeDeclare(ch: ChannelContext, m: ExchangeDeclare): void {
  // RabbitMQ's order: type, the default exchange (passive too), configure, then for a new exchange its alternate.
  if (!m.passive && !isExchangeType(m.type)) throw commandInvalid(`unknown exchange type '${m.type}'`);
  if (m.exchange === '') throw defaultExchangeRefused();
  if (!m.passive) {
    check(ch, 'configure', 'exchange', m.exchange);
    // The alternate exchange of new exchanges only (reserved names fail first).
    if (!ch.vhost.exchanges.has(m.exchange) && !m.exchange.startsWith('amq.'))
      checkNewExchangeAccess(ch.broker, ch.vhost.name, ch.user.name, m.exchange, m.arguments);
  }
  ch.vhost.declareExchange({
    name: m.exchange,
    type: m.type,
    passive: m.passive,
    durable: m.durable,
    autoDelete: m.autoDelete,
    internal: m.internal,
    arguments: m.arguments,
    actingUser: ch.user.name,
  });
  if (!m.nowait) writeExchangeDeclareOk(ch.writer, ch.number);
}

export function exchangeDelete(ch: ChannelContext, m: ExchangeDelete): void {
  // RabbitMQ refuses the default and system exchanges before looking at permissions.
  if (m.exchange === '') throw defaultExchangeRefused();
  if (m.exchange.startsWith('amq.')) throw accessRefused(`deletion of system exchange '${m.exchange}' in vhost '${ch.vhost.name}' not allowed`);
  check(ch, 'configure', 'exchange', m.exchange);
  ch.vhost.deleteExchange(m.exchange, m.ifUnused);
  if (!m.nowait) writeExchangeDeleteOk(ch.writer, ch.number);
}

/** RabbitMQ (binding_action): write on the destination, neither end the default exchange, read on the source,
 * topic read on the routing key (bind and unbind alike), then the lookups. */
function exchangeBinding(ch: ChannelContext, m: ExchangeBind | ExchangeUnbind): { source: Exchange; destination: Exchange } {
  check(ch, 'write', 'exchange', m.destination);
  if (m.destination === '' || m.source === '') throw defaultExchangeRefused();
  check(ch, 'read', 'exchange', m.source);
  checkTopicRead(ch, m.source, m.routingKey);
  return { source: ch.vhost.exchange(m.source), destination: ch.vhost.exchange(m.destination) };
}

export function exchangeBind(ch: ChannelContext, m: ExchangeBind): void {
  const { source, destination } = exchangeBinding(ch, m);
  ch.vhost.bind(destination, source, m.routingKey, m.arguments);
  if (!m.nowait) writeExchangeBindOk(ch.writer, ch.number);
}

export function exchangeUnbind(ch: ChannelContext, m: ExchangeUnbind): void {
  const { source, destination } = exchangeBinding(ch, m);
  ch.vhost.unbind(destination, source, m.routingKey, m.arguments);
  if (!m.nowait) writeExchangeUnbindOk(ch.writer, ch.number);
}
