// What held messages cost in memory: the content is copied once into a buffer the broker owns (no
// socket chunk outlives its frames), and the memory budget counts the bytes really held, ready and
// unacknowledged. In-process (a WarrenServer on port 0 in this test's own process, a raw client
// over TCP), so the test can read this process's heap and array buffers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { Frame, MethodId, Writer, defaultsOf, writeBasicProperties, writeMethod, type Method } from '../../src/amqp/index.js';
import { Broker } from '../../src/broker/broker.js';
import { MESSAGE_OVERHEAD } from '../../src/broker/message.js';
import type { Queue } from '../../src/broker/queue.js';
import { MemoryMessageStore } from '../../src/broker/store/message-store.js';
import type { DiskMessageStore } from '../../src/broker/store/disk-message-store.js';
import { MemoryBudget } from '../../src/broker/store/memory-budget.js';
import { startControlListeners } from '../../src/server/control-listener.js';
import { DEFAULT_LIMITS, WarrenServer } from '../../src/server/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { waitFor } from '../helpers/wait.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const quiet = { info() {}, warn() {}, error() {} };
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startInProcess(budgetBytes: number): Promise<{ server: WarrenServer; broker: Broker; budget: MemoryBudget }> {
  const spoolDir = mkdtempSync(join(tmpdir(), 'warren-spool-'));
  const budget = new MemoryBudget(budgetBytes, spoolDir);
  const broker = new Broker(new MemoryMessageStore(), true, budget);
  const server = new WarrenServer({ port: 0, bind: '127.0.0.1', limits: DEFAULT_LIMITS, log: quiet }, broker);
  await server.startApp();
  cleanups.push(async () => {
    await server.stopApp();
    rmSync(spoolDir, { recursive: true, force: true });
  });
  return { server, broker, budget };
}

async function client(server: WarrenServer): Promise<RawClient> {
  const c = await RawClient.login(server.address!.port);
  cleanups.push(() => c.close());
  await c.openChannel(1);
  return c;
}

/** basic.publish + header + body frames on channel 1, as bytes. */
function publishFrames(w: Writer, routingKey: string, body: Buffer): void {
  writeMethod(w, 1, { ...(defaultsOf(MethodId.BASIC_PUBLISH) as object), exchange: '', routingKey } as Method);
  w.begin(Frame.HEADER, 1);
  w.short(60);
  w.short(0);
  w.longlong(body.length);
  writeBasicProperties(w, { contentType: 'text/plain' });
  w.end();
  w.frame(Frame.BODY, 1, body);
}

/** Sends `count` publishes in one write, so the server reads them in large chunks. */
function publishMany(c: RawClient, queueOf: (i: number) => string, count: number, body: Buffer): void {
  const w = new Writer();
  for (let i = 0; i < count; i++) publishFrames(w, queueOf(i), body);
  c.sendBytes(Buffer.concat(w.take()));
}

async function declare(c: RawClient, queue: string): Promise<void> {
  c.send(1, MethodId.QUEUE_DECLARE, { queue });
  await c.expect(MethodId.QUEUE_DECLARE_OK);
}

function memory(): { heap: number; arrayBuffers: number } {
  gc();
  gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, arrayBuffers: m.arrayBuffers };
}

