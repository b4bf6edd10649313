// Connections, channels and consumers over the management API, and closing a connection with a
// reason the amqplib client sees.
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWarren, type Warren } from '../helpers/warren.js';
import { V, socketClient, until, type Client } from './api-http.js';

describe('connections, channels and consumers', () => {
  let w: Warren;
  let api: Client;
  beforeAll(async () => {
    w = await startWarren();
    api = socketClient(w.socket);
  });
  afterAll(async () => {
    await w.stop();
  });

  it('lists a live connection, its channels and consumers in RabbitMQ shapes', async () => {
    const conn = await amqp.connect(w.url);
    const ch = await conn.createChannel();
    await ch.prefetch(7);
    await ch.assertQueue('cq');
    await (ch as unknown as { confirmSelect?: () => Promise<void> }).confirmSelect?.();
    await ch.consume('cq', () => undefined, { consumerTag: 'ctag1' });
    await ch.assertQueue('excl', { exclusive: true });

    const conns = (await api.get('/api/connections')).body;
    expect(conns).toHaveLength(1);
    const c = conns[0];
    expect(c).toMatchObject({
      user: 'guest',
      vhost: '/',
      host: '127.0.0.1',
      port: w.port,
      peer_host: '127.0.0.1',
      state: 'running',
      channels: 1,
      protocol: 'AMQP 0-9-1',
      auth_mechanism: 'PLAIN',
      timeout: 60,
      frame_max: 131072,
      channel_max: 2047,
    });
    expect(c.name).toBe(`127.0.0.1:${c.peer_port} -> 127.0.0.1:${w.port}`);
    expect(c.client_properties.product).toBe('amqplib');
    expect(c.client_properties.capabilities.consumer_cancel_notify).toBe(true);
    expect(c.recv_oct).toBeGreaterThan(0);
    expect(c.send_oct).toBeGreaterThan(0);
    expect(typeof c.connected_at).toBe('number');
    expect((await api.get(`/api/connections/${encodeURIComponent(c.name)}`)).body.name).toBe(c.name);
    expect((await api.get('/api/connections/nope')).status).toBe(404);

    const channels = (await api.get('/api/channels')).body;
    expect(channels).toEqual([
      expect.objectContaining({
        name: `${c.name} (1)`,
        number: 1,
        user: 'guest',
        vhost: '/',
        connection_details: { name: c.name, peer_host: '127.0.0.1', peer_port: c.peer_port },
        consumer_count: 1,
        messages_unacknowledged: 0,
        messages_unconfirmed: 0,
        prefetch_count: 7,
        global_prefetch_count: 0,
        transactional: false,
      }),
    ]);
    expect((await api.get(`/api/connections/${encodeURIComponent(c.name)}/channels`)).body).toHaveLength(1);
    expect((await api.get(`/api/channels/${encodeURIComponent(`${c.name} (1)`)}`)).body.number).toBe(1);

    const consumers = (await api.get(`/api/consumers/${V}`)).body;
    expect(consumers).toEqual([
      {
        queue: { name: 'cq', vhost: '/' },
        consumer_tag: 'ctag1',
        ack_required: true,
        prefetch_count: 7,
        exclusive: false,
        active: true,
        activity_status: 'up',
        arguments: {},
        channel_details: expect.objectContaining({
          name: `${c.name} (1)`,
          number: 1,
          connection_name: c.name,
          peer_host: '127.0.0.1',
          peer_port: c.peer_port,
          user: 'guest',
        }),
      },
    ]);
    expect((await api.get('/api/consumers')).body).toHaveLength(1);
    const cq = (await api.get(`/api/queues/${V}/cq`)).body;
    expect(cq.consumers).toBe(1);
    expect(cq.consumer_details).toEqual(consumers);
    const excl = (await api.get(`/api/queues/${V}/excl`)).body;
    expect(excl.exclusive).toBe(true);
    expect(excl.owner_pid_details).toEqual({ name: c.name, peer_host: '127.0.0.1', peer_port: c.peer_port });

    const status = (await api.get('/api/warren/status')).body;
    expect(status).toMatchObject({ connections: 1, channels: 1, queues: 2 });
    await conn.close();
    await until(async () => (await api.get('/api/connections')).body.length === 0);
  });

  it('closes a connection with the X-Reason the client sees (320 CONNECTION_FORCED)', async () => {
    const conn = await amqp.connect(w.url);
    // amqplib reports a server-initiated 320 as the 'close' event's error.
    const closed = new Promise<Error>((resolve) => conn.on('close', resolve));
    conn.on('error', () => undefined);
    await until(async () => (await api.get('/api/connections')).body.length === 1);
    const name = (await api.get('/api/connections')).body[0].name as string;
    const r = await api.del(`/api/connections/${encodeURIComponent(name)}`, { headers: { 'X-Reason': 'go away now' } });
    expect(r.status).toBe(204);
    const err = (await closed) as Error & { code?: number };
    expect(err.message).toContain('CONNECTION_FORCED - go away now');
    expect(err.code).toBe(320);
    await until(async () => (await api.get('/api/connections')).body.length === 0);
    expect((await api.del(`/api/connections/${encodeURIComponent(name)}`)).status).toBe(404);
  });

  it("uses RabbitMQ's default explanation without X-Reason", async () => {
    const conn = await amqp.connect(w.url);
    const closed = new Promise<Error>((resolve) => conn.on('close', resolve));
    conn.on('error', () => undefined);
    await until(async () => (await api.get('/api/connections')).body.length === 1);
    const name = (await api.get('/api/connections')).body[0].name as string;
    await api.del(`/api/connections/${encodeURIComponent(name)}`);
    expect((await closed).message).toContain('CONNECTION_FORCED - Closed via management plugin');
  });
});
