// Prometheus metrics over HTTP on 15692 (as RabbitMQ's rabbitmq_prometheus plugin): GET /metrics
// and GET /metrics/per-object, no authentication, as RabbitMQ.
import { createServer, type Server } from 'node:http';
import type { ApiContext } from '../api/context.js';
import { prometheusText } from '../api/prometheus.js';
import { closeServer, listen } from './http-util.js';

const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export interface MetricsListener {
  readonly address: { host: string; port: number };
  close(): Promise<void>;
}

export async function startMetricsListener(opts: { ctx: ApiContext; port: number; bind: string; log: { error(msg: string): void } }): Promise<MetricsListener> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path !== '/metrics' && path !== '/metrics/per-object') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not Found: metrics are at /metrics and /metrics/per-object\n');
      return;
    }
    try {
      const body = Buffer.from(prometheusText(opts.ctx, path === '/metrics/per-object'), 'utf8');
      res.writeHead(200, { 'content-type': CONTENT_TYPE, 'content-length': String(body.length) });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch (err) {
      opts.log.error(`metrics listener: ${(err as Error)?.stack ?? String(err)}`);
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('internal error\n');
    }
  });
  await listen(server, (cb) => server.listen(opts.port, opts.bind, cb));
  const addr = server.address();
  const address = addr && typeof addr === 'object' ? { host: addr.address, port: addr.port } : { host: opts.bind, port: opts.port };
  return { address, close: () => closeServer(server) };
}
