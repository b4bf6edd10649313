// A binding from an exchange to a queue or to another exchange (RabbitMQ's exchange-to-exchange extension).
import type { FieldTable } from '../amqp/index.js';

export interface Bindable {
  readonly kind: 'queue' | 'exchange';
  readonly name: string;
}

export interface Binding {
  readonly source: string;
  readonly destination: Bindable;
  readonly routingKey: string;
  readonly arguments: FieldTable;
  /** identity of (destination, key, arguments) within one source exchange */
  readonly key: string;
}

export function bindingKey(destination: Bindable, routingKey: string, args: FieldTable): string {
  return `${destination.kind}\u0000${destination.name}\u0000${routingKey}\u0000${stableJson(args)}`;
}

/** JSON with sorted keys, so equal argument tables give equal strings. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v && typeof v === 'object' && !Array.isArray(v) && !Buffer.isBuffer(v)) {
      const sorted: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
      return sorted;
    }
    return v;
  });
}

/** Where an exchange puts the bindings a message matches (each binding once: they are an exchange's own). */
export interface BindingSink {
  add(binding: Binding): void;
}