describe('message memory', () => {
  it('copies each message once: a few held messages do not keep the large socket chunks they came in alive', async () => {
    const { server, broker, budget } = await startInProcess(1 << 30);
    const c = await client(server);
    await declare(c, 'mem-fast');
    await declare(c, 'mem-slow');
    const vhost = broker.vhosts.get('/')!;
    const TOTAL = 100_000;
    const SLOW_EVERY = 100;
    const body = Buffer.alloc(100, 0x61);
    const before = memory();
    publishMany(c, (i) => (i % SLOW_EVERY === 0 ? 'mem-slow' : 'mem-fast'), TOTAL, body);
    const fast = vhost.queues.get('mem-fast')!;
    const slow = vhost.queues.get('mem-slow')!;
    await waitFor(() => fast.messageCount + slow.messageCount === TOTAL, 'every message queued');
    fast.purge();
    const held = slow.messageCount;
    expect(held).toBe(TOTAL / SLOW_EVERY);
    const after = memory();
    const perHeld = (after.arrayBuffers - before.arrayBuffers) / held;
    // Each held message keeps its content (header + body, about 120 bytes), never a socket chunk
    // (64 KiB) or the frames of the 99 messages around it (about 16 KB).
    expect(perHeld).toBeLessThan(body.length + 200);
    // The budget counts what is held: content plus the fixed per-message overhead.
    const headerBytes = budget.accountedBytes / held - body.length - MESSAGE_OVERHEAD;
    expect(headerBytes).toBeGreaterThan(0);
    expect(headerBytes).toBeLessThan(64);
    expect(broker.accountedMemory).toBe(budget.accountedBytes);
    // Heap plus array buffers grow by no more than the budget says (plus allocator slack).
    const grown = after.heap + after.arrayBuffers - before.heap - before.arrayBuffers;
    expect(grown).toBeLessThan(budget.accountedBytes + 2 * 1024 * 1024);
  });

  it('keeps a queue of 1,000,000 transient messages within the budget plus a fixed overhead (the rest on disk)', async () => {
    const BUDGET = 8 * 1024 * 1024;
    /** stated fixed overhead: the queue's in-memory window, spool write buffers, client-side buffers */
    const FIXED = 48 * 1024 * 1024;
    const { server, broker, budget } = await startInProcess(BUDGET);
    const c = await client(server);
    await declare(c, 'mem-million');
    const q = broker.vhosts.get('/')!.queues.get('mem-million')!;
    const body = Buffer.alloc(100, 0x62);
    const TOTAL = 1_000_000;
    const before = memory();
    let peak = 0;
    for (let sent = 0; sent < TOTAL;) {
      const n = Math.min(50_000, TOTAL - sent);
      publishMany(c, () => 'mem-million', n, body);
      sent += n;
      await waitFor(() => q.messageCount === sent, `${sent} messages queued`);
      const m = memory();
      peak = Math.max(peak, m.heap + m.arrayBuffers - before.heap - before.arrayBuffers);
    }
    expect(q.messageCount).toBe(TOTAL);
    expect(q.spooledCount).toBeGreaterThan(TOTAL / 2);
    expect(budget.accountedBytes).toBeLessThan(BUDGET + 64 * 1024);
    expect(peak).toBeLessThan(BUDGET + FIXED);
  }, 600_000); // a million messages through a loaded machine: a generous deadline, not a speed

  it('counts unacknowledged messages against the budget: past it, new messages go to disk; acks give it back', async () => {
    const { server, broker, budget } = await startInProcess(1024 * 1024);
    const c = await client(server);
    await declare(c, 'mem-unacked');
    const q = broker.vhosts.get('/')!.queues.get('mem-unacked')!;
    // prefetch 0 (unlimited), manual acks, and the consumer never acks
    c.send(1, MethodId.BASIC_CONSUME, { queue: 'mem-unacked', consumerTag: 'never-acks', noAck: false });
    await c.expect(MethodId.BASIC_CONSUME_OK);
    const body = Buffer.alloc(1000, 0x63);
    const UNACKED = 5_000;
    publishMany(c, () => 'mem-unacked', UNACKED, body);
    await waitFor(() => q.unackedCount === UNACKED, 'every message delivered and unacknowledged');
    const unackedBytes = budget.accountedBytes;
    expect(unackedBytes / UNACKED).toBeGreaterThan(body.length + MESSAGE_OVERHEAD);
    expect(unackedBytes / UNACKED).toBeLessThan(body.length + MESSAGE_OVERHEAD + 64);
    expect(budget.exceeded).toBe(true);

    // The unacknowledged messages fill the budget, so a queue nobody consumes keeps new messages on disk.
    const p = await client(server);
    await declare(p, 'mem-unacked-ready');
    const ready = broker.vhosts.get('/')!.queues.get('mem-unacked-ready')!;
    publishMany(p, () => 'mem-unacked-ready', 5000, body);
    await waitFor(() => ready.messageCount === 5000, 'the ready messages queued');
    // (a queue keeps a window of about a thousand messages in memory; the rest stay on disk)
    expect(ready.spooledCount).toBeGreaterThan(3000);

    // basic.ack multiple for them all gives their bytes back: what stays accounted is the ready
    // queue's in-memory window (the same messages, so the same cost each).
    c.send(1, MethodId.BASIC_ACK, { deliveryTag: UNACKED, multiple: true });
    await waitFor(() => q.unackedCount === 0, 'every message acknowledged');
    expect(budget.accountedBytes).toBe((ready.messageCount - ready.spooledCount) * (unackedBytes / UNACKED));
  });
});

