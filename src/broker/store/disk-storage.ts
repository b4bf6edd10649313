// Opens a data directory's stores and loads what they hold into a new broker.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Broker } from '../broker.js';
import type { Queue } from '../queue.js';
import { DefinitionEmitter, restoreDefinitions } from '../definitions.js';
import { DefinitionsStore } from './definitions-store.js';
import { DiskMessageStore } from './disk-message-store.js';
import { GroupCommit } from './group-commit.js';
import { MemoryBudget } from './spool.js';

export interface RecoveredBroker {
  broker: Broker;
  /** log lines describing what was recovered and any damage found */
  report: string[];
  /** flushes everything to disk and closes the files */
  close(): Promise<void>;
}

/** Default heap budget for ready messages before queues spool to disk. */
export const DEFAULT_MEMORY_BUDGET = 256 * 1024 * 1024;

export function openDiskBroker(dataDir: string, memoryBudget = DEFAULT_MEMORY_BUDGET): RecoveredBroker {
  const started = Date.now();
  // Spool files hold transient overflow only (persistent messages are in the segments too): start clean.
  const spoolDir = join(dataDir, 'spool');
  rmSync(spoolDir, { recursive: true, force: true });
  mkdirSync(spoolDir, { recursive: true, mode: 0o700 });
  const commit = new GroupCommit();
  const definitions = DefinitionsStore.open(dataDir, commit);
  const { store, report } = DiskMessageStore.open(join(dataDir, 'messages'), commit);
  const broker = new Broker(store, false, new MemoryBudget(memoryBudget, spoolDir));
  const fresh = definitions.state.vhost.size === 0 && definitions.state.user.size === 0;
  if (!fresh) restoreDefinitions(broker, definitions.state);
  broker.definitions = new DefinitionEmitter(definitions);
  if (fresh) broker.loadDefaults();

  const queues = new Set<string>();
  let lastKey = '';
  let queue: Queue | undefined;
  for (const { queue: key, message, redelivered } of report.replay()) {
    if (key !== lastKey) {
      const [vhost, name] = key.split('\u0000') as [string, string];
      queue = broker.vhosts.get(vhost)?.queues.get(name);
      lastKey = key;
    }
    if (queue?.store) {
      queues.add(key);
      queue.enqueue(message, redelivered);
    } else {
      // The queue is gone (deleted just before a crash): its messages go too.
      const [vhost, name] = key.split('\u0000') as [string, string];
      store.removed(message, { vhost, name });
    }
  }
  const lines = [
    fresh
      ? 'new data directory: created the default user guest and vhost /'
      : `recovered ${definitions.state.vhost.size} vhosts, ${definitions.state.queue.size} durable queues, ${definitions.state.exchange.size} durable exchanges`,
    `recovered ${report.messages} persistent messages in ${queues.size} queues from ${report.segments} segments in ${Date.now() - started} ms`,
    ...definitions.problems.map((p) => `damage: ${p}`),
    ...report.problems.map((p) => `damage: ${p}`),
  ];
  return {
    broker,
    report: lines,
    async close() {
      definitions.trySnapshot();
      await store.close();
    },
  };
}
