// Declares, bindings, routing and their errors, driven by amqplib against a real daemon.
import amqp, { type Channel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { amqpClients } from '../helpers/clients.js';
import { waitFor } from '../helpers/wait.js';
import { startWarren, type Warren } from '../helpers/warren.js';

let warren: Warren;
const { connect, channel } = amqpClients(() => warren.url);

/** Runs an operation expected to close the channel; returns the server's reply text. */
async function channelError(op: (ch: Channel) => Promise<unknown>): Promise<string> {
  const ch = await channel();
  try {
    await op(ch);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected a channel error');
}

beforeAll(async () => {
  warren = await startWarren();
});
afterAll(async () => {
  await warren.stop();
});

describe('connection', () => {
  it('announces RabbitMQ capabilities in connection.start', async () => {
    const c = await connect();
    const props = (c.connection as unknown as { serverProperties: Record<string, unknown> }).serverProperties;
    expect(props['product']).toBe('Warren');
    expect(props['capabilities']).toMatchObject({
      publisher_confirms: true,
      exchange_exchange_bindings: true,
      'basic.nack': true,
      consumer_cancel_notify: true,
      'connection.blocked': true,
      authentication_failure_close: true,
      per_consumer_qos: true,
      direct_reply_to: true,
    });
  });

  it('refuses a wrong password with ACCESS_REFUSED', async () => {
    await expect(amqp.connect(`amqp://guest:wrong@127.0.0.1:${warren.port}`)).rejects.toThrow(/ACCESS_REFUSED - Login was refused/);
  });

  it('refuses an unknown vhost with connection.close', async () => {
    // amqplib reports only the method; the reply text is checked in protocol-errors.test.ts
    await expect(amqp.connect(`amqp://guest:guest@127.0.0.1:${warren.port}/nope`)).rejects.toThrow(/ConnectionClose/);
  });
});

describe('queue.declare', () => {
  it('creates server-named amq.gen- queues and reports counts', async () => {
    const ch = await channel();
    const q = await ch.assertQueue('', { exclusive: true });
    expect(q.queue).toMatch(/^amq\.gen-[A-Za-z0-9_-]{22}$/);
    ch.sendToQueue(q.queue, Buffer.from('x'));
    // the declare-ok comes after the publish on the same channel: no wait needed
    expect(await ch.checkQueue(q.queue)).toEqual({ queue: q.queue, messageCount: 1, consumerCount: 0 });
  });

  it('passive declare of a missing queue is 404 with RabbitMQ text', async () => {
    expect(await channelError((ch) => ch.checkQueue('missing-q'))).toMatch(/404.*NOT_FOUND - no queue 'missing-q' in vhost '\/'/);
  });

  it('redeclaring with different durability is 406 inequivalent arg', async () => {
    const ch = await channel();
    await ch.assertQueue('eq-q', { durable: true });
    expect(await channelError((c) => c.assertQueue('eq-q', { durable: false }))).toMatch(
      /PRECONDITION_FAILED - inequivalent arg 'durable' for queue 'eq-q' in vhost '\/': received 'false' but current is 'true'/,
    );
    expect(await channelError((c) => c.assertQueue('eq-q', { durable: true, arguments: { 'x-max-length': 5 } }))).toMatch(
      /inequivalent arg 'x-max-length' for queue 'eq-q'/,
    );
    await ch.deleteQueue('eq-q');
  });

  it('reserves the amq. prefix (403)', async () => {
    expect(await channelError((ch) => ch.assertQueue('amq.mine'))).toMatch(/ACCESS_REFUSED - queue name 'amq.mine' contains reserved prefix 'amq\.\*'/);
  });

  it('exclusive queues are locked to their connection (405) and die with it', async () => {
    const c1 = await connect();
    const ch1 = await c1.createChannel();
    await ch1.assertQueue('excl-q', { exclusive: true });
    expect(await channelError((ch) => ch.checkQueue('excl-q'))).toMatch(/405.*RESOURCE_LOCKED - cannot obtain exclusive access to locked queue 'excl-q'/);
    await c1.close();
    expect(await channelError((ch) => ch.checkQueue('excl-q'))).toMatch(/404/);
  });

  it('auto-delete queues go when their last consumer cancels', async () => {
    const ch = await channel();
    await ch.assertQueue('ad-q', { autoDelete: true });
    const { consumerTag } = await ch.consume('ad-q', () => {});
    await ch.cancel(consumerTag);
    expect(await channelError((c) => c.checkQueue('ad-q'))).toMatch(/404/);
  });

  it('delete honours if-unused and if-empty', async () => {
    const ch = await channel();
    await ch.assertQueue('del-q');
    ch.sendToQueue('del-q', Buffer.from('x'));
    expect(await channelError((c) => c.deleteQueue('del-q', { ifEmpty: true }))).toMatch(/PRECONDITION_FAILED - queue 'del-q' in vhost '\/' is not empty/);
    await ch.consume('del-q', () => {}, { noAck: true });
    expect(await channelError((c) => c.deleteQueue('del-q', { ifUnused: true }))).toMatch(/PRECONDITION_FAILED - queue 'del-q' in vhost '\/' in use/);
    expect(await ch.deleteQueue('del-q')).toEqual({ messageCount: 0 });
  });

  it('purge returns the count', async () => {
    const ch = await channel();
    await ch.assertQueue('purge-q');
    for (let i = 0; i < 3; i++) ch.sendToQueue('purge-q', Buffer.from('x'));
    expect(await ch.purgeQueue('purge-q')).toEqual({ messageCount: 3 });
    await ch.deleteQueue('purge-q');
  });
});

describe('exchanges', () => {
  it('has the standard exchanges', async () => {
    const ch = await channel();
    for (const x of ['amq.direct', 'amq.fanout', 'amq.topic', 'amq.headers', 'amq.match']) await ch.checkExchange(x);
  });

  it('rejects unknown types (503, connection), reserved names (403) and inequivalent redeclares (406)', async () => {
    const c = await connect();
    const closed = new Promise<Error>((resolve) => c.once('error', resolve));
    const ch = await c.createChannel();
    ch.on('error', () => {});
    await expect(ch.assertExchange('bad-type', 'nonsense')).rejects.toThrow();
    expect((await closed).message).toMatch(/503.*COMMAND_INVALID - unknown exchange type 'nonsense'/);
    expect(await channelError((c2) => c2.assertExchange('amq.custom', 'direct'))).toMatch(/403.*reserved prefix/);
    const ch2 = await channel();
    await ch2.assertExchange('eq-x', 'direct');
    expect(await channelError((c2) => c2.assertExchange('eq-x', 'fanout'))).toMatch(
      /inequivalent arg 'type' for exchange 'eq-x' in vhost '\/': received 'fanout' but current is 'direct'/,
    );
    await ch2.deleteExchange('eq-x');
  });

  it('refuses operations on the default exchange and publishing to internal exchanges (403)', async () => {
    expect(await channelError((ch) => ch.bindQueue('x', '', 'k'))).toMatch(/403|404/);
    expect(await channelError((ch) => ch.deleteExchange(''))).toMatch(/ACCESS_REFUSED - operation not permitted on the default exchange/);
    const ch = await channel();
    await ch.assertExchange('internal-x', 'fanout', { internal: true });
    expect(
      await channelError(async (c) => {
        c.publish('internal-x', '', Buffer.from('x'));
        await c.checkQueue('never');
      }),
    ).toMatch(/ACCESS_REFUSED - cannot publish to internal exchange 'internal-x'/);
    expect(
      await channelError(async (c) => {
        c.publish('no-such-x', '', Buffer.from('x'));
        await c.checkQueue('never');
      }),
    ).toMatch(/NOT_FOUND - no exchange 'no-such-x' in vhost '\/'/);
  });

  it('delete if-unused refuses while bound; auto-delete exchanges go with their last binding', async () => {
    const ch = await channel();
    await ch.assertExchange('iu-x', 'fanout');
    await ch.assertQueue('iu-q', { exclusive: true });
    await ch.bindQueue('iu-q', 'iu-x', '');
    expect(await channelError((c) => c.deleteExchange('iu-x', { ifUnused: true }))).toMatch(/PRECONDITION_FAILED - exchange 'iu-x' in vhost '\/' in use/);
    await ch.deleteExchange('iu-x');
    await ch.assertExchange('ad-x', 'fanout', { autoDelete: true });
    await ch.bindQueue('iu-q', 'ad-x', '');
    await ch.unbindQueue('iu-q', 'ad-x', '');
    expect(await channelError((c) => c.checkExchange('ad-x'))).toMatch(/404/);
  });

  it('routes by direct, fanout, topic and headers, and across exchange-to-exchange bindings', async () => {
    const ch = await channel();
    const q = (await ch.assertQueue('', { exclusive: true })).queue;
    await ch.assertExchange('r-direct', 'direct');
    await ch.assertExchange('r-topic', 'topic');
    await ch.assertExchange('r-headers', 'headers');
    await ch.assertExchange('r-fanout', 'fanout');
    await ch.bindQueue(q, 'r-direct', 'black');
    await ch.bindQueue(q, 'r-topic', '*.orange.#');
    await ch.bindQueue(q, 'r-headers', '', { 'x-match': 'any', a: 1, b: 2 });
    await ch.bindExchange('r-direct', 'r-fanout', '');
    const sent: [string, string, object][] = [
      ['r-direct', 'black', {}],
      ['r-direct', 'white', {}],
      ['r-topic', 'quick.orange', {}],
      ['r-topic', 'quick.orange.fox.jumps', {}],
      ['r-topic', 'orange', {}],
      ['r-headers', '', { headers: { b: 2 } }],
      ['r-headers', '', { headers: { c: 3 } }],
      ['r-fanout', 'black', {}],
    ];
    const ch2 = await (await connect()).createConfirmChannel();
    sent.forEach(([x, key, opts], i) => ch2.publish(x, key, Buffer.from(String(i)), opts));
    await ch2.waitForConfirms();
    const got: string[] = [];
    for (let m = await ch.get(q, { noAck: true }); m; m = await ch.get(q, { noAck: true })) got.push(m.content.toString());
    expect(got).toEqual(['0', '2', '3', '5', '7']);
    await ch.unbindExchange('r-direct', 'r-fanout', '');
    for (const x of ['r-direct', 'r-topic', 'r-headers', 'r-fanout']) await ch.deleteExchange(x);
  });
});

describe('publish', () => {
  it('returns unroutable mandatory messages with 312 NO_ROUTE, then confirms them', async () => {
    const ch = await (await connect()).createConfirmChannel();
    const returned = new Promise<amqp.Message>((resolve) => ch.once('return', resolve));
    ch.publish('amq.direct', 'nobody', Buffer.from('lost'), { mandatory: true, messageId: 'm1' });
    await ch.waitForConfirms();
    const r = await returned;
    expect(r.fields).toMatchObject({ replyCode: 312, replyText: 'NO_ROUTE', exchange: 'amq.direct', routingKey: 'nobody' });
    expect(r.properties.messageId).toBe('m1');
    expect(r.content.toString()).toBe('lost');
  });

  it('round-trips all properties and arbitrary bytes, including a 10 MiB body', async () => {
    const ch = await channel();
    const q = (await ch.assertQueue('', { exclusive: true })).queue;
    const body = Buffer.alloc(10 * 1024 * 1024);
    for (let i = 0; i < body.length; i += 4096) body[i] = i & 0xff;
    const props = {
      contentType: 'application/octet-stream',
      contentEncoding: 'identity',
      headers: { s: 'str', n: 42, big: 2 ** 40, f: 1.5, b: true, nested: { a: [1, 'two', null] } },
      deliveryMode: 2,
      priority: 3,
      correlationId: 'corr',
      replyTo: 'reply',
      expiration: '60000',
      messageId: 'id-1',
      timestamp: 1_700_000_000,
      type: 'kind',
      userId: 'guest',
      appId: 'test',
    };
    ch.sendToQueue(q, body, props);
    const m = await waitFor(() => ch.get(q, { noAck: true }), 'the message');
    expect(m.content.equals(body)).toBe(true);
    expect(m.properties).toMatchObject(props);
  });
});
