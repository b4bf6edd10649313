// One description of every queue/exchange argument and policy key (RabbitMQ 3.10's names, types,
// ranges and policy wording). Declare-argument validation, policy validation, the effective queue
// settings, the API and warrenctl's help and completion all read this table.

export type ArgumentType = 'int' | 'string' | 'bool' | 'enum' | 'any';

export interface ArgumentSpec {
  /** the x-argument name in queue.declare / exchange.declare, or null when only a policy sets it */
  arg: string | null;
  /** the policy definition key, or null when RabbitMQ refuses it in a policy */
  policy: string | null;
  on: 'queue' | 'exchange';
  type: ArgumentType;
  min?: number;
  max?: number;
  values?: readonly string[];
  /** RabbitMQ's policy error: `~p is not a valid <what>` */
  what: string;
  /** compared on redeclaration (RabbitMQ's inequivalent arg check) */
  equivalence?: boolean;
  /**
   * what warren does with it: 'honoured', or why it is accepted without effect on one warren node
   * (clustering, replication and memory tuning that have no meaning there)
   */
  warren: 'honoured' | string;
  summary: string;
}

const SINGLE_NODE = 'accepted: replication and placement have no effect on a single warren node';
const CLASSIC = 'accepted: applies to quorum or stream queues only; warren serves queues as classic queues';

export const OVERFLOW_VALUES = ['drop-head', 'reject-publish', 'reject-publish-dlx'] as const;

