// The daemon's set-up of its data directory: opens the stores and loads what they hold into a
// new broker. (It lives in server, not in broker/store: the store imports only the message types
// it stores.)
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Broker } from '../broker/broker.js';
import type { Queue } from '../broker/queue.js';
import { DefinitionEmitter, restoreDefinitions } from '../broker/definitions.js';
import { DefinitionsStore } from '../broker/store/definitions-store.js';
import { DiskMessageStore } from '../broker/store/disk-message-store.js';
import { GroupCommit } from '../broker/store/group-commit.js';
import { StoreFormatError } from '../broker/store/message-store.js';
import { MemoryBudget } from '../broker/store/memory-budget.js';

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
  const cpuStarted = process.cpuUsage();
  // Earlier versions kept transient overflow in spool/; it now goes through the message segments.
  rmSync(join(dataDir, 'spool'), { recursive: true, force: true });
  const messagesDir = join(dataDir, 'messages');
  const segments = DiskMessageStore.segmentFiles(messagesDir);
  if (segments.length > 0 && !existsSync(join(dataDir, 'definitions.json')) && !existsSync(join(dataDir, 'definitions.journal'))) {
    // Without definitions no queue can claim these messages, and starting empty would delete them.
    throw new StoreFormatError(
      `${join(dataDir, 'definitions.json')} and definitions.journal are missing but ${messagesDir} holds ${segments.length} message segment(s); ` +
        `refusing to start rather than lose them (restore the definitions, or move ${messagesDir} aside to start empty)`,
    );
  }
  const commit = new GroupCommit();
  const definitions = DefinitionsStore.open(dataDir, commit);
  const { store, report } = DiskMessageStore.open(messagesDir, commit);
  const broker = new Broker(store, false, new MemoryBudget(memoryBudget, null, store));
  const fresh = definitions.state.vhost.size === 0 && definitions.state.user.size === 0;
  const restoreProblems = fresh ? [] : restoreDefinitions(broker, definitions.state);
  broker.definitions = new DefinitionEmitter(definitions);
  if (fresh) broker.loadDefaults();

  const queues = new Set<string>();
  let lastKey = '';
  let queue: Queue | undefined;
  // Queues get positions, not messages: bodies are read back as consumers need them.
  for (const r of report.replay()) {
    if (r.queue !== lastKey) {
      const [vhost, name] = r.queue.split('\u0000') as [string, string];
      queue = broker.vhosts.get(vhost)?.queues.get(name);
      lastKey = r.queue;
    }
    if (queue?.store) {
      queues.add(r.queue);
      queue.enqueueStored(r.segment, r.offset, r.length, r.bodySize, r.redelivered);
    } else {
      // The queue is gone (deleted just before a crash): its messages go too.
      const [vhost, name] = r.queue.split('\u0000') as [string, string];
      store.removedAt(r.segment, r.offset, { vhost, name });
    }
  }
  const lines = [
    fresh
      ? 'new data directory: created the default user guest and vhost /'
      : `recovered ${definitions.state.vhost.size} vhosts, ${definitions.state.queue.size} durable queues, ${definitions.state.exchange.size} durable exchanges`,
    `recovered ${report.messages} persistent messages in ${queues.size} queues from ${report.segments} segments in ${Date.now() - started} ms (${cpuMillis(cpuStarted)} ms of CPU)`,
    ...definitions.problems.map((p) => `damage: ${p}`),
    ...restoreProblems.map((p) => `damage: ${p}`),
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

/** CPU time (user + system) used since `from`, in ms: recovery's cost on a machine busy with other work. */
function cpuMillis(from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from);
  return Math.round((d.user + d.system) / 1000);
}
