// Definitions export/import over the management API: a round trip into a second daemon, the
// per-vhost form, and (when RABBITMQ_API_URL is set) shape comparison with and import into RabbitMQ.
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.js';
import { startWarren, type Warren } from '../helpers/warren.js';
import { V, call, socketClient, type Client } from './api-http.js';

async function populate(api: Client): Promise<void> {
  await api.put('/api/users/app', { password: 'app-pw', tags: 'monitoring' });
  await api.put('/api/vhosts/prod', { description: 'production', tags: 'blue' });
  await api.put('/api/permissions/prod/app', { configure: '^app-', write: '.*', read: '.*' });
  await api.put('/api/exchanges/prod/events', { type: 'topic', durable: true });
  await api.put('/api/exchanges/prod/fanout-out', { type: 'fanout', durable: true, arguments: { 'alternate-exchange': 'amq.fanout' } });
  await api.put('/api/exchanges/prod/transient-x', { type: 'direct', durable: false });
  await api.put('/api/queues/prod/orders', { durable: true, arguments: { 'x-max-length': 1000, 'x-queue-mode': 'lazy' } });
  await api.put('/api/queues/prod/transient-q', { durable: false });
  await api.post('/api/bindings/prod/e/events/q/orders', { routing_key: 'order.*', arguments: { 'x-extra': 'yes' } });
  await api.post('/api/bindings/prod/e/events/e/fanout-out', { routing_key: '#' });
  await api.post('/api/bindings/prod/e/events/q/transient-q', { routing_key: 'x' });
}

