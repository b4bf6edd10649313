// Queue positions beyond the in-memory window are kept as runs of consecutive records (PositionQueue),
// read back by walking record headers, removed with one range record, and recovered from per-segment
// index files: what issue 12 asked so that ten million queued messages cost about nothing in memory
// and a restart reads index-sized data.
import { mkdtempSync, readdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { contentHeaderPayload } from '../../src/amqp/index.js';
import { Message } from '../../src/broker/message.js';
import { emptyRun, FLAG_DURABLE, PositionQueue, type Run } from '../../src/broker/position-queue.js';
import { Queue } from '../../src/broker/queue.js';
import { DiskMessageStore } from '../../src/broker/store/disk-message-store.js';
import { GroupCommit } from '../../src/broker/store/group-commit.js';
import { MemoryBudget } from '../../src/broker/store/memory-budget.js';
import { PAGES_FILE, PositionPages } from '../../src/broker/store/position-pages.js';
import { prng } from './random.js';
import { bodies, takeAll } from './store-helpers.js';

const dirs: string[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'warren-runs-'));
  dirs.push(dir);
  return dir;
};
const message = (body: string): Message => {
  const properties = { deliveryMode: 2 };
  return new Message('', 'q', properties, contentHeaderPayload(body.length, properties), Buffer.from(body));
};

function open(dir: string, segmentBytes?: number) {
  const opened = DiskMessageStore.open(dir, new GroupCommit(), segmentBytes);
  closers.push(() => opened.store.close());
  // a budget of a few messages: nearly everything is kept as positions on disk
  const budget = new MemoryBudget(4096, null, opened.store);
  const queue = (name: string): Queue => {
    const q = new Queue(name, '/', { durable: true, exclusiveOwner: null, autoDelete: false, arguments: {} }, budget);
    q.store = opened.store;
    return q;
  };
  return { ...opened, budget, queue };
}

/** Stores each body as a persistent message for `q` and enqueues it there. */
function fill(s: ReturnType<typeof open>, q: Queue, names: string[]): void {
  for (const b of names) {
    const m = message(b);
    s.store.persist(m, [q]);
    q.enqueue(m);
  }
}

describe('PositionQueue runs', () => {
  it('keeps 100,000 consecutive records of one segment as one run, and records out of line as runs of their own', () => {
    const pq = new PositionQueue();
    for (let i = 0; i < 100_000; i++) pq.push(3, 16 + i * 150, 150, FLAG_DURABLE, 100);
    expect(pq.length).toBe(100_000);
    expect(pq.runs).toBe(1);
    // a gap, another segment, other flags: a new run each
    pq.push(3, 16 + 100_001 * 150, 150, FLAG_DURABLE, 100);
    pq.push(4, 16, 150, FLAG_DURABLE, 100);
    pq.push(4, 166, 150, 0, 100);
    expect(pq.runs).toBe(4);
    const run = emptyRun();
    expect(pq.peek(run)).toBe(true);
    expect(run).toEqual({ segment: 3, start: 16, end: 16 + 100_000 * 150, count: 100_000, flags: FLAG_DURABLE, bodyBytes: 10_000_000 });
    // the first 10 read back: the run starts after them
    expect(pq.advance(16 + 10 * 150, 10, 1000, emptyRun())).toBe(0);
    pq.peek(run);
    expect([run.start, run.count, run.bodyBytes, pq.length]).toEqual([16 + 10 * 150, 99_990, 9_999_000, 99_993]);
    // its bytes used up with 2 messages unread (damage): they are reported lost and the run goes
    expect(pq.advance(run.end, 99_988, 9_998_800, emptyRun())).toBe(2);
    expect([pq.runs, pq.length]).toEqual([3, 3]);
  });
});

