// The management listener (UI + API, default 15672) and the Prometheus listener (default 15692):
// their options, a taken port (one line, exit 69), the UI's files, and /metrics parsed by a real
// Prometheus text-format parser.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctlBin, serverBin, startWarren, type Warren } from '../helpers/warren.js';
import { waitFor } from '../helpers/wait.js';
import { call } from './api-http.js';

interface Family {
  name: string;
  type: string;
  help: string;
  metrics: { value: string; labels?: Record<string, string> }[];
}

function occupy(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}

function runServer(args: string[]): { status: number | null; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'warren-ui-'));
  try {
    const r = spawnSync(process.execPath, [serverBin, '--port', '0', '--bind', '127.0.0.1', '--data-dir', dir, ...args], { encoding: 'utf8', timeout: 30_000 });
    return { status: r.status, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('management and metrics listeners against warren', () => {
  let w: Warren;
  let api: { host: string; port: number };
  beforeAll(async () => {
    w = await startWarren();
    const u = new URL(w.apiUrl!);
    api = { host: u.hostname, port: Number(u.port) };
  });
  afterAll(async () => {
    await w.stop();
  });

  it('logs the management URL and the metrics URL at startup', () => {
    expect(w.output()).toMatch(/management API listener on 127\.0\.0\.1:\d+, web UI on http:\/\/127\.0\.0\.1:\d+\//);
    expect(w.output()).toMatch(/Prometheus metrics on http:\/\/127\.0\.0\.1:\d+\/metrics/);
  });

  it('warrenctl status shows the management URL', () => {
    const r = spawnSync(process.execPath, [ctlBin, '--data-dir', w.dataDir, 'status', '--formatter', 'json'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).management_url).toBe(w.apiUrl);
  });

  it('serves the UI without credentials, and the API only with them', async () => {
    const index = await call(api, 'GET', '/');
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toMatch(/^text\/html/);
    // Everything the page loads comes from this server: no CDN, works offline.
    const refs = [...index.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!).filter((r) => !r.startsWith('data:'));
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      expect(ref).not.toMatch(/^(https?:)?\/\//);
      const r = await call(api, 'GET', ref.startsWith('/') ? ref : `/${ref}`);
      expect(r.status, ref).toBe(200);
    }
    expect((await call(api, 'GET', '/api/overview')).status).toBe(401);
    expect((await call(api, 'GET', '/../../etc/passwd')).status).toBe(404);
    expect((await call(api, 'GET', '/no-such-file.js')).status).toBe(404);
  });

  it('/metrics parses as Prometheus text with RabbitMQ metric names', async () => {
    const conn = await amqp.connect(w.url);
    const ch = await conn.createChannel();
    await ch.assertQueue('metrics-q', { durable: false });
    for (let i = 0; i < 3; i++) ch.sendToQueue('metrics-q', Buffer.from('m'));
    const m = new URL(w.metricsUrl!);
    const read = async (path: string): Promise<Map<string, Family>> => {
      const r = await call({ host: m.hostname, port: Number(m.port) }, 'GET', path);
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      const families = parsePrometheusTextFormat(r.text) as Family[];
      return new Map(families.map((f) => [f.name, f]));
    };
    const value = (f: Map<string, Family>, name: string): number => Number(f.get(name)!.metrics[0]!.value);
    const agg = await waitFor(async () => {
      const f = await read('/metrics');
      return value(f, 'rabbitmq_queue_messages_ready') === 3 ? f : false;
    }, 'three ready messages in /metrics');
    expect(value(agg, 'rabbitmq_connections')).toBe(1);
    expect(value(agg, 'rabbitmq_channels')).toBe(1);
    expect(value(agg, 'rabbitmq_queue_messages_unacked')).toBe(0);
    expect(value(agg, 'rabbitmq_global_messages_received_total')).toBe(3);
    expect(agg.get('rabbitmq_global_messages_received_total')!.type).toBe('COUNTER');
    expect(agg.get('rabbitmq_global_messages_received_total')!.metrics[0]!.labels).toEqual({ protocol: 'amqp091' });
    expect(value(agg, 'rabbitmq_process_resident_memory_bytes')).toBeGreaterThan(0);
    for (const name of [
      'rabbitmq_alarms_memory_used_watermark',
      'rabbitmq_alarms_free_disk_space_watermark',
      'rabbitmq_resident_memory_limit_bytes',
      'rabbitmq_build_info',
    ]) {
      expect(agg.has(name), name).toBe(true);
    }
    const per = await read('/metrics/per-object');
    const ready = per.get('rabbitmq_queue_messages_ready')!.metrics.find((x) => x.labels?.['queue'] === 'metrics-q')!;
    expect(ready).toEqual({ value: '3', labels: { vhost: '/', queue: 'metrics-q' } });
    await conn.close();
  });
});

describe('listener options of warren-server', () => {
  it('a taken management port is one line and exit 69', async () => {
    const { server, port } = await occupy();
    try {
      const r = runServer(['--api-port', String(port), '--no-metrics']);
      expect(r.status).toBe(69);
      expect(r.stderr.trim().split('\n')).toEqual([
        `error: 127.0.0.1:${port} (management API) is already in use (is RabbitMQ running?). Use --api-port N, or --no-management.`,
      ]);
    } finally {
      server.close();
    }
  });

  it('a taken metrics port is one line and exit 69', async () => {
    const { server, port } = await occupy();
    try {
      const r = runServer(['--api-port', '0', '--metrics-port', String(port)]);
      expect(r.status).toBe(69);
      expect(r.stderr.trim().split('\n')).toEqual([
        `error: 127.0.0.1:${port} (Prometheus metrics) is already in use (is RabbitMQ running?). Use --metrics-port N, or --no-metrics.`,
      ]);
    } finally {
      server.close();
    }
  });

  it('--no-management and --no-metrics leave only the AMQP listener and the control socket', async () => {
    const w = await startWarren({ args: ['--no-management', '--no-metrics'] });
    try {
      expect(w.apiUrl).toBeNull();
      expect(w.metricsUrl).toBeNull();
      const status = await call({ socketPath: w.socket }, 'GET', '/api/warren/status');
      expect(status.body.listeners).toEqual([{ protocol: 'amqp', host: '127.0.0.1', port: w.port }]);
      expect(status.body.management_url).toBeUndefined();
    } finally {
      await w.stop();
    }
  });

  it('--api-bind chooses the management address; a bad --rates-mode is a usage error', async () => {
    const w = await startWarren({ args: ['--bind', '127.0.0.1', '--api-bind', '127.0.0.2'] });
    try {
      expect(new URL(w.apiUrl!).hostname).toBe('127.0.0.2');
    } finally {
      await w.stop();
    }
    expect(runServer(['--rates-mode', 'detailed']).status).toBe(64);
  });
});