/** 1 KB messages "0", "1", ... (padded with dots) queued in `name` past a 256 KiB budget: most of them on disk. */
async function queuedPastBudget(name: string, total: number): Promise<{ server: WarrenServer; c: RawClient; q: Queue; store: DiskMessageStore }> {
  const { server, broker, budget } = await startInProcess(256 * 1024);
  const c = await client(server);
  await declare(c, name);
  const q = broker.vhosts.get('/')!.queues.get(name)!;
  const w = new Writer();
  for (let i = 0; i < total; i++) publishFrames(w, name, Buffer.from(String(i).padEnd(1000, '.')));
  c.sendBytes(Buffer.concat(w.take()));
  await waitFor(() => q.messageCount === total, 'every message queued');
  expect(q.spooledCount).toBeGreaterThan(total / 2);
  return { server, c, q, store: budget.overflow() as DiskMessageStore };
}

describe('basic.get past the memory budget', () => {
  it('waits for messages read back from disk without a synchronous read, and answers before the frames sent after it', async () => {
    const TOTAL = 3000;
    const { c, store } = await queuedPastBudget('get-disk', TOTAL);
    const before = store.readStats;
    // every get (and one more), then a passive declare, in one write: the answers must come in that order
    const g = new Writer();
    for (let i = 0; i <= TOTAL; i++) writeMethod(g, 1, { ...(defaultsOf(MethodId.BASIC_GET) as object), queue: 'get-disk', noAck: true } as Method);
    writeMethod(g, 1, { ...(defaultsOf(MethodId.QUEUE_DECLARE) as object), queue: 'get-disk', passive: true } as Method);
    c.sendBytes(Buffer.concat(g.take()));
    for (let i = 0; i < TOTAL; i++) {
      const r = await c.expect(MethodId.BASIC_GET_OK);
      if (r.body?.toString().replace(/\.+$/, '') !== String(i)) expect.fail(`get ${i} answered ${r.body?.toString().slice(0, 12)}`);
    }
    await c.expect(MethodId.BASIC_GET_EMPTY);
    const declared = await c.expect(MethodId.QUEUE_DECLARE_OK);
    expect((declared.method as { messageCount: number }).messageCount).toBe(0);
    const after = store.readStats;
    expect(after.diskReads).toBeGreaterThan(before.diskReads);
    expect(after.syncReads).toBe(before.syncReads);
  });
});

describe('management API get past the memory budget', () => {
  it('reads the messages back from disk asynchronously and answers them in order', async () => {
    const TOTAL = 2000;
    const { server, q, store } = await queuedPastBudget('api-disk', TOTAL);
    const dataDir = mkdtempSync(join(tmpdir(), 'warren-api-get-'));
    const control = await startControlListeners({
      server,
      socketPath: join(dataDir, 'warren.sock'),
      dataDir,
      version: 'test',
      apiPort: 0,
      apiBind: '127.0.0.1',
      stop: () => {},
    });
    cleanups.push(async () => {
      await control.close();
      rmSync(dataDir, { recursive: true, force: true });
    });
    const before = store.readStats;
    const { port } = control.apiAddress!;
    const res = await fetch(`http://127.0.0.1:${port}/api/queues/%2F/api-disk/get`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ count: TOTAL, ackmode: 'ack_requeue_false', encoding: 'auto' }),
    });
    expect(res.status).toBe(200);
    const got = (await res.json()) as { payload: string }[];
    expect(got.map((m) => m.payload.replace(/\.+$/, ''))).toEqual(Array.from({ length: TOTAL }, (_, i) => String(i)));
    expect(q.messageCount).toBe(0);
    const after = store.readStats;
    expect(after.diskReads).toBeGreaterThan(before.diskReads);
    expect(after.syncReads).toBe(before.syncReads);
  });
});
