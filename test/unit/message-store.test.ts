// The message store contract, run against both implementations (DESIGN.md: storage behind
// interfaces, a memory one and the disk one passing the same tests), plus disk recovery.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { contentHeaderPayload } from '../../src/amqp/index.js';
import { Message } from '../../src/broker/message.js';
import { DiskMessageStore } from '../../src/broker/store/disk-message-store.js';
import { GroupCommit } from '../../src/broker/store/group-commit.js';
import { MemoryMessageStore, type MessageStore } from '../../src/broker/store/message-store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function diskStore(dir = mkdtempSync(join(tmpdir(), 'warren-store-'))) {
  dirs.push(dir);
  return { dir, ...DiskMessageStore.open(dir, new GroupCommit()) };
}

const message = (body: string) => {
  const properties = { deliveryMode: 2 };
  return new Message('', 'q', properties, contentHeaderPayload(body.length, properties), Buffer.from(body));
};
const q1 = { vhost: '/', name: 'q1' };
const q2 = { vhost: '/', name: 'q2' };

interface Implementation {
  name: string;
  make(): MessageStore;
  /** What a restart on the same storage brings back, as `queue:body` (the memory store keeps nothing). */
  restart(store: MessageStore): Promise<string[]>;
}

const diskDirs = new WeakMap<MessageStore, string>();
const implementations: Implementation[] = [
  { name: 'memory', make: () => new MemoryMessageStore(), restart: async (store) => (await store.close(), []) },
  {
    name: 'disk',
    make: () => {
      const { dir, store } = diskStore();
      diskDirs.set(store, dir);
      return store;
    },
    restart: async (store) => {
      await store.close();
      const again = DiskMessageStore.open(diskDirs.get(store)!, new GroupCommit());
      const back = [...again.report.replay()].map((r) => `${r.queue.split('\u0000')[1]}:${r.message.body}`);
      await again.store.close();
      return back;
    },
  },
];

for (const { name, make, restart } of implementations) {
  describe(`${name} message store`, () => {
    it('makes every persisted message durable by the time flush() resolves', async () => {
      const store = make();
      const batches = [store.persist(message('a'), [q1]), store.persist(message('b'), [q1, q2])];
      expect(batches.every((b) => Number.isInteger(b) && b >= 0)).toBe(true);
      expect(batches[1]).toBeGreaterThanOrEqual(batches[0]!);
      await store.flush();
      for (const b of batches) expect(store.durableBatch).toBeGreaterThanOrEqual(b);
      await store.close();
    });

    it('a message delivered and removed from every queue holding it is durable work done and never comes back', async () => {
      const store = make();
      const m = message('c');
      const batch = store.persist(m, [q1, q2]);
      store.delivered(m, q1);
      store.removed(m, q1);
      store.removed(m, q2);
      store.writeOut();
      await store.flush();
      expect(store.durableBatch).toBeGreaterThanOrEqual(batch);
      expect(await restart(store)).toEqual([]);
    });
  });
}

describe('disk message store recovery', () => {
  it('brings back live messages per queue in order, marked delivered where they were', async () => {
    const first = diskStore();
    const [a, b, c] = [message('a'), message('b'), message('c')];
    first.store.persist(a, [q1]);
    first.store.persist(b, [q1, q2]);
    first.store.persist(c, [q1]);
    first.store.delivered(b, q1);
    first.store.removed(a, q1);
    first.store.removed(b, q2);
    await first.store.close();
    const again = DiskMessageStore.open(first.dir, new GroupCommit());
    const recovered = [...again.report.replay()];
    const show = (key: string) => recovered.filter((r) => r.queue === key).map((r) => `${r.message.body}${r.redelivered ? 'r' : ''}`);
    expect(show('/\u0000q1')).toEqual(['br', 'c']);
    expect(show('/\u0000q2')).toEqual([]);
    expect(again.report.problems).toEqual([]);
    await again.store.close();
  });
});
