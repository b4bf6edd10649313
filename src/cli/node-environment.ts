// rabbitmqctl environment: the node's configuration, grouped by application as RabbitMQ's application
// environment is (rabbit, rabbitmq_management, ...). Warren answers GET /api/warren/environment with all of
// its effective settings; RabbitMQ's management API exposes only part of its environment, gathered here from
// /api/overview, /api/nodes/{node} and /api/vhosts (rabbitmqctl environment on the node shows the rest).
import type { AdminClient } from './admin-client.js';
import { seg } from './admin-client.js';

export type Environment = Record<string, Record<string, unknown>>;

/** Said (on stderr) with RabbitMQ's partial environment. */
export const PARTIAL_ENVIRONMENT =
  "RabbitMQ's management API exposes only part of a node's application environment (listeners, resource limits, tracing, logs, plugins); run `rabbitmqctl environment` on the node for all of it";

interface Overview {
  node?: string;
  rates_mode?: string;
  listeners?: { node?: string; protocol?: string; ip_address?: string; port?: number }[];
  contexts?: { node?: string; port?: number | string; path?: string }[];
}

interface RabbitNode {
  mem_limit?: number;
  disk_free_limit?: number;
  net_ticktime?: number;
  log_files?: string[];
  db_dir?: string;
  config_files?: string[];
  enabled_plugins?: string[];
  auth_mechanisms?: { name?: string; enabled?: boolean }[];
  mem_calculation_strategy?: string;
}

export function warrenEnvironment(client: AdminClient): Promise<Environment> {
  return client.get<Environment>('/api/warren/environment');
}

export async function rabbitmqEnvironment(client: AdminClient): Promise<Environment> {
  const overview = await client.get<Overview>('/api/overview');
  const [node, vhosts] = await Promise.all([
    overview.node === undefined ? Promise.resolve({} as RabbitNode) : client.get<RabbitNode>(`/api/nodes/${seg(overview.node)}`),
    client.get<{ name: string; tracing?: boolean }[]>('/api/vhosts', { query: { columns: 'name,tracing' } }),
  ]);
  const listeners = (protocol: string): { ip: string; port: number }[] =>
    (overview.listeners ?? [])
      .filter((l) => l.protocol === protocol && (l.node === undefined || l.node === overview.node))
      .map((l) => ({ ip: l.ip_address ?? '', port: l.port ?? 0 }));
  const rabbit: Record<string, unknown> = {
    tcp_listeners: listeners('amqp'),
    ssl_listeners: listeners('amqp/ssl'),
    vm_memory_high_watermark: node.mem_limit === undefined ? undefined : { absolute: node.mem_limit },
    vm_memory_calculation_strategy: node.mem_calculation_strategy,
    disk_free_limit: node.disk_free_limit,
    auth_mechanisms: node.auth_mechanisms?.filter((m) => m.enabled).map((m) => m.name),
    trace_vhosts: vhosts
      .filter((v) => v.tracing === true)
      .map((v) => v.name)
      .sort(),
    log: node.log_files === undefined ? undefined : { files: node.log_files },
    data_dir: node.db_dir,
    config_files: node.config_files,
    enabled_plugins: node.enabled_plugins,
  };
  const http = overview.contexts?.find((c) => c.path === '/' && (c.node === undefined || c.node === overview.node));
  return {
    rabbit: defined(rabbit),
    rabbitmq_management: defined({ rates_mode: overview.rates_mode, listener: http?.port === undefined ? undefined : { port: Number(http.port) } }),
    kernel: defined({ net_ticktime: node.net_ticktime }),
  };
}

function defined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/** `{rabbit: {heartbeat: 60}}` -> `{"rabbit.heartbeat": 60}`, for the key/value formats (lists and leaves stay whole). */
export function flattenEnvironment(env: Environment): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const walk = (prefix: string, value: unknown): void => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0) {
      for (const [k, v] of Object.entries(value)) walk(`${prefix}.${k}`, v);
    } else {
      out[prefix] = value;
    }
  };
  for (const [app, settings] of Object.entries(env)) walk(app, settings);
  return out;
}