describe('PositionQueue pages', () => {
  /** Positions of records out of line (every other record: a queue published to in turn): one run each. */
  const at = (i: number): [number, number, number, number, number] => [7, 16 + i * 300, 150, FLAG_DURABLE, i % 97];

  it('a FIFO of 30,000 runs keeps four chunks in memory, writes the middle out and gives every run back in order', async () => {
    const dir = tmp();
    const pool = new PositionPages(dir, 1024 * 20);
    closers.push(async () => pool.close());
    const pq = new PositionQueue(() => pool);
    const next = prng(11);
    const run = emptyRun();
    let pushed = 0;
    let shifted = 0;
    let mostOut = 0;
    const check = (r: Run): void => {
      const [segment, start, length, flags, body] = at(shifted++);
      expect([r.segment, r.start, r.end, r.count, r.flags, r.bodyBytes]).toEqual([segment, start, start + length, 1, flags, body]);
    };
    // mostly pushes, with shifts and event-loop turns (read-aheads arrive) between
    while (pushed < 30_000) {
      for (let k = Math.floor(next() * 500); k > 0 && pushed < 30_000; k--) pq.push(...at(pushed++));
      for (let k = Math.floor(next() * 150); k > 0 && pq.shift(run); k--) check(run);
      mostOut = Math.max(mostOut, pool.out);
      expect(pq.runs - pq.pagedOut * 1024).toBeLessThanOrEqual(4 * 1024);
      if (next() < 0.5) await new Promise((r) => setImmediate(r));
    }
    expect(mostOut).toBeGreaterThan(10);
    expect(readdirSync(dir)).toContain(PAGES_FILE);
    while (pq.shift(run)) {
      check(run);
      if (shifted % 700 === 0) await new Promise((r) => setImmediate(r));
    }
    expect(shifted).toBe(30_000);
    expect([pq.length, pq.runs, pool.out]).toEqual([0, 0, 0]);
    pool.close();
    expect(readdirSync(dir)).not.toContain(PAGES_FILE);
  });

  it('a page that cannot be read back loses its own runs only, and says how many messages they held', () => {
    const dir = tmp();
    const pool = new PositionPages(dir, 1024 * 20);
    closers.push(async () => pool.close());
    const pq = new PositionQueue(() => pool);
    for (let i = 0; i < 6 * 1024; i++) pq.push(...at(i));
    expect(pq.pagedOut).toBeGreaterThan(0);
    // the pages file loses everything: every chunk written out is gone
    writeFileSync(join(dir, PAGES_FILE), '');
    const out = pq.pagedOut;
    const run = emptyRun();
    const got: number[] = [];
    while (pq.shift(run)) got.push(run.start);
    const lost = { messages: 0, bodyBytes: 0 };
    pq.takeLost(lost);
    expect(lost.messages).toBe(out * 1024);
    expect(got).toHaveLength(6 * 1024 - out * 1024);
    // the chunks in memory (the first two and the tail) came back whole and in order
    expect(got.slice(0, 2048)).toEqual(Array.from({ length: 2048 }, (_, i) => at(i)[1]));
    expect(got.at(-1)).toBe(at(6 * 1024 - 1)[1]);
  });
});

/** Two durable queues published to in turn (their records alternate): `${queue}-${name}` for each name. */
function inTurn(s: ReturnType<typeof open>, queueNames: [string, string], names: string[]): { a: Queue; b: Queue; pages: PositionPages } {
  const [a, b] = queueNames.map((n) => s.queue(n)) as [Queue, Queue];
  for (const n of names) {
    for (const q of [a, b]) {
      const m = message(`${q.name}-${n}`);
      s.store.persist(m, [q]);
      q.enqueue(m);
    }
  }
  return { a, b, pages: s.store.positionPages() as PositionPages };
}

