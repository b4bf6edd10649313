// Messages through the API: building a broker Message from a publish request, and showing
// one as POST /api/queues/{v}/{q}/get does.
import { contentHeaderPayload, Timestamp, type BasicProperties } from '../amqp/index.js';
import { BASIC_PROPERTY_JSON_NAMES } from '../amqp/property-names.js';
import { Message } from '../broker/message.js';
import { jsonToTable, tableToJson } from './format.js';
import { badRequest } from './http.js';

type Json = Record<string, unknown>;

export function propertiesToJson(p: BasicProperties): Json {
  const out: Json = {};
  for (const [field, name] of BASIC_PROPERTY_JSON_NAMES) {
    const v = p[field];
    if (v === undefined) continue;
    if (field === 'headers') out[name] = tableToJson(v as BasicProperties['headers']);
    else if (v instanceof Timestamp) out[name] = v.toNumberOrString();
    else out[name] = v;
  }
  return out;
}

export function jsonToProperties(json: Json): BasicProperties {
  const p: Record<string, unknown> = {};
  for (const [field, name] of BASIC_PROPERTY_JSON_NAMES) {
    const v = json[name];
    if (v === undefined || v === null) continue;
    if (field === 'headers') p[field] = jsonToTable(v);
    else if (field === 'deliveryMode' || field === 'priority') {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 255) throw badRequest(`property ${name} must be an integer from 0 to 255`);
      p[field] = v;
    } else if (field === 'timestamp') {
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw badRequest('property timestamp must be a number of seconds');
      p[field] = new Timestamp(v);
    } else {
      // RabbitMQ accepts numbers for string properties such as expiration.
      if (typeof v !== 'string' && typeof v !== 'number') throw badRequest(`property ${name} must be a string`);
      p[field] = String(v);
    }
  }
  return p as BasicProperties;
}

/** A message as if published by a client: the content header bytes are encoded here. */
export function buildMessage(exchange: string, routingKey: string, properties: BasicProperties, body: Buffer): Message {
  return new Message(exchange, routingKey, properties, contentHeaderPayload(body.length, properties), body);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function isUtf8(b: Buffer): boolean {
  try {
    utf8.decode(b);
    return true;
  } catch {
    return false;
  }
}

/** payload + payload_encoding for a get: "auto" shows UTF-8 text as a string, anything else as base64. */
export function encodePayload(body: Buffer, encoding: 'auto' | 'base64', truncate: number | null): { payload: string; payload_encoding: string } {
  const shown = truncate !== null && body.length > truncate ? body.subarray(0, truncate) : body;
  if (encoding === 'auto' && isUtf8(shown)) return { payload: shown.toString('utf8'), payload_encoding: 'string' };
  return { payload: shown.toString('base64'), payload_encoding: 'base64' };
}

export function decodePayload(payload: unknown, encoding: unknown): Buffer {
  if (typeof payload !== 'string') throw badRequest('payload must be a string');
  if (encoding === undefined || encoding === null || encoding === 'string') return Buffer.from(payload, 'utf8');
  if (encoding === 'base64') return Buffer.from(payload, 'base64');
  throw badRequest(`unknown payload_encoding '${String(encoding)}' (expected string or base64)`);
}
