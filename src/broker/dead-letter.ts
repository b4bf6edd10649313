// Dead-lettering: the copy of a message a queue republishes to its dead-letter exchange,
// with RabbitMQ's x-death history (newest first, one entry per queue and reason, counted).
import { contentHeaderPayload, Decimal, Timestamp, type BasicProperties, type FieldTable, type FieldValue } from '../amqp/index.js';
import { Message } from './message.js';

export type DeathReason = 'rejected' | 'expired' | 'maxlen';

const isTable = (v: FieldValue | undefined): v is FieldTable =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v) && !(v instanceof Timestamp) && !(v instanceof Decimal);

/** The routing keys a message was published with: its key plus any CC header keys. */
export function routingKeysOf(message: Message): string[] {
  const cc = message.headers?.['CC'];
  return [message.routingKey, ...(Array.isArray(cc) ? cc.filter((k): k is string => typeof k === 'string') : [])];
}

export function deadLetter(
  message: Message,
  queue: string,
  reason: DeathReason,
  exchange: string,
  routingKey: string | null,
): { message: Message; routingKeys: string[] } {
  const old = message.properties;
  const headers: FieldTable = { ...(old.headers ?? {}) };
  const previous = Array.isArray(headers['x-death']) ? headers['x-death'].filter(isTable) : [];
  const same = previous.findIndex((d) => d['queue'] === queue && d['reason'] === reason);
  const entry: FieldTable =
    same >= 0
      ? { ...previous[same]!, count: Number(previous[same]!['count'] ?? 0) + 1, time: Timestamp.now() }
      : {
          count: 1,
          reason,
          queue,
          time: Timestamp.now(),
          exchange: message.exchange,
          'routing-keys': routingKeysOf(message),
          ...(old.expiration !== undefined ? { 'original-expiration': old.expiration } : {}),
        };
  headers['x-death'] = [entry, ...previous.filter((_, i) => i !== same)];
  if (headers['x-first-death-reason'] === undefined) {
    headers['x-first-death-reason'] = reason;
    headers['x-first-death-queue'] = queue;
    headers['x-first-death-exchange'] = message.exchange;
  }
  // The per-message TTL is dropped so the copy does not expire again by it (RabbitMQ does the same).
  const properties: BasicProperties = { ...old, headers };
  delete properties.expiration;
  const keys = routingKey !== null ? [routingKey] : routingKeysOf(message);
  const copy = new Message(exchange, keys[0]!, properties, contentHeaderPayload(message.size, properties), message.body);
  return { message: copy, routingKeys: keys };
}

/**
 * RabbitMQ drops a message that would go round a dead-letter cycle back to a queue it already
 * died in, unless one of its deaths was a rejection (a consumer decided, so it is not a loop).
 */
export function wouldCycle(message: Message, target: string): boolean {
  const deaths = message.properties.headers?.['x-death'];
  if (!Array.isArray(deaths)) return false;
  const entries = deaths.filter(isTable);
  return entries.some((d) => d['queue'] === target) && !entries.some((d) => d['reason'] === 'rejected');
}
