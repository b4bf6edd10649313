// Issue 10 points 1 and 2: a message no Date can hold (an AMQP timestamp beyond year 275760) once
// crashed the daemon when it expired into a dead-letter queue, after every restart, and a publish
// that failed half-way left its queues in module-level scratch, so the next publish -- by anyone,
// in any vhost -- also landed in the failing client's queue. The bytes are built by hand here, so
// the scenario does not depend on the codec under test.
import { afterEach, describe, expect, it } from 'vitest';
import { Frame, MethodId, Writer } from '../../src/amqp/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { waitFor } from '../helpers/wait.js';
import { startWarren, type Warren } from '../helpers/warren.js';
import { call } from './api-http.js';

const HUGE = (1n << 63n) + 12345n; // seconds: far beyond what a Date holds (8.64e12)
const MAX = (1n << 64n) - 1n;

/** A content header with headers {t: timestamp HUGE}, delivery-mode, and the timestamp property MAX. */
function poisonHeader(bodySize: number, persistent: boolean): Buffer {
  const key = Buffer.from('t');
  const entry = Buffer.alloc(1 + key.length + 1 + 8);
  entry[0] = key.length;
  key.copy(entry, 1);
  entry[1 + key.length] = 0x54; // 'T'
  entry.writeBigUInt64BE(HUGE, 2 + key.length);
  const table = Buffer.alloc(4 + entry.length);
  table.writeUInt32BE(entry.length, 0);
  entry.copy(table, 4);
  const head = Buffer.alloc(14);
  head.writeUInt16BE(60, 0); // class basic
  head.writeUInt16BE(0, 2); // weight
  head.writeBigUInt64BE(BigInt(bodySize), 4);
  head.writeUInt16BE(0x2000 | 0x1000 | 0x0040, 12); // headers, delivery-mode, timestamp
  const ts = Buffer.alloc(8);
  ts.writeBigUInt64BE(MAX, 0);
  return Buffer.concat([head, table, Buffer.from([persistent ? 2 : 1]), ts]);
}

function publishPoison(c: RawClient, routingKey: string, body: string, persistent = true): void {
  c.send(1, MethodId.BASIC_PUBLISH, { exchange: '', routingKey });
  const w = new Writer();
  const bytes = Buffer.from(body);
  w.frame(Frame.HEADER, 1, poisonHeader(bytes.length, persistent));
  w.frame(Frame.BODY, 1, bytes);
  for (const chunk of w.take()) c.sendBytes(chunk);
}

async function get(c: RawClient, queue: string) {
  c.send(1, MethodId.BASIC_GET, { queue, noAck: true });
  const r = await c.next();
  return r.method.id === MethodId.BASIC_GET_OK ? r : null;
}

async function declare(c: RawClient, queue: string, args: Record<string, unknown>, durable = true): Promise<void> {
  c.send(1, MethodId.QUEUE_DECLARE, { queue, durable, arguments: args });
  await c.expect(MethodId.QUEUE_DECLARE_OK);
}

const started: Warren[] = [];
afterEach(async () => {
  for (const w of started.splice(0)) await w.stop();
});

describe('a message with out-of-range timestamps (issue 10.1)', () => {
  it('expires into a dead-letter queue intact, and the daemon survives restarts', async () => {
    const first = await startWarren({ keepDataDir: true });
    const dataDir = first.dataDir;
    let c = await RawClient.login(first.port);
    await c.openChannel(1);
    await declare(c, 'dead', {});
    // long enough to stop the daemon before it expires on a quiet machine; either way the copy
    // must end up in 'dead' (before the restart, or after it, which is where the daemon died)
    await declare(c, 'ttl', { 'x-message-ttl': 1500, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': 'dead' });
    publishPoison(c, 'ttl', 'poison');
    c.send(1, MethodId.QUEUE_DECLARE, { queue: 'ttl', passive: true });
    expect((await c.expect(MethodId.QUEUE_DECLARE_OK)).method).toMatchObject({ queue: 'ttl' });
    c.close();
    expect(await first.stop()).toBe(0);

    const second = await startWarren({ dataDir });
    started.push(second);
    c = await RawClient.login(second.port);
    await c.openChannel(1);
    const dead = await waitFor(async () => {
      c.send(1, MethodId.QUEUE_DECLARE, { queue: 'dead', passive: true });
      const ok = (await c.expect(MethodId.QUEUE_DECLARE_OK)).method as { messageCount: number };
      return ok.messageCount === 1;
    }, 'the expired message in the dead-letter queue');
    expect(dead).toBe(true);
    expect(second.process.exitCode).toBeNull();
    c.close();
    // and once more: the dead-lettered copy (with its x-death) recovers and the daemon stays up
    expect(await second.stop()).toBe(0);
    started.pop();
    const third = await startWarren({ dataDir });
    started.push(third);
    c = await RawClient.login(third.port);
    await c.openChannel(1);
    const got = await get(c, 'dead');
    expect(got?.body?.toString()).toBe('poison');
    const props = got!.properties!;
    expect((props.timestamp as { seconds: bigint }).seconds).toBe(MAX);
    expect((props.headers!['t'] as { seconds: bigint }).seconds).toBe(HUGE);
    const death = (props.headers!['x-death'] as Record<string, unknown>[])[0]!;
    expect(death).toMatchObject({ queue: 'ttl', reason: 'expired', count: 1 });
    expect(third.process.exitCode).toBeNull();
    expect(third.output()).not.toMatch(/Invalid|RangeError|Cannot convert/);
    c.close();
  });
});

describe('a publish that fails half-way (issue 10.2)', () => {
  it("never puts a later publish, in another vhost, into the first client's queue", async () => {
    const w = await startWarren();
    started.push(w);
    const api = { socketPath: w.socket };
    expect((await call(api, 'PUT', '/api/vhosts/tenant-a')).status).toBeLessThan(300);
    expect((await call(api, 'PUT', '/api/permissions/tenant-a/guest', { json: { configure: '.*', write: '.*', read: '.*' } })).status).toBeLessThan(300);
    const a = await RawClient.login(w.port, { vhost: 'tenant-a' });
    await a.openChannel(1);
    await declare(a, 'a-dead', {}, false);
    // the second publish overflows x-max-length and dead-letters the first one, inside publish
    await declare(a, 'a-queue', { 'x-max-length': 1, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': 'a-dead' }, false);
    publishPoison(a, 'a-queue', 'a-1', false);
    publishPoison(a, 'a-queue', 'a-2', false);

    const b = await RawClient.login(w.port);
    await b.openChannel(1);
    await declare(b, 'b-queue', {}, false);
    b.publish(1, '', 'b-queue', Buffer.from('secret of tenant b'));
    b.publish(1, '', 'b-queue', Buffer.from('another secret'));
    await waitFor(async () => {
      b.send(1, MethodId.QUEUE_DECLARE, { queue: 'b-queue', passive: true });
      return ((await b.expect(MethodId.QUEUE_DECLARE_OK)).method as { messageCount: number }).messageCount === 2;
    }, "tenant b's messages in its queue");

    const seen: string[] = [];
    for (let m = await get(a, 'a-queue'); m; m = await get(a, 'a-queue')) seen.push(m.body!.toString());
    expect(seen).toEqual(['a-2']);
    const dead = await get(a, 'a-dead');
    expect(dead?.body?.toString()).toBe('a-1');
    expect((dead!.properties!.headers!['t'] as { seconds: bigint }).seconds).toBe(HUGE);
    expect(w.process.exitCode).toBeNull();
    a.close();
    b.close();
  });
});
