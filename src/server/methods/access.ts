// Permission checks the channel method handlers share.
import type { AccessKind } from '../../broker/users.js';
import type { ChannelContext } from '../channel-context.js';

/** configure/write/read permission of the channel's user on a resource of its vhost (403 otherwise). */
export function check(ch: ChannelContext, kind: AccessKind, resource: 'exchange' | 'queue', name: string): void {
  ch.broker.checkAccess(ch.vhost.name, ch.user.name, kind, resource, name);
}

/** Topic permissions on binding and unbinding, when the source exists (RabbitMQ checks both). */
export function checkTopicRead(ch: ChannelContext, exchange: string, routingKey: string): void {
  const x = ch.vhost.exchanges.get(exchange);
  if (x) ch.broker.checkTopicAccess(ch.vhost.name, ch.user.name, x, 'read', routingKey);
}
