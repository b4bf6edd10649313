// Prometheus text exposition (format 0.0.4) with the metric names of RabbitMQ's rabbitmq_prometheus
// plugin: GET /metrics aggregates, GET /metrics/per-object labels queues with vhost and queue.
import { NODE_NAME, type ApiContext } from './context.js';
import { totals } from './node.js';

type Labels = Record<string, string>;

class Exposition {
  private readonly lines: string[] = [];

  family(name: string, type: 'gauge' | 'counter', help: string, samples: [Labels, number][]): void {
    this.lines.push(`# TYPE ${name} ${type}`, `# HELP ${name} ${help}`);
    for (const [labels, value] of samples) this.lines.push(`${name}${labelText(labels)} ${formatValue(value)}`);
  }

  one(name: string, type: 'gauge' | 'counter', help: string, value: number, labels: Labels = {}): void {
    this.family(name, type, help, [[labels, value]]);
  }

  text(): string {
    return this.lines.join('\n') + '\n';
  }
}

function escape(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelText(labels: Labels): string {
  const entries = Object.entries(labels);
  return entries.length === 0 ? '' : `{${entries.map(([k, v]) => `${k}="${escape(v)}"`).join(',')}}`;
}

function formatValue(n: number): string {
  return Number.isFinite(n) ? String(n) : n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN';
}

const AMQP = { protocol: 'amqp091' };

export function prometheusText(ctx: ApiContext, perObject: boolean): string {
  const out = new Exposition();
  const t = totals(ctx);
  const monitor = ctx.server.monitor;
  const alarms = monitor?.alarms ?? new Set<string>();
  out.one('rabbitmq_build_info', 'gauge', 'RabbitMQ & Erlang/OTP version info', 1, {
    rabbitmq_version: ctx.version,
    product_name: 'Warren',
    product_version: ctx.version,
    node_version: process.version,
  });
  out.one('rabbitmq_identity_info', 'gauge', 'RabbitMQ node & cluster identity info', 1, { rabbitmq_node: NODE_NAME, rabbitmq_cluster: NODE_NAME });
  out.one('rabbitmq_connections', 'gauge', 'Connections currently open', t.connections);
  out.one('rabbitmq_channels', 'gauge', 'Channels currently open', t.channels);
  out.one('rabbitmq_consumers', 'gauge', 'Consumers currently connected', t.consumers);
  out.one('rabbitmq_queues', 'gauge', 'Queues available', t.queues);
  out.one('rabbitmq_exchanges', 'gauge', 'Exchanges available', t.exchanges);

  const mem = process.memoryUsage();
  out.one('rabbitmq_process_resident_memory_bytes', 'gauge', 'Memory used in bytes', mem.rss);
  out.one('rabbitmq_resident_memory_limit_bytes', 'gauge', 'Memory high watermark in bytes', monitor?.limits.memoryHighWatermark ?? 0);
  out.one('rabbitmq_disk_space_available_bytes', 'gauge', 'Disk space available in bytes', monitor?.diskFree ?? 0);
  out.one('rabbitmq_disk_space_available_limit_bytes', 'gauge', 'Free disk space low watermark in bytes', monitor?.limits.diskFreeLimit ?? 0);
  out.one('rabbitmq_alarms_memory_used_watermark', 'gauge', 'is 1 if VM memory watermark alarm is in effect', alarms.has('memory') ? 1 : 0);
  out.one('rabbitmq_alarms_free_disk_space_watermark', 'gauge', 'is 1 if free disk space watermark alarm is in effect', alarms.has('disk') ? 1 : 0);
  out.one('rabbitmq_alarms_file_descriptor_limit', 'gauge', 'is 1 if file descriptor limit alarm is in effect', 0);
  out.one('rabbitmq_process_start_time_seconds', 'gauge', 'Start time of the process since unix epoch in seconds', Math.floor(ctx.server.startedAt / 1000));
  out.one('rabbitmq_erlang_uptime_seconds', 'gauge', 'Node uptime', (Date.now() - ctx.server.startedAt) / 1000);

  const c = ctx.counters?.channelTotals(null);
  if (c) {
    let routed = 0;
    for (const v of ctx.server.broker.vhosts.values()) for (const x of v.exchanges.values()) routed += x.stats.publish_out;
    const g = (name: string, help: string, value: number): void => out.one(`rabbitmq_global_${name}`, 'counter', help, value, AMQP);
    g('messages_received_total', 'Total number of messages received from publishers', c.publish);
    g('messages_received_confirm_total', 'Total number of messages received from publishers expecting confirmations', c.confirm);
    g('messages_routed_total', 'Total number of messages routed to queues', routed);
    g('messages_unroutable_dropped_total', 'Total number of messages published as non-mandatory into an exchange and dropped as unroutable', c.drop_unroutable);
    g(
      'messages_unroutable_returned_total',
      'Total number of messages published as mandatory into an exchange and returned to the publisher as unroutable',
      c.return_unroutable,
    );
    g('messages_confirmed_total', 'Total number of messages confirmed to publishers', c.confirm);
    g('messages_delivered_total', 'Total number of messages delivered to consumers', c.deliver + c.deliver_no_ack + c.get + c.get_no_ack);
    g(
      'messages_delivered_consume_manual_ack_total',
      'Total number of messages delivered to consumers using basic.consume with manual acknowledgment',
      c.deliver,
    );
    g(
      'messages_delivered_consume_auto_ack_total',
      'Total number of messages delivered to consumers using basic.consume with automatic acknowledgment',
      c.deliver_no_ack,
    );
    g('messages_delivered_get_manual_ack_total', 'Total number of messages delivered to consumers using basic.get with manual acknowledgment', c.get);
    g('messages_delivered_get_auto_ack_total', 'Total number of messages delivered to consumers using basic.get with automatic acknowledgment', c.get_no_ack);
    g('messages_get_empty_total', 'Total number of times basic.get operations fetched no message', c.get_empty);
    g('messages_redelivered_total', 'Total number of messages redelivered to consumers', c.redeliver);
    g('messages_acknowledged_total', 'Total number of message acknowledgements received from consumers', c.ack);
  }

  const queues = [...ctx.server.broker.vhosts.values()].flatMap((v) => [...v.queues.values()]);
  const queueFamily = (name: string, help: string, value: (q: (typeof queues)[number]) => number, type: 'gauge' | 'counter' = 'gauge'): void => {
    if (perObject)
      out.family(
        name,
        type,
        help,
        queues.map((q) => [{ vhost: q.vhost, queue: q.name }, value(q)]),
      );
    else
      out.one(
        name,
        type,
        help,
        queues.reduce((s, q) => s + value(q), 0),
      );
  };
  queueFamily('rabbitmq_queue_messages_ready', 'Messages ready to be delivered to consumers', (q) => q.messageCount);
  queueFamily('rabbitmq_queue_messages_unacked', 'Messages delivered to consumers but not yet acknowledged', (q) => q.unackedCount);
  queueFamily('rabbitmq_queue_messages', 'Sum of ready and unacknowledged messages - total queue depth', (q) => q.messageCount + q.unackedCount);
  queueFamily('rabbitmq_queue_messages_ready_bytes', 'Size in bytes of ready messages', (q) => q.readyBytes);
  queueFamily('rabbitmq_queue_messages_unacked_bytes', 'Size in bytes of all unacknowledged messages', (q) => q.unackedBytes);
  queueFamily('rabbitmq_queue_messages_bytes', 'Size in bytes of ready and unacknowledged messages', (q) => q.readyBytes + q.unackedBytes);
  queueFamily('rabbitmq_queue_messages_persistent', 'Persistent messages', (q) => q.persistentReady + q.persistentUnacked);
  queueFamily('rabbitmq_queue_messages_paged_out', 'Messages paged out to disk', (q) => q.spooledCount);
  queueFamily('rabbitmq_queue_consumers', 'Consumers on a queue', (q) => q.consumerCount);
  queueFamily('rabbitmq_queue_messages_published_total', 'Total number of messages published to queues', (q) => q.stats.publish, 'counter');
  return out.text();
}
