// rabbitmqctl's info items (the column arguments of list_*), their defaults, and how each maps onto
// the management API's JSON. Items the API lacks map to the nearest field (pid -> the object's name).

type ApiObject = Record<string, unknown>;
type Getter = (o: ApiObject) => unknown;

export interface InfoItemSet {
  items: Readonly<Record<string, Getter>>;
  defaults: readonly string[];
  /** API fields (dotted paths) an item reads, when not the field of its own name; [] for computed ones */
  fields?: Readonly<Record<string, readonly string[]>>;
}

const field =
  (name: string): Getter =>
  (o) =>
    o[name];
const nested =
  (outer: string, inner: string): Getter =>
  (o) => {
    const v = o[outer];
    return v !== null && typeof v === 'object' ? (v as ApiObject)[inner] : undefined;
  };
const same = (...names: string[]): Record<string, Getter> => Object.fromEntries(names.map((n) => [n, field(n)]));

export const QUEUE_ITEMS: InfoItemSet = {
  items: {
    ...same(
      'name',
      'durable',
      'auto_delete',
      'arguments',
      'policy',
      'exclusive',
      'exclusive_consumer_tag',
      'messages_ready',
      'messages_unacknowledged',
      'messages',
      'message_bytes',
      'messages_persistent',
      'consumers',
      'memory',
      'state',
      'type',
      'vhost',
    ),
    ...same('message_bytes_ready', 'message_bytes_unacknowledged', 'messages_ram', 'head_message_timestamp', 'members', 'online'),
    pid: (o) => o.pid ?? o.node,
    owner_pid: (o) => nested('owner_pid_details', 'name')(o) ?? o.owner_pid,
    messages_ready_ram: field('messages_ram'),
    // quorum and stream queues have a leader instead of a node
    node: (o) => o.node ?? o.leader,
    leader: (o) => o.leader ?? (o.type === 'classic' || o.type === undefined ? o.node : undefined),
    consumer_capacity: (o) => o.consumer_capacity ?? o.consumer_utilisation,
    consumer_utilisation: (o) => o.consumer_utilisation ?? o.consumer_capacity,
  },
  defaults: ['name', 'messages'],
  fields: {
    pid: ['pid', 'node'],
    owner_pid: ['owner_pid_details.name', 'owner_pid'],
    messages_ready_ram: ['messages_ram'],
    node: ['node', 'leader'],
    leader: ['leader', 'node', 'type'],
    consumer_capacity: ['consumer_capacity', 'consumer_utilisation'],
    consumer_utilisation: ['consumer_utilisation', 'consumer_capacity'],
  },
};

/** list_unresponsive_queues (rabbitmqctl 3.10's columns; pid is the queue's node, as the API has it). */
export const UNRESPONSIVE_QUEUE_ITEMS: InfoItemSet = {
  items: {
    ...same('name', 'durable', 'auto_delete', 'arguments'),
    pid: (o) => o.pid ?? o.node,
    recoverable_slaves: (o) => o.recoverable_slaves ?? [],
  },
  defaults: ['name'],
};

export const EXCHANGE_ITEMS: InfoItemSet = {
  items: same('name', 'type', 'durable', 'auto_delete', 'internal', 'arguments', 'policy', 'vhost'),
  defaults: ['name', 'type'],
};

export const BINDING_ITEMS: InfoItemSet = {
  items: {
    source_name: field('source'),
    source_kind: () => 'exchange',
    destination_name: field('destination'),
    destination_kind: field('destination_type'),
    ...same('routing_key', 'arguments', 'vhost', 'properties_key'),
  },
  defaults: ['source_name', 'source_kind', 'destination_name', 'destination_kind', 'routing_key', 'arguments'],
  fields: { source_name: ['source'], source_kind: [], destination_name: ['destination'], destination_kind: ['destination_type'] },
};

export const CONNECTION_ITEMS: InfoItemSet = {
  items: {
    ...same(
      'name',
      'host',
      'port',
      'peer_host',
      'peer_port',
      'state',
      'channels',
      'protocol',
      'auth_mechanism',
      'user',
      'vhost',
      'timeout',
      'frame_max',
      'channel_max',
      'client_properties',
      'recv_oct',
      'send_oct',
      'recv_cnt',
      'send_cnt',
      'send_pend',
      'connected_at',
      'ssl',
      'node',
      'type',
      'user_provided_name',
    ),
    pid: field('name'),
  },
  defaults: ['user', 'peer_host', 'peer_port', 'state'],
  fields: { pid: ['name'] },
};

