// RabbitMQ-style policies: a pattern over queue/exchange names, a priority, and a definition
// (message-ttl, max-length, dead-letter-exchange, alternate-exchange, ...). The matching
// policy with the highest priority applies; declare arguments still win over it.
import type { FieldTable } from '../amqp/index.js';
import { preconditionFailed } from './errors.js';

export type ApplyTo = 'queues' | 'exchanges' | 'all';

export interface Policy {
  name: string;
  vhost: string;
  pattern: string;
  applyTo: ApplyTo;
  priority: number;
  definition: FieldTable;
}

/** Definition keys warren honours (RabbitMQ's names). */
export const POLICY_DEFINITION_KEYS = [
  'message-ttl',
  'expires',
  'max-length',
  'max-length-bytes',
  'overflow',
  'dead-letter-exchange',
  'dead-letter-routing-key',
  'alternate-exchange',
  'max-priority',
];

export function validatePolicy(p: Policy): void {
  try {
    new RegExp(p.pattern);
  } catch {
    throw preconditionFailed(`invalid pattern '${p.pattern}'`);
  }
  if (!['queues', 'exchanges', 'all'].includes(p.applyTo)) throw preconditionFailed(`invalid apply-to '${p.applyTo}'`);
  const keys = Object.keys(p.definition);
  if (keys.length === 0) throw preconditionFailed('policy definition is empty');
  for (const key of keys) {
    if (!POLICY_DEFINITION_KEYS.includes(key)) throw preconditionFailed(`unrecognised policy key '${key}' (supported: ${POLICY_DEFINITION_KEYS.join(', ')})`);
  }
}

/** The policy for a queue or exchange named `name`, or null. */
export function matchPolicy(policies: Iterable<Policy>, kind: 'queue' | 'exchange', name: string): Policy | null {
  let best: Policy | null = null;
  for (const p of policies) {
    if (p.applyTo !== 'all' && p.applyTo !== (kind === 'queue' ? 'queues' : 'exchanges')) continue;
    if (!new RegExp(p.pattern).test(name)) continue;
    if (!best || p.priority > best.priority) best = p;
  }
  return best;
}
