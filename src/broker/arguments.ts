// Comparing declare arguments the way RabbitMQ reports mismatches.
import { Decimal, Timestamp, type FieldTable, type FieldValue } from '../amqp/index.js';
import { stableJson } from './binding.js';

/** RabbitMQ's type names for field values, used in its inequivalent-arg messages. */
export function fieldTypeName(value: FieldValue): string {
  if (value === null) return 'void';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'long' : 'double';
  if (typeof value === 'bigint') return 'long';
  if (typeof value === 'string') return 'longstr';
  if (Buffer.isBuffer(value)) return 'binary';
  if (value instanceof Timestamp) return 'timestamp';
  if (value instanceof Decimal) return 'decimal';
  if (Array.isArray(value)) return 'array';
  return 'table';
}

function describe(value: FieldValue | undefined): string {
  if (value === undefined) return 'none';
  const shown = typeof value === 'object' && value !== null ? stableJson(value) : String(value);
  return `the value '${shown}' of type '${fieldTypeName(value)}'`;
}

/** Integers of any width compare equal, as RabbitMQ does for numeric x-arguments. */
function sameValue(a: FieldValue | undefined, b: FieldValue | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) {
    return BigInt(Math.trunc(Number(a))) === BigInt(Math.trunc(Number(b))) && Number(a) === Number(b);
  }
  return stableJson(a) === stableJson(b);
}

/** The first argument (among `keys`, or all x- arguments) that differs, with both descriptions. */
export function firstArgumentMismatch(
  received: FieldTable,
  current: FieldTable,
  keys?: readonly string[],
): { key: string; received: string; current: string } | null {
  const names = keys ?? [...new Set([...Object.keys(received), ...Object.keys(current)])].sort();
  for (const key of names) {
    if (!sameValue(received[key], current[key])) {
      return { key, received: describe(received[key]), current: describe(current[key]) };
    }
  }
  return null;
}
