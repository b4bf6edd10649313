// Persistence benchmarks (issue 12's table), each against a fresh daemon and data directory:
//  - rss-transient:  BENCH_RSS_MESSAGES (10,000,000) transient 100-byte messages queued, no consumer,
//                    default budget: peak RSS (VmHWM) of the daemon;
//  - rss-persistent: the same count, persistent, in a durable queue: peak RSS;
//  - rss-in-turn:    the same count of transient messages published in turn to two queues (their
//                    records alternate, so each message is a position run of its own): peak RSS;
//  - recovery:       BENCH_RECOVERY_MESSAGES (1,000,000) persistent 100-byte messages, a clean stop,
//                    then start to listening of the restarted daemon, and its RSS after;
//  - recovery-queues: BENCH_QUEUES x BENCH_QUEUE_MESSAGES (1,000 x 1,000) the same way;
//  - disk-unacked:   BENCH_FLOW_MESSAGES (10,000,000) persistent messages flow through a durable
//                    queue whose consumer leaves 1 in 1,000 unacknowledged: disk use of the message
//                    store at the end against the live bytes.
// BENCH_PERSISTENCE picks some (comma-separated names); all by default. BENCH_STORAGE_SCALE (default 1)
// multiplies every default count above (0.01: a quick run of 100,000 messages instead of 10,000,000);
// a count set by its own variable is used as it is. Every row ends with the machine's load average.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SCALE = Number(process.env.BENCH_STORAGE_SCALE) > 0 ? Number(process.env.BENCH_STORAGE_SCALE) : 1;
const count = (name, dflt) => {
  const n = Number(process.env[name]);
  return Number.isInteger(n) && n > 0 ? n : Math.max(1, Math.round(dflt * SCALE));
};
const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const ONLY = process.env.BENCH_PERSISTENCE ? new Set(process.env.BENCH_PERSISTENCE.split(',').map((s) => s.trim())) : null;
const BODY = Buffer.alloc(100, 120);
const MIB = 1024 * 1024;

async function publish(amqp, url, queues, perQueue, { persistent, durable }) {
  const conn = await amqp.connect(url);
  const ch = await conn.createConfirmChannel();
  for (const q of queues) await ch.assertQueue(q, { durable });
  const started = Date.now();
  let n = 0;
  for (let i = 0; i < perQueue; i++) {
    for (const q of queues) {
      ch.sendToQueue(q, BODY, { persistent });
      if (++n % 5000 === 0) await ch.waitForConfirms();
    }
  }
  await ch.waitForConfirms();
  const secs = (Date.now() - started) / 1000;
  await conn.close();
  return n / secs;
}

function status(pid, field) {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(text)[1]) / 1024;
}

function diskMiB(dir) {
  let total = 0;
  for (const f of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, f.name);
    total += f.isDirectory() ? diskMiB(p) * MIB : statSync(p).size;
  }
  return total / MIB;
}

async function rssRun(amqp, startWarren, persistent, inTurn = false) {
  const n = count('BENCH_RSS_MESSAGES', 10_000_000);
  const w = await startWarren();
  try {
    process.stderr.write(`  queueing ${n} ${persistent ? 'persistent' : 'transient'} messages${inTurn ? ' in turn to two queues' : ''} ... `);
    const queues = inTurn ? ['turn-a', 'turn-b'] : ['memory'];
    const rate = await publish(amqp, w.url, queues, n / queues.length, { persistent, durable: persistent });
    process.stderr.write(`${Math.round(rate)} msg/s\n`);
    return [
      inTurn ? 'peak RSS, two queues in turn' : persistent ? 'peak RSS, persistent' : 'peak RSS, transient',
      `${n} x 100 B queued, ${persistent ? 'durable queue' : inTurn ? 'two transient queues published to in turn' : 'transient queue'}, no consumer`,
      `VmHWM ${status(w.pid, 'VmHWM').toFixed(0)} MiB (VmRSS ${status(w.pid, 'VmRSS').toFixed(0)} MiB at the end)`,
      `default budget; publish ${Math.round(rate)} msg/s`,
    ];
  } finally {
    await w.stop();
  }
}

