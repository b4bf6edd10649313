// The definitions part of `warrenctl migrate`: what is taken from the source (users with their password hashes,
// vhosts, permissions, topic permissions, policies, exchanges, queues, bindings; nothing node-wide such as the
// cluster name), optionally restricted to one vhost, and turned into quorum queues where RabbitMQ allows it.

export interface QueueDefinition {
  name: string;
  vhost: string;
  durable: boolean;
  auto_delete: boolean;
  arguments: Record<string, unknown>;
  [key: string]: unknown;
}

export interface Definitions {
  users: Record<string, unknown>[];
  vhosts: { name: string; [key: string]: unknown }[];
  permissions: { vhost: string; [key: string]: unknown }[];
  topic_permissions: { vhost: string; [key: string]: unknown }[];
  policies: { vhost: string; [key: string]: unknown }[];
  queues: QueueDefinition[];
  exchanges: { vhost: string; [key: string]: unknown }[];
  bindings: { vhost: string; [key: string]: unknown }[];
}

const SCOPED = ['permissions', 'topic_permissions', 'policies', 'queues', 'exchanges', 'bindings'] as const;

/** The parts migrate carries over, from a GET /api/definitions body; with `vhost`, only that vhost's objects. */
export function selectDefinitions(body: unknown, vhost?: string): Definitions {
  const src = (body ?? {}) as Record<string, unknown>;
  const arr = <T>(key: string): T[] => (Array.isArray(src[key]) ? (src[key] as T[]) : []);
  const out: Definitions = {
    users: arr('users'),
    vhosts: arr('vhosts'),
    permissions: arr('permissions'),
    topic_permissions: arr('topic_permissions'),
    policies: arr('policies'),
    queues: arr('queues'),
    exchanges: arr('exchanges'),
    bindings: arr('bindings'),
  };
  if (vhost === undefined) return out;
  out.vhosts = out.vhosts.filter((v) => v.name === vhost);
  for (const key of SCOPED) (out[key] as { vhost: string }[]) = (out[key] as { vhost: string }[]).filter((o) => o.vhost === vhost);
  return out;
}

/** Arguments a quorum queue refuses (RabbitMQ 3.10 answers 400) but that only tune a classic queue: dropped. */
const DROPPED_FOR_QUORUM = ['x-queue-mode', 'x-queue-master-locator', 'x-queue-version'];

/** Why a queue stays classic, or undefined when it can become a quorum queue. */
export function quorumObstacle(q: QueueDefinition): string | undefined {
  const type = q.arguments?.['x-queue-type'];
  if (type !== undefined && type !== 'classic') return `it is a ${String(type)} queue`;
  if (!q.durable) return 'it is not durable';
  if (q.auto_delete) return 'it is auto-delete';
  if (q.arguments?.['x-max-priority'] !== undefined) return 'quorum queues have no priorities (x-max-priority)';
  if (q.arguments?.['x-overflow'] === 'reject-publish-dlx') return "quorum queues do not support x-overflow 'reject-publish-dlx'";
  return undefined;
}

/** --queue-type quorum: durable classic queues become quorum queues; the notes say which stay classic and why. */
export function toQuorum(defs: Definitions, notes: string[]): { definitions: Definitions; converted: number } {
  let converted = 0;
  const queues = defs.queues.map((q) => {
    const obstacle = quorumObstacle(q);
    if (obstacle) {
      if (q.arguments?.['x-queue-type'] !== 'quorum') notes.push(`queue '${q.name}' in vhost '${q.vhost}' stays classic: ${obstacle}`);
      return q;
    }
    const args: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(q.arguments ?? {})) if (!DROPPED_FOR_QUORUM.includes(k)) args[k] = v;
    args['x-queue-type'] = 'quorum';
    converted++;
    return { ...q, arguments: args };
  });
  return { definitions: { ...defs, queues }, converted };
}

export function summarize(defs: Definitions): string {
  const n = (k: keyof Definitions, word: string): string => `${defs[k].length} ${word}${defs[k].length === 1 ? '' : 's'}`;
  return [
    n('users', 'user'),
    n('vhosts', 'vhost'),
    n('permissions', 'permission'),
    n('policies', 'policy'),
    n('exchanges', 'exchange'),
    n('queues', 'queue'),
    n('bindings', 'binding'),
  ]
    .join(', ')
    .replace('policys', 'policies');
}
