// Durable storage across restarts: what survives, in which order and with which flags.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp, { type ConfirmChannel } from 'amqplib';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.js';
import { serverBin, startWarren, type Warren } from '../helpers/warren.js';
import { call } from './api-http.js';

const dirs: string[] = [];
const running: Warren[] = [];

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'warren-test-'));
  dirs.push(dir);
  return dir;
}

async function start(dir: string, args: string[] = []): Promise<Warren> {
  const w = await startWarren({ dataDir: dir, args });
  running.push(w);
  return w;
}

async function confirmChannel(w: Warren): Promise<ConfirmChannel> {
  const c = await amqp.connect(w.url);
  c.on('error', () => {});
  const ch = await c.createConfirmChannel();
  ch.on('error', () => {});
  return ch;
}

/** Every message left in the queue, as body plus an 'r' when redelivered. */
async function drain(w: Warren, queue: string): Promise<string[]> {
  const ch = await confirmChannel(w);
  const out: string[] = [];
  for (let m = await ch.get(queue, { noAck: true }); m; m = await ch.get(queue, { noAck: true })) {
    out.push(`${m.content}${m.fields.redelivered ? 'r' : ''}`);
  }
  await ch.connection.close();
  return out;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((w) => w.stop('SIGKILL').catch(() => {})));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('restart', () => {
  it('keeps durable definitions and persistent messages in order with their redelivered flags', async () => {
    const dir = dataDir();
    let w = await start(dir);
    const ch = await confirmChannel(w);
    await ch.assertQueue('durable-q', { durable: true, arguments: { 'x-max-priority': 5 } });
    await ch.assertQueue('transient-q', { durable: false });
    await ch.assertExchange('durable-x', 'topic', { durable: true });
    await ch.assertExchange('transient-x', 'fanout', { durable: false });
    await ch.bindQueue('durable-q', 'durable-x', 'logs.#');
    for (let i = 0; i < 6; i++) ch.publish('durable-x', 'logs.app', Buffer.from(`p${i}`), { persistent: true });
    ch.publish('durable-x', 'logs.app', Buffer.from('transient-msg'), { persistent: false });
    ch.sendToQueue('transient-q', Buffer.from('t'), { persistent: true });
    await ch.waitForConfirms();
    const p0 = (await ch.get('durable-q'))!;
    const p1 = (await ch.get('durable-q'))!;
    const p2 = (await ch.get('durable-q'))!;
    const p3 = (await ch.get('durable-q'))!;
    ch.ack(p0); // acked: gone for good
    ch.nack(p1, false, false); // dropped
    ch.nack(p2, false, true); // requeued: back in place, redelivered
    void p3; // delivered, never acked
    await ch.checkQueue('durable-q');
    await call({ socketPath: w.socket }, 'PUT', '/api/users/alice', { json: { password: 'secret', tags: 'monitoring' } });
    await call({ socketPath: w.socket }, 'PUT', '/api/vhosts/extra', { json: {} });
    await call({ socketPath: w.socket }, 'PUT', '/api/permissions/extra/alice', { json: { configure: '^a', write: '.*', read: '.*' } });
    await call({ socketPath: w.socket }, 'PUT', '/api/topic-permissions/extra/alice', { json: { exchange: 'amq.topic', write: '^a', read: '.*' } });
    expect(await w.stop('SIGTERM')).toBe(0);

    w = await start(dir);
    expect(w.output()).toMatch(/recovered 4 persistent messages in 1 queues/);
    const ch2 = await confirmChannel(w);
    await ch2.checkExchange('durable-x');
    await expect(ch2.checkExchange('transient-x')).rejects.toThrow(/404/);
    const ch3 = await confirmChannel(w);
    await expect(ch3.checkQueue('transient-q')).rejects.toThrow(/404/);
    // the binding survived: a new persistent message routes to durable-q
    const ch4 = await confirmChannel(w);
    ch4.publish('durable-x', 'logs.more', Buffer.from('p6'), { persistent: true });
    await ch4.waitForConfirms();
    expect(await drain(w, 'durable-q')).toEqual(['p2r', 'p3r', 'p4', 'p5', 'p6']);
    const users = await call({ socketPath: w.socket }, 'GET', '/api/users');
    expect(users.body.map((u: { name: string }) => u.name).sort()).toEqual(['alice', 'guest']);
    const perms = await call({ socketPath: w.socket }, 'GET', '/api/permissions/extra/alice');
    expect(perms.body).toMatchObject({ configure: '^a', write: '.*', read: '.*' });
    const topic = await call({ socketPath: w.socket }, 'GET', '/api/topic-permissions/extra/alice');
    expect(topic.body).toEqual([{ user: 'alice', vhost: 'extra', exchange: 'amq.topic', write: '^a', read: '.*' }]);
    const q = await call({ socketPath: w.socket }, 'GET', '/api/queues/%2F/durable-q');
    expect(q.body.arguments).toEqual({ 'x-max-priority': 5 });
    await (await amqp.connect(`amqp://alice:secret@127.0.0.1:${w.port}/extra`)).close();
  });

  it('stores a message routed to several durable queues once and keeps it until every queue is done', async () => {
    const dir = dataDir();
    let w = await start(dir);
    const ch = await confirmChannel(w);
    for (const q of ['fan-a', 'fan-b']) {
      await ch.assertQueue(q, { durable: true });
      await ch.bindQueue(q, 'amq.fanout', '');
    }
    ch.publish('amq.fanout', '', Buffer.from('shared'), { persistent: true });
    await ch.waitForConfirms();
    await ch.get('fan-a', { noAck: true });
    await ch.checkQueue('fan-a');
    await w.stop('SIGKILL');
    w = await start(dir);
    expect(await drain(w, 'fan-a')).toEqual([]);
    expect(await drain(w, 'fan-b')).toEqual(['shared']);
  });

  it('refuses a second daemon on the same data directory (exit 69)', async () => {
    const dir = dataDir();
    await start(dir);
    const r = spawnSync(process.execPath, [serverBin, '--port', '0', '--data-dir', dir, '--no-management', '--no-metrics'], { encoding: 'utf8' });
    expect(r.status).toBe(69);
    expect(r.stderr).toMatch(/data directory .* is in use by another warren-server \(pid \d+\)/);
  });

  it('recovers 10,000 durable queue declarations', async () => {
    const dir = dataDir();
    let w = await start(dir);
    const ch = await confirmChannel(w);
    for (let i = 0; i < 10_000; i++) void ch.assertQueue(`many-${i}`, { durable: true });
    await ch.checkQueue('many-9999');
    await w.stop('SIGKILL');
    w = await start(dir);
    expect(w.output()).toMatch(/recovered 1 vhosts, 10000 durable queues/);
  });
});

