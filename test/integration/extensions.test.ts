// RabbitMQ's AMQP extensions, with amqplib, including the edge cases RabbitMQ documents.
import amqp, { type Channel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { amqpClients, until } from '../helpers/clients.js';
import { waitFor } from '../helpers/wait.js';
import { startWarren, type Warren } from '../helpers/warren.js';

let warren: Warren;
const { connect: conn, channel, confirmChannel } = amqpClients(() => warren.url);

let n = 0;
const name = (p: string) => `${p}-${++n}-${Date.now()}`;

beforeAll(async () => {
  warren = await startWarren();
});
afterAll(async () => {
  await warren.stop();
});

/** A queue bound to a fresh fanout dead-letter exchange, to watch what dies. */
async function deadLetterSink(ch: Channel): Promise<{ dlx: string; sink: string }> {
  const dlx = name('dlx');
  await ch.assertExchange(dlx, 'fanout', { autoDelete: false });
  const sink = (await ch.assertQueue('', { exclusive: true })).queue;
  await ch.bindQueue(sink, dlx, '');
  return { dlx, sink };
}

describe('TTL and dead-lettering', () => {
  it('expires by x-message-ttl and dead-letters with an x-death entry', async () => {
    const ch = await channel();
    const { dlx, sink } = await deadLetterSink(ch);
    const q = name('ttl');
    await ch.assertQueue(q, { arguments: { 'x-message-ttl': 50, 'x-dead-letter-exchange': dlx } });
    ch.sendToQueue(q, Buffer.from('old'), { expiration: '60000' });
    const dead = await until(() => ch.get(sink, { noAck: true }), 'dead letter');
    expect(dead.content.toString()).toBe('old');
    expect(dead.fields.exchange).toBe(dlx);
    expect(dead.properties.expiration).toBeUndefined();
    const [death] = dead.properties.headers!['x-death'] as unknown as Record<string, unknown>[];
    expect(death).toMatchObject({ count: 1, reason: 'expired', queue: q, exchange: '', 'routing-keys': [q], 'original-expiration': '60000' });
    expect(dead.properties.headers).toMatchObject({ 'x-first-death-reason': 'expired', 'x-first-death-queue': q });
    expect((await ch.checkQueue(q)).messageCount).toBe(0);
  });

  it('expires per-message TTLs only at the head of the queue', async () => {
    const ch = await channel();
    const q = name('head');
    await ch.assertQueue(q);
    const SHORT = 10;
    ch.sendToQueue(q, Buffer.from('long'), { expiration: '600000' });
    ch.sendToQueue(q, Buffer.from('short'), { expiration: String(SHORT) });
    await ch.checkQueue(q); // both are in the queue now (same channel, in order)
    // well past the short TTL (a lower bound: a slow machine only makes it longer), 'short' is still there,
    // waiting behind 'long'
    const since = Date.now();
    await waitFor(() => Date.now() - since >= 20 * SHORT, '20 times the short TTL');
    expect((await ch.checkQueue(q)).messageCount).toBe(2);
    // once 'long' leaves the head, the expired 'short' is dropped instead of delivered
    expect(((await ch.get(q, { noAck: true })) as amqp.GetMessage).content.toString()).toBe('long');
    expect(await ch.get(q, { noAck: true })).toBe(false);
    await until(async () => (await ch.checkQueue(q)).messageCount === 0, 'the expired message to go');
  });

  it('refuses a malformed expiration with 406', async () => {
    const ch = await channel();
    const closed = new Promise<Error>((r) => ch.once('error', r));
    ch.sendToQueue('anything', Buffer.from('x'), { expiration: 'soon' });
    expect((await closed).message).toMatch(/PRECONDITION_FAILED - invalid expiration 'soon': no_integer/);
  });

  it('deletes an unused queue after x-expires', async () => {
    const ch = await channel();
    const q = name('exp');
    await ch.assertQueue(q, { arguments: { 'x-expires': 100 } });
    // passive declares on fresh channels (a 404 closes the channel) until the queue is gone
    const error = await until(async () => {
      const other = await channel();
      return other.checkQueue(q).then(
        () => false as const,
        (e: Error) => e,
      );
    }, 'the unused queue to expire');
    expect(error.message).toMatch(/404/);
  });

  it('dead-letters rejections with x-dead-letter-routing-key and counts repeated deaths', async () => {
    const ch = await channel();
    const work = name('work');
    const retry = name('retry');
    // work --reject--> amq.direct[retry] ; retry --ttl--> amq.direct[work]
    await ch.assertQueue(work, { arguments: { 'x-dead-letter-exchange': 'amq.direct', 'x-dead-letter-routing-key': retry } });
    await ch.assertQueue(retry, { arguments: { 'x-message-ttl': 20, 'x-dead-letter-exchange': 'amq.direct', 'x-dead-letter-routing-key': work } });
    await ch.bindQueue(retry, 'amq.direct', retry);
    await ch.bindQueue(work, 'amq.direct', work);
    ch.sendToQueue(work, Buffer.from('job'));
    for (let attempt = 1; attempt <= 3; attempt++) {
      const m = await until(() => ch.get(work), `attempt ${attempt}`);
      const deaths = (m.properties.headers?.['x-death'] ?? []) as unknown as Record<string, unknown>[];
      const rejected = deaths.find((d) => d['reason'] === 'rejected');
      expect(rejected?.['count'] ?? 0).toBe(attempt - 1);
      ch.reject(m, false);
    }
  });

  it('drop-head dead-letters the oldest message as maxlen', async () => {
    const ch = await confirmChannel();
    const { dlx, sink } = await deadLetterSink(ch);
    const q = name('len');
    await ch.assertQueue(q, { arguments: { 'x-max-length': 2, 'x-dead-letter-exchange': dlx } });
    for (const b of ['a', 'b', 'c']) ch.sendToQueue(q, Buffer.from(b));
    await ch.waitForConfirms();
    const dead = await until(() => ch.get(sink, { noAck: true }), 'maxlen death');
    expect(dead.content.toString()).toBe('a');
    expect((dead.properties.headers!['x-death'] as unknown as Record<string, unknown>[])[0]).toMatchObject({ reason: 'maxlen' });
    expect((await ch.checkQueue(q)).messageCount).toBe(2);
  });

  it('reject-publish nacks the publish that does not fit; reject-publish-dlx also dead-letters it', async () => {
    const ch = await confirmChannel();
    const { dlx, sink } = await deadLetterSink(ch);
    const q = name('full');
    await ch.assertQueue(q, { arguments: { 'x-max-length': 1, 'x-overflow': 'reject-publish' } });
    const outcome = (body: string, queue: string) =>
      new Promise<string>((resolve) => ch.sendToQueue(queue, Buffer.from(body), {}, (err) => resolve(err ? 'nack' : 'ack')));
    expect(await outcome('1', q)).toBe('ack');
    expect(await outcome('2', q)).toBe('nack');
    const q2 = name('full-dlx');
    await ch.assertQueue(q2, { arguments: { 'x-max-length': 1, 'x-overflow': 'reject-publish-dlx', 'x-dead-letter-exchange': dlx } });
    expect(await outcome('1', q2)).toBe('ack');
    expect(await outcome('2', q2)).toBe('nack');
    const dead = await until(() => ch.get(sink, { noAck: true }), 'dlx of rejected publish');
    expect(dead.content.toString()).toBe('2');
    expect((await ch.checkQueue(q)).messageCount).toBe(1);
  });

  it('validates x- arguments as RabbitMQ does (406)', async () => {
    const ch = await channel();
    await expect(ch.assertQueue(name('bad'), { arguments: { 'x-max-length': -1 } })).rejects.toThrow(/PRECONDITION_FAILED - invalid arg 'x-max-length'/);
    const ch2 = await channel();
    await expect(ch2.assertQueue(name('bad'), { arguments: { 'x-overflow': 'explode' } })).rejects.toThrow(/invalid arg 'x-overflow'/);
    const ch3 = await channel();
    await expect(ch3.assertQueue(name('s'), { durable: true, arguments: { 'x-queue-type': 'stream' } })).rejects.toThrow(
      /406.*x-queue-type.*stream queues are not supported/,
    );
    const ch4 = await channel();
    await ch4.assertQueue(name('quorum'), { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await ch4.assertQueue(name('classic'), { arguments: { 'x-queue-type': 'classic' } });
  });
});

describe('routing extensions', () => {
  it('sends what an exchange cannot route to its alternate exchange', async () => {
    const ch = await confirmChannel();
    const ae = name('ae');
    const main = name('main');
    await ch.assertExchange(ae, 'fanout');
    await ch.assertExchange(main, 'direct', { alternateExchange: ae });
    const caught = (await ch.assertQueue('', { exclusive: true })).queue;
    const routed = (await ch.assertQueue('', { exclusive: true })).queue;
    await ch.bindQueue(caught, ae, '');
    await ch.bindQueue(routed, main, 'known');
    ch.publish(main, 'known', Buffer.from('k'));
    ch.publish(main, 'unknown', Buffer.from('u'));
    await ch.waitForConfirms();
    expect(((await ch.get(routed, { noAck: true })) as amqp.GetMessage).content.toString()).toBe('k');
    expect(((await ch.get(caught, { noAck: true })) as amqp.GetMessage).content.toString()).toBe('u');
    expect(await ch.get(caught)).toBe(false);
  });

  it('routes by CC and BCC headers and strips BCC', async () => {
    const ch = await confirmChannel();
    const qs = await Promise.all(
      ['to', 'cc', 'bcc'].map(async (k) => {
        const q = (await ch.assertQueue('', { exclusive: true })).queue;
        await ch.bindQueue(q, 'amq.direct', `${k}-${n}`);
        return q;
      }),
    );
    ch.publish('amq.direct', `to-${n}`, Buffer.from('memo'), { headers: { CC: [`cc-${n}`], BCC: [`bcc-${n}`] } });
    await ch.waitForConfirms();
    for (const q of qs) {
      const m = (await ch.get(q, { noAck: true })) as amqp.GetMessage;
      expect(m.content.toString()).toBe('memo');
      expect(m.properties.headers?.['BCC']).toBeUndefined();
      expect(m.properties.headers?.['CC']).toEqual([`cc-${n}`]);
    }
  });
});

describe('consumers', () => {
  it('gives messages to the highest x-priority consumer with capacity', async () => {
    const ch = await channel();
    const q = name('prio-c');
    await ch.assertQueue(q);
    await ch.prefetch(5);
    const got: string[] = [];
    await ch.consume(q, (m) => got.push(`low:${m!.content}`), { priority: 1 });
    await ch.consume(q, (m) => got.push(`high:${m!.content}`), { priority: 10 });
    for (let i = 0; i < 7; i++) ch.sendToQueue(q, Buffer.from(String(i)));
    await until(() => got.length === 7 || false, 'deliveries');
    expect(got.filter((g) => g.startsWith('high')).length).toBe(5);
    expect(got.filter((g) => g.startsWith('low')).length).toBe(2);
  });

  it('single active consumer: only the first consumer receives until it cancels', async () => {
    const ch = await channel();
    const q = name('sac');
    await ch.assertQueue(q, { arguments: { 'x-single-active-consumer': true } });
    const got: string[] = [];
    const first = await ch.consume(q, (m) => got.push(`first:${m!.content}`), { noAck: true });
    await ch.consume(q, (m) => got.push(`second:${m!.content}`), { noAck: true });
    for (let i = 0; i < 3; i++) ch.sendToQueue(q, Buffer.from(String(i)));
    await until(() => got.length === 3 || false, 'three');
    expect(got.every((g) => g.startsWith('first'))).toBe(true);
    await ch.cancel(first.consumerTag);
    ch.sendToQueue(q, Buffer.from('3'));
    await until(() => got.length === 4 || false, 'fourth');
    expect(got[3]).toBe('second:3');
  });

  it('priority queues deliver higher priorities first, and a requeued message keeps its place', async () => {
    const ch = await confirmChannel();
    const q = name('prio-q');
    await ch.assertQueue(q, { arguments: { 'x-max-priority': 10 } });
    for (const [body, priority] of [
      ['p1', 1],
      ['p5a', 5],
      ['p9', 9],
      ['p5b', 5],
    ] as const)
      ch.sendToQueue(q, Buffer.from(body), { priority });
    await ch.waitForConfirms();
    const first = (await ch.get(q)) as amqp.GetMessage;
    const second = (await ch.get(q)) as amqp.GetMessage;
    expect([first.content.toString(), second.content.toString()]).toEqual(['p9', 'p5a']);
    ch.nack(second, false, true);
    ch.ack(first);
    const order: string[] = [];
    for (let m = await ch.get(q, { noAck: true }); m; m = await ch.get(q, { noAck: true })) order.push(`${m.content}${m.fields.redelivered ? 'r' : ''}`);
    expect(order).toEqual(['p5ar', 'p5b', 'p1']);
  });
});

describe('with durable storage', () => {
  it('keeps TTL and dead-lettering working across a restart', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dataDir = mkdtempSync(join(tmpdir(), 'warren-test-'));
    let w = await startWarren({ dataDir });
    let c = await amqp.connect(w.url);
    let ch = await c.createConfirmChannel();
    await ch.assertExchange('dlx-durable', 'fanout', { durable: true });
    await ch.assertQueue('dead-durable', { durable: true });
    await ch.bindQueue('dead-durable', 'dlx-durable', '');
    await ch.assertQueue('ttl-durable', { durable: true, arguments: { 'x-message-ttl': 700, 'x-dead-letter-exchange': 'dlx-durable', 'x-max-length': 2 } });
    for (const b of ['a', 'b', 'c']) ch.sendToQueue('ttl-durable', Buffer.from(b), { persistent: true });
    await ch.waitForConfirms();
    await c.close();
    await w.stop('SIGKILL');
    w = await startWarren({ dataDir });
    c = await amqp.connect(w.url);
    ch = await c.createConfirmChannel();
    // 'a' died of maxlen before the crash; 'b' and 'c' expire (700 ms after they were published: before or after
    // the crash and restart, whichever the machine's speed gives) and are dead-lettered, not lost
    const dead: string[] = [];
    await until(async () => {
      for (let m = await ch.get('dead-durable', { noAck: true }); m; m = await ch.get('dead-durable', { noAck: true })) {
        dead.push(`${m.content}:${(m.properties.headers!['x-death'] as unknown as Record<string, unknown>[])[0]!['reason']}`);
      }
      return dead.length === 3;
    }, 'three dead letters');
    expect(dead).toEqual(['a:maxlen', 'b:expired', 'c:expired']);
    expect((await ch.checkQueue('ttl-durable')).messageCount).toBe(0);
    await c.close();
    await w.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
});

describe('policies', () => {
  it('apply to existing and new queues, lose to declare arguments, persist and export', async () => {
    const { call } = await import('./api-http.js');
    const api = { socketPath: warren.socket };
    const ch = await confirmChannel();
    const before = name('pol');
    await ch.assertQueue(before);
    const put = await call(api, 'PUT', '/api/policies/%2F/cap', {
      json: { pattern: '^pol-', definition: { 'max-length': 1 }, 'apply-to': 'queues', priority: 1 },
    });
    expect(put.status).toBe(201);
    const after = name('pol');
    await ch.assertQueue(after);
    const own = name('pol');
    await ch.assertQueue(own, { arguments: { 'x-max-length': 3 } });
    for (const q of [before, after, own]) for (let i = 0; i < 4; i++) ch.sendToQueue(q, Buffer.from(String(i)));
    await ch.waitForConfirms();
    expect((await ch.checkQueue(before)).messageCount).toBe(1);
    expect((await ch.checkQueue(after)).messageCount).toBe(1);
    expect((await ch.checkQueue(own)).messageCount).toBe(1); // the lower of argument and policy wins
    const listed = await call(api, 'GET', `/api/queues/%2F/${before}`);
    expect(listed.body.policy).toBe('cap');
    const defs = await call(api, 'GET', '/api/definitions');
    expect(defs.body.policies).toEqual([{ vhost: '/', name: 'cap', pattern: '^pol-', 'apply-to': 'queues', definition: { 'max-length': 1 }, priority: 1 }]);
    const bad = await call(api, 'PUT', '/api/policies/%2F/bad', { json: { pattern: '(', definition: { 'max-length': 1 } } });
    expect(bad.status).toBe(400);
    expect((await call(api, 'DELETE', '/api/policies/%2F/cap')).status).toBe(204);
    for (let i = 0; i < 3; i++) ch.sendToQueue(before, Buffer.from('more'));
    await ch.waitForConfirms();
    expect((await ch.checkQueue(before)).messageCount).toBe(4);
  });

  it('alternate-exchange through a policy', async () => {
    const { call } = await import('./api-http.js');
    const api = { socketPath: warren.socket };
    const ch = await confirmChannel();
    const x = name('polx');
    const ae = name('polae');
    await ch.assertExchange(ae, 'fanout');
    await ch.assertExchange(x, 'direct');
    const caught = (await ch.assertQueue('', { exclusive: true })).queue;
    await ch.bindQueue(caught, ae, '');
    await call(api, 'PUT', `/api/policies/%2F/ae-${x}`, { json: { pattern: `^${x}$`, definition: { 'alternate-exchange': ae }, 'apply-to': 'exchanges' } });
    ch.publish(x, 'nowhere', Buffer.from('lost?'));
    await ch.waitForConfirms();
    expect(((await ch.get(caught, { noAck: true })) as amqp.GetMessage).content.toString()).toBe('lost?');
  });
});

describe('resource alarms', () => {
  it('blocks publishers with connection.blocked while the disk alarm is raised, and loses nothing', async () => {
    const { call } = await import('./api-http.js');
    const api = { socketPath: warren.socket };
    const c = await conn();
    const events: string[] = [];
    c.on('blocked', (reason: string) => events.push(`blocked:${reason}`));
    c.on('unblocked', () => events.push('unblocked'));
    const ch = await c.createConfirmChannel();
    const q = name('alarm');
    await ch.assertQueue(q);
    ch.sendToQueue(q, Buffer.from('before'));
    await ch.waitForConfirms();
    // Demand more free disk than any machine has: the disk alarm goes off.
    expect((await call(api, 'PUT', '/api/warren/limits', { json: { disk_free_limit: 2 ** 52 } })).status).toBe(204);
    await until(() => events.includes('blocked:low on disk') || false, 'connection.blocked');
    expect((await call(api, 'GET', '/api/health/checks/alarms')).status).toBe(503);
    for (let i = 0; i < 5; i++) ch.sendToQueue(q, Buffer.from(`during-${i}`));
    // the publishes have left this client (the server stopped reading; correct code shows 1 at any speed)
    const socket = (c as unknown as { connection: { stream: { writableLength: number } } }).connection.stream;
    await waitFor(() => socket.writableLength === 0, 'the publishes to leave the client');
    const watcher = await channel();
    expect((await watcher.checkQueue(q)).messageCount).toBe(1); // held back, not dropped
    await call(api, 'PUT', '/api/warren/limits', { json: { disk_free_limit: 0 } });
    await ch.waitForConfirms();
    expect(events).toContain('unblocked');
    expect((await watcher.checkQueue(q)).messageCount).toBe(6);
    expect((await call(api, 'GET', '/api/health/checks/alarms')).status).toBe(200);
  });
});
