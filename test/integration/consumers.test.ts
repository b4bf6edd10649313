// Consumers, prefetch, acknowledgements, requeueing, confirms and transactions, with amqplib.
import type { ConsumeMessage, GetMessage } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { amqpClients, until } from '../helpers/clients.js';
import { startWarren, type Warren } from '../helpers/warren.js';

let warren: Warren;
const { connect, channel } = amqpClients(() => warren.url);

async function fill(queue: string, count: number): Promise<void> {
  const ch = await (await connect()).createConfirmChannel();
  await ch.assertQueue(queue);
  for (let i = 0; i < count; i++) ch.sendToQueue(queue, Buffer.from(String(i)));
  await ch.waitForConfirms();
}

let qn = 0;
const freshQueue = () => `cq-${++qn}-${Date.now()}`;

beforeAll(async () => {
  warren = await startWarren();
});
afterAll(async () => {
  await warren.stop();
});

describe('delivery', () => {
  it('round-robins across consumers', async () => {
    const q = freshQueue();
    const a = await channel();
    const b = await channel();
    await a.assertQueue(q);
    const got: string[] = [];
    await a.consume(q, (m) => got.push(`a${m!.content}`), { noAck: true });
    await b.consume(q, (m) => got.push(`b${m!.content}`), { noAck: true });
    await fill(q, 6);
    await until(() => got.length === 6, 'six deliveries');
    expect(got.filter((g) => g.startsWith('a')).length).toBe(3);
    expect(got.filter((g) => g.startsWith('b')).length).toBe(3);
  });

  it('limits unacked deliveries per consumer with basic.qos and resumes on ack', async () => {
    const q = freshQueue();
    await fill(q, 5);
    const ch = await channel();
    await ch.prefetch(2);
    const got: ConsumeMessage[] = [];
    await ch.consume(q, (m) => got.push(m!));
    await until(() => got.length >= 2, 'two deliveries');
    // exactly two left the queue: the other three are still ready
    expect((await ch.checkQueue(q)).messageCount).toBe(3);
    expect(got.length).toBe(2);
    ch.ack(got[1]!, true); // multiple: acks 1 and 2
    await until(() => got.length === 4, 'two more after ack');
    expect(got.map((m) => m.content.toString())).toEqual(['0', '1', '2', '3']);
  });

  it('global prefetch is shared by the channel', async () => {
    const q1 = freshQueue();
    const q2 = freshQueue();
    await fill(q1, 3);
    await fill(q2, 3);
    const ch = await channel();
    await ch.prefetch(3, true);
    const got: ConsumeMessage[] = [];
    await ch.consume(q1, (m) => got.push(m!));
    await ch.consume(q2, (m) => got.push(m!));
    await until(() => got.length >= 3, 'three deliveries');
    // three in all left the two queues: the channel's limit, not 3 per consumer
    const ready = (await ch.checkQueue(q1)).messageCount + (await ch.checkQueue(q2)).messageCount;
    expect(ready).toBe(3);
    expect(got.length).toBe(3);
  });

  it('requeued messages keep their position and come back redelivered', async () => {
    const q = freshQueue();
    await fill(q, 4);
    const ch = await channel();
    const m0 = (await ch.get(q)) as GetMessage;
    const m1 = (await ch.get(q)) as GetMessage;
    ch.nack(m1, false, true);
    ch.reject(m0, true);
    const order: string[] = [];
    for (let m = await ch.get(q, { noAck: true }); m; m = await ch.get(q, { noAck: true })) {
      order.push(`${m.content}${m.fields.redelivered ? 'r' : ''}`);
    }
    expect(order).toEqual(['0r', '1r', '2', '3']);
  });

  it('nack without requeue drops; basic.get reports the remaining count and get-empty', async () => {
    const q = freshQueue();
    await fill(q, 2);
    const ch = await channel();
    const m = (await ch.get(q)) as GetMessage;
    expect(m.fields.messageCount).toBe(1);
    ch.nack(m, false, false);
    await ch.get(q, { noAck: true });
    expect(await ch.get(q)).toBe(false);
    expect((await ch.checkQueue(q)).messageCount).toBe(0);
  });

  it('returns unacked messages to the queue when the channel closes', async () => {
    const q = freshQueue();
    await fill(q, 3);
    const c = await connect();
    const ch = await c.createChannel();
    const got: ConsumeMessage[] = [];
    await ch.consume(q, (m) => got.push(m!));
    await until(() => got.length === 3, 'three deliveries');
    await ch.close();
    const ch2 = await channel();
    const again = (await ch2.get(q, { noAck: true })) as GetMessage;
    expect(again.content.toString()).toBe('0');
    expect(again.fields.redelivered).toBe(true);
  });

  it('basic.recover redelivers everything unacked', async () => {
    const q = freshQueue();
    await fill(q, 2);
    const ch = await channel();
    const got: ConsumeMessage[] = [];
    await ch.consume(q, (m) => got.push(m!));
    await until(() => got.length === 2, 'two deliveries');
    await ch.recover();
    await until(() => got.length === 4, 'redeliveries');
    expect(got.slice(2).every((m) => m.fields.redelivered)).toBe(true);
  });

  it('acking an unknown delivery tag closes the channel with 406', async () => {
    const ch = await channel();
    const closed = new Promise<Error>((resolve) => ch.once('error', resolve));
    ch.ack({ fields: { deliveryTag: 999 } } as never);
    expect((await closed).message).toMatch(/PRECONDITION_FAILED - unknown delivery tag 999/);
  });

  it('exclusive consumers lock out others (403) and consumer tags cannot be reused (530)', async () => {
    const q = freshQueue();
    const ch = await channel();
    await ch.assertQueue(q);
    await ch.consume(q, () => {}, { exclusive: true, consumerTag: 'only' });
    const other = await channel();
    await expect(other.consume(q, () => {})).rejects.toThrow(/ACCESS_REFUSED - queue '.*' in vhost '\/' in exclusive use/);
    const c = await connect();
    const errors = new Promise<Error>((resolve) => c.once('error', resolve));
    const ch3 = await c.createChannel();
    ch3.on('error', () => {});
    await ch3.assertQueue(q + '-2');
    await ch3.consume(q + '-2', () => {}, { consumerTag: 'dup' });
    await ch3.consume(q + '-2', () => {}, { consumerTag: 'dup' }).catch(() => {});
    expect((await errors).message).toMatch(/530.*NOT_ALLOWED - attempt to reuse consumer tag 'dup'/);
  });

  it('tells consumers when their queue is deleted (basic.cancel)', async () => {
    const q = freshQueue();
    const ch = await channel();
    await ch.assertQueue(q);
    let cancelled = false;
    await ch.consume(q, (m) => {
      if (m === null) cancelled = true;
    });
    await (await channel()).deleteQueue(q);
    await until(() => cancelled, 'cancel notification');
  });
});