describe('crash safety', () => {
  it('loses no confirmed message and resurrects no acknowledged one across 20 SIGKILLs', async () => {
    const dir = dataDir();
    const seed = Date.now() % 100000;
    let rand = seed;
    const random = () => ((rand = (rand * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let round = 0; round < 20; round++) {
      const w = await start(dir);
      const setup = await confirmChannel(w);
      await setup.assertQueue('crash-q', { durable: true });
      const published = new Set<string>();
      const confirmed = new Set<string>();
      const ackSent = new Set<string>();
      const surelyAcked = new Set<string>();
      let stop = false;
      const publishers = [0, 1, 2].map(async (p) => {
        const ch = await confirmChannel(w);
        for (let n = 0; !stop; n++) {
          const id = `${round}-${p}-${n}`;
          published.add(id);
          ch.sendToQueue('crash-q', Buffer.from(id), { persistent: true }, (err) => {
            if (!err) confirmed.add(id);
          });
          if (n % 50 === 49) await ch.waitForConfirms().catch(() => (stop = true));
        }
      });
      const consumer = (async () => {
        const ch = await confirmChannel(w);
        await ch.prefetch(100);
        let pending: string[] = [];
        await ch.consume('crash-q', (m) => {
          if (!m || stop) return;
          ch.ack(m);
          ackSent.add(m.content.toString());
          pending.push(m.content.toString());
          if (pending.length >= 25) {
            const batch = pending;
            pending = [];
            // The declare-ok comes back after the server has processed (and written) the acks.
            ch.checkQueue('crash-q').then(() => batch.forEach((id) => surelyAcked.add(id)), () => {});
          }
        });
      })();
      await new Promise((r) => setTimeout(r, 150 + random() * 400));
      await w.stop('SIGKILL');
      stop = true;
      await Promise.allSettled([...publishers, consumer]);

      const again = await start(dir);
      const present = await drain(again, 'crash-q');
      const ids = present.map((p) => p.replace(/r$/, ''));
      expect(new Set(ids).size, `duplicates after round ${round} (seed ${seed})`).toBe(ids.length);
      for (const id of ids) expect(published.has(id), `unknown message ${id}`).toBe(true);
      for (const id of ids) expect(surelyAcked.has(id), `acked message ${id} came back (round ${round}, seed ${seed})`).toBe(false);
      // A confirmed message may be gone only if the consumer acked it (the ack may have landed).
      const present_ = new Set(ids);
      const lost = [...confirmed].filter((id) => !present_.has(id) && !ackSent.has(id));
      expect(lost, `confirmed messages lost in round ${round} (seed ${seed})`).toEqual([]);
      expect(confirmed.size).toBeGreaterThan(0);
      await again.stop('SIGTERM');
      running.splice(0);
    }
  }, 120_000);
});

describe('corruption', () => {
  /** Ten persistent messages in one segment; returns the segment path and its record offsets. */
  async function tenMessages(dir: string): Promise<{ segment: string; offsets: number[] }> {
    const w = await start(dir);
    const ch = await confirmChannel(w);
    await ch.assertQueue('c-q', { durable: true });
    for (let i = 0; i < 10; i++) ch.sendToQueue('c-q', Buffer.from(`m${i}`), { persistent: true });
    await ch.waitForConfirms();
    await w.stop('SIGTERM');
    const name = readdirSync(join(dir, 'messages')).find((f) => f.endsWith('.seg'))!;
    const segment = join(dir, 'messages', name);
    const buf = readFileSync(segment);
    const offsets: number[] = [];
    for (let pos = 0; pos < buf.length; pos += 8 + buf.readUInt32BE(pos)) offsets.push(pos);
    expect(offsets.length).toBe(10);
    return { segment, offsets };
  }

  it('truncates a segment torn mid-record, names it, and keeps every whole message', async () => {
    const dir = dataDir();
    const { segment, offsets } = await tenMessages(dir);
    truncateSync(segment, offsets[9]! + 12);
    const w = await start(dir);
    expect(w.output()).toContain(`${segment}: torn record at byte ${offsets[9]}`);
    expect(await drain(w, 'c-q')).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8']);
  });

  it('skips a record with flipped bytes, names it, and keeps the others', async () => {
    const dir = dataDir();
    const { segment, offsets } = await tenMessages(dir);
    const buf = readFileSync(segment);
    buf[offsets[4]! + 20] ^= 0xff;
    buf[offsets[4]! + 21] ^= 0x5a;
    writeFileSync(segment, buf);
    const w = await start(dir);
    expect(w.output()).toContain(`${segment}: corrupt record at byte ${offsets[4]} skipped`);
    expect(await drain(w, 'c-q')).toEqual(['m0', 'm1', 'm2', 'm3', 'm5', 'm6', 'm7', 'm8', 'm9']);
  });

  it('recovers the records after one whose length field is damaged', async () => {
    const dir = dataDir();
    const { segment, offsets } = await tenMessages(dir);
    const buf = readFileSync(segment);
    buf.writeUInt32BE(7, offsets[2]!);
    writeFileSync(segment, buf);
    const w = await start(dir);
    expect(w.output()).toContain(`${segment}: corrupt record at byte ${offsets[2]}`);
    expect(await drain(w, 'c-q')).toEqual(['m0', 'm1', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9']);
  });
});

describe('memory budget', () => {
  it('spools messages beyond the budget to disk and delivers them all in order', async () => {
    const dir = dataDir();
    let w = await start(dir, ['--memory-budget', '1']);
    const ch = await confirmChannel(w);
    await ch.assertQueue('spill-t', { durable: false });
    await ch.assertQueue('spill-d', { durable: true });
    const body = (i: number) => Buffer.from(`${String(i).padStart(6, '0')}-${'x'.repeat(93)}`);
    for (let i = 0; i < 20_000; i++) {
      ch.sendToQueue('spill-t', body(i));
      ch.sendToQueue('spill-d', body(i), { persistent: true });
      if (i % 1000 === 999) await ch.waitForConfirms();
    }
    await ch.waitForConfirms();
    const spoolFiles = readdirSync(join(dir, 'spool'));
    expect(spoolFiles.length).toBeGreaterThan(0);
    expect((await ch.checkQueue('spill-t')).messageCount).toBe(20_000);
    const got = await drain(w, 'spill-t');
    expect(got.length).toBe(20_000);
    expect(got.every((m, i) => m === body(i).toString())).toBe(true);
    // the durable queue's spooled persistent messages come back from the segments after a crash
    await w.stop('SIGKILL');
    w = await start(dir, ['--memory-budget', '1']);
    const durable = await drain(w, 'spill-d');
    expect(durable.length).toBe(20_000);
    expect(durable.every((m, i) => m === body(i).toString())).toBe(true);
  });
});

describe('store faults', () => {
  /** Publishes `bodies` persistently and reports, per body, whether the broker acked (true) or nacked it. */
  async function publishAll(ch: ConfirmChannel, queue: string, bodies: string[]): Promise<boolean[]> {
    return Promise.all(
      bodies.map((b) => new Promise<boolean>((resolve) => ch.sendToQueue(queue, Buffer.from(b), { persistent: true }, (err) => resolve(!err)))),
    );
  }

  for (const fault of ['enospc', 'eio-fsync'] as const) {
    it(`${fault}: nacks what it cannot make durable, raises the disk alarm, stays up and loses nothing confirmed`, async () => {
      const dir = dataDir();
      const faultFile = join(dataDir(), 'fault');
      writeFileSync(faultFile, '');
      let w = await startWarren({ dataDir: dir, args: ['--disk-free-limit', '0'], env: { WARREN_TEST_FAULTS: faultFile } });
      running.push(w);
      const conn = await amqp.connect(w.url);
      conn.on('error', () => {});
      let blocked = false;
      conn.on('blocked', () => (blocked = true));
      conn.on('unblocked', () => (blocked = false));
      const ch = await conn.createConfirmChannel();
      ch.on('error', () => {});
      await ch.assertQueue('fault-q', { durable: true });
      expect(await publishAll(ch, 'fault-q', ['a0', 'a1', 'a2'])).toEqual([true, true, true]);

      writeFileSync(faultFile, fault);
      // (one publish: the alarm this raises stops reading the connection, so a second would wait for it)
      expect(await publishAll(ch, 'fault-q', ['x0'])).toEqual([false]);
      await waitFor(() => blocked, 'connection.blocked after the store fault');
      expect(w.output()).toMatch(/message store cannot write to disk \((ENOSPC|EIO)/);
      expect(w.process.exitCode).toBeNull();

      writeFileSync(faultFile, '');
      await waitFor(() => !blocked, 'connection.unblocked once the store writes again');
      expect(w.output()).toContain('message store writes to disk again');
      expect(await publishAll(ch, 'fault-q', ['b0', 'b1'])).toEqual([true, true]);
      await conn.close();

      await w.stop('SIGKILL');
      w = await start(dir);
      const got = (await drain(w, 'fault-q')).filter((m) => !m.startsWith('x'));
      expect(got).toEqual(['a0', 'a1', 'a2', 'b0', 'b1']);
    });
  }
});
