// Where a message goes: bindings followed through exchange-to-exchange bindings, alternate
// exchanges for what an exchange cannot route, and the extra routing keys of CC/BCC headers.
import type { FieldTable } from '../amqp/index.js';
import type { Binding, BindingSink } from './binding.js';
import type { Exchange } from './exchange.js';
import type { Message } from './message.js';
import type { Queue } from './queue.js';
import type { Targets } from './targets.js';

export interface RoutingScope {
  readonly exchanges: ReadonlyMap<string, Exchange>;
  readonly queues: ReadonlyMap<string, Queue>;
  /** the alternate exchange in force for `x` (argument or policy), if any */
  alternateOf(x: Exchange): string | null;
}

/** The bindings one exchange matched (its own, so distinct: no dedupe), reused from publish to publish. */
class Matched implements BindingSink {
  readonly items: Binding[] = [];
  add(binding: Binding): void {
    this.items.push(binding);
  }
  clear(): void {
    // (pop, not length = 0: setting an array's length is a call into the runtime)
    const items = this.items;
    while (items.length > 0) items.pop();
  }
}

const matched = new Matched();

/** Adds to `out` every queue `routingKey` reaches from `exchange`. */
export function routeKey(scope: RoutingScope, exchange: Exchange, routingKey: string, headers: FieldTable | undefined, out: Targets<Queue>): void {
  if (exchange.name === '') {
    const q = scope.queues.get(routingKey);
    if (q) out.add(q);
    return;
  }
  routeFrom(scope, exchange, routingKey, headers, out, null);
}

/**
 * Routes through one exchange; returns whether anything (queue or exchange) took the message.
 * The common case (bindings to queues only, no alternate exchange) allocates nothing.
 */
function routeFrom(
  scope: RoutingScope,
  x: Exchange,
  key: string,
  headers: FieldTable | undefined,
  out: Targets<Queue>,
  visited: Set<Exchange> | null,
): boolean {
  matched.clear();
  x.route(key, headers, matched);
  let routed = false;
  let onward: Exchange[] | null = null;
  const bindings = matched.items;
  for (let i = 0; i < bindings.length; i++) {
    const b = bindings[i]!;
    if (b.destination.kind === 'queue') {
      out.add(b.destination as Queue);
      routed = true;
    } else {
      (onward ??= []).push(b.destination as Exchange);
    }
  }
  if (onward) {
    const seen = visited ?? new Set<Exchange>([x]);
    for (const next of onward) {
      if (seen.has(next)) continue;
      seen.add(next);
      if (routeFrom(scope, next, key, headers, out, seen)) routed = true;
    }
  }
  if (routed) return true;
  // RabbitMQ's alternate-exchange: what this exchange cannot route goes there instead.
  const alternate = scope.alternateOf(x);
  const ae = alternate === null ? undefined : scope.exchanges.get(alternate);
  if (!ae) return false;
  const seen = visited ?? new Set<Exchange>([x]);
  if (seen.has(ae)) return false;
  seen.add(ae);
  return routeFrom(scope, ae, key, headers, out, seen);
}

/** Sender-selected distribution: CC and BCC header values are extra routing keys. */
export function extraRoutingKeys(message: Message): readonly string[] {
  const headers = message.headers;
  if (!headers || (headers['CC'] === undefined && headers['BCC'] === undefined)) return NONE;
  const keys: string[] = [];
  for (const name of ['CC', 'BCC']) {
    const v = headers[name];
    if (Array.isArray(v)) for (const k of v) if (typeof k === 'string') keys.push(k);
  }
  return keys;
}

const NONE: readonly string[] = [];

export function routeMessage(scope: RoutingScope, exchange: Exchange, message: Message, out: Targets<Queue>): void {
  routeKey(scope, exchange, message.routingKey, message.headers, out);
  for (const key of extraRoutingKeys(message)) routeKey(scope, exchange, key, message.headers, out);
}
