// Exchanges and their four routing algorithms (AMQP 0-9-1 section 3.1.3).
import type { FieldTable, FieldValue } from '../amqp/index.js';
import { bindingKey, stableJson, type Bindable, type Binding, type BindingSink } from './binding.js';
import { ExchangeCounters } from './message-stats.js';
import { TopicTrie } from './topic-trie.js';

export const EXCHANGE_TYPES = ['direct', 'fanout', 'topic', 'headers'] as const;
export type ExchangeType = (typeof EXCHANGE_TYPES)[number];

export function isExchangeType(type: string): type is ExchangeType {
  return (EXCHANGE_TYPES as readonly string[]).includes(type);
}

export interface ExchangeOptions {
  durable: boolean;
  autoDelete: boolean;
  internal: boolean;
  arguments: FieldTable;
  /** the user who declared it (RabbitMQ's user_who_performed_action); absent for the built-in exchanges */
  actingUser?: string;
}

export abstract class Exchange implements Bindable {
  readonly kind = 'exchange' as const;
  abstract readonly type: ExchangeType;
  /** all bindings with this exchange as source, by binding key */
  readonly bindings = new Map<string, Binding>();
  /** the policy applied (name and definition), if any */
  policy: string | null = null;
  policyDefinition: FieldTable | null = null;
  /** message counters for the management API (sampled by the server) */
  readonly stats = new ExchangeCounters();

  constructor(
    readonly name: string,
    readonly vhost: string,
    readonly options: ExchangeOptions,
  ) {}

  /** Adds a binding; false if an identical one exists. */
  bind(destination: Bindable, routingKey: string, args: FieldTable): boolean {
    const key = bindingKey(destination, routingKey, args);
    if (this.bindings.has(key)) return false;
    const binding: Binding = { source: this.name, destination, routingKey, arguments: args, key };
    this.bindings.set(key, binding);
    this.index(binding);
    return true;
  }

  unbind(destination: Bindable, routingKey: string, args: FieldTable): boolean {
    const binding = this.bindings.get(bindingKey(destination, routingKey, args));
    if (!binding) return false;
    this.bindings.delete(binding.key);
    this.unindex(binding);
    return true;
  }

  /** Removes every binding to `destination`; returns how many. */
  unbindAll(destination: Bindable): number {
    let removed = 0;
    for (const binding of this.bindings.values()) {
      if (binding.destination === destination) {
        this.bindings.delete(binding.key);
        this.unindex(binding);
        removed++;
      }
    }
    return removed;
  }

  hasBindingTo(destination: Bindable, routingKey: string, args: FieldTable): boolean {
    return this.bindings.has(bindingKey(destination, routingKey, args));
  }

  /** Adds the bindings that match to `out`. */
  abstract route(routingKey: string, headers: FieldTable | undefined, out: BindingSink): void;
  protected abstract index(binding: Binding): void;
  protected abstract unindex(binding: Binding): void;
}

export class DirectExchange extends Exchange {
  readonly type = 'direct' as const;
  private readonly byKey = new Map<string, Set<Binding>>();

  route(routingKey: string, _headers: FieldTable | undefined, out: BindingSink): void {
    const set = this.byKey.get(routingKey);
    if (set) for (const b of set) out.add(b);
  }

  protected index(binding: Binding): void {
    let set = this.byKey.get(binding.routingKey);
    if (!set) this.byKey.set(binding.routingKey, (set = new Set()));
    set.add(binding);
  }

  protected unindex(binding: Binding): void {
    const set = this.byKey.get(binding.routingKey);
    set?.delete(binding);
    if (set?.size === 0) this.byKey.delete(binding.routingKey);
  }
}

export class FanoutExchange extends Exchange {
  readonly type = 'fanout' as const;

  route(_routingKey: string, _headers: FieldTable | undefined, out: BindingSink): void {
    for (const b of this.bindings.values()) out.add(b);
  }

  protected index(): void {}
  protected unindex(): void {}
}

export class TopicExchange extends Exchange {
  readonly type = 'topic' as const;
  private readonly trie = new TopicTrie();

  route(routingKey: string, _headers: FieldTable | undefined, out: BindingSink): void {
    this.trie.match(routingKey, out);
  }

  protected index(binding: Binding): void {
    this.trie.add(binding);
  }

  protected unindex(binding: Binding): void {
    this.trie.remove(binding);
  }
}

/** Headers exchange: x-match all (default) or any; 'all-with-x'/'any-with-x' also compare x- keys. */
export class HeadersExchange extends Exchange {
  readonly type = 'headers' as const;

  route(_routingKey: string, headers: FieldTable | undefined, out: BindingSink): void {
    for (const b of this.bindings.values()) if (headersMatch(b.arguments, headers ?? {})) out.add(b);
  }

  protected index(): void {}
  protected unindex(): void {}
}

function headersMatch(args: FieldTable, headers: FieldTable): boolean {
  const mode = typeof args['x-match'] === 'string' ? args['x-match'] : 'all';
  const withX = mode.endsWith('-with-x');
  const any = mode.startsWith('any');
  for (const key of Object.keys(args)) {
    if (key === 'x-match' || (!withX && key.startsWith('x-'))) continue;
    const matched = valueMatches(args[key]!, headers[key]);
    if (any && matched) return true;
    if (!any && !matched) return false;
  }
  // 'all' with nothing to compare matches everything; 'any' needs one match.
  return !any;
}

/** A void (null) binding value matches on the key's presence alone, as in RabbitMQ. */
function valueMatches(expected: FieldValue, actual: FieldValue | undefined): boolean {
  if (actual === undefined) return false;
  if (expected === null) return true;
  if (typeof expected !== 'object') return expected === actual;
  return stableJson(expected) === stableJson(actual);
}

const EXCHANGE_CLASSES = {
  direct: DirectExchange,
  fanout: FanoutExchange,
  topic: TopicExchange,
  headers: HeadersExchange,
} as const;

export function createExchange(type: ExchangeType, name: string, vhost: string, options: ExchangeOptions): Exchange {
  return new EXCHANGE_CLASSES[type](name, vhost, options);
}