describe('definitions', () => {
  let a: Warren;
  let b: Warren;
  let apiA: Client;
  let apiB: Client;
  beforeAll(async () => {
    [a, b] = await Promise.all([startWarren(), startWarren()]);
    apiA = socketClient(a.socket);
    apiB = socketClient(b.socket);
    await populate(apiA);
  });
  afterAll(async () => {
    await Promise.all([a.stop(), b.stop()]);
  });

  it('exports RabbitMQ-compatible JSON with durable objects only', async () => {
    const defs = (await apiA.get('/api/definitions')).body;
    expect(Object.keys(defs)).toEqual(
      expect.arrayContaining([
        'rabbit_version',
        'users',
        'vhosts',
        'permissions',
        'topic_permissions',
        'parameters',
        'global_parameters',
        'policies',
        'queues',
        'exchanges',
        'bindings',
      ]),
    );
    expect(defs.users).toContainEqual(expect.objectContaining({ name: 'app', hashing_algorithm: 'rabbit_password_hashing_sha256', tags: ['monitoring'] }));
    expect(defs.vhosts).toContainEqual(expect.objectContaining({ name: 'prod', description: 'production', tags: ['blue'] }));
    expect(defs.permissions).toContainEqual({ user: 'app', vhost: 'prod', configure: '^app-', write: '.*', read: '.*' });
    expect(defs.queues).toEqual([
      { vhost: 'prod', name: 'orders', durable: true, auto_delete: false, arguments: { 'x-max-length': 1000, 'x-queue-mode': 'lazy' } },
    ]);
    expect(defs.exchanges.map((x: { name: string }) => x.name).sort()).toEqual(['events', 'fanout-out']);
    expect(defs.bindings).toHaveLength(2);
    expect(defs.bindings).toContainEqual({
      vhost: 'prod',
      source: 'events',
      destination: 'orders',
      destination_type: 'queue',
      routing_key: 'order.*',
      arguments: { 'x-extra': 'yes' },
    });
  });

  it('imports into a second daemon: same definitions, and the imported user can log in', async () => {
    const exported = await apiA.get('/api/definitions');
    const imported = await call({ socketPath: b.socket }, 'POST', '/api/definitions', { raw: exported.text });
    expect(imported.status).toBe(204);
    const again = (await apiB.get('/api/definitions')).body;
    const strip = (d: Record<string, unknown>) => ({ ...d, users: (d['users'] as { name: string }[]).filter((u) => u.name !== 'guest') });
    expect(strip(again)).toEqual(strip(exported.body));

    const conn = await amqp.connect(`amqp://app:app-pw@127.0.0.1:${b.port}/prod`);
    const ch = await conn.createConfirmChannel();
    expect((await ch.checkQueue('orders')).queue).toBe('orders');
    ch.publish('events', 'order.new', Buffer.from('o1'));
    await ch.waitForConfirms();
    await conn.close();
    expect((await apiB.get('/api/queues/prod/orders')).body.messages).toBe(1);
  });

  it('exports and imports one vhost', async () => {
    const one = (await apiA.get('/api/definitions/prod')).body;
    expect(Object.keys(one).sort()).toEqual(['bindings', 'exchanges', 'parameters', 'policies', 'queues', 'rabbit_version']);
    expect(one.queues).toEqual([{ name: 'orders', durable: true, auto_delete: false, arguments: { 'x-max-length': 1000, 'x-queue-mode': 'lazy' } }]);
    await apiB.put('/api/vhosts/staging');
    expect((await apiB.post('/api/definitions/staging', one)).status).toBe(204);
    expect((await apiB.get('/api/queues/staging/orders')).status).toBe(200);
    expect((await apiB.get('/api/bindings/staging/e/events/q/orders')).body).toHaveLength(1);
    expect((await apiB.get('/api/definitions/nope')).status).toBe(404);
  });

  it('imports server-named (amq.gen-) queues, which RabbitMQ exports', async () => {
    const name = 'amq.gen-0123456789abcdefABCDEF';
    const defs = { queues: [{ name, vhost: '/', durable: true, auto_delete: false, arguments: {} }] };
    expect((await apiB.post('/api/definitions', defs)).status).toBe(204);
    expect((await apiB.get(`/api/queues/${V}/${name}`)).status).toBe(200);
  });

  it('rejects bad definitions with 400', async () => {
    const bad = await call({ socketPath: b.socket }, 'POST', '/api/definitions', { raw: '{oops' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('bad_request');
    expect((await apiB.post('/api/definitions', { queues: [{ name: 'q', vhost: 'missing' }] })).status).toBe(400);
    expect((await apiB.post('/api/definitions', { permissions: [{ user: 'guest', vhost: '/', configure: '(', write: '', read: '' }] })).status).toBe(400);
    expect((await apiB.post('/api/definitions', { users: 'not a list' })).status).toBe(400);
  });
});

// Comparing with a real RabbitMQ management API needs one; CI sets RABBITMQ_API_URL.
const RABBIT = process.env['RABBITMQ_API_URL'];
if (!RABBIT) console.log('api-definitions: RABBITMQ_API_URL is not set; skipping the comparison with RabbitMQ');

describe.skipIf(!RABBIT)('against RabbitMQ (RABBITMQ_API_URL)', () => {
  let w: Warren;
  let api: Client;
  const url = new URL(RABBIT ?? 'http://guest:guest@127.0.0.1:15672');
  const auth = { user: decodeURIComponent(url.username || 'guest'), password: decodeURIComponent(url.password || 'guest') };
  const rabbit = (method: string, path: string, json?: unknown) =>
    call({ host: url.hostname, port: Number(url.port || 15672) }, method, path, json === undefined ? { auth } : { auth, json });
  const vhost = `warren-api-test-${process.pid}`;
  const user = `warren-api-user-${process.pid}`;

  beforeAll(async () => {
    w = await startWarren();
    api = socketClient(w.socket);
    await populate(api);
  });
  afterAll(async () => {
    await rabbit('DELETE', `/api/vhosts/${vhost}`);
    await rabbit('DELETE', `/api/users/${user}`);
    await w.stop();
  });

  /** Every field warren shows exists in RabbitMQ's answer, with the same JSON type. */
  function expectSubsetShape(ours: Record<string, unknown>, theirs: Record<string, unknown>, ignore: string[] = []): void {
    for (const [k, v] of Object.entries(ours)) {
      if (ignore.includes(k)) continue;
      expect(Object.keys(theirs), `field ${k}`).toContain(k);
      const kind = (x: unknown) => (x === null ? 'null' : Array.isArray(x) ? 'array' : typeof x);
      if (v !== null && theirs[k] !== null) expect(kind(theirs[k]), `type of ${k}`).toBe(kind(v));
    }
  }

  it('uses RabbitMQ field names for queues, exchanges, bindings, users, vhosts and overview', async () => {
    expect((await rabbit('PUT', `/api/vhosts/${vhost}`, {})).status).toBe(201);
    await rabbit('PUT', `/api/queues/${vhost}/cmp-q`, { durable: true, arguments: { 'x-max-length': 5 } });
    await rabbit('PUT', `/api/exchanges/${vhost}/cmp-x`, { type: 'topic', durable: true });
    await rabbit('POST', `/api/bindings/${vhost}/e/cmp-x/q/cmp-q`, { routing_key: 'k' });
    await api.put(`/api/queues/${V}/cmp-q`, { durable: true, arguments: { 'x-max-length': 5 } });
    await api.put(`/api/exchanges/${V}/cmp-x`, { type: 'topic', durable: true });
    await api.post(`/api/bindings/${V}/e/cmp-x/q/cmp-q`, { routing_key: 'k' });

    // RabbitMQ fills in statistics fields (a new queue's state, messages, ...) only when its stats are next
    // emitted (every 5 s, later on a busy machine): compare once every field warren shows is there, or, at the
    // deadline, with what RabbitMQ shows then (so the failure names the missing field).
    const compare = async (ourPath: string, theirPath: string, ignore: string[] = [], pick = (b: unknown) => b): Promise<void> => {
      const ours = pick((await api.get(ourPath)).body) as Record<string, unknown>;
      let latest: Record<string, unknown> = {};
      const complete = async (): Promise<boolean> => {
        latest = pick((await rabbit('GET', theirPath)).body) as Record<string, unknown>;
        return Object.keys(ours).every((k) => ignore.includes(k) || k in latest);
      };
      await waitFor(complete, `RabbitMQ's fields for ${theirPath}`).catch(() => undefined);
      expectSubsetShape(ours, latest, ignore);
    };
    const first = (b: unknown) => (b as unknown[])[0];
    await compare(`/api/queues/${V}/cmp-q`, `/api/queues/${vhost}/cmp-q`, [
      'message_bytes_ready',
      'message_bytes_unacknowledged',
      'messages_ram',
      'message_bytes_ram',
    ]);
    await compare(`/api/exchanges/${V}/cmp-x`, `/api/exchanges/${vhost}/cmp-x`, ['policy']);
    await compare(`/api/bindings/${V}/e/cmp-x/q/cmp-q`, `/api/bindings/${vhost}/e/cmp-x/q/cmp-q`, [], first);
    await compare('/api/users/guest', '/api/users/guest');
    // message_stats appears once messages went through a vhost (warren's / has had traffic, RabbitMQ's new vhost none)
    await compare(`/api/vhosts/${V}`, `/api/vhosts/${vhost}`, ['messages', 'messages_ready', 'messages_unacknowledged', 'message_stats']);
    await compare('/api/overview', '/api/overview');
    await compare(`/api/permissions/${V}/guest`, '/api/permissions/%2F/guest');
    expect((await rabbit('GET', `/api/queues/${vhost}/missing`)).body).toEqual((await api.get(`/api/queues/${V}/missing`)).body);
  });

  it('RabbitMQ imports warren definitions (one vhost and one user, so its own stay untouched)', async () => {
    const defs = (await api.get('/api/definitions')).body;
    const rename = <T extends { vhost?: string }>(xs: T[]) => xs.filter((x) => x.vhost === 'prod').map((x) => ({ ...x, vhost }));
    const subset = {
      rabbit_version: defs.rabbit_version,
      users: defs.users.filter((u: { name: string }) => u.name === 'app').map((u: object) => ({ ...u, name: user })),
      vhosts: [{ name: vhost }],
      permissions: rename(defs.permissions).map((p) => ({ ...p, user })),
      queues: rename(defs.queues),
      exchanges: rename(defs.exchanges),
      bindings: rename(defs.bindings),
    };
    const r = await rabbit('POST', '/api/definitions', subset);
    expect(r.status, r.text).toBeLessThan(300);
    expect((await rabbit('GET', `/api/queues/${vhost}/orders`)).body.arguments).toEqual({ 'x-max-length': 1000, 'x-queue-mode': 'lazy' });
    const who = await call({ host: url.hostname, port: Number(url.port || 15672) }, 'GET', '/api/whoami', { auth: { user, password: 'app-pw' } });
    // 'monitoring' may use the API: the password hash carried over.
    expect(who.status).toBe(200);

    const back = (await rabbit('GET', `/api/definitions/${vhost}`)).body;
    await api.put('/api/vhosts/from-rabbit');
    expect((await api.post('/api/definitions/from-rabbit', back)).status).toBe(204);
    expect((await api.get('/api/queues/from-rabbit/orders')).status).toBe(200);
  });
});
