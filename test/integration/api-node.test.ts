// The control socket and the warren node endpoints: socket mode, auth, status, stop_app /
// start_app / reset semantics seen by AMQP clients, stop, and the optional TCP listener.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverBin, startWarren, type Warren } from '../helpers/warren.js';
import { V, call, socketClient, type Client } from './api-http.js';

describe('control socket', () => {
  let w: Warren;
  let api: Client;
  beforeAll(async () => {
    w = await startWarren();
    api = socketClient(w.socket);
  });
  afterAll(async () => {
    await w.stop();
  });

  it('is a socket with mode 0600', () => {
    const st = statSync(w.socket);
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o600);
  });

  it('serves status in the shape the CLI expects', async () => {
    const r = await api.get('/api/warren/status');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ app_running: true, pid: w.process.pid, data_dir: w.dataDir, connections: 0, channels: 0, queues: 0, messages: 0 });
    expect(typeof r.body.version).toBe('string');
    expect(typeof r.body.uptime_ms).toBe('number');
    expect(r.body.memory.rss).toBeGreaterThan(0);
    expect(r.body.memory.heap_used).toBeGreaterThan(0);
    expect(r.body.listeners).toContainEqual({ protocol: 'amqp', host: '127.0.0.1', port: w.port });
    expect(r.body.listeners).toContainEqual({ protocol: 'http', host: '127.0.0.1', port: Number(new URL(w.apiUrl!).port) });
  });

  it('answers overview, nodes and health checks', async () => {
    const o = await api.get('/api/overview');
    expect(o.status).toBe(200);
    expect(o.body.object_totals).toMatchObject({ connections: 0, channels: 0, consumers: 0, queues: 0 });
    expect(o.body.listeners[0]).toMatchObject({ protocol: 'amqp', port: w.port });
    expect((await api.get('/api/nodes')).body[0]).toMatchObject({ running: true, os_pid: String(w.process.pid) });
    expect((await api.get('/api/health/checks/alarms')).body).toEqual({ status: 'ok' });
    expect((await api.get('/api/health/checks/virtual-hosts')).body).toEqual({ status: 'ok' });
    expect((await api.get(`/api/health/checks/port-listener/${w.port}`)).body).toEqual({ status: 'ok', port: w.port });
    const missing = await api.get('/api/health/checks/port-listener/1');
    expect(missing.status).toBe(503);
    expect(missing.body).toMatchObject({ status: 'failed', reason: 'No active listener', missing: 1 });
    expect(missing.body.ports).toContain(w.port);
    expect((await api.get(`/api/aliveness-test/${V}`)).body).toEqual({ status: 'ok' });
    expect((await api.get('/api/aliveness-test/nope')).status).toBe(404);
  });

  it('shows the resource alarms in effect in GET /api/nodes (mem_alarm, disk_free_alarm)', async () => {
    expect((await api.get('/api/nodes')).body[0]).toMatchObject({ mem_alarm: false, disk_free_alarm: false });
    // Demand more free disk than any machine has: the limits update rechecks, and the disk alarm is raised.
    expect((await api.put('/api/warren/limits', { disk_free_limit: 2 ** 52 })).status).toBe(204);
    try {
      expect((await api.get('/api/nodes')).body[0]).toMatchObject({ mem_alarm: false, disk_free_alarm: true });
    } finally {
      expect((await api.put('/api/warren/limits', { disk_free_limit: 0 })).status).toBe(204);
    }
    expect((await api.get('/api/nodes')).body[0]).toMatchObject({ mem_alarm: false, disk_free_alarm: false });
  });

  it('answers 404, 405 and bad JSON as RabbitMQ', async () => {
    const nf = await api.get('/api/no-such-thing');
    expect(nf.status).toBe(404);
    expect(nf.body).toEqual({ error: 'Object Not Found', reason: 'Not Found' });
    expect((await api.get('/not-api')).status).toBe(404);
    const wrong = await api.post(`/api/queues/${V}/q`, {});
    expect(wrong.status).toBe(405);
    expect(wrong.headers['allow']).toContain('PUT');
    const bad = await call({ socketPath: w.socket }, 'PUT', `/api/queues/${V}/q`, { raw: '{not json' });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ error: 'bad_request', reason: 'not_json' });
  });

  it('needs no credentials, but checks them when given', async () => {
    expect((await api.get('/api/whoami')).body.tags).toEqual(['administrator']);
    const good = await api.get('/api/whoami', { auth: { user: 'guest', password: 'guest' } });
    expect(good.status).toBe(200);
    expect(good.body).toEqual({ name: 'guest', tags: ['administrator'] });
    const bad = await api.get('/api/whoami', { auth: { user: 'guest', password: 'wrong' } });
    expect(bad.status).toBe(401);
    expect(bad.body.reason).toBe('Login failed');
    expect((await api.get('/api/queues', { auth: { user: 'nobody', password: 'x' } })).status).toBe(401);
  });
});

