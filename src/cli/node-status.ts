// Node status in warren's shape (GET /api/warren/status), built from /api/overview + /api/nodes on RabbitMQ.
import type { AdminClient } from './admin-client.js';

export interface Listener {
  protocol: string;
  host: string;
  port: number;
}

export interface NodeStatus {
  version: string;
  pid?: number | string;
  app_running: boolean;
  uptime_ms?: number;
  data_dir?: string;
  listeners: Listener[];
  /** the management web UI (warren's status says it; for RabbitMQ it is the API URL in use) */
  management_url?: string;
  memory?: { rss?: number; heap_used?: number };
  connections?: number;
  channels?: number;
  queues?: number;
  messages?: number;
  /** which product answered: warren or rabbitmq */
  product?: string;
  /** raised resource alarms: 'memory', 'disk' */
  alarms?: string[];
  limits?: {
    memory_high_watermark?: number | undefined;
    memory_used?: number | undefined;
    disk_free_limit?: number | undefined;
    disk_free?: number | undefined;
  };
}

interface Overview {
  rabbitmq_version?: string;
  product_name?: string;
  node?: string;
  listeners?: { protocol?: string; ip_address?: string; port?: number }[];
  object_totals?: { connections?: number; channels?: number; queues?: number };
  queue_totals?: { messages?: number };
}

interface RabbitNode {
  name?: string;
  os_pid?: string;
  running?: boolean;
  uptime?: number;
  mem_used?: number;
  mem_limit?: number;
  mem_alarm?: boolean;
  disk_free?: number;
  disk_free_limit?: number;
  disk_free_alarm?: boolean;
}

export async function warrenStatus(client: AdminClient): Promise<NodeStatus> {
  const s = await client.get<NodeStatus>('/api/warren/status');
  return { product: 'warren', ...s };
}

export async function rabbitmqStatus(client: AdminClient): Promise<NodeStatus> {
  const overview = await client.get<Overview>('/api/overview');
  const nodes = await client.get<RabbitNode[]>('/api/nodes').catch(() => [] as RabbitNode[]);
  const node = nodes.find((n) => n.name === overview.node) ?? nodes[0];
  const status: NodeStatus = {
    product: overview.product_name ?? 'RabbitMQ',
    version: overview.rabbitmq_version ?? 'unknown',
    app_running: node?.running ?? true,
    listeners: (overview.listeners ?? []).map((l) => ({ protocol: l.protocol ?? '', host: l.ip_address ?? '', port: l.port ?? 0 })),
  };
  if (node?.os_pid !== undefined) status.pid = Number(node.os_pid);
  if (node?.uptime !== undefined) status.uptime_ms = node.uptime;
  if (node?.mem_used !== undefined) status.memory = { rss: node.mem_used };
  if (overview.object_totals?.connections !== undefined) status.connections = overview.object_totals.connections;
  if (overview.object_totals?.channels !== undefined) status.channels = overview.object_totals.channels;
  if (overview.object_totals?.queues !== undefined) status.queues = overview.object_totals.queues;
  if (overview.queue_totals?.messages !== undefined) status.messages = overview.queue_totals.messages;
  if (node) {
    status.alarms = [...(node.mem_alarm ? ['memory'] : []), ...(node.disk_free_alarm ? ['disk'] : [])];
    status.limits = { memory_high_watermark: node.mem_limit, memory_used: node.mem_used, disk_free_limit: node.disk_free_limit, disk_free: node.disk_free };
  }
  return status;
}

/** Flat key/value pairs for table/tsv/csv output. */
export function statusRecord(s: NodeStatus): Record<string, unknown> {
  const mb = (n: number | undefined): string | undefined => (n === undefined ? undefined : `${(n / 1048576).toFixed(1)} MiB`);
  const record: Record<string, unknown> = {
    product: s.product,
    version: s.version,
    pid: s.pid,
    app_running: s.app_running,
    uptime: s.uptime_ms === undefined ? undefined : `${Math.floor(s.uptime_ms / 1000)} s`,
    data_dir: s.data_dir,
    listeners: s.listeners.map((l) => `${l.protocol} ${l.host.includes(':') ? `[${l.host}]` : l.host}:${l.port}`).join(', '),
    management_url: s.management_url,
    memory_rss: mb(s.memory?.rss),
    memory_heap_used: mb(s.memory?.heap_used),
    connections: s.connections,
    channels: s.channels,
    queues: s.queues,
    messages: s.messages,
    // alarms and the limits they watch, in the table too (not only in JSON)
    alarms: s.alarms === undefined ? undefined : s.alarms.length === 0 ? 'none' : s.alarms.join(', '),
    memory_used: mb(s.limits?.memory_used),
    memory_high_watermark: mb(s.limits?.memory_high_watermark),
    disk_free: mb(s.limits?.disk_free),
    disk_free_limit: mb(s.limits?.disk_free_limit),
  };
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
}
