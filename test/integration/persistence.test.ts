// Durable storage across restarts: what survives, in which order and with which flags.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp, { type ConfirmChannel, type GetMessage } from 'amqplib';
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
  const c = await amqp.connect(w.url);
  c.on('error', () => {});
  const ch = await c.createChannel();
  const out: string[] = [];
  for (let m = await ch.get(queue, { noAck: true }); m; m = await ch.get(queue, { noAck: true })) {
    out.push(`${m.content}${m.fields.redelivered ? 'r' : ''}`);
  }
  await c.close();
  return out;
}

/** Waits until the daemon has printed `text` (its stderr may arrive after the listener line on stdout). */
async function sees(w: Warren, text: string): Promise<void> {
  await waitFor(() => w.output().includes(text), `output containing ${text}`);
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
    const next = async () => (await ch.get('durable-q')) as GetMessage;
    const p0 = await next();
    const p1 = await next();
    const p2 = await next();
    const p3 = await next();
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
    const random = () => (rand = (rand * 1103515245 + 12345) % 2147483648) / 2147483648;
    // the daemon restarted to check a round is the one the next round kills
    let w = await start(dir);
    for (let round = 0; round < 20; round++) {
      const setup = await confirmChannel(w);
      await setup.assertQueue('crash-q', { durable: true });
      const published = new Set<string>();
      const confirmed = new Set<string>();
      const ackSent = new Set<string>();
      const surelyAcked = new Set<string>();
      let stop = false;
      // the kill ends these with errors (a closed channel, a dead socket): expected, caught at once (a rejection
      // left for later counts as unhandled)
      const publishers = [0, 1, 2]
        .map(async (p) => {
          const ch = await confirmChannel(w);
          for (let n = 0; !stop; n++) {
            const id = `${round}-${p}-${n}`;
            published.add(id);
            ch.sendToQueue('crash-q', Buffer.from(id), { persistent: true }, (err) => {
              if (!err) confirmed.add(id);
            });
            if (n % 50 === 49) await ch.waitForConfirms().catch(() => (stop = true));
          }
        })
        .map((p) => p.catch(() => undefined));
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
            ch.checkQueue('crash-q').then(
              () => batch.forEach((id) => surelyAcked.add(id)),
              () => {},
            );
          }
        });
      })().catch(() => undefined);
      // Kill at a point given by progress, not time: once a random number of publishes is confirmed (and, in odd
      // rounds, some acks are known to be written), so every round has something to lose.
      const confirmTarget = 1 + Math.floor(random() * 400);
      await waitFor(() => confirmed.size >= confirmTarget && (round % 2 === 0 || surelyAcked.size > 0), `${confirmTarget} confirms in round ${round}`);
      await w.stop('SIGKILL');
      stop = true;
      await Promise.allSettled([...publishers, consumer]);

      const again = await start(dir);
      w = again;
      const present = await drain(again, 'crash-q');
      const ids = present.map((p) => p.replace(/r$/, ''));
      expect(new Set(ids).size, `duplicates after round ${round} (seed ${seed})`).toBe(ids.length);
      for (const id of ids) expect(published.has(id), `unknown message ${id}`).toBe(true);
      for (const id of ids) expect(surelyAcked.has(id), `acked message ${id} came back (round ${round}, seed ${seed})`).toBe(false);
      // A confirmed message may be gone only if the consumer acked it (the ack may have landed).
      const present_ = new Set(ids);
      const lost = [...confirmed].filter((id) => !present_.has(id) && !ackSent.has(id));
      expect(lost, `confirmed messages lost in round ${round} (seed ${seed})`).toEqual([]);
    }
  });
});

