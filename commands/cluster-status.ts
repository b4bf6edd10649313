import { defineCommand } from '../src/cli/command.js';

interface ApiNode {
  name?: string;
  running?: boolean;
  type?: string;
  mem_alarm?: boolean;
  disk_free_alarm?: boolean;
  partitions?: string[];
  applications?: { name?: string; version?: string }[];
}

interface Overview {
  cluster_name?: string;
  node?: string;
  rabbitmq_version?: string;
  erlang_version?: string;
  product_name?: string;
  product_version?: string;
}

export default defineCommand({
  name: 'cluster_status',
  aliases: [],
  group: 'node',
  summary: 'Show the cluster: its nodes, which run, their versions, alarms and network partitions',
  description:
    "One row per node (node, running, type, version, alarms, partitions). A warren node is a cluster of one. On RabbitMQ from /api/overview and /api/nodes; --formatter json prints rabbitmqctl's shape (cluster_name, disk_nodes, running_nodes, versions, alarms, partitions).",
  arguments: [],
  options: [],
  async run(ctx) {
    ctx.out.banner(`Cluster status of node at ${ctx.client.describe()} ...`);
    const [overview, nodes] = await Promise.all([ctx.client.get<Overview>('/api/overview'), ctx.client.get<ApiNode[]>('/api/nodes')]);
    const version = (n: ApiNode): string =>
      n.applications?.find((a) => a.name === 'rabbit')?.version ?? (n.running ? (overview.rabbitmq_version ?? overview.product_version ?? '') : '');
    const alarms = (n: ApiNode): string[] => [...(n.mem_alarm ? ['memory'] : []), ...(n.disk_free_alarm ? ['disk'] : [])];
    const sorted = [...nodes].sort((a, b) => String(a.name).localeCompare(String(b.name)));
    if (ctx.out.isJson) {
      ctx.out.json({
        cluster_name: overview.cluster_name ?? overview.node ?? '',
        disk_nodes: sorted.filter((n) => n.type !== 'ram').map((n) => n.name),
        ram_nodes: sorted.filter((n) => n.type === 'ram').map((n) => n.name),
        running_nodes: sorted.filter((n) => n.running).map((n) => n.name),
        versions: Object.fromEntries(
          sorted.filter((n) => n.running).map((n) => [n.name, { rabbitmq_version: version(n), erlang_version: overview.erlang_version ?? '' }]),
        ),
        alarms: sorted.flatMap((n) => alarms(n).map((a) => ({ node: n.name, type: 'resource_alarm', resource: a }))),
        partitions: Object.fromEntries(sorted.filter((n) => (n.partitions ?? []).length > 0).map((n) => [n.name, n.partitions])),
      });
      return;
    }
    await ctx.out.list(
      ['node', 'running', 'type', 'version', 'alarms', 'partitions'],
      sorted.map((n) => ({
        node: n.name,
        running: n.running === true,
        type: n.type ?? 'disc',
        version: version(n),
        alarms: alarms(n).join(',') || 'none',
        partitions: (n.partitions ?? []).join(',') || 'none',
      })),
    );
  },
});
