// The storage contract, run against every store implementation (DESIGN.md: storage behind
// interfaces, a memory one and the disk one passing the same tests): what a queue on top of the
// store gives back, in which order and with which redelivered flags, with a budget small enough
// that most messages live on disk as positions and are read back. Plus what only the disk store
// promises: recovery after a restart, and the format of what it writes.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { contentHeaderPayload, Timestamp, type BasicProperties } from '../../src/amqp/index.js';
import { Message } from '../../src/broker/message.js';
import { Queue } from '../../src/broker/queue.js';
import { compactionDelay, DiskMessageStore } from '../../src/broker/store/disk-message-store.js';
import { GroupCommit } from '../../src/broker/store/group-commit.js';
import { MemoryBudget } from '../../src/broker/store/memory-budget.js';
import { MemoryMessageStore, type MessageStore } from '../../src/broker/store/message-store.js';
import { ACK_BYTES, FILE_HEADER } from '../../src/broker/store/records.js';
import { bodies, takeAll } from './store-helpers.js';

const dirs: string[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'warren-store-'));
  dirs.push(dir);
  return dir;
}

const message = (body: string, options: { arrival?: number; expiration?: string } = {}) => {
  const properties = { deliveryMode: 2, ...(options.expiration ? { expiration: options.expiration } : {}) };
  return new Message('', 'q', properties, contentHeaderPayload(body.length, properties), Buffer.from(body), options.arrival);
};

interface Setup {
  store: MessageStore;
  budget: MemoryBudget;
  /** a durable queue on the store; `args` are its x- arguments */
  queue(name: string, args?: Record<string, unknown>): Queue;
}

/** A store plus a budget of `limit` bytes whose overflow is the store's segments (disk) or a transient spill area (memory). */
const implementations: [string, (limit: number) => Setup][] = [
  [
    'memory',
    (limit) => {
      const store = new MemoryMessageStore();
      const budget = new MemoryBudget(limit, tmp());
      return { store, budget, queue: (name, args = {}) => durableQueue(name, args, budget, store) };
    },
  ],
  [
    'disk',
    (limit) => {
      const { store } = DiskMessageStore.open(tmp(), new GroupCommit());
      closers.push(() => store.close());
      const budget = new MemoryBudget(limit, null, store);
      return { store, budget, queue: (name, args = {}) => durableQueue(name, args, budget, store) };
    },
  ],
];

function durableQueue(name: string, args: Record<string, unknown>, budget: MemoryBudget, store: MessageStore): Queue {
  const q = new Queue(name, '/', { durable: true, exclusiveOwner: null, autoDelete: false, arguments: args as never }, budget);
  q.store = store;
  return q;
}

function publish(s: Setup, queues: Queue[], m: Message): void {
  s.store.persist(m, queues);
  for (const q of queues) q.enqueue(m);
}