describe('SIGKILL during recovery', () => {
  it('kills while the store is being recovered (a torn tail each time) lose nothing and bring back nothing acknowledged', async () => {
    const dir = dataDir();
    let w = await start(dir);
    const TOTAL = 12_000;
    const ACKED = 4_000;
    const pad = 'x'.repeat(4000); // 4 KB messages: three 16 MiB segments, most of the first one acknowledged
    const ch = await confirmChannel(w);
    await ch.assertQueue('rk-q', { durable: true });
    for (let i = 0; i < TOTAL; i++) {
      ch.sendToQueue('rk-q', Buffer.from(`${i}:${pad}`), { persistent: true });
      if (i % 500 === 499) await ch.waitForConfirms();
    }
    await ch.waitForConfirms();
    // taken without acknowledgement: each leaves the store as an acknowledged one does (a removal record)
    for (let i = 0; i < ACKED; i++) {
      const m = await ch.get('rk-q', { noAck: true });
      if (!m || !m.content.toString().startsWith(`${i}:`)) throw new Error(`message ${i} missing before the kills`);
    }
    // answered after the gets before it: their removals are written
    expect((await ch.checkQueue('rk-q')).messageCount).toBe(TOTAL - ACKED);
    await w.stop('SIGKILL');
    running.splice(running.indexOf(w), 1);

    const segments = join(dir, 'messages');
    const last = (): string =>
      join(
        segments,
        readdirSync(segments)
          .filter((f) => f.endsWith('.seg'))
          .sort()
          .pop()!,
      );
    let killedInRecovery = 0;
    for (let round = 0; round < 6; round++) {
      // a torn write at the end of the last segment, for recovery to truncate
      writeFileSync(last(), Buffer.from('WRN1\x00\x00\x10\x00torn', 'latin1'), { flag: 'a' });
      const child = spawn(process.execPath, [serverBin, '--port', '0', '--bind', '127.0.0.1', '--data-dir', dir, '--no-management', '--no-metrics'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
      const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
      // killed as soon as it has started on the data directory: recovery comes next
      await waitFor(() => out.includes('data directory:') || child.exitCode !== null, `round ${round}: the daemon started`);
      child.kill('SIGKILL');
      await exited;
      if (!/recovered \d+ persistent messages/.test(out)) killedInRecovery++;
    }
    // the kills must have landed before recovery finished at least once, or this test tested nothing
    expect(killedInRecovery).toBeGreaterThan(0);

    w = await start(dir);
    const ids = (await drain(w, 'rk-q')).map((b) => Number(b.split(':')[0]));
    expect(ids.length).toBe(TOTAL - ACKED);
    expect(ids).toEqual(Array.from({ length: TOTAL - ACKED }, (_, i) => ACKED + i));
  });
});

describe('compaction under SIGKILL', () => {
  it('a consumer that keeps 1 in 20 unacknowledged: segments are compacted, and kills at any moment lose and duplicate nothing', async () => {
    const dir = dataDir();
    // tiny segments: the kills land in the middle of rolls and compactions
    const env = { WARREN_SEGMENT_BYTES: '16384' };
    let w = await startWarren({ dataDir: dir, env });
    running.push(w);
    for (let round = 0; round < 5; round++) {
      const setup = await confirmChannel(w);
      await setup.assertQueue('compact-q', { durable: true });
      const confirmed = new Set<string>();
      const acked = new Set<string>();
      const kept = new Set<string>();
      let stop = false;
      const publisher = (async () => {
        const ch = await confirmChannel(w);
        for (let n = 0; !stop; n++) {
          const id = `${round}-${n}`;
          ch.sendToQueue('compact-q', Buffer.from(id.padEnd(200, '.')), { persistent: true }, (err) => !err && confirmed.add(id));
          if (n % 100 === 99) await ch.waitForConfirms().catch(() => (stop = true));
        }
      })().catch(() => undefined); // the kill ends it with errors: caught at once (a rejection left for later is unhandled)
      const consumer = (async () => {
        const ch = await confirmChannel(w);
        let n = 0;
        await ch.consume('compact-q', (m) => {
          if (!m || stop) return;
          const id = m.content.toString().replace(/\.+$/, '');
          if (n++ % 20 === 0) kept.add(id);
          else {
            ch.ack(m);
            acked.add(id);
          }
        });
      })().catch(() => undefined);
      await waitFor(() => confirmed.size >= 2000 + round * 700, `confirms in round ${round}`);
      await w.stop('SIGKILL');
      stop = true;
      await Promise.allSettled([publisher, consumer]);
      w = await startWarren({ dataDir: dir, env });
      running.push(w);
      const ids = (await drain(w, 'compact-q')).map((p) => p.replace(/r$/, '').replace(/\.+$/, ''));
      expect(new Set(ids).size, `duplicates after round ${round}`).toBe(ids.length);
      // every kept (never acknowledged) message is back; every confirmed one is back unless its ack was sent
      const present = new Set(ids);
      expect(
        [...kept].filter((id) => confirmed.has(id) && !present.has(id)),
        `kept messages lost in round ${round}`,
      ).toEqual([]);
      expect(
        [...confirmed].filter((id) => !present.has(id) && !acked.has(id)),
        `confirmed messages lost in round ${round}`,
      ).toEqual([]);
    }
    // with everything drained, compaction and deletion leave about nothing on disk
    await waitFor(() => readdirSync(join(dir, 'messages')).filter((f) => f.endsWith('.seg')).length <= 3, 'segments compacted away');
  }, 180_000);
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
    // after the 16-byte file header, records [mark][length][crc][payload]; publish payloads start with 1
    for (let pos = 16; pos < buf.length; pos += 12 + buf.readUInt32BE(pos + 4)) if (buf[pos + 12] === 1) offsets.push(pos);
    expect(offsets.length).toBe(10);
    return { segment, offsets };
  }

  it('truncates a segment torn mid-record, names it, and keeps every whole message', async () => {
    const dir = dataDir();
    const { segment, offsets } = await tenMessages(dir);
    truncateSync(segment, offsets[9]! + 12);
    const w = await start(dir);
    await sees(w, `${segment}: torn record at byte ${offsets[9]}`);
    expect(await drain(w, 'c-q')).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8']);
  });

  it('skips a record with flipped bytes, names it, and keeps the others', async () => {
    const dir = dataDir();
    const { segment, offsets } = await tenMessages(dir);
    const buf = readFileSync(segment);
    const at = offsets[4]! + 20;
    buf.writeUInt8(buf.readUInt8(at) ^ 0xff, at);
    buf.writeUInt8(buf.readUInt8(at + 1) ^ 0x5a, at + 1);
    writeFileSync(segment, buf);
    const w = await start(dir);
    await sees(w, `${segment}: damaged data at byte ${offsets[4]} (`);
    await sees(w, `about 1 record) skipped; records from byte ${offsets[5]} kept`);
    expect(await drain(w, 'c-q')).toEqual(['m0', 'm1', 'm2', 'm3', 'm5', 'm6', 'm7', 'm8', 'm9']);
  });

  it('recovers the records after one whose length field is damaged', async () => {
    const dir = dataDir();
    const { segment, offsets } = await tenMessages(dir);
    const buf = readFileSync(segment);
    buf.writeUInt32BE(7, offsets[2]! + 4);
    writeFileSync(segment, buf);
    const w = await start(dir);
    await sees(w, `${segment}: damaged data at byte ${offsets[2]}`);
    expect(await drain(w, 'c-q')).toEqual(['m0', 'm1', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9']);
  });
});

describe('damage never destroys intact data', () => {
  /** Ten persistent messages m0..m9 in one segment (left by a SIGKILL, so the journal is not folded). */
  async function tenMessagesKilled(dir: string): Promise<{ segment: string; offsets: number[] }> {
    const w = await start(dir);
    const ch = await confirmChannel(w);
    await ch.assertQueue('d-q', { durable: true });
    for (let i = 0; i < 10; i++) ch.sendToQueue('d-q', Buffer.from(`m${i}`), { persistent: true });
    await ch.waitForConfirms();
    await w.stop('SIGKILL');
    const name = readdirSync(join(dir, 'messages')).find((f) => f.endsWith('.seg'))!;
    const segment = join(dir, 'messages', name);
    const buf = readFileSync(segment);
    const offsets: number[] = [];
    for (let pos = 16; pos < buf.length; pos += 12 + buf.readUInt32BE(pos + 4)) if (buf[pos + 12] === 1) offsets.push(pos);
    expect(offsets.length).toBe(10);
    return { segment, offsets };
  }
  const all = ['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9'];
  const serve = (dir: string) => spawnSync(process.execPath, [serverBin, '--port', '0', '--data-dir', dir], { encoding: 'utf8', timeout: 60_000 });

  it('a flipped bit in a length field is damage, not a torn tail: the records after it are kept', async () => {
    const dir = dataDir();
    const { segment, offsets } = await tenMessagesKilled(dir);
    const buf = readFileSync(segment);
    buf[offsets[3]! + 4]! ^= 0x40; // the length now runs far past the end of the file
    writeFileSync(segment, buf);
    const w = await start(dir);
    await sees(w, `${segment}: damaged data at byte ${offsets[3]}`);
    expect(w.output()).not.toContain('torn');
    expect(await drain(w, 'd-q')).toEqual(all.filter((m) => m !== 'm3'));
  });

  it('a segment truncated to 0 bytes is named and kept aside; the daemon starts', async () => {
    const dir = dataDir();
    const { segment } = await tenMessagesKilled(dir);
    truncateSync(segment, 0);
    const w = await start(dir);
    await sees(w, `${segment}: empty (0 bytes): whatever it held is lost; kept aside as ${join(dir, 'messages', 'damaged')}`);
    expect(readdirSync(join(dir, 'messages', 'damaged')).length).toBeGreaterThan(0);
    expect(await drain(w, 'd-q')).toEqual([]);
  });

  it('a garbage segment is named and kept aside, and the other segments are kept', async () => {
    const dir = dataDir();
    await tenMessagesKilled(dir);
    const garbage = join(dir, 'messages', '0000009999.seg');
    const noise = Buffer.alloc(16 * 1024 * 1024);
    for (let i = 0; i < noise.length; i += 4) noise.writeUInt32LE((i * 2654435761) >>> 0, i);
    writeFileSync(garbage, noise);
    const w = await start(dir);
    await sees(w, `${garbage}: not a warren message segment (no valid header); kept aside`);
    expect(await drain(w, 'd-q')).toEqual(all);
  });

  it('one bad byte in a 16 MB segment: the damage is found by record framing, everything else kept', async () => {
    const dir = dataDir();
    let w = await start(dir);
    const ch = await confirmChannel(w);
    await ch.assertQueue('big-q', { durable: true });
    const body = Buffer.alloc(16_000, 0x2e);
    for (let i = 0; i < 1000; i++) ch.sendToQueue('big-q', body, { persistent: true });
    await ch.waitForConfirms();
    await w.stop('SIGKILL');
    const segment = join(
      dir,
      'messages',
      readdirSync(join(dir, 'messages')).find((f) => f.endsWith('.seg'))!,
    );
    const buf = readFileSync(segment);
    buf[Math.floor(buf.length / 3)]! ^= 0x01;
    writeFileSync(segment, buf);
    w = await start(dir);
    await waitFor(() => /damaged data at byte \d+ \(\d+ bytes, about 1 record\) skipped; records from byte \d+ kept/.test(w.output()), 'the damage named');
    expect((await confirmChannel(w).then((c) => c.checkQueue('big-q'))).messageCount).toBe(999);
  });

  it('a damaged definitions journal entry is named and skipped; the changes after it are kept', async () => {
    const dir = dataDir();
    let w = await start(dir);
    const ch = await confirmChannel(w);
    await ch.assertQueue('j-first', { durable: true });
    await ch.assertQueue('j-second', { durable: true });
    await ch.assertQueue('j-third', { durable: true });
    for (let i = 0; i < 5; i++) ch.sendToQueue('j-third', Buffer.from(`t${i}`), { persistent: true });
    await ch.waitForConfirms();
    await w.stop('SIGKILL');
    const journal = join(dir, 'definitions.journal');
    const lines = readFileSync(journal, 'utf8').split('\n');
    const i = lines.findIndex((l) => l.includes('j-second'));
    expect(i).toBeGreaterThanOrEqual(0);
    lines[i] = lines[i]!.replace('j-second', 'j-sec0nd'); // the checksum no longer matches
    writeFileSync(journal, lines.join('\n'));
    w = await start(dir);
    await sees(w, `${journal}: damaged entry at byte`);
    await sees(w, 'skipped; the entries after it kept');
    expect(await drain(w, 'j-third')).toEqual(['t0', 't1', 't2', 't3', 't4']);
    const c = await confirmChannel(w);
    await c.checkQueue('j-first');
  });

  it('with the definitions missing and segments present, refuses to start (exit 78) and deletes nothing', async () => {
    const dir = dataDir();
    await tenMessagesKilled(dir);
    rmSync(join(dir, 'definitions.json'), { force: true });
    rmSync(join(dir, 'definitions.journal'), { force: true });
    const segments = readdirSync(join(dir, 'messages'));
    const r = serve(dir);
    expect(r.status).toBe(78);
    expect(r.stderr).toContain(`${join(dir, 'definitions.json')} and definitions.journal are missing but ${join(dir, 'messages')} holds`);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(readdirSync(join(dir, 'messages'))).toEqual(segments);
  });

  it('a damaged definitions.json is named and refused (exit 78)', async () => {
    const dir = dataDir();
    const w = await start(dir);
    await w.stop('SIGTERM');
    writeFileSync(join(dir, 'definitions.json'), '{"vhost": [[');
    const r = serve(dir);
    expect(r.status).toBe(78);
    expect(r.stderr).toContain(`${join(dir, 'definitions.json')}: damaged`);
  });

  it('a segment of an unknown format version is refused with one line naming it (exit 78)', async () => {
    const dir = dataDir();
    const { segment } = await tenMessagesKilled(dir);
    const buf = readFileSync(segment);
    buf.writeUInt32BE(2, 8);
    writeFileSync(segment, buf);
    const r = serve(dir);
    expect(r.status).toBe(78);
    expect(r.stderr.trim()).toBe(`error: ${segment}: message store format version 2 is not one this warren reads (version 1); use the warren that wrote it`);
    // nothing was changed: with the version back, every message is there
    buf.writeUInt32BE(1, 8);
    writeFileSync(segment, buf);
    const w = await start(dir);
    expect(await drain(w, 'd-q')).toEqual(all);
  });
});

describe('memory budget', () => {
  it('spools messages beyond the budget to disk and delivers them all in order', async () => {
    const dir = dataDir();
    let w = await start(dir, ['--memory-budget', '1']);
    const ch = await confirmChannel(w);
    await ch.assertQueue('spill-t', { durable: false });
    await ch.assertQueue('spill-d', { durable: true });
    // 2 x 8,000 bodies of 100 bytes: well over the 1 MiB budget, so both queues spool
    const COUNT = 8_000;
    const body = (i: number) => Buffer.from(`${String(i).padStart(6, '0')}-${'x'.repeat(93)}`);
    for (let i = 0; i < COUNT; i++) {
      ch.sendToQueue('spill-t', body(i));
      ch.sendToQueue('spill-d', body(i), { persistent: true });
      if (i % 1000 === 999) await ch.waitForConfirms();
    }
    await ch.waitForConfirms();
    // beyond the budget, both queues keep positions on disk (in the message segments), not messages
    const listed = (await call({ socketPath: w.socket }, 'GET', '/api/queues/%2F/spill-t')).body as { messages: number; messages_paged_out: number };
    expect(listed.messages).toBe(COUNT);
    expect(listed.messages_paged_out).toBeGreaterThan(COUNT / 2);
    const got = await drain(w, 'spill-t');
    expect(got.length).toBe(COUNT);
    expect(got.every((m, i) => m === body(i).toString())).toBe(true);
    // the durable queue's spooled persistent messages come back from the segments after a crash
    await w.stop('SIGKILL');
    w = await start(dir, ['--memory-budget', '1']);
    const durable = await drain(w, 'spill-d');
    expect(durable.length).toBe(COUNT);
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
      await waitFor(() => /message store cannot write to disk \((ENOSPC|EIO)/.test(w.output()), 'the fault logged');
      expect(w.process.exitCode).toBeNull();

      writeFileSync(faultFile, '');
      await waitFor(() => !blocked, 'connection.unblocked once the store writes again');
      await sees(w, 'message store writes to disk again');
      expect(await publishAll(ch, 'fault-q', ['b0', 'b1'])).toEqual([true, true]);
      await conn.close();

      await w.stop('SIGKILL');
      w = await start(dir);
      const got = (await drain(w, 'fault-q')).filter((m) => !m.startsWith('x'));
      expect(got).toEqual(['a0', 'a1', 'a2', 'b0', 'b1']);
    });
  }
});
