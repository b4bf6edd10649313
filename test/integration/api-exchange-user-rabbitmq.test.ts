// An exchange's user_who_performed_action is the user who declared it, however it was declared: over AMQP,
// with PUT /api/exchanges, or by a definitions import (whole broker or one vhost); a later declaration by
// another user does not change it, and the broker's own exchanges show rmq-internal. Checked against warren
// (also across a restart) and RabbitMQ 3.10.8.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWarren, type Warren } from '../helpers/warren.js';
import { call, type HttpResult, type Target } from './api-http.js';

const RABBITMQ_URL = process.env.RABBITMQ_URL;
const RABBITMQ_API_URL = process.env.RABBITMQ_API_URL;
if (!RABBITMQ_URL || !RABBITMQ_API_URL)
  console.warn('[api-exchange-user] RABBITMQ_URL / RABBITMQ_API_URL not set: the RabbitMQ side is skipped (CI sets them)');

const PASSWORD = 'pw-actor';
const DEFAULT_VHOST = encodeURIComponent('/');

interface Broker {
  api: Target;
  /** amqp://host:port, without credentials or vhost */
  amqp: string;
  superuser: { user: string; password: string };
}

function suite(start: () => Promise<Broker>, restart?: () => Promise<Broker>): void {
  const suffix = randomBytes(4).toString('hex');
  const vhost = `layers-actor-v-${suffix}`;
  const user = `layers-actor-u-${suffix}`;
  let b: Broker;
  const as = (who: { user: string; password: string }, method: string, path: string, json?: unknown): Promise<HttpResult> =>
    call(b.api, method, `/api/${path}`, json === undefined ? { auth: who } : { auth: who, json });
  const asUser = { user, password: PASSWORD };
  const actors = async (): Promise<Record<string, unknown>> => {
    const r = await as(b.superuser, 'GET', `exchanges/${vhost}`);
    expect(r.status).toBe(200);
    return Object.fromEntries((r.body as { name: string; user_who_performed_action: unknown }[]).map((x) => [x.name, x.user_who_performed_action]));
  };

  beforeAll(async () => {
    b = await start();
    expect((await as(b.superuser, 'PUT', `users/${user}`, { password: PASSWORD, tags: 'administrator' })).status).toBe(201);
    expect((await as(b.superuser, 'PUT', `vhosts/${vhost}`, {})).status).toBe(201);
    expect((await as(b.superuser, 'PUT', `permissions/${vhost}/${user}`, { configure: '.*', write: '.*', read: '.*' })).status).toBe(201);
  });
  afterAll(async () => {
    if (!b) return;
    await as(b.superuser, 'DELETE', `vhosts/${vhost}`);
    await as(b.superuser, 'DELETE', `users/${user}`);
  });

  it('names the user who declared each exchange, whichever way it was declared', async () => {
    const c = await amqp.connect(`${b.amqp}/${encodeURIComponent(vhost)}`, { credentials: amqp.credentials.plain(user, PASSWORD) });
    try {
      const ch = await c.createChannel();
      await ch.assertExchange('by-amqp', 'fanout', { durable: true });
      await ch.assertExchange('by-amqp-transient', 'topic', { durable: false });
    } finally {
      await c.close();
    }
    expect((await as(asUser, 'PUT', `exchanges/${vhost}/by-api`, { type: 'direct', durable: true })).status).toBe(201);
    const x = (name: string) => ({ name, vhost, type: 'topic', durable: true, auto_delete: false, internal: false, arguments: {} });
    expect((await as(asUser, 'POST', 'definitions', { exchanges: [x('by-import')] })).status).toBe(204);
    expect((await as(asUser, 'POST', `definitions/${vhost}`, { exchanges: [x('by-vhost-import')] })).status).toBe(204);
    // declared again by someone else: the first declarer stays
    expect((await as(b.superuser, 'PUT', `exchanges/${vhost}/by-api`, { type: 'direct', durable: true })).status).toBe(204);
    expect(await actors()).toMatchObject({ 'by-amqp': user, 'by-amqp-transient': user, 'by-api': user, 'by-import': user, 'by-vhost-import': user });
    const builtIn = (await as(b.superuser, 'GET', `exchanges/${DEFAULT_VHOST}/amq.direct`)).body as { user_who_performed_action: unknown };
    expect(builtIn.user_who_performed_action).toBe('rmq-internal');
  });

  if (restart) {
    it('keeps the declaring user of durable exchanges across a restart', async () => {
      b = await restart();
      const after = await actors();
      expect(after).toMatchObject({ 'by-amqp': user, 'by-api': user, 'by-import': user, 'by-vhost-import': user });
      expect(after).not.toHaveProperty('by-amqp-transient');
    });
  }
}

describe('user_who_performed_action of exchanges on warren', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'warren-actor-'));
  let w: Warren | undefined;
  const up = async (): Promise<Broker> => {
    w = await startWarren({ dataDir });
    const u = new URL(w.apiUrl!);
    return { api: { host: u.hostname, port: Number(u.port) }, amqp: `amqp://${w.host}:${w.port}`, superuser: { user: 'guest', password: 'guest' } };
  };
  // registered before the suite's own, so it runs after it (after-hooks run in reverse order)
  afterAll(async () => {
    await w?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  suite(up, async () => {
    await w!.stop();
    return up();
  });
});

describe.skipIf(!RABBITMQ_URL || !RABBITMQ_API_URL)('user_who_performed_action of exchanges on RabbitMQ (RABBITMQ_URL, RABBITMQ_API_URL)', () => {
  suite(async () => {
    const api = new URL(RABBITMQ_API_URL!);
    const url = new URL(RABBITMQ_URL!);
    return {
      api: { host: api.hostname, port: Number(api.port) },
      amqp: `amqp://${url.host}`,
      superuser: { user: decodeURIComponent(api.username), password: decodeURIComponent(api.password) },
    };
  });
});