describe('confirms and transactions', () => {
  it('acks every publish on a confirm channel', async () => {
    const q = freshQueue();
    const ch = await (await connect()).createConfirmChannel();
    await ch.assertQueue(q);
    const acks = await Promise.all(
      Array.from({ length: 100 }, (_, i) => new Promise<unknown>((resolve) => ch.sendToQueue(q, Buffer.from(String(i)), {}, (err) => resolve(err)))),
    );
    expect(acks.every((e) => e === null || e === undefined)).toBe(true);
    expect((await ch.checkQueue(q)).messageCount).toBe(100);
  });
});

describe('direct reply-to', () => {
  it('routes replies to amq.rabbitmq.reply-to.<token> straight to the requesting channel', async () => {
    const server = await channel();
    await server.assertQueue('rpc-direct', { exclusive: true });
    await server.consume('rpc-direct', (m) => {
      server.sendToQueue(m!.properties.replyTo, Buffer.from(`re:${m!.content}`), { correlationId: m!.properties.correlationId });
      server.ack(m!);
    });
    const client = await channel();
    const replies: string[] = [];
    await client.consume('amq.rabbitmq.reply-to', (m) => replies.push(`${m!.properties.correlationId}:${m!.content}`), { noAck: true });
    for (const id of ['a', 'b', 'c']) {
      client.sendToQueue('rpc-direct', Buffer.from(id), { replyTo: 'amq.rabbitmq.reply-to', correlationId: id });
    }
    await until(() => replies.length === 3, 'three replies');
    expect(replies.sort()).toEqual(['a:re:a', 'b:re:b', 'c:re:c']);
  });

  it('refuses a request with reply_to amq.rabbitmq.reply-to from a channel not consuming it (406)', async () => {
    const ch = await channel();
    const closed = new Promise<Error>((resolve) => ch.once('error', resolve));
    ch.sendToQueue('anything', Buffer.from('x'), { replyTo: 'amq.rabbitmq.reply-to' });
    expect((await closed).message).toMatch(/PRECONDITION_FAILED - fast reply consumer does not exist/);
  });
});