for (const [name, make] of implementations) {
  describe(`storage contract: ${name} store`, () => {
    it('gives back every message in publish order, most of them read back from disk past a small budget', async () => {
      const s = make(16 * 1024);
      const q = s.queue('order');
      for (const b of bodies(3000)) publish(s, [q], message(b));
      expect(q.spooledCount).toBeGreaterThan(2000);
      expect(q.messageCount).toBe(3000);
      expect(takeAll(q)).toEqual(bodies(3000));
      expect(q.messageCount).toBe(0);
      expect(s.budget.accountedBytes).toBe(0);
      await s.store.flush();
    });

    it('delivers positions asynchronously to consumers-style takes and keeps order across the in-memory window', async () => {
      const s = make(8 * 1024);
      const q = s.queue('async');
      for (const b of bodies(2000)) publish(s, [q], message(b));
      const got: string[] = [];
      // non-blocking takes (as deliveries do): undefined while a batch is read; wait for it and go on
      while (got.length < 2000) {
        const e = q.take(false, false);
        if (e) got.push(e.message.body.toString());
        else await new Promise((r) => setImmediate(r));
      }
      expect(got).toEqual(bodies(2000));
    });

    it('requeues to the original place, marked redelivered; acks remove', () => {
      const s = make(1 << 20);
      const q = s.queue('requeue');
      for (const b of bodies(5)) publish(s, [q], message(b));
      const [e0, e1, e2] = [q.take(true)!, q.take(true)!, q.take(true)!];
      q.settle(e0);
      q.requeue(e2);
      q.requeue(e1);
      expect(q.unackedCount).toBe(0);
      expect(takeAll(q)).toEqual(['m1r', 'm2r', 'm3', 'm4']);
    });

    it('keeps one message for several queues until each is done with it', () => {
      const s = make(1024);
      const [a, b] = [s.queue('fan-a'), s.queue('fan-b')];
      for (const body of bodies(500)) publish(s, [a, b], message(body));
      expect(takeAll(a)).toEqual(bodies(500));
      expect(takeAll(b)).toEqual(bodies(500));
    });

    it('gives back properties, headers and expiration as published, small and large, from memory or disk', () => {
      const s = make(4 * 1024);
      const q = s.queue('props');
      const kinds: BasicProperties[] = [
        { deliveryMode: 2 },
        { deliveryMode: 2, headers: {} },
        { deliveryMode: 2, headers: { CC: ['a', 'b'], n: 7, nested: { deep: [1, { x: 'y' }] }, big: 'h'.repeat(3000) }, expiration: '600000' },
        {
          deliveryMode: 1,
          contentType: 'text/plain',
          priority: 3,
          replyTo: 'r',
          expiration: '3600000',
          userId: 'guest',
          timestamp: new Timestamp(1_700_000_000),
        },
        { deliveryMode: 2, headers: { 'x-death': [{ count: 1, reason: 'expired', queue: 'q0' }] }, correlationId: 'c', messageId: 'm', appId: 'app' },
      ];
      const sent: { properties: BasicProperties; body: string }[] = [];
      for (let i = 0; i < 400; i++) {
        const properties = kinds[i % kinds.length]!;
        const body = i % 3 === 0 ? `large${i}`.padEnd(4000, '.') : `m${i}`;
        sent.push({ properties, body });
        publish(s, [q], new Message('', 'q', properties, contentHeaderPayload(body.length, properties), Buffer.from(body)));
      }
      expect(q.spooledCount).toBeGreaterThan(300);
      for (const { properties, body } of sent) {
        const e = q.take(true)!;
        const m = e.message;
        expect(m.body.toString()).toBe(body);
        // what delivery and expiry ask first, before anything decodes the whole, then the whole
        expect(m.persistent).toBe(properties.deliveryMode === 2);
        expect(m.ttl).toBe(properties.expiration === undefined ? null : Number(properties.expiration));
        expect(m.priority).toBe(properties.priority);
        expect(m.headers ?? {}).toEqual(properties.headers ?? {});
        expect(m.properties).toEqual(properties);
        expect(m.header.equals(contentHeaderPayload(body.length, properties))).toBe(true);
        q.settle(e);
      }
    });

    it('expires messages at the head, whether they come from memory or disk', () => {
      const s = make(4 * 1024);
      const q = s.queue('ttl', { 'x-message-ttl': 60_000 });
      const longAgo = Date.now() - 3_600_000;
      for (let i = 0; i < 300; i++) publish(s, [q], message(`old${i}`, { arrival: longAgo }));
      for (const b of bodies(300)) publish(s, [q], message(b));
      expect(takeAll(q)).toEqual(bodies(300));
    });

    it('makes every persisted message durable by the time flush() resolves', async () => {
      const s = make(1 << 20);
      const [a, b] = [s.queue('dur-a'), s.queue('dur-b')];
      const batches = [s.store.persist(message('a'), [a]), s.store.persist(message('b'), [a, b])];
      expect(batches.every((n) => Number.isInteger(n) && n >= 0)).toBe(true);
      expect(batches[1]).toBeGreaterThanOrEqual(batches[0]!);
      await s.store.flush();
      for (const n of batches) expect(s.store.durableBatch).toBeGreaterThanOrEqual(n);
    });

    it('purges positions on disk without reading them back', async () => {
      const s = make(2 * 1024);
      const q = s.queue('purge');
      for (const b of bodies(1000)) publish(s, [q], message(b));
      expect(q.purge()).toBe(1000);
      expect(q.messageCount).toBe(0);
      expect(takeAll(q)).toEqual([]);
      expect(s.budget.accountedBytes).toBe(0);
      await s.store.flush();
    });
  });
}

