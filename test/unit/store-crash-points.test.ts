// The disk store killed at the awkward moments between its file operations (simulated in process: a
// "killed" store writes nothing more, and what it had not written out is lost, as after SIGKILL), then
// restarted: nothing acknowledged comes back and nothing stored is lost.
import fs, { closeSync, cpSync, existsSync, fstatSync, mkdtempSync, readdirSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { contentHeaderPayload } from '../../src/amqp/index.js';
import { Message } from '../../src/broker/message.js';
import { Queue } from '../../src/broker/queue.js';
import { DiskMessageStore } from '../../src/broker/store/disk-message-store.js';
import { GroupCommit } from '../../src/broker/store/group-commit.js';
import { MemoryBudget } from '../../src/broker/store/memory-budget.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'warren-crashpoints-'));
  dirs.push(dir);
  return dir;
}

const message = (body: string) => {
  const properties = { deliveryMode: 2 };
  return new Message('', 'q', properties, contentHeaderPayload(body.length, properties), Buffer.from(body));
};

interface Run {
  store: DiskMessageStore;
  commit: GroupCommit;
  q: Queue;
  problems: string[];
}

/** Starts the store on `dir` with the durable queue `q` holding what recovery found (as the daemon does). */
function start(dir: string, segmentBytes?: number): Run {
  const commit = new GroupCommit();
  const { store, report } = DiskMessageStore.open(dir, commit, segmentBytes);
  const budget = new MemoryBudget(1 << 30, null, store);
  const q = new Queue('q', '/', { durable: true, exclusiveOwner: null, autoDelete: false, arguments: {} }, budget);
  q.store = store;
  for (const r of report.replay()) q.enqueueStored(r.segment, r.offset, r.length, r.bodySize, r.redelivered);
  return { store, commit, q, problems: report.problems };
}

/** SIGKILL: appends not yet written out are lost, and the dead store touches no file again. */
function kill(run: Run): void {
  const commit = run.commit as unknown as Record<string, unknown>;
  for (const m of ['writeOut', 'append', 'retire']) commit[m] = () => {};
  commit.sync = async () => {};
  const store = run.store as unknown as Record<string, unknown>;
  for (const m of ['compact', 'drop', 'roll']) store[m] = () => {};
}

function publish(run: Run, bodies: string[]): void {
  for (const b of bodies) {
    const m = message(b);
    run.store.persist(m, [run.q]);
    run.q.enqueue(m);
  }
}

/** basic.get with no-ack, `n` times (everything when n is omitted); each reply goes out after a write-out. */
function get(run: Run, n = Infinity): string[] {
  const out: string[] = [];
  for (let e = out.length < n ? run.q.take(false) : undefined; e; e = out.length < n ? run.q.take(false) : undefined) {
    out.push(e.message.body.toString());
    run.store.writeOut();
  }
  return out;
}

interface SegmentView {
  readFd: number;
  reading: number;
}
/** The store's one segment recovery kept (white box: the races below are about its read descriptor). */
function onlySegment(run: Run): SegmentView {
  const segments = [...(run.store as unknown as { segments: Map<number, SegmentView> }).segments.values()];
  return segments[0]!;
}

/** A descriptor number this process has no file open under (reads on it fail with EBADF). */
function unusedDescriptor(): number {
  const open = new Set(readdirSync('/proc/self/fd').map(Number));
  let n = 4096;
  while (open.has(n)) n++;
  return n;
}

async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 10_000 && !ok(); i++) await new Promise((r) => setTimeout(r, 1));
  expect(ok()).toBe(true);
}

/** A data directory holding `stored`, durable, left by a kill. */
async function killedWith(stored: string[]): Promise<string> {
  const dir = tmp();
  const first = start(dir);
  publish(first, stored);
  await first.store.flush();
  kill(first);
  return dir;
}

