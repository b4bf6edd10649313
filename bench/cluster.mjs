#!/usr/bin/env node
// One warren node against the three-node RabbitMQ cluster of .ci/rabbitmq-cluster.sh, on the same machine, for
// docs/scaling.md. Each "pair" is one process with a publisher (confirm channel, waiting every 500 messages) and a
// consumer (prefetch 1000, manual acks) on its own queue; the aggregate rate is all messages / wall time.
//   node bench/cluster.mjs            (after npm run build; needs RABBITMQ_CLUSTER_URLS for the cluster rows)
// Environment: BENCH_MESSAGES per pair (default 100000), BENCH_SIZE (default 100), BENCH_JSON=1 for JSON lines.
import { fork, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const amqp = createRequire(join(root, 'package.json'))('amqplib');
const N = Number(process.env.BENCH_MESSAGES ?? 100_000);
const SIZE = Number(process.env.BENCH_SIZE ?? 100);

if (process.env.BENCH_ROLE === 'pair') {
  // one publisher and one consumer on queue BENCH_Q at BENCH_URL
  const { BENCH_URL: url, BENCH_Q: q, BENCH_PERSISTENT: persistent } = process.env;
  const cc = await amqp.connect(url);
  const cch = await cc.createChannel();
  await cch.prefetch(1000);
  let got = 0;
  const done = new Promise((r) =>
    cch.consume(q, (m) => {
      if (!m) return;
      cch.ack(m);
      if (++got === N) r();
    }),
  );
  process.send({ ready: true });
  await new Promise((r) => process.once('message', r));
  const t0 = Date.now();
  const pc = await amqp.connect(url);
  const pch = await pc.createConfirmChannel();
  const body = Buffer.alloc(SIZE, 120);
  for (let i = 0; i < N; i++) {
    pch.sendToQueue(q, body, { persistent: persistent === '1' });
    if (i % 500 === 499) await pch.waitForConfirms();
  }
  await pch.waitForConfirms();
  const published = (Date.now() - t0) / 1000;
  await done;
  process.send({ published, total: (Date.now() - t0) / 1000 });
  await pc.close();
  await cc.close();
  process.exit(0);
}

/** Runs one pair per [url, queue]; resolves with the aggregate end-to-end rate. */
async function run(pairs, persistent) {
  const children = pairs.map(([url, q]) =>
    fork(fileURLToPath(import.meta.url), [], {
      env: { ...process.env, BENCH_ROLE: 'pair', BENCH_URL: url, BENCH_Q: q, BENCH_PERSISTENT: persistent ? '1' : '0' },
    }),
  );
  await Promise.all(children.map((c) => new Promise((r) => c.once('message', r))));
  const t0 = Date.now();
  const results = children.map(
    (c) =>
      new Promise((r, j) => {
        c.once('message', r);
        c.once('exit', (code) => code && j(new Error(`pair exited ${code}`)));
      }),
  );
  for (const c of children) c.send('go');
  await Promise.all(results);
  const secs = (Date.now() - t0) / 1000;
  return Math.round((N * pairs.length) / secs);
}

async function declare(url, q, args) {
  const c = await amqp.connect(url);
  const ch = await c.createChannel();
  await ch.assertQueue(q, { durable: true, arguments: args });
  await c.close();
}
async function remove(url, q) {
  const c = await amqp.connect(url);
  const ch = await c.createChannel();
  await ch.deleteQueue(q).catch(() => {});
  await c.close().catch(() => {});
}

function startWarren() {
  const dataDir = mkdtempSync(join(tmpdir(), 'warren-bench-cluster-'));
  const child = spawn(
    process.execPath,
    [join(root, 'bin', 'warren-server'), '--port', '0', '--bind', '127.0.0.1', '--data-dir', dataDir, '--api-port', '0', '--metrics-port', '0'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  return new Promise((resolvePromise, reject) => {
    const check = (d) => {
      out += d;
      const m = /AMQP listener on (\S+):(\d+)/.exec(out);
      if (m)
        resolvePromise({
          url: `amqp://guest:guest@127.0.0.1:${m[2]}`,
          pid: child.pid,
          stop: () => {
            child.kill('SIGTERM');
            rmSync(dataDir, { recursive: true, force: true });
          },
        });
    };
    child.stdout.setEncoding('utf8').on('data', check);
    child.stderr.setEncoding('utf8').on('data', check);
    child.once('exit', (code) => reject(new Error(`warren-server exited ${code}: ${out}`)));
  });
}

const rows = [];
const report = (target, queues, mode, rate) => {
  rows.push({ target, queues, mode, rate });
  console.error(`  ${target.padEnd(34)} ${String(queues).padStart(2)} queue(s) ${mode.padEnd(10)} ${rate} msg/s`);
  if (process.env.BENCH_JSON) console.log(JSON.stringify({ section: 'cluster', target, queues, mode, rate, messages_per_queue: N, size: SIZE }));
};

const tag = `bench-cl-${process.pid}`;
const warren = await startWarren();
try {
  for (const persistent of [false, true]) {
    const mode = persistent ? 'persistent' : 'confirm';
    const one = [[warren.url, `${tag}-w1`]];
    const three = [0, 1, 2].map((i) => [warren.url, `${tag}-w3-${i}`]);
    for (const [, q] of [...one, ...three]) await declare(warren.url, q, {});
    report('warren (one node)', 1, mode, await run(one, persistent));
    report('warren (one node)', 3, mode, await run(three, persistent));
    for (const [, q] of [...one, ...three]) await remove(warren.url, q);
  }
} finally {
  warren.stop();
}

const urls = (process.env.RABBITMQ_CLUSTER_URLS ?? '').split(',').filter(Boolean);
if (urls.length >= 3) {
  for (const persistent of [false, true]) {
    const mode = persistent ? 'persistent' : 'confirm';
    for (const type of ['classic', 'quorum']) {
      // each queue declared through, and used through, its own node: classic queues live there, quorum leaders too
      const spread = urls.slice(0, 3).map((u, i) => [u, `${tag}-${type}-${i}`]);
      const args = type === 'quorum' ? { 'x-queue-type': 'quorum' } : {};
      for (const [u, q] of spread) await declare(u, q, args);
      if (type === 'quorum') report('cluster, quorum (leader on node 2)', 1, mode, await run([spread[1]], persistent));
      else report('cluster, classic (node 2)', 1, mode, await run([spread[1]], persistent));
      report(`cluster, ${type} (one per node)`, 3, mode, await run(spread, persistent));
      for (const [u, q] of spread) await remove(u, q);
    }
  }
} else {
  console.error('RABBITMQ_CLUSTER_URLS is not set: cluster rows skipped (.ci/rabbitmq-cluster.sh starts the cluster)');
}
console.log('| target | queues | mode | msg/s (end to end, all queues) |');
console.log('|---|---|---|---|');
for (const r of rows) console.log(`| ${r.target} | ${r.queues} | ${r.mode} | ${r.rate} |`);
