// Where a message goes: bindings followed through exchange-to-exchange bindings, alternate
// exchanges for what an exchange cannot route, and the extra routing keys of CC/BCC headers.
import type { FieldTable } from '../amqp/index.js';
import type { Binding } from './binding.js';
import type { Exchange } from './exchange.js';
import type { Message } from './message.js';
import type { Queue } from './queue.js';

export interface RoutingScope {
  readonly exchanges: ReadonlyMap<string, Exchange>;
  readonly queues: ReadonlyMap<string, Queue>;
  /** the alternate exchange in force for `x` (argument or policy), if any */
  alternateOf(x: Exchange): string | null;
}

const matched = new Set<Binding>();

/** Adds to `out` every queue `routingKey` reaches from `exchange`. */
export function routeKey(scope: RoutingScope, exchange: Exchange, routingKey: string, headers: FieldTable | undefined, out: Set<Queue>): void {
  if (exchange.name === '') {
    const q = scope.queues.get(routingKey);
    if (q) out.add(q);
    return;
  }
  const visited = new Set<Exchange>();
  routeFrom(scope, exchange, routingKey, headers, out, visited);
}

/** Routes through one exchange; returns whether anything (queue or exchange) took the message. */
function routeFrom(scope: RoutingScope, x: Exchange, key: string, headers: FieldTable | undefined, out: Set<Queue>, visited: Set<Exchange>): boolean {
  if (visited.has(x)) return false;
  visited.add(x);
  matched.clear();
  x.route(key, headers, matched);
  const destinations = [...matched];
  let routed = false;
  for (const b of destinations) {
    if (b.destination.kind === 'queue') {
      out.add(b.destination as Queue);
      routed = true;
    } else if (routeFrom(scope, b.destination as Exchange, key, headers, out, visited)) {
      routed = true;
    }
  }
  if (routed) return true;
  // RabbitMQ's alternate-exchange: what this exchange cannot route goes there instead.
  const alternate = scope.alternateOf(x);
  const ae = alternate === null ? undefined : scope.exchanges.get(alternate);
  return ae ? routeFrom(scope, ae, key, headers, out, visited) : false;
}

/** Sender-selected distribution: CC and BCC header values are extra routing keys. */
export function extraRoutingKeys(message: Message): string[] {
  const headers = message.properties.headers;
  if (!headers) return [];
  const keys: string[] = [];
  for (const name of ['CC', 'BCC']) {
    const v = headers[name];
    if (Array.isArray(v)) for (const k of v) if (typeof k === 'string') keys.push(k);
  }
  return keys;
}

export function routeMessage(scope: RoutingScope, exchange: Exchange, message: Message, out: Set<Queue>): void {
  routeKey(scope, exchange, message.routingKey, message.properties.headers, out);
  for (const key of extraRoutingKeys(message)) routeKey(scope, exchange, key, message.properties.headers, out);
}