export const ARGUMENTS: readonly ArgumentSpec[] = [
  {
    arg: 'x-message-ttl',
    policy: 'message-ttl',
    on: 'queue',
    type: 'int',
    min: 0,
    what: 'message TTL',
    equivalence: true,
    warren: 'honoured',
    summary: 'milliseconds a message may wait in the queue',
  },
  {
    arg: 'x-expires',
    policy: 'expires',
    on: 'queue',
    type: 'int',
    min: 1,
    what: 'queue expiry',
    equivalence: true,
    warren: 'honoured',
    summary: 'milliseconds an unused queue lives',
  },
  {
    arg: 'x-max-length',
    policy: 'max-length',
    on: 'queue',
    type: 'int',
    min: 0,
    what: 'maximum length',
    equivalence: true,
    warren: 'honoured',
    summary: 'most ready messages',
  },
  {
    arg: 'x-max-length-bytes',
    policy: 'max-length-bytes',
    on: 'queue',
    type: 'int',
    min: 0,
    what: 'maximum length in bytes',
    equivalence: true,
    warren: 'honoured',
    summary: 'most bytes of ready message bodies',
  },
  {
    arg: 'x-overflow',
    policy: 'overflow',
    on: 'queue',
    type: 'enum',
    values: OVERFLOW_VALUES,
    what: 'overflow value',
    equivalence: true,
    warren: 'honoured',
    summary: 'what happens at the maximum length',
  },
  {
    arg: 'x-dead-letter-exchange',
    policy: 'dead-letter-exchange',
    on: 'queue',
    type: 'string',
    what: 'dead letter exchange name',
    equivalence: true,
    warren: 'honoured',
    summary: 'exchange for rejected and expired messages',
  },
  {
    arg: 'x-dead-letter-routing-key',
    policy: 'dead-letter-routing-key',
    on: 'queue',
    type: 'string',
    what: 'dead letter routing key',
    equivalence: true,
    warren: 'honoured',
    summary: 'routing key for dead-lettered messages',
  },
  {
    arg: 'x-max-priority',
    policy: null,
    on: 'queue',
    type: 'int',
    min: 0,
    max: 255,
    what: 'maximum priority',
    equivalence: true,
    warren: 'honoured',
    summary: 'highest message priority (declare argument only)',
  },
  {
    arg: 'x-single-active-consumer',
    policy: null,
    on: 'queue',
    type: 'bool',
    what: 'single active consumer flag',
    equivalence: true,
    warren: 'honoured',
    summary: 'one consumer at a time (declare argument only)',
  },
  {
    arg: 'x-queue-type',
    policy: null,
    on: 'queue',
    type: 'enum',
    values: ['classic', 'quorum', 'stream'],
    what: 'queue type',
    equivalence: true,
    warren: 'honoured',
    summary: 'classic, quorum or stream (declare argument only)',
  },
  {
    arg: 'x-queue-mode',
    policy: 'queue-mode',
    on: 'queue',
    type: 'enum',
    values: ['default', 'lazy'],
    what: 'queue-mode value',
    equivalence: true,
    warren: 'accepted: warren keeps only a small window of a queue in memory in either mode',
    summary: 'default or lazy',
  },
  {
    arg: 'x-queue-version',
    policy: 'queue-version',
    on: 'queue',
    type: 'int',
    min: 1,
    max: 2,
    what: 'queue-version value',
    warren: 'accepted: classic queue storage versions do not apply to warren',
    summary: 'classic queue storage version 1 or 2',
  },
  {
    arg: 'x-max-in-memory-length',
    policy: 'max-in-memory-length',
    on: 'queue',
    type: 'int',
    min: 0,
    what: 'maximum memory in bytes',
    warren: CLASSIC,
    summary: 'quorum queue: messages kept in memory',
  },
  {
    arg: 'x-max-in-memory-bytes',
    policy: 'max-in-memory-bytes',
    on: 'queue',
    type: 'int',
    min: 0,
    what: 'maximum memory in bytes',
    warren: CLASSIC,
    summary: 'quorum queue: bytes kept in memory',
  },
  {
    arg: 'x-delivery-limit',
    policy: 'delivery-limit',
    on: 'queue',
    type: 'int',
    min: 0,
    what: 'delivery limit',
    warren: CLASSIC,
    summary: 'quorum queue: deliveries before a message is dead-lettered',
  },
  { arg: 'x-max-age', policy: 'max-age', on: 'queue', type: 'any', what: 'max age', warren: CLASSIC, summary: 'stream: retention, e.g. 7D' },
  {
    arg: 'x-stream-max-segment-size-bytes',
    policy: 'max-segment-size',
    on: 'queue',
    type: 'int',
    min: 0,
    what: 'segment size',
    warren: CLASSIC,
    summary: 'stream: segment file size',
  },
  {
    arg: 'x-queue-leader-locator',
    policy: 'queue-leader-locator',
    on: 'queue',
    type: 'enum',
    values: ['client-local', 'random', 'least-leaders'],
    what: 'queue leader locator value',
    warren: SINGLE_NODE,
    summary: 'where a new quorum queue leader goes',
  },
  {
    arg: 'x-queue-master-locator',
    policy: 'queue-master-locator',
    on: 'queue',
    type: 'enum',
    values: ['min-masters', 'client-local', 'random'],
    what: 'queue master locator',
    warren: SINGLE_NODE,
    summary: 'where a new classic queue master goes',
  },
  {
    arg: 'x-quorum-initial-group-size',
    policy: 'initial-cluster-size',
    on: 'queue',
    type: 'int',
    min: 0,
    what: 'cluster size',
    warren: SINGLE_NODE,
    summary: 'quorum queue: initial members',
  },
  {
    arg: null,
    policy: 'ha-mode',
    on: 'queue',
    type: 'enum',
    values: ['all', 'exactly', 'nodes'],
    what: 'ha-mode value',
    warren: SINGLE_NODE,
    summary: 'classic mirroring: all, exactly or nodes',
  },
  { arg: null, policy: 'ha-params', on: 'queue', type: 'any', what: 'ha-params value', warren: SINGLE_NODE, summary: 'classic mirroring: count or node list' },
  {
    arg: null,
    policy: 'ha-sync-mode',
    on: 'queue',
    type: 'enum',
    values: ['automatic', 'manual'],
    what: 'ha-sync-mode value',
    warren: SINGLE_NODE,
    summary: 'classic mirroring: automatic or manual',
  },
  {
    arg: null,
    policy: 'ha-sync-batch-size',
    on: 'queue',
    type: 'int',
    min: 1,
    what: 'ha-sync-batch-size value',
    warren: SINGLE_NODE,
    summary: 'classic mirroring: sync batch size',
  },
  {
    arg: null,
    policy: 'ha-promote-on-shutdown',
    on: 'queue',
    type: 'enum',
    values: ['always', 'when-synced'],
    what: 'ha-promote-on-shutdown value',
    warren: SINGLE_NODE,
    summary: 'classic mirroring',
  },
  {
    arg: null,
    policy: 'ha-promote-on-failure',
    on: 'queue',
    type: 'enum',
    values: ['always', 'when-synced'],
    what: 'ha-promote-on-failure value',
    warren: SINGLE_NODE,
    summary: 'classic mirroring',
  },
  {
    arg: 'alternate-exchange',
    policy: 'alternate-exchange',
    on: 'exchange',
    type: 'string',
    what: 'alternate exchange name',
    warren: 'honoured',
    summary: 'exchange for unroutable messages',
  },
];

