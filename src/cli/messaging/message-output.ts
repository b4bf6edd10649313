// How consume, get and rpc-call print a message: the raw body (plus a newline unless --no-newline), or with
// --formatter json one JSON object per line with routing key, exchange, redelivered, properties and headers,
// and the body (base64 with "body_encoding": "base64" when it is not UTF-8).
import type { Message } from 'amqplib';
import { BASIC_PROPERTY_JSON_NAMES } from '../../amqp/property-names.js';
import type { Context } from '../context.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The body as text when it is valid UTF-8, else undefined. */
export function utf8Text(body: Buffer): string | undefined {
  try {
    return utf8.decode(body);
  } catch {
    return undefined;
  }
}

/** Field-table values as JSON: byte arrays as base64, nested tables and arrays kept. */
function jsonValue(v: unknown): unknown {
  if (Buffer.isBuffer(v)) return utf8Text(v) ?? v.toString('base64');
  if (Array.isArray(v)) return v.map(jsonValue);
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    // amqplib's typed values ({ '!': 'timestamp', value })
    if ('!' in o && 'value' in o) return jsonValue(o.value);
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, jsonValue(x)]));
  }
  if (typeof v === 'bigint') return Number(v);
  return v;
}

export interface MessageJson {
  exchange: string;
  routing_key: string;
  redelivered: boolean;
  delivery_tag?: number;
  message_count?: number;
  properties: Record<string, unknown>;
  payload_bytes: number;
  body: string;
  body_encoding?: 'base64';
}

export function messageJson(msg: Pick<Message, 'fields' | 'properties' | 'content'>): MessageJson {
  const f = msg.fields as unknown as Record<string, unknown>;
  const properties: Record<string, unknown> = {};
  const p = msg.properties as unknown as Record<string, unknown>;
  for (const [from, to] of BASIC_PROPERTY_JSON_NAMES) {
    const v = p[from];
    if (v === undefined || v === null) continue;
    // amqplib always gives a headers table; an empty one says nothing
    if (to === 'headers' && typeof v === 'object' && Object.keys(v as object).length === 0) continue;
    properties[to] = jsonValue(v);
  }
  const text = utf8Text(msg.content);
  const out: MessageJson = {
    exchange: String(f.exchange ?? ''),
    routing_key: String(f.routingKey ?? ''),
    redelivered: f.redelivered === true,
    properties,
    payload_bytes: msg.content.length,
    body: text ?? msg.content.toString('base64'),
  };
  if (typeof f.messageCount === 'number') out.message_count = f.messageCount;
  if (text === undefined) out.body_encoding = 'base64';
  return out;
}

/** Writes to stdout and resolves when the stream can take more (backpressure for long consumes). */
export function writeOut(ctx: Context, data: Buffer | string): Promise<void> {
  const stream = ctx.io.stdout as unknown as NodeJS.WritableStream;
  const ok = stream.write(data as string);
  if (ok || typeof stream.once !== 'function') return Promise.resolve();
  return new Promise((resolve) => stream.once('drain', () => resolve()));
}

export interface PrintOptions {
  json: boolean;
  newline: boolean;
}

export function printOptions(ctx: Context, options: Record<string, unknown>): PrintOptions {
  return { json: ctx.out.isJson, newline: options.newline !== false };
}

export function printMessage(ctx: Context, msg: Pick<Message, 'fields' | 'properties' | 'content'>, how: PrintOptions): Promise<void> {
  if (how.json) return writeOut(ctx, `${JSON.stringify(messageJson(msg))}\n`);
  const body = msg.content;
  // a body that ends with a newline (a command's output, a line) gets no second one
  if (!how.newline || (body.length > 0 && body[body.length - 1] === 0x0a)) return writeOut(ctx, body);
  if (body.length < 65536) return writeOut(ctx, Buffer.concat([body, NEWLINE]));
  return writeOut(ctx, body).then(() => writeOut(ctx, NEWLINE));
}

const NEWLINE = Buffer.from('\n');

export const OUTPUT_OPTIONS = [
  { flags: '--no-newline', description: 'print raw bodies byte for byte (by default a newline follows each body that does not end with one)' },
] as const;