describe('disk store runs', () => {
  it('two durable queues published to in turn past a tiny budget keep their positions in pages and give back 2 x 15,000 in order', async () => {
    const names = bodies(15_000);
    const { a, b, pages } = inTurn(open(tmp()), ['a', 'b'], names);
    expect(pages.out).toBeGreaterThan(15);
    expect(takeAll(a)).toEqual(names.map((n) => `a-${n}`));
    expect(takeAll(b)).toEqual(names.map((n) => `b-${n}`));
    expect(pages.out).toBe(0);
  });

  it('gives back 20,000 messages held as runs past a tiny budget, in order, and a restart brings back what was left', async () => {
    const dir = tmp();
    const s = open(dir, 256 * 1024);
    const q = s.queue('deep');
    fill(s, q, bodies(20_000));
    expect(q.spooledCount).toBeGreaterThan(19_000);
    const first = [];
    for (let i = 0; i < 5000; i++) {
      const e = q.take(true)!;
      first.push(e.message.body.toString());
      q.settle(e);
    }
    expect(first).toEqual(bodies(20_000).slice(0, 5000));
    await s.store.close();
    const again = open(dir, 256 * 1024);
    expect(again.report.problems).toEqual([]);
    const q2 = again.queue('deep');
    for (const r of again.report.replay()) q2.enqueueStored(r.segment, r.offset, r.length, r.bodySize, r.redelivered);
    expect(takeAll(q2)).toEqual(bodies(20_000).slice(5000));
  });

  it('a queue whose positions are paged out is purged whole: its pages are let go, and after a restart only the other queue comes back', async () => {
    const dir = tmp();
    const s = open(dir);
    const names = bodies(12_000);
    const { a, pages } = inTurn(s, ['pa', 'pb'], names);
    const out = pages.out;
    expect(out).toBeGreaterThan(10);
    expect(a.purge()).toBe(12_000);
    // about half the pages were the purged queue's
    expect(pages.out).toBeLessThan(out * 0.6);
    await s.store.close();
    const again = open(dir);
    expect(again.report.problems).toEqual([]);
    const b2 = again.queue('pb');
    const left = [...again.report.replay()];
    expect(left.every((r) => r.queue === '/\u0000pb')).toBe(true);
    for (const r of left) b2.enqueueStored(r.segment, r.offset, r.length, r.bodySize, r.redelivered);
    expect(takeAll(b2)).toEqual(names.map((n) => `pb-${n}`));
  });

  it('transient messages published in turn to two queues past the budget come back in order through paged positions, read in the background', async () => {
    const dir = tmp();
    const { store } = DiskMessageStore.open(dir, new GroupCommit());
    closers.push(() => store.close());
    const budget = new MemoryBudget(4096, null, store);
    const queues = ['ta', 'tb'].map((n) => new Queue(n, '/', { durable: false, exclusiveOwner: null, autoDelete: false, arguments: {} }, budget));
    const names = bodies(10_000);
    const properties = {};
    for (const n of names) {
      for (const q of queues) {
        const body = `${q.name}-${n}`;
        q.enqueue(new Message('', q.name, properties, contentHeaderPayload(body.length, properties), Buffer.from(body)));
      }
    }
    const pages = store.positionPages() as PositionPages;
    expect(pages.out).toBeGreaterThan(10);
    const got = await Promise.all(queues.map((q) => takeAsync(q)));
    expect(got[0]).toEqual(names.map((n) => `ta-${n}`));
    expect(got[1]).toEqual(names.map((n) => `tb-${n}`));
    expect(pages.out).toBe(0);
  });

  it('a purge removes each run with one fixed-width range record: nothing comes back after a restart', async () => {
    const dir = tmp();
    const s = open(dir);
    const q = s.queue('purged');
    const keep = s.queue('kept');
    for (const b of bodies(3000)) {
      const m = message(b);
      s.store.persist(m, [q, keep]);
      q.enqueue(m);
      keep.enqueue(m);
    }
    const acksBefore = readdirSync(dir)
      .filter((f) => f.endsWith('.acks'))
      .reduce((n, f) => n + readFileSync(join(dir, f)).length, 0);
    expect(q.purge()).toBe(3000);
    await s.store.flush();
    const acksAfter = readdirSync(dir)
      .filter((f) => f.endsWith('.acks'))
      .reduce((n, f) => n + readFileSync(join(dir, f)).length, 0);
    // a few runs, not 3,000 removals (and an ack file header)
    expect(acksAfter - acksBefore).toBeLessThan(100 * 20);
    await s.store.close();
    const again = open(dir);
    const left = [...again.report.replay()];
    expect(left.every((r) => r.queue === '/\u0000kept')).toBe(true);
    expect(left).toHaveLength(3000);
  });
});

