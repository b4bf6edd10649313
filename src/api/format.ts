// The broker model in RabbitMQ's management API shapes, and AMQP field tables to and from JSON.
import { createHash } from 'node:crypto';
import { Decimal, MAX_FIELD_NESTING, Timestamp, type FieldTable, type FieldValue } from '../amqp/index.js';
import { stableJson, type Binding } from '../broker/binding.js';
import type { Exchange } from '../broker/exchange.js';
import type { Queue } from '../broker/queue.js';
import { MESSAGE_MEMORY_ESTIMATE } from '../broker/message.js';
import { NODE_NAME } from './context.js';
import { badRequest } from './http.js';
import type { ChannelView, ConnectionView, ConsumerView } from './read-model.js';

/** bytes a queue holds before any message, for the `memory` estimate */
const QUEUE_MEMORY_BASE = 2048;

type Json = Record<string, unknown>;

export function fieldToJson(value: FieldValue): unknown {
  if (value === null || typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string') return value;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  // RabbitMQ shows timestamps as seconds since the epoch.
  if (value instanceof Timestamp) return value.toNumberOrString();
  if (value instanceof Decimal) return value.value / 10 ** value.scale;
  if (Array.isArray(value)) return value.map(fieldToJson);
  return tableToJson(value);
}

export function tableToJson(table: FieldTable | undefined): Json {
  const out: Json = {};
  if (table) for (const [k, v] of Object.entries(table)) out[k] = fieldToJson(v);
  return out;
}

/** `depth`: tables and arrays around the value; bounded as on the wire (issue 10.3). */
export function jsonToField(value: unknown, depth = 0): FieldValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string') return value;
  if (typeof value === 'object' && depth >= MAX_FIELD_NESTING) throw badRequest(`argument values nest deeper than ${MAX_FIELD_NESTING} levels`);
  if (Array.isArray(value)) return value.map((v) => jsonToField(v, depth + 1));
  if (typeof value === 'object') return jsonToTable(value as Json, depth + 1);
  throw badRequest(`unsupported argument value ${String(value)}`);
}

export function jsonToTable(value: unknown, depth = 0): FieldTable {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw badRequest('arguments must be an object');
  const out: FieldTable = {};
  for (const [k, v] of Object.entries(value as Json)) out[k] = jsonToField(v, depth);
  return out;
}

export function formatQueue(q: Queue, owner: ConnectionView | undefined): Json {
  const exclusiveConsumer = q.consumers.find((c) => c.exclusive);
  const out: Json = {
    name: q.name,
    vhost: q.vhost,
    durable: q.options.durable,
    auto_delete: q.options.autoDelete,
    exclusive: q.isExclusive,
    arguments: tableToJson(q.options.arguments),
    node: NODE_NAME,
    // a quorum queue is served by a durable classic queue on this one node: it is its own leader and only member
    type: q.options.arguments['x-queue-type'] === 'quorum' ? 'quorum' : 'classic',
    ...(q.options.arguments['x-queue-type'] === 'quorum' ? { leader: NODE_NAME, members: [NODE_NAME], online: [NODE_NAME] } : {}),
    state: 'running',
    policy: q.policy,
    operator_policy: null,
    effective_policy_definition: {},
    exclusive_consumer_tag: exclusiveConsumer ? exclusiveConsumer.tag : null,
    single_active_consumer_tag: q.settings.singleActiveConsumer ? (q.consumers[0]?.tag ?? null) : null,
    consumers: q.consumerCount,
    messages: q.messageCount + q.unackedCount,
    messages_ready: q.messageCount,
    messages_unacknowledged: q.unackedCount,
    message_bytes: q.readyBytes + q.unackedBytes,
    message_bytes_ready: q.readyBytes,
    message_bytes_unacknowledged: q.unackedBytes,
    messages_persistent: q.persistentReady + q.persistentUnacked,
    messages_ram: q.messageCount - q.spooledCount + q.unackedCount,
    messages_paged_out: q.spooledCount,
    message_bytes_ram: q.readyBytes + q.unackedBytes,
    // A rough heap estimate: the queue itself, per-message objects, and the bytes held in memory.
    memory: QUEUE_MEMORY_BASE + (q.messageCount - q.spooledCount + q.unackedCount) * MESSAGE_MEMORY_ESTIMATE + q.readyBytes + q.unackedBytes,
    consumer_utilisation: q.consumerCount > 0 ? 1 : null,
    head_message_timestamp: q.headMessage?.properties.timestamp?.toNumberOrString() ?? null,
  };
  if (owner) {
    out['owner_pid_details'] = { name: owner.id, peer_host: owner.peer.host, peer_port: owner.peer.port };
  }
  return out;
}