describe('node operations', () => {
  let w: Warren;
  let api: Client;
  beforeAll(async () => {
    w = await startWarren();
    api = socketClient(w.socket);
  });
  afterAll(async () => {
    await w.stop();
  });

  it('refuses reset while the app runs', async () => {
    const r = await api.post('/api/warren/reset');
    expect(r.status).toBe(409);
    expect(r.body.error).toBe('conflict');
    expect(typeof r.body.reason).toBe('string');
  });

  it('stop_app disconnects clients, reset leaves guest and /, start_app serves again', async () => {
    expect((await api.put('/api/users/alice', { password: 'pw', tags: 'administrator' })).status).toBe(201);
    expect((await api.put('/api/vhosts/v1')).status).toBe(201);
    expect((await api.put(`/api/queues/${V}/keep-me`, { durable: true })).status).toBe(201);

    const conn = await amqp.connect(w.url);
    const closed = new Promise<Error | undefined>((resolve) => {
      conn.on('error', (e: Error) => resolve(e));
      conn.on('close', (e?: Error) => resolve(e));
    });
    expect((await api.post('/api/warren/stop_app')).status).toBe(204);
    const err = await closed;
    expect(String(err)).toMatch(/CONNECTION_FORCED/);
    expect((await api.get('/api/warren/status')).body.app_running).toBe(false);
    await expect(amqp.connect(w.url)).rejects.toThrow();

    // Non-warren endpoints are unavailable, except reading definitions, users, vhosts, ...
    const stopped = await api.get('/api/queues');
    expect(stopped.status).toBe(503);
    expect(stopped.body.error).toBe('app_stopped');
    expect((await api.put(`/api/queues/${V}/x`, {})).status).toBe(503);
    expect((await api.get('/api/users')).status).toBe(200);
    expect((await api.get('/api/vhosts')).status).toBe(200);
    expect((await api.get('/api/definitions')).status).toBe(200);
    expect((await api.get('/api/overview')).status).toBe(200);

    expect((await api.post('/api/warren/reset')).status).toBe(204);
    expect((await api.post('/api/warren/start_app')).status).toBe(204);
    expect((await api.get('/api/warren/status')).body.app_running).toBe(true);
    expect((await api.get('/api/users')).body.map((u: { name: string }) => u.name)).toEqual(['guest']);
    expect((await api.get('/api/vhosts')).body.map((v: { name: string }) => v.name)).toEqual(['/']);
    expect((await api.get('/api/queues')).body).toEqual([]);
    expect((await api.get('/api/permissions')).body).toEqual([{ user: 'guest', vhost: '/', configure: '.*', write: '.*', read: '.*' }]);

    const again = await amqp.connect(w.url);
    const ch = await again.createChannel();
    await ch.assertQueue('after-restart');
    await again.close();
  });

  it('force_reset works while the app runs', async () => {
    await api.put('/api/users/bob', { password: 'pw', tags: '' });
    expect((await api.post('/api/warren/force_reset')).status).toBe(204);
    expect((await api.get('/api/users/bob')).status).toBe(404);
  });
});

describe('daemon lifetime', () => {
  it('POST /api/warren/stop shuts the daemon down cleanly and removes the socket', async () => {
    const w = await startWarren({ keepDataDir: true });
    const api = socketClient(w.socket);
    expect((await api.post('/api/warren/stop')).status).toBe(204);
    const code = await new Promise<number | null>((resolve) => {
      if (w.process.exitCode !== null) resolve(w.process.exitCode);
      else w.process.once('exit', (c) => resolve(c));
    });
    expect(code).toBe(0);
    expect(existsSync(w.socket)).toBe(false);
    expect(w.output()).toMatch(/shutting down/);
    await w.stop();
  });

  it('removes a stale socket file but refuses to clobber a live daemon', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'warren-api-'));
    // A socket file left by a process killed with SIGKILL.
    const sock = join(dataDir, 'warren.sock');
    const holder = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(sock)}, () => console.log('up'))`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise((r) => holder.stdout!.once('data', r));
    holder.kill('SIGKILL');
    await new Promise((r) => holder.once('exit', r));
    expect(existsSync(sock)).toBe(true);

    const w = await startWarren({ dataDir });
    const api = socketClient(w.socket);
    expect((await api.get('/api/warren/status')).status).toBe(200);

    // A second daemon on the same data directory must not take the live socket over.
    const second = spawn(process.execPath, [serverBin, '--port', '0', '--bind', '127.0.0.1', '--data-dir', dataDir, '--no-management', '--no-metrics'], {
      stdio: 'ignore',
    });
    const code = await new Promise<number | null>((resolve) => second.once('exit', (c) => resolve(c)));
    expect(code).not.toBe(0);
    expect((await api.get('/api/warren/status')).body.pid).toBe(w.process.pid);
    await w.stop();
  });
});

describe('TCP listener (--api-port)', () => {
  let w: Warren;
  let port: number;
  beforeAll(async () => {
    w = await startWarren({ args: ['--api-port', '0'] });
    port = Number(new URL(w.apiUrl!).port);
  });
  afterAll(async () => {
    await w.stop();
  });

  it('is listed in status', async () => {
    const status = await socketClient(w.socket).get('/api/warren/status');
    expect(status.body.listeners).toContainEqual({ protocol: 'http', host: '127.0.0.1', port });
  });

  it('requires basic auth of a management user', async () => {
    const t = { host: '127.0.0.1', port };
    const none = await call(t, 'GET', '/api/overview');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Basic/);
    expect((await call(t, 'GET', '/api/overview', { auth: { user: 'guest', password: 'nope' } })).status).toBe(401);
    const ok = await call(t, 'GET', '/api/whoami', { auth: { user: 'guest', password: 'guest' } });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ name: 'guest', tags: ['administrator'] });

    await socketClient(w.socket).put('/api/users/plain', { password: 'pw', tags: '' });
    const notManagement = await call(t, 'GET', '/api/queues', { auth: { user: 'plain', password: 'pw' } });
    expect(notManagement.status).toBe(401);
    expect(notManagement.body).toEqual({ error: 'not_authorised', reason: 'Not management user' });
  });
});