describe('disk store recovery', () => {
  function reopen(dir: string) {
    const opened = DiskMessageStore.open(dir, new GroupCommit());
    closers.push(() => opened.store.close());
    const budget = new MemoryBudget(1 << 20, null, opened.store);
    return { ...opened, budget };
  }

  /** Loads what recovery found into fresh queues and takes everything from each. */
  function recovered(dir: string, names: string[]): Record<string, string[]> {
    const { store, report, budget } = reopen(dir);
    expect(report.problems).toEqual([]);
    const queues = new Map(names.map((n) => [n, durableQueue(n, {}, budget, store)]));
    for (const r of report.replay()) queues.get(r.queue.split('\u0000')[1]!)!.enqueueStored(r.segment, r.offset, r.length, r.bodySize, r.redelivered);
    return Object.fromEntries(names.map((n) => [n, takeAll(queues.get(n)!)]));
  }

  it('brings back live messages per queue in order, marked redelivered where they were delivered', async () => {
    const dir = tmp();
    const { store } = DiskMessageStore.open(dir, new GroupCommit());
    const budget = new MemoryBudget(1 << 20, null, store);
    const [q1, q2] = [durableQueue('q1', {}, budget, store), durableQueue('q2', {}, budget, store)];
    const s = { store, budget, queue: () => q1 };
    for (const b of ['a', 'b', 'c', 'd']) publish(s, b === 'b' ? [q1, q2] : [q1], message(b));
    const a = q1.take(true)!; // delivered, then acked
    q1.settle(a);
    q1.take(true); // b: delivered, not acked (the connection dies)
    expect(q2.take(false)!.message.body.toString()).toBe('b'); // no-ack delivery: gone from q2
    await store.close();
    expect(recovered(dir, ['q1', 'q2'])).toEqual({ q1: ['br', 'c', 'd'], q2: [] });
  });

  it('writes each message once with fixed-width acks, however many queues', async () => {
    const dir = tmp();
    const { store } = DiskMessageStore.open(dir, new GroupCommit());
    const budget = new MemoryBudget(1 << 20, null, store);
    const queues = ['x1', 'x2', 'x3'].map((n) => durableQueue(n, {}, budget, store));
    const s = { store, budget, queue: () => queues[0]! };
    const body = 'y'.repeat(1000);
    for (let i = 0; i < 10; i++) publish(s, queues, message(body));
    for (const q of queues) for (let e = q.take(true); e; e = q.take(true)) q.settle(e);
    await store.flush();
    const files = readdirSync(dir);
    const seg = readFileSync(
      join(
        dir,
        files.find((f) => f.endsWith('.seg'))!,
      ),
    );
    // ten bodies of 1000 bytes, each once (plus headers, three queue records and framing)
    expect(seg.length).toBeGreaterThan(10_000);
    expect(seg.length).toBeLessThan(11_500);
    const acks = readFileSync(
      join(
        dir,
        files.find((f) => f.endsWith('.acks'))!,
      ),
    );
    // per message and queue: one delivered and one removed record of ACK_BYTES each
    expect(acks.length).toBe(FILE_HEADER + 10 * 3 * 2 * ACK_BYTES);
    await store.close();
  });

  it('recovers positions without reading bodies into memory, and reads them back on demand', async () => {
    const dir = tmp();
    const { store } = DiskMessageStore.open(dir, new GroupCommit());
    const budget = new MemoryBudget(1 << 30, null, store);
    const q = durableQueue('big', {}, budget, store);
    for (const b of bodies(5000)) publish({ store, budget, queue: () => q }, [q], message(b));
    await store.close();
    const again = reopen(dir);
    const positions = [...again.report.replay()];
    expect(positions).toHaveLength(5000);
    expect(positions.every((p) => p.queue === '/\u0000big' && !p.redelivered && p.length > p.bodySize)).toBe(true);
    const q2 = durableQueue('big', {}, again.budget, again.store);
    for (const p of positions) q2.enqueueStored(p.segment, p.offset, p.length, p.bodySize, p.redelivered);
    expect(q2.spooledCount).toBeGreaterThan(3000);
    expect(takeAll(q2)).toEqual(bodies(5000));
  });
});

