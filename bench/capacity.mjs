#!/usr/bin/env node
// How many queues and connections one warren node holds, and what they cost in memory, for docs/scaling.md:
// BENCH_QUEUES (default 10000) durable queues declared, then BENCH_CONNECTIONS (default 1000) idle AMQP
// connections with one channel each; the daemon's resident set size (VmRSS) after each step.
//   node bench/capacity.mjs   (after npm run build)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const amqp = createRequire(join(root, 'package.json'))('amqplib');
const QUEUES = Number(process.env.BENCH_QUEUES ?? 10_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 1000);

const dataDir = mkdtempSync(join(tmpdir(), 'warren-bench-capacity-'));
const child = spawn(
  process.execPath,
  [join(root, 'bin', 'warren-server'), '--port', '0', '--bind', '127.0.0.1', '--data-dir', dataDir, '--api-port', '0', '--metrics-port', '0'],
  { stdio: ['ignore', 'pipe', 'pipe'] },
);
let out = '';
const url = await new Promise((res, rej) => {
  const check = (d) => {
    out += d;
    const m = /AMQP listener on (\S+):(\d+)/.exec(out);
    if (m) res(`amqp://guest:guest@127.0.0.1:${m[2]}`);
  };
  child.stdout.setEncoding('utf8').on('data', check);
  child.stderr.setEncoding('utf8').on('data', check);
  child.once('exit', (code) => rej(new Error(`warren-server exited ${code}: ${out}`)));
});
const rss = () => Math.round(Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]) / 1024);
const settle = () => new Promise((r) => setTimeout(r, 1000));
try {
  await settle();
  const base = rss();
  console.log(`idle: ${base} MiB`);
  const c = await amqp.connect(url);
  const ch = await c.createChannel();
  let t0 = Date.now();
  for (let i = 0; i < QUEUES; i++) await ch.assertQueue(`cap-${i}`, { durable: true });
  const qSecs = (Date.now() - t0) / 1000;
  await settle();
  const withQueues = rss();
  console.log(
    `${QUEUES} durable queues: declared in ${qSecs.toFixed(1)} s (${Math.round(QUEUES / qSecs)}/s), ${withQueues} MiB (${(((withQueues - base) * 1024) / QUEUES).toFixed(1)} KiB per queue)`,
  );
  const conns = [];
  t0 = Date.now();
  for (let i = 0; i < CONNECTIONS; i++) {
    const k = await amqp.connect(url);
    await k.createChannel();
    conns.push(k);
  }
  const cSecs = (Date.now() - t0) / 1000;
  await settle();
  const withConns = rss();
  console.log(
    `${CONNECTIONS} connections with a channel each: opened in ${cSecs.toFixed(1)} s, ${withConns} MiB (${(((withConns - withQueues) * 1024) / CONNECTIONS).toFixed(1)} KiB per connection)`,
  );
  for (const k of conns) await k.close().catch(() => {});
  await c.close();
} finally {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rmSync(dataDir, { recursive: true, force: true });
}
