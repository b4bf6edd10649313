// The firehose (rabbitmqctl trace_on / trace_off; RabbitMQ's rabbit_trace). While a vhost traces, every
// message published on one of its channels is copied to its `amq.rabbitmq.trace` topic exchange with the
// routing key `publish.<exchange>`, and every delivery (basic.deliver, basic.get-ok) with `deliver.<queue>`.
// The copy has the original body and, as its only property, headers saying what happened:
//   exchange_name, routing_keys (the routing key, then CC and BCC), properties (the message's properties
//   as a table), node, and then for a publish: vhost, connection, channel, user, routed_queues; for a
//   delivery: redelivered (0/1), vhost, connection, channel, user.
// Checked against RabbitMQ 3.10.8's firehose (same names, order and field types).
// Tracing is node state, as in RabbitMQ: not stored, off after a restart or reset.
// The publish and delivery paths call in here only when `vhost.tracing` is set (one boolean check).
import { contentHeaderPayload, Timestamp, type BasicProperties, type FieldTable, type FieldValue } from '../amqp/index.js';
import { BASIC_PROPERTY_JSON_NAMES } from '../amqp/property-names.js';
import { REPLY_PREFIX } from './direct-reply-to.js';
import type { Exchange } from './exchange.js';
import { type Envelope, Message } from './message.js';
import { NODE_NAME } from './node-name.js';
import type { Queue } from './queue.js';
import { extraRoutingKeys, routeMessage, type RoutingScope } from './routing.js';
import { Targets } from './targets.js';

export const TRACE_EXCHANGE = 'amq.rabbitmq.trace';

/** What tracing needs of a vhost (a Vhost; an interface, so vhost.ts can import this module). */
export interface TracedVhost extends RoutingScope {
  readonly name: string;
  publish(exchange: Exchange, message: Message): unknown;
}

/** Who published or received (an AMQP channel): its connection's name, its number, its user. */
export interface TraceOrigin {
  readonly host: { readonly id: string };
  readonly number: number;
  readonly user: { readonly name: string };
}

/** A publish or basic.get through the management API (RabbitMQ traces those too, on the API's own channel 1). */
export function managementOrigin(user: string): TraceOrigin {
  return { host: { id: 'management API' }, number: 1, user: { name: user } };
}

/** Copies without their BCC header (vhost.ts), to the message as published: its BCC keys are routing keys too. */
const published = new WeakMap<Message, Message>();

/** Notes that `copy` is `original` less its BCC header; returns `copy`. */
export function strippedOf(copy: Message, original: Message): Message {
  published.set(copy, original);
  return copy;
}

/** Scratch set for routed_queues (tracing is synchronous, so one suffices). */
const routed = new Targets<Queue>();

/**
 * basic.publish on a channel of a tracing vhost: call before the message goes to its queues. routed_queues is
 * RabbitMQ's route result: sorted, unique; through the default exchange the routing keys themselves (the queues
 * need not exist), less the direct reply-to pseudo-queue.
 */
export function tracePublish(vhost: TracedVhost, message: Message, origin: TraceOrigin): void {
  if (message.exchange === TRACE_EXCHANGE) return;
  const exchange = vhost.exchanges.get(message.exchange);
  if (!exchange) return;
  let queues: string[];
  if (exchange.name === '') {
    queues = [message.routingKey, ...extraRoutingKeys(message)].filter((k) => !k.startsWith(REPLY_PREFIX));
  } else {
    queues = [];
    try {
      routeMessage(vhost, exchange, message, routed);
      for (const q of routed.items) queues.push(q.name);
    } finally {
      routed.clear();
    }
  }
  emit(vhost, `publish.${message.exchange}`, message, {
    vhost: vhost.name,
    connection: origin.host.id,
    channel: origin.number,
    user: origin.user.name,
    routed_queues: [...new Set(queues)].sort(),
  });
}

/** A message delivered (or fetched with basic.get) from `queue` on a channel of a tracing vhost. */
export function traceDeliver(vhost: TracedVhost, queue: Queue, envelope: Envelope, origin: TraceOrigin): void {
  const message = envelope.message;
  if (message.exchange === TRACE_EXCHANGE) return;
  emit(vhost, `deliver.${queue.name}`, message, {
    redelivered: envelope.redelivered ? 1 : 0,
    vhost: vhost.name,
    connection: origin.host.id,
    channel: origin.number,
    user: origin.user.name,
  });
}

function emit(vhost: TracedVhost, routingKey: string, message: Message, extra: FieldTable): void {
  const exchange = vhost.exchanges.get(TRACE_EXCHANGE);
  if (!exchange) return;
  // a delivered copy has lost its BCC header, not its BCC routing keys (RabbitMQ keeps them with the message)
  const asPublished = published.get(message) ?? message;
  const headers: FieldTable = {
    exchange_name: message.exchange,
    routing_keys: [message.routingKey, ...extraRoutingKeys(asPublished)],
    properties: propertiesTable(message.properties),
    node: NODE_NAME,
    ...extra,
  };
  const properties: BasicProperties = { headers };
  const copy = new Message(TRACE_EXCHANGE, routingKey, properties, contentHeaderPayload(message.body.length, properties), message.body);
  vhost.publish(exchange, copy);
}

/** The message's properties as RabbitMQ's trace table has them: snake_case names, last property first, BCC gone. */
function propertiesTable(p: BasicProperties): FieldTable {
  const table: FieldTable = {};
  for (let i = BASIC_PROPERTY_JSON_NAMES.length - 1; i >= 0; i--) {
    const [field, name] = BASIC_PROPERTY_JSON_NAMES[i]!;
    const value = p[field];
    if (value === undefined) continue;
    table[name] = propertyValue(field, value);
  }
  return table;
}

function propertyValue(field: keyof BasicProperties, value: NonNullable<BasicProperties[keyof BasicProperties]>): FieldValue {
  if (field === 'headers') {
    const headers = { ...(value as FieldTable) };
    delete headers['BCC'];
    return headers;
  }
  // RabbitMQ writes the timestamp as a plain integer (signedint), not as a timestamp field
  if (value instanceof Timestamp) return value.seconds <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value.seconds) : value.seconds;
  return value as FieldValue;
}