describe('disk store compaction', () => {
  // small segments (256 KiB) so a few megabytes make several
  const SEGMENT = 256 * 1024;
  const BODY = 'z'.repeat(1024);
  const N = 1200; // about 1.2 MiB: five segments

  /** A store of small segments holding N numbered messages in queue `name`; `compacted` lists the segments compaction was called for. */
  async function filledStore(name: string) {
    const dir = tmp();
    const { store } = DiskMessageStore.open(dir, new GroupCommit(), SEGMENT);
    const hooks = store as unknown as { compact: (seg: { id: number }) => void };
    const realCompact = hooks.compact.bind(store);
    const compacted: number[] = [];
    hooks.compact = (seg) => {
      compacted.push(seg.id);
      realCompact(seg);
    };
    const budget = new MemoryBudget(1 << 30, null, store);
    const q = durableQueue(name, {}, budget, store);
    const fill = async () => {
      for (let i = 0; i < N; i++) publish({ store, budget, queue: () => q }, [q], message(`${String(i).padStart(5, '0')}${BODY}`));
      await store.flush();
    };
    await fill();
    return { dir, store, q, compacted, fill };
  }

  /** Takes every message of `q` and acknowledges all but 1 in 50, which are returned (unacknowledged). */
  function keepOneIn50(q: Queue) {
    const kept = [];
    for (let e = q.take(true); e; e = q.take(true)) {
      if (Number(e.message.body.subarray(0, 5).toString()) % 50 === 0) kept.push(e);
      else q.settle(e);
    }
    return kept;
  }

  it('moves the few live messages of mostly dead segments forward, deletes those segments, and loses or duplicates nothing', async () => {
    const dir = tmp();
    const { store } = DiskMessageStore.open(dir, new GroupCommit(), SEGMENT);
    const budget = new MemoryBudget(1 << 30, null, store);
    const q = durableQueue('compact', {}, budget, store);
    const s = { store, budget, queue: () => q };
    const N = 1200; // about 1.2 MiB: five segments
    for (let i = 0; i < N; i++) publish(s, [q], message(`${String(i).padStart(5, '0')}${BODY}`));
    await store.flush();
    const segmentsBefore = readdirSync(dir).filter((f) => f.endsWith('.seg')).length;
    expect(segmentsBefore).toBeGreaterThanOrEqual(5);
    // The consumer acks all but 1 in 50, which it keeps unacknowledged.
    const kept = [];
    for (let e = q.take(true); e; e = q.take(true)) {
      if (Number(e.message.body.subarray(0, 5).toString()) % 50 === 0) kept.push(e);
      else q.settle(e);
    }
    expect(kept).toHaveLength(N / 50);
    await waitUntil(() => readdirSync(dir).filter((f) => f.endsWith('.seg')).length <= 2);
    await store.flush();
    // Requeued, the kept ones come back from their new place, in order and marked redelivered.
    for (const e of kept.reverse()) q.requeue(e);
    const back = takeAll(q);
    expect(back).toHaveLength(N / 50);
    expect(back.map((b) => Number(b.slice(0, 5)))).toEqual(Array.from({ length: N / 50 }, (_, i) => i * 50));
    expect(back.every((b) => b.endsWith('r'))).toBe(true);
    await store.close();
    // ... and after a restart nothing comes back (all were acknowledged in the end).
    const again = DiskMessageStore.open(dir, new GroupCommit());
    closers.push(() => again.store.close());
    expect([...again.report.replay()]).toEqual([]);
    expect(again.report.problems).toEqual([]);
  }, 60_000);

  it('waits before compacting: what a consumer takes meanwhile lets the segment go whole, with nothing copied', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      const { dir, store, q, compacted, fill } = await filledStore('backlog');
      const segs = () => readdirSync(dir).filter((f) => f.endsWith('.seg')).length;
      expect(segs()).toBeGreaterThanOrEqual(5);
      // All but 1 in 50 acknowledged: the full segments are sparse, and the rest still to come.
      const rest = keepOneIn50(q);
      // a 256 KiB segment waits 16 ms (one of 16 MiB 1 s)
      expect(compactionDelay(SEGMENT)).toBe(16);
      expect(compactionDelay(16 * 1024 * 1024)).toBe(1000);
      vi.advanceTimersByTime(compactionDelay(SEGMENT) - 1);
      expect(compacted).toEqual([]);
      for (const e of rest) q.settle(e);
      expect(segs()).toBeLessThanOrEqual(1);
      vi.advanceTimersByTime(2000);
      expect(compacted).toEqual([]);
      // A segment still sparse after the wait is compacted.
      await fill();
      const kept = keepOneIn50(q);
      vi.advanceTimersByTime(2000);
      expect(compacted.length).toBeGreaterThan(0);
      expect(segs()).toBeLessThanOrEqual(2);
      for (const e of kept) q.settle(e);
      await store.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('reads only the live records of a segment with an index, the whole segment without one, and leaves a segment whose live record is damaged', async () => {
    const { dir, store, q, compacted } = await filledStore('compact4');
    const files = (ext: string) =>
      readdirSync(dir)
        .filter((f) => f.endsWith(ext))
        .sort();
    const sealed = files('.seg').slice(0, -1);
    expect(sealed.length).toBeGreaterThanOrEqual(4);
    expect(files('.idx').length).toBe(sealed.length);
    // the second sealed segment loses its index; in the third, kept message 00500 (live after the acks below) is damaged
    rmSync(join(dir, sealed[1]!.replace('.seg', '.idx')));
    const third = join(dir, sealed[2]!);
    const bytes = readFileSync(third);
    const at = bytes.indexOf('00500zzz');
    expect(at).toBeGreaterThan(0);
    bytes[at + 100] = bytes[at + 100]! ^ 0xff;
    writeFileSync(third, bytes);
    const kept = keepOneIn50(q);
    const sealedIds = sealed.map((f) => Number(f.replace('.seg', '')));
    await waitUntil(() => sealedIds.every((id) => compacted.includes(id)));
    // every sealed segment but the damaged one was compacted away; that one stays as it was
    expect(files('.seg').filter((f) => sealed.includes(f))).toEqual([sealed[2]]);
    expect(readFileSync(third).equals(bytes)).toBe(true);
    await store.flush();
    for (const e of kept.reverse()) q.requeue(e);
    const back = takeAll(q);
    // (from memory: the queue still holds them; the damage on disk would be named when read from there)
    expect(back.map((b) => Number(b.slice(0, 5)))).toEqual(Array.from({ length: N / 50 }, (_, i) => i * 50));
    await store.close();
  }, 60_000);

  it('a compaction stopped by a disk fault after writing its copies: the copies count as dead, and never come back', async () => {
    const dir = tmp();
    const commit = new GroupCommit();
    const { store } = DiskMessageStore.open(dir, commit, SEGMENT);
    // The first compaction meets a fault after appending its copies (its second write-out), as a
    // full disk would; the fault clears at once, and later compactions run as usual.
    const hooks = store as unknown as { compact: (seg: unknown) => void };
    const realCompact = hooks.compact.bind(store);
    const realWriteOut = commit.writeOut.bind(commit);
    let aborted = 0;
    hooks.compact = (seg) => {
      let calls = 0;
      commit.writeOut = () => {
        realWriteOut();
        if (++calls === 2 && aborted === 0) commit.fault = 'injected: no space left on device';
      };
      try {
        realCompact(seg);
      } finally {
        commit.writeOut = realWriteOut;
        if (commit.fault?.startsWith('injected')) {
          aborted++;
          commit.fault = null;
        }
      }
    };
    const budget = new MemoryBudget(1 << 30, null, store);
    const q = durableQueue('compact3', {}, budget, store);
    const s = { store, budget, queue: () => q };
    const N = 1200;
    for (let i = 0; i < N; i++) publish(s, [q], message(`${String(i).padStart(5, '0')}${BODY}`));
    await store.flush();
    const kept = [];
    for (let e = q.take(true); e; e = q.take(true)) {
      if (Number(e.message.body.subarray(0, 5).toString()) % 50 === 0) kept.push(e);
      else q.settle(e);
    }
    await waitUntil(() => aborted === 1 && readdirSync(dir).filter((f) => f.endsWith('.seg')).length <= 2);
    await store.flush();
    for (const e of kept.reverse()) q.requeue(e);
    const back = takeAll(q);
    expect(back.map((b) => Number(b.slice(0, 5)))).toEqual(Array.from({ length: N / 50 }, (_, i) => i * 50));
    await store.close();
    // Everything was acknowledged: no copy of the stopped compaction comes back.
    const again = DiskMessageStore.open(dir, new GroupCommit(), SEGMENT);
    closers.push(() => again.store.close());
    expect([...again.report.replay()]).toEqual([]);
    expect(again.report.problems).toEqual([]);
  }, 60_000);

  it('a restart after compaction brings back each live message exactly once, with its redelivered flag', async () => {
    const dir = tmp();
    const { store } = DiskMessageStore.open(dir, new GroupCommit(), SEGMENT);
    const budget = new MemoryBudget(1 << 30, null, store);
    const q = durableQueue('compact2', {}, budget, store);
    const s = { store, budget, queue: () => q };
    const N = 1200;
    for (let i = 0; i < N; i++) publish(s, [q], message(`${String(i).padStart(5, '0')}${BODY}`));
    for (let e = q.take(true); e; e = q.take(true)) if (Number(e.message.body.subarray(0, 5).toString()) % 40 !== 0) q.settle(e);
    await waitUntil(() => readdirSync(dir).filter((f) => f.endsWith('.seg')).length <= 2);
    await store.flush(); // no close: as after a kill
    const again = DiskMessageStore.open(dir, new GroupCommit(), SEGMENT);
    closers.push(() => again.store.close());
    const budget2 = new MemoryBudget(1 << 30, null, again.store);
    const q2 = durableQueue('compact2', {}, budget2, again.store);
    for (const r of again.report.replay()) q2.enqueueStored(r.segment, r.offset, r.length, r.bodySize, r.redelivered);
    const back = takeAll(q2);
    expect(back.map((b) => Number(b.slice(0, 5)))).toEqual(Array.from({ length: N / 40 }, (_, i) => i * 40));
    expect(back.every((b) => b.endsWith('r'))).toBe(true);
    void store;
  }, 60_000);
});

async function waitUntil(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 2500 && !ok(); i++) await new Promise((r) => setTimeout(r, 20));
  expect(ok()).toBe(true);
}
