// The disk store killed at the awkward moments between its file operations (simulated in process: a
// "killed" store writes nothing more, and what it had not written out is lost, as after SIGKILL), then
// restarted: nothing acknowledged comes back and nothing stored is lost.
import { closeSync, existsSync, fstatSync, mkdtempSync, readdirSync, rmSync, statSync, unlinkSync } from 'node:fs';
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
function start(dir: string): Run {
  const commit = new GroupCommit();
  const { store, report } = DiskMessageStore.open(dir, commit);
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
    const dir = await killedWith(bodies(10, 'm'));
    const second = start(dir);
    const seg = onlySegment(second);
    await until(() => seg.reading === 0); // the head probe is in
    // The descriptor goes away under the store (as when a number is closed and reused by another file).
    closeSync(seg.readFd);
    expect(get(second)).toEqual(bodies(10, 'm'));
    kill(second);

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
