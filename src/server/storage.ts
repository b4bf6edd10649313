// The daemon's set-up of its data directory: opens the stores and loads what they hold into a
// new broker. (It lives in server, not in broker/store: the store imports only the message types
// it stores.)
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
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

/**
 * Default budget, in MiB, for messages held in memory before queues keep them as positions on disk.
 * Small, as RabbitMQ pages to disk far below its memory watermark: a queue's window of ready
 * messages is enough to keep consumers busy, and what a deep queue holds beyond it costs almost
 * nothing in memory (runs of positions). With it, ten million queued 100-byte messages, transient
 * or persistent, stay under 300 MiB of peak RSS (bench/persistence.mjs).
 */
export const DEFAULT_MEMORY_BUDGET_MIB = 64;

/**
 * How far V8 lets the old generation grow past what survived its last full collection, in percent,
 * once the heap is big. Its default grows it up to four times, so a broker holding 60 MB of
 * messages reached 280 MB of heap, mostly garbage (messages that lived long enough to be promoted,
 * then went to disk or to a consumer), before collecting: the peak RSS was three times the budget.
 * At 1.5 times the peak follows what is live, for a few more full collections of a big heap.
 */
const HEAP_GROWING_PERCENT = 50;
/**
 * Below this much heap in use the cap is off: a broker moving messages without holding many has a
 * heap of 10-20 MB, and with the cap V8 ran a full collection every 10 MB or so of promotions (23
 * in 400,000 messages of amqp-bench against 7 without it, with more CPU per message).
 */
const CAP_HEAP_ABOVE = 48 * 1024 * 1024;
const HEAP_CHECK_MS = 1000;

/** Caps V8's heap growth while the heap is big, and lifts the cap when it is small again. */
function heapGrowthPolicy(): NodeJS.Timeout {
  let capped = false;
  const check = (): void => {
    const big = getHeapStatistics().used_heap_size > CAP_HEAP_ABOVE;
    if (big === capped) return;
    capped = big;
    setFlagsFromString(`--heap-growing-percent=${big ? HEAP_GROWING_PERCENT : 0}`); // 0: V8's own factor
  };
  const timer = setInterval(check, HEAP_CHECK_MS);
  timer.unref();
  return timer;
}

export function openDiskBroker(dataDir: string, memoryBudget = DEFAULT_MEMORY_BUDGET_MIB * 1024 * 1024): RecoveredBroker {
  const started = Date.now();
  const heapPolicy = heapGrowthPolicy();
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

  // Queues get positions, not messages: bodies are read back as consumers need them.
  const queues = new Map<string, Queue | null>();
  const queueOf = (key: string): Queue | null => {
    let q = queues.get(key);
    if (q === undefined) {
      const [vhost, name] = key.split('\u0000') as [string, string];
      const found = broker.vhosts.get(vhost)?.queues.get(name);
      q = found?.store ? found : null;
      queues.set(key, q);
    }
    return q;
  };
  for (const r of report.replay()) {
    const queue = queueOf(r.queue);
    if (queue) {
      queue.enqueueStored(r.segment, r.offset, r.length, r.bodySize, r.redelivered);
    } else {
      // The queue is gone (deleted just before a crash): its messages go too.
      const [vhost, name] = r.queue.split('\u0000') as [string, string];
      store.removedAt(r.segment, r.offset, { vhost, name });
    }
  }
  let recoveredQueues = 0;
  for (const q of queues.values()) if (q && q.messageCount > 0) recoveredQueues++;
  const lines = [
    fresh
      ? 'new data directory: created the default user guest and vhost /'
      : `recovered ${definitions.state.vhost.size} vhosts, ${definitions.state.queue.size} durable queues, ${definitions.state.exchange.size} durable exchanges`,
    `recovered ${report.messages} persistent messages in ${recoveredQueues} queues from ${report.segments} segments in ${Date.now() - started} ms (${cpuMillis(cpuStarted)} ms of CPU)`,
    ...definitions.problems.map((p) => `damage: ${p}`),
    ...restoreProblems.map((p) => `damage: ${p}`),
    ...report.problems.map((p) => `damage: ${p}`),
  ];
  return {
    broker,
    report: lines,
    async close() {
      clearInterval(heapPolicy);
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
