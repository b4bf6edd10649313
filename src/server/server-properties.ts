// What connection.start tells clients about this broker, including RabbitMQ's capability table.
import { hostname } from 'node:os';
import type { FieldTable } from '../amqp/index.js';
import { VERSION } from '../common/version.js';

export const CAPABILITIES: FieldTable = {
  publisher_confirms: true,
  exchange_exchange_bindings: true,
  'basic.nack': true,
  consumer_cancel_notify: true,
  'connection.blocked': true,
  authentication_failure_close: true,
  per_consumer_qos: true,
  consumer_priorities: true,
  direct_reply_to: true,
};

/**
 * The RabbitMQ release whose behaviour warren follows. Reported as `version`, because clients read
 * it as RabbitMQ's (aioamqp and AiiDA parse it and gate features on it), while `product` stays
 * Warren (warren is not RabbitMQ) and `warren_version` carries warren's own version.
 */
export const RABBITMQ_COMPATIBLE_VERSION = '3.10.8';

export function serverProperties(): FieldTable {
  return {
    product: 'Warren',
    version: RABBITMQ_COMPATIBLE_VERSION,
    warren_version: VERSION,
    platform: `Node.js ${process.version}`,
    cluster_name: `warren@${hostname()}`,
    copyright: 'Copyright (c) the Warren authors',
    information: `Warren ${VERSION}, following RabbitMQ ${RABBITMQ_COMPATIBLE_VERSION}; licensed under the MIT license`,
    capabilities: CAPABILITIES,
  };
}
