// Message counters for the management API's message_stats and the Prometheus metrics. The hot
// path does one increment per event on plain number fields; the server samples them on a timer
// (src/server/stats-sampler.ts) to get rates and history. Field names are RabbitMQ's.

/** Per channel (and so per connection, vhost and node): what its clients did. */
export class ChannelCounters {
  publish = 0;
  confirm = 0;
  return_unroutable = 0;
  drop_unroutable = 0;
  deliver = 0;
  deliver_no_ack = 0;
  get = 0;
  get_no_ack = 0;
  get_empty = 0;
  ack = 0;
  redeliver = 0;
}

export const CHANNEL_FIELDS = [
  'publish',
  'confirm',
  'return_unroutable',
  'drop_unroutable',
  'deliver',
  'deliver_no_ack',
  'get',
  'get_no_ack',
  'get_empty',
  'ack',
  'redeliver',
] as const;
export type ChannelField = (typeof CHANNEL_FIELDS)[number];

/** Per queue: messages in and out. */
export class QueueCounters {
  publish = 0;
  deliver = 0;
  deliver_no_ack = 0;
  get = 0;
  get_no_ack = 0;
  ack = 0;
  redeliver = 0;
}

export const QUEUE_FIELDS = ['publish', 'deliver', 'deliver_no_ack', 'get', 'get_no_ack', 'ack', 'redeliver'] as const;
export type QueueField = (typeof QUEUE_FIELDS)[number];

/** Per exchange: messages published to it, and copies routed on to queues. */
export class ExchangeCounters {
  publish_in = 0;
  publish_out = 0;
}

export const EXCHANGE_FIELDS = ['publish_in', 'publish_out'] as const;

/** Objects the counters live on (kept structural so broker code needs no server types). */
interface HasQueueCounters {
  readonly stats: QueueCounters;
}

/** A basic.publish arrived (confirmed later when the channel is in confirm mode). */
export function countPublish(ch: ChannelCounters, confirmed: boolean): void {
  ch.publish++;
  if (confirmed) ch.confirm++;
}

/** The client acknowledged a delivery. */
export function countAck(ch: ChannelCounters, q: QueueCounters): void {
  ch.ack++;
  q.ack++;
}

/** A message went out to a consumer (one call at the delivery site). */
export function countDeliver(ch: ChannelCounters, q: QueueCounters, noAck: boolean, redelivered: boolean): void {
  if (noAck) {
    ch.deliver_no_ack++;
    q.deliver_no_ack++;
  } else {
    ch.deliver++;
    q.deliver++;
  }
  if (redelivered) {
    ch.redeliver++;
    q.redeliver++;
  }
}

/** A message went out as basic.get-ok. */
export function countGet(ch: ChannelCounters, q: QueueCounters, noAck: boolean, redelivered: boolean): void {
  if (noAck) {
    ch.get_no_ack++;
    q.get_no_ack++;
  } else {
    ch.get++;
    q.get++;
  }
  if (redelivered) {
    ch.redeliver++;
    q.redeliver++;
  }
}

/** A message was routed: counted on its exchange and on every queue that took it. */
export function countRouted(x: ExchangeCounters, queues: readonly HasQueueCounters[]): void {
  x.publish_in++;
  x.publish_out += queues.length;
  for (let i = 0; i < queues.length; i++) queues[i]!.stats.publish++;
}

/** A publish that reached no queue: returned (mandatory) or dropped. */
export function countUnroutable(ch: ChannelCounters, mandatory: boolean): void {
  if (mandatory) ch.return_unroutable++;
  else ch.drop_unroutable++;
}

export function addChannelCounters(into: ChannelCounters, from: ChannelCounters): void {
  for (const f of CHANNEL_FIELDS) into[f] += from[f];
}