export const CHANNEL_ITEMS: InfoItemSet = {
  items: {
    pid: field('name'),
    connection: nested('connection_details', 'name'),
    ...same(
      'name',
      'number',
      'user',
      'vhost',
      'transactional',
      'confirm',
      'consumer_count',
      'messages_unacknowledged',
      'messages_unconfirmed',
      'messages_uncommitted',
      'acks_uncommitted',
      'prefetch_count',
      'global_prefetch_count',
      'state',
      'node',
    ),
  },
  defaults: ['pid', 'user', 'consumer_count', 'messages_unacknowledged'],
  fields: { pid: ['name'], connection: ['connection_details.name'] },
};

export const CONSUMER_ITEMS: InfoItemSet = {
  items: {
    queue_name: nested('queue', 'name'),
    channel_pid: nested('channel_details', 'name'),
    ...same('consumer_tag', 'ack_required', 'prefetch_count', 'active', 'activity_status', 'arguments', 'exclusive'),
    node: nested('channel_details', 'node'),
    vhost: nested('queue', 'vhost'),
  },
  defaults: ['queue_name', 'channel_pid', 'consumer_tag', 'ack_required', 'prefetch_count', 'active', 'arguments'],
  fields: { queue_name: ['queue.name'], channel_pid: ['channel_details.name'], node: ['channel_details.node'], vhost: ['queue.vhost'] },
};

export const USER_ITEMS: InfoItemSet = {
  items: {
    user: field('name'),
    tags: (o) => {
      const t = o.tags;
      if (Array.isArray(t)) return t;
      return typeof t === 'string' ? t.split(',').filter((x) => x.length > 0) : [];
    },
  },
  defaults: ['user', 'tags'],
  fields: { user: ['name'] },
};

export const VHOST_ITEMS: InfoItemSet = {
  items: {
    ...same('name', 'description', 'tracing', 'cluster_state', 'default_queue_type', 'messages', 'messages_ready', 'messages_unacknowledged'),
    tags: (o) => o.tags ?? nested('metadata', 'tags')(o) ?? [],
  },
  defaults: ['name'],
  fields: { tags: ['tags', 'metadata.tags'] },
};

export const PERMISSION_ITEMS: InfoItemSet = {
  items: same('user', 'configure', 'write', 'read'),
  defaults: ['user', 'configure', 'write', 'read'],
};

export const USER_PERMISSION_ITEMS: InfoItemSet = {
  items: same('vhost', 'configure', 'write', 'read'),
  defaults: ['vhost', 'configure', 'write', 'read'],
};

export const TOPIC_PERMISSION_ITEMS: InfoItemSet = {
  items: same('user', 'exchange', 'write', 'read'),
  defaults: ['user', 'exchange', 'write', 'read'],
};

export const USER_TOPIC_PERMISSION_ITEMS: InfoItemSet = {
  items: same('vhost', 'exchange', 'write', 'read'),
  defaults: ['vhost', 'exchange', 'write', 'read'],
};

/** Column words from the command line (`name messages` or `name,messages`); unknown ones are reported. */
export function parseInfoItems(set: InfoItemSet, words: readonly string[]): { columns: string[]; unknown: string[] } {
  const requested = words
    .flatMap((w) => w.split(','))
    .map((w) => w.trim())
    .filter((w) => w.length > 0);
  const columns = requested.length ? requested : [...set.defaults];
  return { columns, unknown: columns.filter((c) => !(c in set.items)) };
}

/** The `columns=` query parameter that fetches just what `columns` need (RabbitMQ and warren both honour it). */
export function apiColumns(set: InfoItemSet, columns: readonly string[]): string {
  const fields = new Set<string>();
  for (const c of columns) for (const f of set.fields?.[c] ?? [c]) fields.add(f);
  return [...fields].join(',');
}

/** API objects -> rows holding exactly the requested info items. */
export function toRows(set: InfoItemSet, columns: readonly string[], objects: readonly ApiObject[]): Record<string, unknown>[] {
  return objects.map((o) => Object.fromEntries(columns.map((c) => [c, set.items[c]?.(o)])));
}