const bodies = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('disk store killed between file operations', () => {
  it('an ack file created just before the kill (still empty) gets its header before any ack goes in: acknowledged messages stay gone', async () => {
    const dir = tmp();
    const first = start(dir);
    publish(first, bodies(20, 'm'));
    await first.store.flush();
    // The first delivery creates the segment's ack file; the process dies before its header is written.
    first.q.take(true);
    kill(first);
    const acks = readdirSync(dir).filter((f) => f.endsWith('.acks'));
    expect(acks).toHaveLength(1);
    expect(statSync(join(dir, acks[0]!)).size).toBe(0);

    const second = start(dir);
    expect(get(second, 18)).toEqual(bodies(18, 'm'));
    kill(second);

    const third = start(dir);
    expect(third.problems).toEqual([]);
    expect(get(third)).toEqual(['m18', 'm19']);
    kill(third);
  });

  it('an ack file left behind by a segment deleted just before the kill is not taken over by a new segment of the same number', async () => {
    const dir = tmp();
    const first = start(dir);
    publish(first, bodies(5, 'old'));
    for (let e = first.q.take(true); e; e = first.q.take(true)) first.q.settle(e);
    await first.store.flush();
    kill(first);
    // Deleting a segment unlinks its .seg, then its .acks: the kill fell between the two.
    const segs = readdirSync(dir).filter((f) => f.endsWith('.seg'));
    expect(segs).toHaveLength(1);
    unlinkSync(join(dir, segs[0]!));
    expect(readdirSync(dir).filter((f) => f.endsWith('.acks'))).toHaveLength(1);

    const second = start(dir);
    // same sizes as before: the new messages sit where the old, acknowledged ones were
    publish(second, bodies(5, 'new'));
    await second.store.flush();
    kill(second);

    const third = start(dir);
    expect(get(third)).toEqual(bodies(5, 'new'));
    kill(third);
    expect(existsSync(join(dir, segs[0]!.replace('.seg', '.acks')))).toBe(false);
  });

  it('a read that fails on its descriptor is tried again: no message is skipped (and so none comes back after the next restart)', async () => {
    // 100 messages of 2 KB: the head probe brings the first 64 into memory, the rest are read from disk later
    const stored = bodies(100, 'm').map((b) => b.padEnd(2000, '.'));
    const dir = await killedWith(stored);
    const second = start(dir);
    const seg = onlySegment(second);
    await until(() => seg.reading === 0); // the head probe is in
    // The descriptor goes bad under the store (as when a number is closed and reused by another file). The
    // store's own descriptor is swapped for a number nothing has open, not closed behind its back: a number
    // freed here is taken by the next file opened (the segment's ack file), and the store, still believing
    // it its read descriptor, would close that file, whose number a later test's store then gets and loses
    // (EBADF on its first write: seen as an empty segment under load).
    const own = seg.readFd;
    const bad = unusedDescriptor();
    seg.readFd = bad;
    expect(get(second)).toEqual(stored);
    expect(seg.readFd).not.toBe(bad); // the store noticed, and read on a descriptor of its own
    kill(second);
    closeSync(own);

    const third = start(dir);
    expect(get(third)).toEqual([]);
    kill(third);
  });

  it('a segment deleted while a read is in flight on it keeps its descriptor open until the read ends', async () => {
    const dir = await killedWith(bodies(10, 'm'));
    const second = start(dir);
    const seg = onlySegment(second);
    const fd = seg.readFd;
    expect(seg.reading).toBe(1); // the head probe, on its way
    const inode = fstatSync(fd).ino;
    // Everything is taken at once (a synchronous read takes over the probe, which arrives later, ignored):
    // the segment is deleted, its last message gone, while the probe still reads from its descriptor.
    expect(get(second)).toEqual(bodies(10, 'm'));
    expect(readdirSync(dir).filter((f) => f.endsWith('.seg'))).toHaveLength(1); // only the new current one
    expect(fstatSync(fd).ino).toBe(inode);
    await until(() => seg.reading === 0);
    expect(seg.readFd).toBe(-1);
    kill(second);
  });
});

/** The file-changing calls of node:fs (a descriptor opened for writing counts as one). */
const CHANGES = [
  'truncateSync',
  'ftruncateSync',
  'unlinkSync',
  'rmSync',
  'renameSync',
  'writeSync',
  'writevSync',
  'writeFileSync',
  'appendFileSync',
  'fsyncSync',
  'fdatasyncSync',
  'mkdirSync',
] as const;

type FsCall = (...args: unknown[]) => unknown;

/**
 * Until restore(), each of node:fs's `names` goes through `intercept` (which may throw instead of calling it), for
 * the store's own imports too (syncBuiltinESMExports).
 */
function interceptFs(names: readonly string[], intercept: (name: string, args: unknown[], original: FsCall) => unknown): { restore(): void } {
  const real = fs as unknown as Record<string, FsCall>;
  const saved = new Map<string, FsCall>();
  for (const name of names) {
    const original = real[name]!;
    saved.set(name, original);
    real[name] = (...args: unknown[]) => intercept(name, args, original);
  }
  syncBuiltinESMExports();
  return {
    restore() {
      for (const [name, original] of saved) real[name] = original;
      syncBuiltinESMExports();
    },
  };
}