export const POLICY_KEYS: readonly string[] = ARGUMENTS.flatMap((a) => (a.policy ? [a.policy] : []));
export const EQUIVALENCE_ARGS: readonly string[] = ARGUMENTS.flatMap((a) => (a.equivalence && a.arg ? [a.arg] : []));

export function argumentSpec(arg: string): ArgumentSpec | undefined {
  return ARGUMENTS.find((a) => a.arg === arg);
}

export function policySpec(key: string): ArgumentSpec | undefined {
  return ARGUMENTS.find((a) => a.policy === key);
}

/** A JSON value as Erlang's ~p prints the term RabbitMQ decoded it to (binaries as <<"..">>). */
export function erlangTerm(value: unknown): string {
  if (typeof value === 'string') return `<<"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}">>`;
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : erlangFloat(value);
  if (typeof value === 'bigint') return String(value);
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(erlangTerm).join(',')}]`;
  if (typeof value === 'object') {
    return `#{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${erlangTerm(k)} => ${erlangTerm(v)}`)
      .join(',')}}`;
  }
  return String(value);
}

function erlangFloat(n: number): string {
  const s = String(n);
  return s.includes('.') || s.includes('e') ? s.replace(/e\+?/, 'e+').replace('e+-', 'e-') : `${s}.0`;
}

/** RabbitMQ's policy check for one key: null when valid, else its `Validation failed` line. */
export function policyValueError(key: string, value: unknown): string | null {
  const spec = policySpec(key);
  if (!spec) return null;
  const bad = `${erlangTerm(value)} is not a valid ${spec.what}`;
  switch (spec.type) {
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value)) return bad;
      if (spec.min !== undefined && value < spec.min) return bad;
      if (spec.max !== undefined && value > spec.max) return bad;
      return null;
    case 'string':
      return typeof value === 'string' ? null : bad;
    case 'bool':
      return typeof value === 'boolean' ? null : bad;
    case 'enum':
      return typeof value === 'string' && spec.values!.includes(value) ? null : bad;
    default:
      if (key === 'max-age' && !(typeof value === 'number' && Number.isInteger(value)) && !(typeof value === 'string' && /^\d+[YMDhms]$/.test(value)))
        return bad;
      return null;
  }
}

/** RabbitMQ's cross-key rules for classic mirroring keys, checked after each key's own. */
export function mirroringError(definition: Record<string, unknown>): string | null {
  const mode = definition['ha-mode'];
  const rest = ['ha-params', 'ha-sync-mode', 'ha-promote-on-shutdown', 'ha-promote-on-failure', 'ha-sync-batch-size'];
  if (mode === undefined) {
    return rest.some((k) => definition[k] !== undefined) ? 'ha-mode must be specified to specify ha-params, ha-sync-mode or ha-promote-on-shutdown' : null;
  }
  const params = definition['ha-params'];
  if (mode === 'all') return params === undefined ? null : 'ha-mode="all" does not take parameters, got ' + erlangTerm(params);
  if (mode === 'exactly') {
    if (params === undefined) return 'ha-mode="exactly" takes an integer, none given';
    return typeof params === 'number' && Number.isInteger(params) && params > 0 ? null : `ha-mode="exactly" takes an integer, ${erlangTerm(params)} given`;
  }
  if (params === undefined) return 'ha-mode="nodes" takes a list of strings, none given';
  return Array.isArray(params) && params.every((n) => typeof n === 'string') ? null : `ha-mode="nodes" takes a list of strings, ${erlangTerm(params)} given`;
}
