// Queues, exchanges, bindings, publish/get and the list query parameters over the management API.
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWarren, type Warren } from '../helpers/warren.js';
import { V, socketClient, type Client } from './api-http.js';

describe('queues, exchanges and bindings', () => {
  let w: Warren;
  let api: Client;
  beforeAll(async () => {
    w = await startWarren();
    api = socketClient(w.socket);
  });
  afterAll(async () => {
    await w.stop();
  });

  it('declares queues (201/204), refuses inequivalent redeclaration, shows RabbitMQ fields', async () => {
    expect((await api.put(`/api/queues/${V}/q1`, { durable: true, arguments: { 'x-max-length': 10 } })).status).toBe(201);
    expect((await api.put(`/api/queues/${V}/q1`, { durable: true, arguments: { 'x-max-length': 10 } })).status).toBe(204);
    const bad = await api.put(`/api/queues/${V}/q1`, { durable: false });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({
      error: 'bad_request',
      reason: "inequivalent arg 'durable' for queue 'q1' in vhost '/': received 'false' but current is 'true'",
    });
    const q = (await api.get(`/api/queues/${V}/q1`)).body;
    expect(q).toMatchObject({
      name: 'q1',
      vhost: '/',
      durable: true,
      auto_delete: false,
      exclusive: false,
      arguments: { 'x-max-length': 10 },
      messages: 0,
      messages_ready: 0,
      messages_unacknowledged: 0,
      message_bytes: 0,
      consumers: 0,
      state: 'running',
      type: 'classic',
      policy: null,
      exclusive_consumer_tag: null,
    });
    expect(typeof q.node).toBe('string');
    expect((await api.get(`/api/queues/${V}/missing`)).status).toBe(404);
    expect((await api.get('/api/queues/no-vhost')).status).toBe(404);
    expect((await api.put(`/api/queues/${V}/amq.reserved`, {})).status).toBe(401);
  });

  it('publishes through exchanges and gets with every ack mode', async () => {
    await api.put(`/api/queues/${V}/pg`, {});
    const pub = await api.post(`/api/exchanges/${V}/amq.default/publish`, {
      routing_key: 'pg',
      payload: 'hello',
      payload_encoding: 'string',
      properties: { delivery_mode: 2, headers: { h: 'v' }, content_type: 'text/plain' },
    });
    expect(pub.body).toEqual({ routed: true });
    await api.post(`/api/exchanges/${V}/amq.default/publish`, {
      routing_key: 'pg',
      payload: Buffer.from([0xff, 0, 1]).toString('base64'),
      payload_encoding: 'base64',
      properties: {},
    });
    expect(
      (await api.post(`/api/exchanges/${V}/amq.default/publish`, { routing_key: 'none', payload: 'x', payload_encoding: 'string', properties: {} })).body,
    ).toEqual({ routed: false });

    const peek = await api.post(`/api/queues/${V}/pg/get`, { count: 5, ackmode: 'ack_requeue_true', encoding: 'auto', truncate: 3 });
    expect(peek.status).toBe(200);
    expect(peek.body).toEqual([
      {
        payload_bytes: 5,
        redelivered: false,
        exchange: '',
        routing_key: 'pg',
        message_count: 1,
        properties: { delivery_mode: 2, headers: { h: 'v' }, content_type: 'text/plain' },
        payload: 'hel',
        payload_encoding: 'string',
      },
      {
        payload_bytes: 3,
        redelivered: false,
        exchange: '',
        routing_key: 'pg',
        message_count: 0,
        properties: {},
        payload: Buffer.from([0xff, 0, 1]).toString('base64'),
        payload_encoding: 'base64',
      },
    ]);
    expect((await api.get(`/api/queues/${V}/pg`)).body.messages).toBe(2);

    const b64 = await api.post(`/api/queues/${V}/pg/get`, { count: 1, ackmode: 'reject_requeue_true', encoding: 'base64' });
    expect(b64.body[0]).toMatchObject({ redelivered: true, payload: Buffer.from('hello').toString('base64'), payload_encoding: 'base64' });

    const take = await api.post(`/api/queues/${V}/pg/get`, { count: 1, ackmode: 'ack_requeue_false', encoding: 'auto' });
    expect(take.body[0].payload).toBe('hello');
    expect((await api.get(`/api/queues/${V}/pg`)).body).toMatchObject({ messages: 1, messages_ready: 1, messages_unacknowledged: 0, message_bytes: 3 });

    expect((await api.post(`/api/queues/${V}/pg/get`, { count: 1, ackmode: 'bogus', encoding: 'auto' })).status).toBe(400);
    expect((await api.post(`/api/queues/${V}/missing/get`, { count: 1, ackmode: 'ack_requeue_true', encoding: 'auto' })).status).toBe(404);
    expect((await api.post(`/api/exchanges/${V}/missing/publish`, { routing_key: '', payload: 'x', payload_encoding: 'string', properties: {} })).status).toBe(
      404,
    );
  });

  it('purges, and deletes with if-empty / if-unused', async () => {
    await api.put(`/api/queues/${V}/del`, {});
    await api.post(`/api/exchanges/${V}/amq.default/publish`, { routing_key: 'del', payload: 'x', payload_encoding: 'string', properties: {} });
    const notEmpty = await api.del(`/api/queues/${V}/del?if-empty=true`);
    expect(notEmpty.status).toBe(400);
    expect(notEmpty.body).toEqual({ error: 'bad_request', reason: "queue 'del' in vhost '/' is not empty" });
    expect((await api.del(`/api/queues/${V}/del/contents`)).status).toBe(204);
    expect((await api.get(`/api/queues/${V}/del`)).body.messages).toBe(0);

    const conn = await amqp.connect(w.url);
    const ch = await conn.createChannel();
    await ch.consume('del', () => undefined);
    const inUse = await api.del(`/api/queues/${V}/del?if-unused=true`);
    expect(inUse.status).toBe(400);
    expect(inUse.body.reason).toBe("queue 'del' in vhost '/' in use");
    await conn.close();
    expect((await api.del(`/api/queues/${V}/del?if-empty=true&if-unused=true`)).status).toBe(204);
    expect((await api.del(`/api/queues/${V}/del`)).status).toBe(404);
  });

  it('declares and deletes exchanges, refusing amq.* and the default exchange', async () => {
    expect((await api.put(`/api/exchanges/${V}/x1`, { type: 'topic', durable: true })).status).toBe(201);
    expect((await api.put(`/api/exchanges/${V}/x1`, { type: 'topic', durable: true })).status).toBe(204);
    expect((await api.put(`/api/exchanges/${V}/x1`, { type: 'fanout', durable: true })).status).toBe(400);
    const unknown = await api.put(`/api/exchanges/${V}/x2`, { type: 'bogus' });
    expect(unknown.body).toEqual({ error: 'bad_request', reason: "unknown exchange type 'bogus'" });
    expect((await api.get(`/api/exchanges/${V}/x1`)).body).toMatchObject({
      name: 'x1',
      vhost: '/',
      type: 'topic',
      durable: true,
      auto_delete: false,
      internal: false,
      arguments: {},
    });
    expect((await api.get(`/api/exchanges/${V}/amq.default`)).body).toMatchObject({ name: '', type: 'direct', durable: true });
    expect((await api.put(`/api/exchanges/${V}/amq.mine`, { type: 'direct' })).status).toBe(401);
    expect((await api.del(`/api/exchanges/${V}/amq.direct`)).status).toBe(401);
    const names = (await api.get(`/api/exchanges/${V}`)).body.map((x: { name: string }) => x.name);
    expect(names).toEqual(['', 'amq.direct', 'amq.fanout', 'amq.headers', 'amq.match', 'amq.rabbitmq.trace', 'amq.topic', 'x1']);
    expect((await api.del(`/api/exchanges/${V}/x1`)).status).toBe(204);
    expect((await api.del(`/api/exchanges/${V}/x1`)).status).toBe(404);
  });

  it('creates, lists and deletes bindings by properties_key', async () => {
    await api.put(`/api/exchanges/${V}/bx`, { type: 'direct' });
    await api.put(`/api/exchanges/${V}/bx2`, { type: 'fanout' });
    await api.put(`/api/queues/${V}/bq`, {});
    const plain = await api.post(`/api/bindings/${V}/e/bx/q/bq`, { routing_key: 'k1' });
    expect(plain.status).toBe(201);
    expect(plain.headers['location']).toBe('bq/k1');
    const empty = await api.post(`/api/bindings/${V}/e/bx/q/bq`, { routing_key: '' });
    expect(empty.headers['location']).toBe('bq/~');
    const withArgs = await api.post(`/api/bindings/${V}/e/bx/q/bq`, { routing_key: 'k2', arguments: { a: 1 } });
    const argsKey = (withArgs.headers['location'] as string).slice('bq/'.length);
    expect(argsKey).toMatch(/^k2~[A-Za-z0-9_-]{6}$/);
    expect((await api.post(`/api/bindings/${V}/e/bx/e/bx2`, { routing_key: 'to-x' })).status).toBe(201);
    expect((await api.post(`/api/bindings/${V}/e/bx/q/missing`, {})).status).toBe(404);
    expect((await api.post(`/api/bindings/${V}/e/amq.default/q/bq`, { routing_key: 'x' })).status).toBe(401);

    const between = (await api.get(`/api/bindings/${V}/e/bx/q/bq`)).body;
    expect(between).toHaveLength(3);
    expect(between).toContainEqual({
      source: 'bx',
      vhost: '/',
      destination: 'bq',
      destination_type: 'queue',
      routing_key: '',
      arguments: {},
      properties_key: '~',
    });
    expect((await api.get(`/api/bindings/${V}/e/bx/q/bq/${encodeURIComponent(argsKey)}`)).body).toMatchObject({ routing_key: 'k2', arguments: { a: 1 } });
    const all = (await api.get(`/api/bindings/${V}`)).body;
    expect(all).toContainEqual({
      source: '',
      vhost: '/',
      destination: 'bq',
      destination_type: 'queue',
      routing_key: 'bq',
      arguments: {},
      properties_key: 'bq',
    });
    expect(all).toContainEqual({
      source: 'bx',
      vhost: '/',
      destination: 'bx2',
      destination_type: 'exchange',
      routing_key: 'to-x',
      arguments: {},
      properties_key: 'to-x',
    });
    expect((await api.get(`/api/queues/${V}/bq/bindings`)).body).toHaveLength(4);
    expect((await api.get(`/api/exchanges/${V}/bx/bindings/source`)).body).toHaveLength(4);
    expect((await api.get(`/api/exchanges/${V}/bx2/bindings/destination`)).body).toHaveLength(1);

    expect(
      (await api.post(`/api/exchanges/${V}/bx/publish`, { routing_key: 'k1', payload: 'routed', payload_encoding: 'string', properties: {} })).body,
    ).toEqual({ routed: true });
    expect((await api.del(`/api/bindings/${V}/e/bx/q/bq/~`)).status).toBe(204);
    expect((await api.del(`/api/bindings/${V}/e/bx/q/bq/k1`)).status).toBe(204);
    expect((await api.del(`/api/bindings/${V}/e/bx/q/bq/${encodeURIComponent(argsKey)}`)).status).toBe(204);
    expect((await api.del(`/api/bindings/${V}/e/bx/q/bq/k1`)).status).toBe(404);
    expect((await api.del(`/api/bindings/${V}/e/bx/e/bx2/to-x`)).status).toBe(204);
    expect((await api.get(`/api/bindings/${V}/e/bx/q/bq`)).body).toEqual([]);
  });

  it('honours columns, name filters, sort and pagination', async () => {
    for (const n of ['page-a', 'page-b', 'page-c', 'other']) await api.put(`/api/queues/${V}/${n}`, {});
    const cols = (await api.get(`/api/queues/${V}?columns=name,messages&name=page-`)).body;
    expect(cols).toEqual([
      { name: 'page-a', messages: 0 },
      { name: 'page-b', messages: 0 },
      { name: 'page-c', messages: 0 },
    ]);
    const re = (await api.get(`/api/queues?columns=name&name=${encodeURIComponent('^page-[ab]$')}&use_regex=true&sort=name&sort_reverse=true`)).body;
    expect(re).toEqual([{ name: 'page-b' }, { name: 'page-a' }]);
    const paged = await api.get(`/api/queues/${V}?page=2&page_size=2&name=page-&columns=name`);
    expect(paged.body).toMatchObject({ filtered_count: 3, item_count: 1, items: [{ name: 'page-c' }], page: 2, page_count: 2, page_size: 2 });
    expect(paged.body.total_count).toBeGreaterThanOrEqual(4);
    expect((await api.get(`/api/queues?page=9&page_size=2`)).status).toBe(400);
    const xs = (await api.get('/api/exchanges?columns=name,type&sort=name&page=1&page_size=3')).body;
    expect(xs.items).toEqual([
      { name: '', type: 'direct' },
      { name: 'amq.direct', type: 'direct' },
      { name: 'amq.fanout', type: 'fanout' },
    ]);
    expect((await api.get('/api/connections?page=1&page_size=10')).body).toMatchObject({ item_count: 0, items: [] });
  });
});