async function recoveryRun(amqp, startWarren, queues, perQueue, label) {
  const names = Array.from({ length: queues }, (_, i) => `recovery-${i}`);
  const dir = mkdtempSync(join(tmpdir(), 'warren-bench-recovery-'));
  let w = await startWarren({ dataDir: dir });
  try {
    process.stderr.write(`  publishing ${queues} x ${perQueue} persistent messages ... `);
    const rate = await publish(amqp, w.url, names, perQueue, { persistent: true, durable: true });
    process.stderr.write(`${Math.round(rate)} msg/s\n`);
    await w.stop();
    const t0 = Date.now();
    w = await startWarren({ dataDir: dir });
    const wall = Date.now() - t0;
    const m = /recovered (\d+) persistent messages in (\d+) queues from (\d+) segments in (\d+) ms \((\d+) ms of CPU\)/.exec(w.output());
    const row = [
      label,
      `${m?.[1] ?? '?'} messages in ${m?.[2] ?? '?'} queues, ${m?.[3] ?? '?'} segments`,
      `start to listening ${wall} ms (recovery ${m?.[4] ?? '?'} ms, ${m?.[5] ?? '?'} ms of CPU)`,
      `RSS after ${status(w.pid, 'VmRSS').toFixed(0)} MiB, peak ${status(w.pid, 'VmHWM').toFixed(0)} MiB`,
    ];
    // the messages are all there: a consumer could read them (spot check: queue lengths)
    const conn = await amqp.connect(w.url);
    const ch = await conn.createChannel();
    let total = 0;
    for (const q of names) total += (await ch.checkQueue(q)).messageCount;
    await conn.close();
    if (total !== queues * perQueue) row[3] += ` (MISSING: ${queues * perQueue - total})`;
    return row;
  } finally {
    await w.stop();
    rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  }
}

async function unackedFlowRun(amqp, startWarren) {
  const n = count('BENCH_FLOW_MESSAGES', 10_000_000);
  const w = await startWarren();
  try {
    const conn = await amqp.connect(w.url);
    const pub = await conn.createConfirmChannel();
    const sub = await conn.createChannel();
    await pub.assertQueue('flow', { durable: true });
    // Room for the kept ones, set before consume: a basic.qos without global applies only to the
    // consumers started after it (RabbitMQ's rule), so raising it later would not reach this one.
    await sub.prefetch(2000 + Math.ceil(n / 1000));
    let received = 0;
    let kept = 0;
    const done = new Promise((resolve) => {
      void sub.consume('flow', (m) => {
        received++;
        // 1 in 1,000 stays unacknowledged (and so on disk); the others are acked at once
        if (received % 1000 === 0) kept++;
        else sub.ack(m);
        if (received === n) resolve();
      });
    });
    process.stderr.write(`  flowing ${n} persistent messages, 1 in 1,000 left unacked ... `);
    const started = Date.now();
    for (let i = 0; i < n; i++) {
      pub.sendToQueue('flow', BODY, { persistent: true });
      if (i % 5000 === 4999) await pub.waitForConfirms();
    }
    await pub.waitForConfirms();
    await done;
    const secs = (Date.now() - started) / 1000;
    process.stderr.write(`${Math.round(n / secs)} msg/s\n`);
    // let background work (segment deletion, compaction) settle a moment
    await new Promise((r) => setTimeout(r, 3000));
    const disk = diskMiB(join(w.dataDir, 'messages'));
    const live = (kept * (BODY.length + 60)) / MIB;
    const row = [
      'disk, 1 in 1,000 unacked',
      `${n} x 100 B flowed through a durable queue; ${kept} left unacked`,
      `message store ${disk.toFixed(1)} MiB on disk`,
      `live about ${live.toFixed(1)} MiB; goal < 2 x live + 64 MiB = ${(2 * live + 64).toFixed(0)} MiB`,
    ];
    await conn.close();
    return row;
  } finally {
    await w.stop();
  }
}

export async function persistence(ctx, startWarren) {
  const amqp = createRequire(join(ctx.root, 'package.json'))('amqplib');
  const rows = [];
  const want = (name) => !ONLY || ONLY.has(name);
  // Each row is printed as soon as it is measured, and a failing run does not lose the others.
  const run = async (name, measure) => {
    if (!want(name)) return;
    try {
      const row = await measure();
      row[3] += `; load ${loadAverage()}`;
      process.stderr.write(`  => ${row.join(' | ')}\n`);
      rows.push(row);
    } catch (err) {
      process.stderr.write(`  ${name} failed: ${err.message}\n`);
      rows.push([name, 'failed', String(err.message).split('\n')[0], '']);
    }
  };
  await run('recovery', () => recoveryRun(amqp, startWarren, 1, count('BENCH_RECOVERY_MESSAGES', 1_000_000), 'recovery, one queue'));
  await run('recovery-queues', () =>
    recoveryRun(
      amqp,
      startWarren,
      Number(process.env.BENCH_QUEUES) > 0 ? Number(process.env.BENCH_QUEUES) : 1000,
      count('BENCH_QUEUE_MESSAGES', 1000),
      'recovery, many queues',
    ),
  );
  await run('disk-unacked', () => unackedFlowRun(amqp, startWarren));
  await run('rss-transient', () => rssRun(amqp, startWarren, false));
  await run('rss-persistent', () => rssRun(amqp, startWarren, true));
  await run('rss-in-turn', () => rssRun(amqp, startWarren, false, true));
  return { title: this?.title ?? 'persistence', columns: ['what', 'size', 'result', 'notes'], rows };
}
