// The permission checks RabbitMQ makes when a declaration names another resource (rabbit_channel,
// 3.10): a new queue's dead-letter exchange and a new exchange's alternate exchange must be
// writable by the declaring user, or messages could be sent where the user may not publish.
// Policies may name them too; RabbitMQ does not check those at routing time (a policy is set by
// a policymaker or administrator, whose authority covers the whole vhost), and neither does warren.
import type { FieldTable } from '../amqp/index.js';
import type { AccessKind } from './users.js';

/** What the checks need from the broker: its 403-throwing permission check. */
export interface AccessChecker {
  checkAccess(vhost: string, user: string, kind: AccessKind, resource: 'queue' | 'exchange', name: string): void;
}

/** queue.declare of a queue that does not exist yet: x-dead-letter-exchange needs read on the queue, write on the exchange. */
export function checkNewQueueAccess(broker: AccessChecker, vhost: string, user: string, queue: string, args: FieldTable): void {
  const dlx = args['x-dead-letter-exchange'];
  if (typeof dlx !== 'string') return; // absent (or of a wrong type, which validation reports)
  broker.checkAccess(vhost, user, 'read', 'queue', queue);
  broker.checkAccess(vhost, user, 'write', 'exchange', dlx);
}

/** exchange.declare of an exchange that does not exist yet: alternate-exchange needs read on it, write on the alternate. */
export function checkNewExchangeAccess(broker: AccessChecker, vhost: string, user: string, exchange: string, args: FieldTable): void {
  const ae = args['alternate-exchange'];
  if (typeof ae !== 'string') return;
  broker.checkAccess(vhost, user, 'read', 'exchange', exchange);
  broker.checkAccess(vhost, user, 'write', 'exchange', ae);
}
