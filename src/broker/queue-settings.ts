// A queue's behaviour-changing arguments (x-message-ttl, x-max-length, ...), validated the way
// RabbitMQ validates them, merged with the policy that applies to the queue (arguments win).
import type { FieldTable, FieldValue } from '../amqp/index.js';
import { ARGUMENTS, OVERFLOW_VALUES } from '../amqp/queue-arguments.js';
import { preconditionFailed } from './errors.js';

export type Overflow = 'drop-head' | 'reject-publish' | 'reject-publish-dlx';

export interface QueueSettings {
  /** x-message-ttl in ms, or null */
  messageTtl: number | null;
  /** x-expires in ms, or null */
  expires: number | null;
  maxLength: number | null;
  maxLengthBytes: number | null;
  overflow: Overflow;
  deadLetterExchange: string | null;
  deadLetterRoutingKey: string | null;
  maxPriority: number;
  singleActiveConsumer: boolean;
}

const OVERFLOWS: readonly Overflow[] = OVERFLOW_VALUES;

/** RabbitMQ's largest TTL and expiry (x-message-ttl, x-expires, expiration): ten years in ms. */
export const MAX_EXPIRY_MS = 315_360_000_000;

/** Queue types warren accepts: quorum is served by a durable classic queue (see README). */
const QUEUE_TYPES = ['classic', 'quorum'];

function invalid(arg: string, queue: string, vhost: string, why: string) {
  return preconditionFailed(`invalid arg '${arg}' for queue '${queue}' in vhost '${vhost}': ${why}`);
}

/** Checks declare arguments; throws 406 with RabbitMQ's wording for a bad one. */
export function validateQueueArguments(args: FieldTable, queue: string, vhost: string, durable: boolean, exclusive: boolean): void {
  const int = (key: string, min: number, max = Number.MAX_SAFE_INTEGER): void => {
    const v = args[key];
    if (v === undefined) return;
    if (typeof v !== 'number' && typeof v !== 'bigint') throw invalid(key, queue, vhost, `{unacceptable_type,${typeName(v)}}`);
    const n = Number(v);
    if (!Number.isInteger(n)) throw invalid(key, queue, vhost, `{unacceptable_type,double}`);
    if (n < min) throw invalid(key, queue, vhost, `{value_${min === 0 ? 'negative' : 'zero'},${n}}`);
    if (n > max) throw invalid(key, queue, vhost, `{value_too_large,${n},${max}}`);
  };
  const str = (key: string, allowed?: readonly string[]): void => {
    const v = args[key];
    if (v === undefined) return;
    if (typeof v !== 'string') throw invalid(key, queue, vhost, `{unacceptable_type,${typeName(v)}}`);
    if (allowed && !allowed.includes(v)) throw invalid(key, queue, vhost, `{unacceptable_value,<<"${v}">>}`);
  };
  // every queue argument in the one table, by its type and range
  for (const spec of ARGUMENTS) {
    if (spec.on !== 'queue' || spec.arg === null || args[spec.arg] === undefined) continue;
    if (spec.type === 'int') int(spec.arg, spec.min ?? 0, spec.max);
    else if (spec.type === 'string') str(spec.arg);
    else if (spec.type === 'enum') str(spec.arg, spec.arg === 'x-queue-type' ? undefined : spec.values);
    else if (spec.type === 'bool' && typeof args[spec.arg] !== 'boolean')
      throw invalid(spec.arg, queue, vhost, `{unacceptable_type,${typeName(args[spec.arg]!)}}`);
  }
  // RabbitMQ's ceiling for both (ten years); its text has no second number here.
  for (const key of ['x-message-ttl', 'x-expires']) {
    const v = args[key];
    if (v !== undefined && Number(v) > MAX_EXPIRY_MS) throw invalid(key, queue, vhost, `{value_too_large,${String(v)}}`);
  }
  const type = args['x-queue-type'];
  if (type === 'stream') {
    throw invalid('x-queue-type', queue, vhost, 'stream queues are not supported by warren (use a classic queue)');
  }
  if (typeof type === 'string' && !QUEUE_TYPES.includes(type)) throw invalid('x-queue-type', queue, vhost, `{unacceptable_value,<<"${type}">>}`);
  if (type === 'quorum' && (!durable || exclusive)) {
    throw preconditionFailed(`invalid property '${durable ? 'exclusive' : 'non-durable'}' for queue '${queue}' in vhost '${vhost}'`);
  }
  if (args['x-dead-letter-routing-key'] !== undefined && args['x-dead-letter-exchange'] === undefined) {
    throw preconditionFailed(`invalid arg 'x-dead-letter-routing-key' for queue '${queue}' in vhost '${vhost}': {missing_dead_letter_exchange}`);
  }
}

function typeName(v: FieldValue): string {
  if (typeof v === 'string') return 'longstr';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'long' : 'double';
  return typeof v;
}

const num = (v: FieldValue | undefined): number | null => (typeof v === 'number' || typeof v === 'bigint' ? Number(v) : null);
const text = (v: FieldValue | undefined): string | null => (typeof v === 'string' ? v : null);

/** Effective settings: declare arguments first, then the policy's definition for what they leave unset. */
export function queueSettings(args: FieldTable, policy: FieldTable | null): QueueSettings {
  const pick = (argKey: string, policyKey: string | null): FieldValue | undefined => args[argKey] ?? (policyKey === null ? undefined : policy?.[policyKey]);
  // RabbitMQ: for numeric limits both may be set, and the lower one wins.
  const lower = (argKey: string, policyKey: string): number | null => {
    const a = num(args[argKey]);
    const p = num(policy?.[policyKey]);
    return a === null ? p : p === null ? a : Math.min(a, p);
  };
  const overflow = text(pick('x-overflow', 'overflow'));
  return {
    messageTtl: lower('x-message-ttl', 'message-ttl'),
    expires: lower('x-expires', 'expires'),
    maxLength: lower('x-max-length', 'max-length'),
    maxLengthBytes: lower('x-max-length-bytes', 'max-length-bytes'),
    overflow: overflow && (OVERFLOWS as string[]).includes(overflow) ? (overflow as Overflow) : 'drop-head',
    deadLetterExchange: text(pick('x-dead-letter-exchange', 'dead-letter-exchange')),
    deadLetterRoutingKey: text(pick('x-dead-letter-routing-key', 'dead-letter-routing-key')),
    // RabbitMQ refuses max-priority in a policy: only the declare argument counts
    maxPriority: Math.min(255, Math.max(0, Math.floor(num(pick('x-max-priority', null)) ?? 0))),
    singleActiveConsumer: args['x-single-active-consumer'] === true,
  };
}
