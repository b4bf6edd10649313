// RabbitMQ-style policies: a pattern over queue/exchange names, a priority, and a definition
// (message-ttl, max-length, dead-letter-exchange, alternate-exchange, ...). The matching
// policy with the highest priority applies; declare arguments still win over it.
import type { FieldTable } from '../amqp/index.js';
import { POLICY_KEYS, erlangTerm, mirroringError, policyValueError } from '../amqp/queue-arguments.js';
import { preconditionFailed } from './errors.js';
import { compilePattern, patternError } from './pcre.js';

export type ApplyTo = 'queues' | 'exchanges' | 'all';

export interface Policy {
  name: string;
  vhost: string;
  pattern: string;
  applyTo: ApplyTo;
  priority: number;
  definition: FieldTable;
}

/** RabbitMQ's policy validation: `Validation failed` with its wording for the first problem. */
export function validatePolicy(p: Policy): void {
  const fail = (why: string): never => {
    throw preconditionFailed(`Validation failed\n\n${why}\n`);
  };
  const err = patternError(p.pattern);
  if (err) fail(`pattern should be regular expression but is invalid: {${JSON.stringify(err.message)},${err.offset}}`);
  if (!['queues', 'exchanges', 'all'].includes(p.applyTo)) fail(`apply-to '${p.applyTo}' unrecognised; should be 'queues', 'exchanges' or 'all'`);
  const definition = p.definition as Record<string, unknown>;
  const keys = Object.keys(definition).sort();
  if (keys.length === 0) fail('no policy provided');
  for (const key of keys) {
    const why = policyValueError(key, definition[key]);
    if (why) fail(why);
  }
  const mirroring = mirroringError(definition);
  if (mirroring) fail(mirroring);
  const unknown = keys.filter((k) => !POLICY_KEYS.includes(k));
  if (unknown.length > 0) fail(`[${unknown.map((k) => `{${erlangTerm(k)},${erlangTerm(definition[k])}}`).join(',')}] are not recognised policy settings`);
}

/** The policy for a queue or exchange named `name`, or null. */
export function matchPolicy(policies: Iterable<Policy>, kind: 'queue' | 'exchange', name: string): Policy | null {
  let best: Policy | null = null;
  for (const p of policies) {
    if (p.applyTo !== 'all' && p.applyTo !== (kind === 'queue' ? 'queues' : 'exchanges')) continue;
    if (!compilePattern(p.pattern).test(name)) continue;
    if (!best || p.priority > best.priority) best = p;
  }
  return best;
}
