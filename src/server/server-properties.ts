// What connection.start tells clients about this broker, including RabbitMQ's capability table.
import { hostname } from 'node:os';
import type { FieldTable } from '../amqp/index.js';
import { VERSION } from './version.js';

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

export function serverProperties(): FieldTable {
  return {
    product: 'Warren',
    version: VERSION,
    platform: `Node.js ${process.version}`,
    cluster_name: `warren@${hostname()}`,
    copyright: 'Copyright (c) the Warren authors',
    information: 'Licensed under the MIT license',
    capabilities: CAPABILITIES,
  };
}