describe('segment index files', () => {
  /** 4,000 messages over segments of 64 KiB, half of them acked, then a clean stop. */
  async function filled(dir: string): Promise<string[]> {
    const s = open(dir, 64 * 1024);
    const q = s.queue('ix');
    fill(s, q, bodies(4000));
    for (let i = 0; i < 2000; i++) q.settle(q.take(true)!);
    await s.store.close();
    return bodies(4000).slice(2000);
  }

  function replayed(dir: string) {
    const s = open(dir, 64 * 1024);
    const q = s.queue('ix');
    for (const r of s.report.replay()) q.enqueueStored(r.segment, r.offset, r.length, r.bodySize, r.redelivered);
    return { problems: s.report.problems, bodies: takeAll(q) };
  }

  it('are written for sealed segments and give recovery the same messages as reading the segments', async () => {
    const a = tmp();
    const expected = await filled(a);
    const files = readdirSync(a);
    const segments = files.filter((f) => f.endsWith('.seg'));
    expect(segments.length).toBeGreaterThan(1);
    // every sealed segment kept has its index (the last one is read whole: a torn tail can only be there)
    expect(files.filter((f) => f.endsWith('.idx')).length).toBe(segments.length - 1);
    const b = tmp();
    for (const f of files) if (!f.endsWith('.idx')) writeFileSync(join(b, f), readFileSync(join(a, f)));
    expect(replayed(a)).toEqual({ problems: [], bodies: expected });
    expect(replayed(b)).toEqual({ problems: [], bodies: expected });
  });

  it('an index that does not match its segment (damaged, or for another size) is ignored and the segment read instead', async () => {
    const dir = tmp();
    const expected = await filled(dir);
    const indexes = readdirSync(dir)
      .filter((f) => f.endsWith('.idx'))
      .sort();
    expect(indexes.length).toBeGreaterThan(1);
    // a flipped byte inside the first, the second swapped for the first's (another segment, another size)
    const first = readFileSync(join(dir, indexes[0]!));
    writeFileSync(join(dir, indexes[1]!), first);
    first[first.length - 10]! ^= 0xff;
    writeFileSync(join(dir, indexes[0]!), first);
    expect(replayed(dir)).toEqual({ problems: [], bodies: expected });
  });
});

/** Takes everything as deliveries do: never waiting on a synchronous read, only for reads in flight. */
async function takeAsync(q: Queue): Promise<string[]> {
  const out: string[] = [];
  while (q.messageCount > 0) {
    const e = q.take(true, false);
    if (!e) {
      await new Promise((resolve) => setImmediate(resolve));
      continue;
    }
    out.push(e.message.body.toString());
    q.settle(e);
  }
  return out;
}

/** `count` transient queues past a tiny budget, each holding the same `sent` messages (one spilled copy each). */
function fanned(prefix: string, count: number, sent: string[]) {
  const dir = tmp();
  const { store } = DiskMessageStore.open(dir, new GroupCommit());
  closers.push(() => store.close());
  const budget = new MemoryBudget(4096, null, store);
  const queues = Array.from(
    { length: count },
    (_, i) => new Queue(`${prefix}${i}`, '/', { durable: false, exclusiveOwner: null, autoDelete: false, arguments: {} }, budget),
  );
  const properties = {};
  for (const b of sent) {
    const m = new Message('amq.fanout', '', properties, contentHeaderPayload(b.length, properties), Buffer.from(b));
    for (const q of queues) q.enqueue(m);
  }
  const segmentBytes = (): number =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.seg'))
      .reduce((n, f) => n + readFileSync(join(dir, f)).length, 0);
  return { store, queues, segmentBytes };
}

describe('read cache', () => {
  it('queues missing the same blocks at the same moment wait for one read of them, not one read each', async () => {
    const sent = bodies(3000, 'same-message-');
    const { store, queues, segmentBytes } = fanned('same', 8, sent);
    await store.flush();
    const before = store.readStats.diskBytes;
    // all eight read back at once, each batch asked for by every queue in the same turn
    const got = await Promise.all(queues.map((q) => takeAsync(q)));
    for (const g of got) expect(g).toEqual(sent);
    // about one read of what was spilled (a block read again when the file grew past it), not eight
    expect(store.readStats.diskBytes - before).toBeLessThan(2 * segmentBytes());
  });

  it('twenty queues holding the same spilled copies past the budget read them from disk about once, not twenty times', async () => {
    const sent = bodies(2000, 'fan-message-');
    const { store, queues, segmentBytes } = fanned('fan', 20, sent);
    expect(queues.every((q) => q.spooledCount > 1900)).toBe(true);
    // each queue delivers as consumers take from it: reads in the background, one queue after another
    for (const q of queues) expect(await takeAsync(q)).toEqual(sent);
    const stats = store.readStats;
    // one spilled copy per message, read back for twenty queues: the cache serves all but about the first reader
    expect(stats.hits).toBeGreaterThan(0);
    expect(stats.diskBytes).toBeLessThan(3 * segmentBytes());
    expect(stats.cachedBytes).toBeLessThanOrEqual(8 * 1024 * 1024);
  });
});