/**
 * Makes the process "die" at its `k`-th file change from now on: that change and every later one fail (and so never
 * reach the disk), as after a SIGKILL at that moment. Returns how many changes were asked for, and the undo.
 */
function dieAtChange(k: number): { count(): number; restore(): void } {
  let n = 0;
  const changes = (name: string, args: unknown[]): boolean => name !== 'openSync' || (args[1] !== undefined && args[1] !== 'r');
  const undo = interceptFs([...CHANGES, 'openSync'], (name, args, original) => {
    if (changes(name, args) && n++ >= k) throw Object.assign(new Error(`killed at file change ${k} (${name})`), { code: 'EKILLED' });
    return original(...args);
  });
  return { count: () => n, restore: () => undo.restore() };
}

/** Until restore(): unlinking a segment file fails (EACCES), as on a disk that refuses it. */
function segmentUnlinksFail(): { refused(): number; restore(): void } {
  let refused = 0;
  const undo = interceptFs(['unlinkSync'], (_name, args, original) => {
    if (!String(args[0]).endsWith('.seg')) return original(...args);
    refused++;
    throw Object.assign(new Error(`EACCES: permission denied, unlink '${String(args[0])}'`), { code: 'EACCES' });
  });
  return { refused: () => refused, restore: () => undo.restore() };
}

/**
 * A data directory of `segmentBytes` segments holding `stored` messages of which the first `taken` were taken (no-ack)
 * while segment files could not be deleted, left by a kill: the wholly removed segments are still there.
 */
async function removedButKept(segmentBytes: number, stored: string[], taken: number): Promise<string> {
  const dir = tmp();
  const run = start(dir, segmentBytes);
  publish(run, stored);
  await run.store.flush();
  const refuse = segmentUnlinksFail();
  try {
    expect(get(run, taken)).toEqual(stored.slice(0, taken));
  } finally {
    refuse.restore();
  }
  expect(refuse.refused()).toBeGreaterThan(1);
  await run.store.flush();
  kill(run);
  return dir;
}

describe('a segment whose file cannot be deleted', () => {
  it('keeps its last removals: nothing acknowledged in it comes back at the next start', async () => {
    const dir = await removedButKept(4096, bodies(300, 'd'), 200);
    const again = start(dir, 4096);
    expect(get(again)).toEqual(bodies(300, 'd').slice(200));
  });
});

describe('recovery killed at each of its file changes', () => {
  it('recovered again, the store holds exactly what it held: nothing acknowledged comes back, nothing stored is lost', async () => {
    // The state a kill leaves: small segments, the first ones wholly acknowledged but still there (their unlink
    // failed), acks written, a torn record at the end of the last segment, and an ack file whose segment is gone.
    const SEGMENT = 4096;
    const original = await removedButKept(SEGMENT, bodies(600, 'm'), 240);
    const segments = readdirSync(original)
      .filter((f) => f.endsWith('.seg'))
      .sort();
    expect(segments.length).toBeGreaterThan(5);
    writeFileSync(join(original, segments.at(-1)!), Buffer.from('WRN1\x00\x00\x01\x00torn', 'latin1'), { flag: 'a' });
    writeFileSync(join(original, '0000099999.acks'), Buffer.alloc(0));
    const expected = bodies(600, 'm').slice(240);

    // how many file changes a whole recovery makes
    const counting = dieAtChange(Infinity);
    const whole = tmp();
    cpSync(original, whole, { recursive: true });
    let changes: number;
    try {
      const clean = start(whole, SEGMENT);
      changes = counting.count();
      expect(get(clean)).toEqual(expected);
      kill(clean);
    } finally {
      counting.restore();
    }
    expect(changes).toBeGreaterThan(5);

    for (let k = 0; k < changes; k++) {
      const dir = tmp();
      cpSync(original, dir, { recursive: true });
      const dying = dieAtChange(k);
      try {
        kill(start(dir, SEGMENT));
      } catch {
        // died on the way, as the process would
      } finally {
        dying.restore();
      }
      const again = start(dir, SEGMENT);
      const got = get(again);
      if (got.join() !== expected.join()) expect.fail(`killed at file change ${k} of ${changes}: got ${got.length} messages, ${got.slice(0, 3).join()}...`);
      kill(again);
    }
  });
});