export function formatExchange(x: Exchange): Json {
  return {
    name: x.name,
    vhost: x.vhost,
    type: x.type,
    durable: x.options.durable,
    auto_delete: x.options.autoDelete,
    internal: x.options.internal,
    arguments: tableToJson(x.options.arguments),
    policy: x.policy,
    // RabbitMQ's name for the broker itself, which made the built-in exchanges
    user_who_performed_action: x.options.actingUser ?? 'rmq-internal',
  };
}

/** base64url of 4 bytes derived from the arguments: stands in for RabbitMQ's erlang:phash2 hash. */
function argsHash(args: FieldTable): string {
  return createHash('sha256').update(stableJson(args)).digest().subarray(0, 4).toString('base64url');
}

/** RabbitMQ's URI-quoting of binding keys: encodeURIComponent, with "~" escaped too. */
function quoteBinding(s: string): string {
  return encodeURIComponent(s).replace(/~/g, '%7E');
}

/** RabbitMQ's properties_key: "~" for an empty key without arguments, else key[~argshash]. */
export function propertiesKey(routingKey: string, args: FieldTable): string {
  const hasArgs = Object.keys(args).length > 0;
  if (routingKey === '' && !hasArgs) return '~';
  return hasArgs ? `${quoteBinding(routingKey)}~${quoteBinding(argsHash(args))}` : quoteBinding(routingKey);
}

export function formatBinding(vhost: string, b: Binding): Json {
  return {
    source: b.source,
    vhost,
    destination: b.destination.name,
    destination_type: b.destination.kind,
    routing_key: b.routingKey,
    arguments: tableToJson(b.arguments),
    properties_key: propertiesKey(b.routingKey, b.arguments),
  };
}

export function formatConnection(c: ConnectionView): Json {
  return {
    name: c.id,
    node: NODE_NAME,
    type: 'network',
    user: c.user?.name ?? '',
    user_who_performed_action: c.user?.name ?? '',
    vhost: c.vhost?.name ?? '',
    host: c.peer.localHost.replace(/^::ffff:/, ''),
    port: c.peer.localPort,
    peer_host: c.peer.host.replace(/^::ffff:/, ''),
    peer_port: c.peer.port,
    state: c.stateName,
    channels: c.channels.size,
    protocol: 'AMQP 0-9-1',
    auth_mechanism: c.authMechanism,
    ssl: false,
    timeout: c.heartbeat,
    frame_max: c.frameMax,
    channel_max: c.channelMax,
    client_properties: tableToJson(c.clientProperties),
    recv_oct: c.recvOctets,
    recv_cnt: c.recvFrames,
    send_oct: c.sendOctets,
    send_cnt: c.sendWrites,
    send_pend: c.pendingBytes,
    connected_at: c.connectedAt,
  };
}

export function channelName(c: ConnectionView, ch: ChannelView): string {
  return `${c.id} (${ch.number})`;
}

export function formatChannel(c: ConnectionView, ch: ChannelView): Json {
  return {
    name: channelName(c, ch),
    node: NODE_NAME,
    number: ch.number,
    user: c.user?.name ?? '',
    user_who_performed_action: c.user?.name ?? '',
    vhost: c.vhost?.name ?? '',
    connection_details: { name: c.id, peer_host: c.peer.host.replace(/^::ffff:/, ''), peer_port: c.peer.port },
    state: ch.flowActive ? 'running' : 'flow',
    consumer_count: ch.consumers.size,
    messages_unacknowledged: ch.unackedCount,
    messages_unconfirmed: ch.unconfirmedCount,
    messages_uncommitted: 0,
    acks_uncommitted: 0,
    prefetch_count: ch.consumerPrefetch,
    global_prefetch_count: ch.channelPrefetch,
    confirm: ch.confirmMode,
    transactional: ch.txMode,
  };
}

export function formatConsumer(c: ConnectionView, ch: ChannelView, consumer: ConsumerView): Json {
  return {
    queue: { name: consumer.queue.name, vhost: consumer.queue.vhost },
    consumer_tag: consumer.tag,
    ack_required: !consumer.noAck,
    prefetch_count: consumer.prefetch,
    exclusive: consumer.exclusive,
    active: consumer.queue.isActiveConsumer(consumer),
    activity_status: consumer.queue.isActiveConsumer(consumer) ? (consumer.queue.settings.singleActiveConsumer ? 'single_active' : 'up') : 'waiting',
    arguments: tableToJson(consumer.arguments),
    channel_details: {
      name: channelName(c, ch),
      number: ch.number,
      node: NODE_NAME,
      connection_name: c.id,
      peer_host: c.peer.host.replace(/^::ffff:/, ''),
      peer_port: c.peer.port,
      user: c.user?.name ?? '',
    },
  };
}
