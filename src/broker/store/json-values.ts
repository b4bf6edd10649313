// Field-table values as JSON for the definitions files: plain JSON where it is exact,
// tagged objects for the types JSON cannot tell apart.
import { Decimal, type FieldTable, type FieldValue } from '../../amqp/index.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export function toJson(value: FieldValue): Json {
  if (value === null || typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string') return value;
  if (typeof value === 'bigint') return { $bigint: value.toString() };
  if (Buffer.isBuffer(value)) return { $bytes: value.toString('base64') };
  if (value instanceof Date) return { $timestamp: value.getTime() };
  if (value instanceof Decimal) return { $decimal: [value.scale, value.value] };
  if (Array.isArray(value)) return value.map(toJson);
  return { $table: tableToJson(value) };
}

export function tableToJson(table: FieldTable): { [k: string]: Json } {
  const out: { [k: string]: Json } = {};
  for (const [k, v] of Object.entries(table)) out[k] = toJson(v);
  return out;
}

export function fromJson(json: Json): FieldValue {
  if (json === null || typeof json !== 'object') return json;
  if (Array.isArray(json)) return json.map(fromJson);
  if ('$bigint' in json) return BigInt(json['$bigint'] as string);
  if ('$bytes' in json) return Buffer.from(json['$bytes'] as string, 'base64');
  if ('$timestamp' in json) return new Date(json['$timestamp'] as number);
  if ('$decimal' in json) {
    const [scale, value] = json['$decimal'] as [number, number];
    return new Decimal(scale, value);
  }
  if ('$table' in json) return tableFromJson(json['$table'] as { [k: string]: Json });
  return tableFromJson(json);
}

export function tableFromJson(json: { [k: string]: Json } | undefined): FieldTable {
  const out: FieldTable = {};
  for (const [k, v] of Object.entries(json ?? {})) out[k] = fromJson(v);
  return out;
}
