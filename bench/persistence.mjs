// Persistence benchmarks:
//  - recovery: BENCH_RECOVERY_MESSAGES (default 1,000,000) persistent 100-byte messages in a durable
//    queue, a clean stop, then the time the restarted daemon reports for recovering them;
//  - memory: BENCH_RSS_MESSAGES (default 10,000,000) transient 100-byte messages queued with no
//    consumer; the daemon's resident set size (VmRSS) once they are all in.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const count = (name, dflt) => {
  const n = Number(process.env[name]);
  return Number.isInteger(n) && n > 0 ? n : dflt;
};

async function publish(amqp, url, queue, n, { persistent, durable }) {
  const conn = await amqp.connect(url);
  const ch = await conn.createConfirmChannel();
  await ch.assertQueue(queue, { durable });
  const body = Buffer.alloc(100, 120);
  const started = Date.now();
  for (let i = 0; i < n; i++) {
    ch.sendToQueue(queue, body, { persistent });
    if (i % 5000 === 4999) await ch.waitForConfirms();
  }
  await ch.waitForConfirms();
  const secs = (Date.now() - started) / 1000;
  await conn.close();
  return secs;
}

function rssMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) / 1024;
}

export async function persistence(ctx, startWarren) {
  const amqp = createRequire(join(ctx.root, 'package.json'))('amqplib');
  const rows = [];
  const recoveryN = count('BENCH_RECOVERY_MESSAGES', 1_000_000);
  const dir = mkdtempSync(join(tmpdir(), 'warren-bench-recovery-'));
  try {
    let w = await startWarren({ dataDir: dir });
    process.stderr.write(`  publishing ${recoveryN} persistent messages ... `);
    const secs = await publish(amqp, w.url, 'recovery', recoveryN, { persistent: true, durable: true });
    process.stderr.write(`${Math.round(recoveryN / secs)} msg/s\n`);
    await w.stop();
    const t0 = Date.now();
    w = await startWarren({ dataDir: dir });
    const wall = Date.now() - t0;
    const m = /recovered (\d+) persistent messages in \d+ queues from (\d+) segments in (\d+) ms/.exec(w.output());
    rows.push(['recovery', `${m?.[1] ?? '?'} messages, ${m?.[2] ?? '?'} segments`, `${m?.[3] ?? '?'} ms (start to listening: ${wall} ms)`, `RSS ${rssMiB(w.pid).toFixed(0)} MiB`]);
    await w.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const rssN = count('BENCH_RSS_MESSAGES', 10_000_000);
  const w = await startWarren();
  try {
    process.stderr.write(`  queueing ${rssN} transient messages ... `);
    const secs = await publish(amqp, w.url, 'memory', rssN, { persistent: false, durable: false });
    process.stderr.write(`${Math.round(rssN / secs)} msg/s\n`);
    rows.push(['memory', `${rssN} transient messages queued`, `RSS ${rssMiB(w.pid).toFixed(0)} MiB`, `budget 256 MiB (default), rest spooled`]);
  } finally {
    await w.stop();
  }
  return { title: this?.title ?? 'persistence', columns: ['what', 'size', 'result', 'notes'], rows };
}
