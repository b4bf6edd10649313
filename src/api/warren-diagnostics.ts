// Warren-only diagnostics RabbitMQ's management API lacks (rabbitmqctl environment, set_log_level,
// list_unresponsive_queues): GET /api/warren/environment, PUT /api/warren/log_level,
// GET /api/warren/unresponsive-queues/{vhost}?queue_timeout=ms.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { brokerOf, NODE_NAME, vhostOr404, type ApiContext } from './context.js';
import { badRequest, HttpError, jsonBody, noContent, ok, type ApiReply, type ApiRequest } from './http.js';
import type { Route } from './route.js';

/** The levels set_log_level takes (RabbitMQ's names). */
const LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency', 'none'];

/**
 * The node's effective configuration, grouped and named as rabbitmqctl environment shows RabbitMQ's application
 * environment (rabbit, rabbitmq_management, rabbitmq_prometheus), plus what only warren has.
 */
function environment(ctx: ApiContext): Record<string, unknown> {
  const server = ctx.server;
  const o = server.options;
  const broker = brokerOf(ctx);
  const monitor = server.monitor;
  const api = ctx.apiListeners();
  const listener = (protocol: string): { ip: string; port: number }[] => api.filter((l) => l.protocol === protocol).map((l) => ({ ip: l.host, port: l.port }));
  const tls = o.tls;
  return {
    rabbit: {
      tcp_listeners: [{ ip: o.bind, port: server.address?.port ?? o.port }],
      ssl_listeners: tls ? [{ ip: tls.bind, port: server.tlsAddress?.port ?? tls.port }] : [],
      ...(tls
        ? {
            ssl_options: {
              certfile: tls.settings.certFile,
              keyfile: tls.settings.keyFile,
              ...(tls.settings.caFile !== undefined ? { cacertfile: tls.settings.caFile } : {}),
              verify: tls.settings.verify === 'peer' ? 'verify_peer' : 'verify_none',
              fail_if_no_peer_cert: tls.settings.failIfNoPeerCert,
            },
          }
        : {}),
      heartbeat: o.limits.heartbeat,
      frame_max: o.limits.frameMax,
      channel_max: o.limits.channelMax,
      handshake_timeout: o.limits.handshakeTimeout,
      connection_max: Number.isFinite(o.limits.maxConnections) ? o.limits.maxConnections : 'infinity',
      max_message_size: o.limits.maxMessageSize,
      loopback_users: [...broker.loopbackUsers],
      ...(monitor ? { vm_memory_high_watermark: { absolute: monitor.limits.memoryHighWatermark }, disk_free_limit: monitor.limits.diskFreeLimit } : {}),
      ...(ctx.counters ? { collect_statistics_interval: ctx.counters.intervalMs } : {}),
      trace_vhosts: [...broker.vhosts.values()]
        .filter((v) => v.tracing)
        .map((v) => v.name)
        .sort(),
      log: { level: server.log.level ?? 'info' },
    },
    rabbitmq_management: { rates_mode: ctx.stats ? 'basic' : 'none', listener: listener('http')[0] ?? null },
    rabbitmq_prometheus: { tcp_config: listener('http/prometheus')[0] ?? null },
    warren: {
      node: NODE_NAME,
      version: ctx.version,
      pid: process.pid,
      nodejs: process.version,
      data_dir: ctx.dataDir,
      memory_budget: broker.memory?.limit ?? null,
    },
  };
}

/** PUT /api/warren/log_level {"level": "..."}: rabbitmqctl set_log_level. */
function putLogLevel(ctx: ApiContext, req: ApiRequest): ApiReply {
  const level = jsonBody(req)['level'];
  if (typeof level !== 'string' || !LEVELS.includes(level)) throw badRequest(`level must be one of ${LEVELS.join(', ')}`);
  const log = ctx.server.log;
  if (!log.setLevel) throw new HttpError(503, 'unavailable', "this daemon's log level cannot be changed");
  const before = log.level ?? 'info';
  // logged at whichever of the two levels is the more verbose, so the change shows in the log either way
  const line = `log level changed from ${before} to ${level}`;
  if (LEVELS.indexOf(level) < LEVELS.indexOf(before)) {
    log.setLevel(level);
    log.info(line);
  } else {
    log.info(line);
    log.setLevel(level);
  }
  return noContent();
}

/**
 * rabbitmqctl list_unresponsive_queues: each queue of the vhost is asked for its info in a turn of the event loop
 * of its own; the queues whose answer came later than queue_timeout are listed. Every warren queue lives on the
 * daemon's one event loop, so a queue is late only when that loop was held up (by other work) for longer than
 * the timeout, and then the queues asked during that time are all late.
 */
async function unresponsiveQueues(ctx: ApiContext, req: ApiRequest): Promise<ApiReply> {
  const vhost = vhostOr404(ctx, req.params['vhost']);
  const raw = req.query.get('queue_timeout');
  const timeoutMs = raw === null ? 15_000 : Number(raw);
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw badRequest('queue_timeout must be a positive number of milliseconds');
  const late: Record<string, unknown>[] = [];
  for (const queue of [...vhost.queues.values()]) {
    const asked = performance.now();
    await nextTurn();
    if (queue.deleted) continue;
    const info = {
      name: queue.name,
      vhost: vhost.name,
      durable: queue.options.durable,
      auto_delete: queue.options.autoDelete,
      arguments: queue.options.arguments,
      node: NODE_NAME,
      recoverable_slaves: [],
    };
    if (performance.now() - asked > timeoutMs) late.push(info);
  }
  return ok(late);
}

export const warrenDiagnosticRoutes: Route[] = [
  { method: 'GET', path: 'warren/environment', handler: (ctx) => ok(environment(ctx)) },
  { method: 'PUT', path: 'warren/log_level', handler: putLogLevel },
  { method: 'GET', path: 'warren/unresponsive-queues/:vhost', handler: unresponsiveQueues },
];
