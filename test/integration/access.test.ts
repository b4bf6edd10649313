// Users and permissions enforced on AMQP operations, with RabbitMQ's 403 texts.
import { networkInterfaces } from 'node:os';
import amqp, { type Channel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWarren, type Warren } from '../helpers/warren.js';
import { call } from './api-http.js';

let warren: Warren;
const url = (user: string, password: string, vhost = '') => `amqp://${user}:${password}@127.0.0.1:${warren.port}/${vhost}`;

beforeAll(async () => {
  warren = await startWarren({ args: ['--bind', '0.0.0.0'] });
  const api = { socketPath: warren.socket };
  await call(api, 'PUT', '/api/users/reader', { json: { password: 'r', tags: '' } });
  // may read anything, write only to queues/exchanges starting with "mine", configure nothing but "mine."
  await call(api, 'PUT', '/api/permissions/%2F/reader', { json: { configure: '^mine', write: '^mine', read: '^(mine|amq\\.topic)' } });
  const admin = await amqp.connect(warren.url);
  const ch = await admin.createChannel();
  await ch.assertQueue('theirs');
  await ch.close();
  await admin.close();
});
afterAll(async () => {
  await warren.stop();
});

async function channelAs(user: string, password: string): Promise<Channel> {
  const c = await amqp.connect(url(user, password));
  c.on('error', () => {});
  const ch = await c.createChannel();
  ch.on('error', () => {});
  return ch;
}

describe('permissions', () => {
  it('refuses publishing without write permission on the exchange (403)', async () => {
    const ch = await channelAs('reader', 'r');
    const closed = new Promise<Error>((r) => ch.once('error', r));
    ch.publish('amq.direct', 'x', Buffer.from('no'));
    expect((await closed).message).toMatch(/403.*ACCESS_REFUSED - access to exchange 'amq.direct' in vhost '\/' refused for user 'reader'/);
  });

  it('checks the default exchange as amq.default', async () => {
    const ch = await channelAs('reader', 'r');
    const closed = new Promise<Error>((r) => ch.once('error', r));
    ch.sendToQueue('theirs', Buffer.from('no'));
    expect((await closed).message).toMatch(/access to exchange 'amq.default' in vhost '\/' refused for user 'reader'/);
  });

  it('refuses consuming without read permission on the queue (403)', async () => {
    const ch = await channelAs('reader', 'r');
    await expect(ch.consume('theirs', () => {})).rejects.toThrow(/ACCESS_REFUSED - access to queue 'theirs' in vhost '\/' refused for user 'reader'/);
  });

  it('refuses declaring without configure permission, and allows what the patterns grant', async () => {
    const ch = await channelAs('reader', 'r');
    await expect(ch.assertQueue('other')).rejects.toThrow(/access to queue 'other' in vhost '\/' refused for user 'reader'/);
    const ok = await channelAs('reader', 'r');
    await ok.assertQueue('mine-q', { exclusive: true });
    await ok.bindQueue('mine-q', 'amq.topic', '#');
    await ok.consume('mine-q', () => {});
  });

  it('refuses a user with no permissions on the vhost at connection.open (530)', async () => {
    await call({ socketPath: warren.socket }, 'PUT', '/api/users/nobody', { json: { password: 'n', tags: '' } });
    await expect(amqp.connect(url('nobody', 'n'))).rejects.toThrow(/ConnectionClose|NOT_ALLOWED/);
  });
});

describe('topic permissions', () => {
  it('check binding keys against read and routing keys against write, with {username} expanded', async () => {
    const api = { socketPath: warren.socket };
    await call(api, 'PUT', '/api/users/topical', { json: { password: 't', tags: '' } });
    await call(api, 'PUT', '/api/permissions/%2F/topical', { json: { configure: '.*', write: '.*', read: '.*' } });
    const put = await call(api, 'PUT', '/api/topic-permissions/%2F/topical', { json: { exchange: 'amq.topic', write: '^{username}\\.', read: '^public\\.' } });
    expect(put.status).toBe(201);
    const ch = await channelAs('topical', 't');
    const q = (await ch.assertQueue('', { exclusive: true })).queue;
    await ch.bindQueue(q, 'amq.topic', 'public.#');
    await expect(ch.bindQueue(q, 'amq.topic', 'private.#')).rejects.toThrow(
      /ACCESS_REFUSED - access to topic 'private.#' in exchange 'amq.topic' in vhost '\/' refused for user 'topical'/,
    );
    const pub = await channelAs('topical', 't');
    // other exchanges and other types are not affected
    pub.publish('amq.direct', 'anything', Buffer.from('x'));
    pub.publish('amq.topic', 'topical.news', Buffer.from('mine'));
    const closed = new Promise<Error>((r) => pub.once('error', r));
    pub.publish('amq.topic', 'public.news', Buffer.from('not mine'));
    expect((await closed).message).toMatch(/access to topic 'public.news'/);
    const listed = await call(api, 'GET', '/api/users/topical/topic-permissions');
    expect(listed.body).toEqual([{ user: 'topical', vhost: '/', exchange: 'amq.topic', write: '^{username}\\.', read: '^public\\.' }]);
    expect((await call(api, 'DELETE', '/api/topic-permissions/%2F/topical')).status).toBe(204);
    const again = await channelAs('topical', 't');
    await again.bindQueue((await again.assertQueue('', { exclusive: true })).queue, 'amq.topic', 'private.#');
  });
});

describe('deleting a user', () => {
  it("closes that user's connections with 320", async () => {
    const api = { socketPath: warren.socket };
    await call(api, 'PUT', '/api/users/leaving', { json: { password: 'l', tags: '' } });
    await call(api, 'PUT', '/api/permissions/%2F/leaving', { json: { configure: '.*', write: '.*', read: '.*' } });
    const c = await amqp.connect(url('leaving', 'l'));
    c.on('error', () => {});
    const closed = new Promise<Error>((r) => c.once('close', r));
    expect((await call(api, 'DELETE', '/api/users/leaving')).status).toBe(204);
    expect((await closed).message).toMatch(/320.*CONNECTION_FORCED - user 'leaving' is deleted/);
  });
});

describe('guest', () => {
  const external = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

  it.skipIf(!external)('may connect only from loopback, as in RabbitMQ', async () => {
    await (await amqp.connect(warren.url)).close();
    await expect(amqp.connect(`amqp://guest:guest@${external}:${warren.port}`)).rejects.toThrow(/ACCESS_REFUSED|403/);
  });
});
