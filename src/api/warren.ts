// Warren-only node operations RabbitMQ's API lacks (rabbitmqctl's status, stop_app, start_app,
// reset, force_reset, stop): GET /api/warren/status, POST /api/warren/{stop_app,start_app,reset,force_reset,stop}.
import type { ApiContext } from './context.js';
import { HttpError, badRequest, jsonBody, noContent, ok, type ApiReply, type ApiRequest } from './http.js';
import { listeners, totals } from './node.js';
import type { Route } from './route.js';

function status(ctx: ApiContext): Record<string, unknown> {
  const t = totals(ctx);
  const mem = process.memoryUsage();
  return {
    version: ctx.version,
    pid: process.pid,
    app_running: ctx.server.appRunning,
    uptime_ms: Date.now() - ctx.server.startedAt,
    data_dir: ctx.dataDir,
    listeners: listeners(ctx),
    ...managementUrl(ctx),
    memory: { rss: mem.rss, heap_used: mem.heapUsed },
    connections: t.connections,
    channels: t.channels,
    queues: t.queues,
    messages: t.ready + t.unacked,
    alarms: [...(ctx.server.monitor?.alarms ?? [])],
    limits: limits(ctx),
  };
}

/** The management UI's URL, when the TCP listener runs. */
function managementUrl(ctx: ApiContext): { management_url?: string } {
  const l = ctx.apiListeners().find((x) => x.protocol === 'http');
  if (!l) return {};
  const host = l.host === '0.0.0.0' || l.host === '::' ? 'localhost' : l.host.includes(':') ? `[${l.host}]` : l.host;
  return { management_url: `http://${host}:${l.port}/` };
}

function limits(ctx: ApiContext): Record<string, unknown> {
  const m = ctx.server.monitor;
  return m
    ? { memory_high_watermark: m.limits.memoryHighWatermark, memory_used: m.memoryUsed, disk_free_limit: m.limits.diskFreeLimit, disk_free: m.diskFree }
    : {};
}

/** PUT /api/warren/limits: rabbitmqctl set_vm_memory_high_watermark / set_disk_free_limit. */
function putLimits(ctx: ApiContext, req: ApiRequest): ApiReply {
  const monitor = ctx.server.monitor;
  if (!monitor) throw new HttpError(503, 'unavailable', 'resource monitoring is not running');
  const body = jsonBody(req);
  const update: { memoryHighWatermark?: number; diskFreeLimit?: number } = {};
  for (const [key, field] of [
    ['memory_high_watermark', 'memoryHighWatermark'],
    ['disk_free_limit', 'diskFreeLimit'],
  ] as const) {
    const v = body[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw badRequest(`'${key}' must be a non-negative number of bytes`);
    update[field] = Math.floor(v);
  }
  monitor.update(update);
  return noContent();
}

export const warrenRoutes: Route[] = [
  { method: 'GET', path: 'warren/status', handler: (ctx) => ok(status(ctx)) },
  { method: 'GET', path: 'warren/limits', handler: (ctx) => ok(limits(ctx)) },
  { method: 'PUT', path: 'warren/limits', handler: putLimits },
  {
    method: 'POST',
    path: 'warren/stop_app',
    handler: async (ctx) => {
      ctx.server.log.info('stop_app requested over the management API');
      await ctx.server.stopApp('shutdown');
      return noContent();
    },
  },
  {
    method: 'POST',
    path: 'warren/start_app',
    handler: async (ctx) => {
      if (!ctx.server.appRunning) {
        ctx.server.log.info('start_app requested over the management API');
        await ctx.server.startApp();
        const a = ctx.server.address;
        if (a) ctx.server.log.info(`AMQP listener on ${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`);
      }
      return noContent();
    },
  },
  {
    method: 'POST',
    path: 'warren/reset',
    handler: (ctx) => {
      // rabbitmqctl reset: refused while the app runs.
      if (ctx.server.appRunning) throw new HttpError(409, 'conflict', 'the warren application is running; stop it first (stop_app), or use force_reset');
      ctx.server.log.info('reset requested over the management API');
      ctx.server.reset();
      return noContent();
    },
  },
  {
    method: 'POST',
    path: 'warren/force_reset',
    handler: (ctx) => {
      ctx.server.log.info('force_reset requested over the management API');
      ctx.server.reset();
      return noContent();
    },
  },
  {
    method: 'POST',
    path: 'warren/stop',
    // The daemon shuts down (as on SIGTERM) once this reply has been sent.
    handler: (ctx) => ({ status: 204, after: () => ctx.stop() }),
  },
];
