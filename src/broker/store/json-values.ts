// Field-table values as JSON for the definitions files: plain JSON where it is exact,
// tagged objects for the types JSON cannot tell apart. Reading is bounded: a stored value nested
// deeper than the wire allows (MAX_FIELD_NESTING) is refused with StoredValueTooDeep instead of
// overflowing the stack, so no stored value can stop a start.
import { Decimal, MAX_FIELD_NESTING, Timestamp, type FieldTable, type FieldValue } from '../../amqp/index.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export class StoredValueTooDeep extends Error {
  constructor() {
    super(`value nested deeper than ${MAX_FIELD_NESTING} levels`);
  }
}

export function toJson(value: FieldValue): Json {
  if (value === null || typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string') return value;
  if (typeof value === 'bigint') return { $bigint: value.toString() };
  if (Buffer.isBuffer(value)) return { $bytes: value.toString('base64') };
  // Milliseconds, as earlier versions stored them, while that is exact; whole seconds as a string beyond.
  if (value instanceof Timestamp) {
    const ms = value.seconds * 1000n;
    return ms <= BigInt(Number.MAX_SAFE_INTEGER) ? { $timestamp: Number(ms) } : { $timestampSeconds: value.seconds.toString() };
  }
  if (value instanceof Decimal) return { $decimal: [value.scale, value.value] };
  if (Array.isArray(value)) return value.map(toJson);
  return { $table: tableToJson(value) };
}

export function tableToJson(table: FieldTable): { [k: string]: Json } {
  const out: { [k: string]: Json } = {};
  for (const [k, v] of Object.entries(table)) out[k] = toJson(v);
  return out;
}

export function fromJson(json: Json, depth = 0): FieldValue {
  if (json === null || typeof json !== 'object') return json;
  if (depth >= MAX_FIELD_NESTING) throw new StoredValueTooDeep();
  if (Array.isArray(json)) return json.map((item) => fromJson(item, depth + 1));
  if ('$bigint' in json) return BigInt(json['$bigint'] as string);
  if ('$bytes' in json) return Buffer.from(json['$bytes'] as string, 'base64');
  if ('$timestamp' in json) return new Timestamp(Math.floor((json['$timestamp'] as number) / 1000));
  if ('$timestampSeconds' in json) return new Timestamp(BigInt(json['$timestampSeconds'] as string));
  if ('$decimal' in json) {
    const [scale, value] = json['$decimal'] as [number, number];
    return new Decimal(scale, value);
  }
  if ('$table' in json) return tableFromJson(json['$table'] as { [k: string]: Json }, depth + 1);
  return tableFromJson(json, depth + 1);
}

export function tableFromJson(json: { [k: string]: Json } | undefined, depth = 0): FieldTable {
  const out: FieldTable = {};
  for (const [k, v] of Object.entries(json ?? {})) out[k] = fromJson(v, depth);
  return out;
}
