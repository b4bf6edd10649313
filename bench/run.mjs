#!/usr/bin/env node
// Benchmarks for warren, side by side with RabbitMQ when RABBITMQ_URL is set.
// Run with `npm run bench` (builds first). See bench/README.md.
//
// The run is a list of sections (see `sections` below). Each section gets a
// context (project root, the started warren, the RabbitMQ target if any) and
// returns a table: { title, columns, rows, notes }: AMQP throughput, warrenctl
// publish --lines throughput and list_queues latency (cli-publish.mjs), persistence.
//
// Environment:
//   BENCH_MESSAGES   messages per AMQP run (default 200000)
//   BENCH_SIZE       message size in bytes (default 100)
//   BENCH_MODES      comma-separated AMQP modes (default plain,confirm,persistent)
//   BENCH_WARMUP     messages of an unmeasured amqp-bench run per mode and broker first (default 20000;
//                    0: none). Both brokers are then warm: a long-running RabbitMQ node is, and a daemon
//                    started by this script would otherwise be measured while its JIT compiles
//   BENCH_REPEAT     measured amqp-bench runs per mode and broker; the one with the median rate is
//                    reported (default 1)
//   BENCH_SECTIONS   comma-separated section names to run (default: all)
//   RABBITMQ_URL     amqp://user:pass@host:port of a RabbitMQ to compare with
//   BENCH_JSON       if set, also print every result as one JSON line
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { persistence } from './persistence.mjs';
import { cliLatency, cliPublish } from './cli-publish.mjs';
import { runFan } from './fan.mjs';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const serverBin = join(root, 'bin', 'warren-server');
const benchTool = process.env.BENCH_TOOL ?? resolve(root, '..', 'shared', 'tools', 'amqp-bench.mjs');

const MESSAGES = positiveInt(process.env.BENCH_MESSAGES, 200_000);
const SIZE = positiveInt(process.env.BENCH_SIZE, 100);
const MODES = (process.env.BENCH_MODES ?? 'plain,confirm,persistent')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const ONLY = process.env.BENCH_SECTIONS ? new Set(process.env.BENCH_SECTIONS.split(',').map((s) => s.trim())) : null;
const RUN_TIMEOUT_MS = 15 * 60_000;
const WARMUP = nonNegativeInt(process.env.BENCH_WARMUP, 20_000);
const REPEAT = positiveInt(process.env.BENCH_REPEAT, 1);
const FANOUT_MESSAGES = positiveInt(process.env.BENCH_FANOUT_MESSAGES, 10_000);

// ---------------------------------------------------------------------------
// Sections. Add new benchmarks here: { name, title, run(ctx) -> table | null }.
// A section that cannot run returns null after printing why.
// ---------------------------------------------------------------------------
const sections = [
  {
    name: 'amqp',
    title: `AMQP throughput (amqp-bench, ${MESSAGES} x ${SIZE}-byte messages, one producer, one consumer)`,
    run: amqpThroughput,
  },
  {
    name: 'queues',
    title: `AMQP, 4 producers and 4 consumers on 4 queues (bench/fan.mjs, ${MESSAGES} x ${SIZE}-byte messages in all)`,
    run: (ctx) => fanSection(ctx, 'queues', MESSAGES),
  },
  {
    name: 'fanout',
    title: `AMQP, one producer into a fanout exchange to 50 queues, 50 consumers (bench/fan.mjs, ${FANOUT_MESSAGES} messages, ${FANOUT_MESSAGES * 50} deliveries)`,
    run: (ctx) => fanSection(ctx, 'fanout', FANOUT_MESSAGES),
  },
  { name: 'cli-publish', title: 'seq 100000 | warrenctl publish --lines -r q', run: (ctx) => cliPublish(ctx) },
  { name: 'cli-latency', title: 'warrenctl list_queues latency vs rabbitmqctl', run: (ctx) => cliLatency(ctx) },
  {
    name: 'persistence',
    title: 'durable storage: recovery time, and memory with a long transient queue',
    run: (ctx) => persistence(ctx, startWarren),
  },
];

async function amqpThroughput(ctx) {
  if (!existsSync(benchTool)) {
    console.log(`skipped: ${benchTool} not found (the amqp-bench tool lives in shared/tools beside the project)`);
    return null;
  }
  const targets = [{ label: 'warren', url: ctx.warren.url, pid: ctx.warren.pid }];
  if (ctx.rabbitmq) targets.push({ label: 'rabbitmq', url: ctx.rabbitmq.url, pid: ctx.rabbitmq.pid });
  const results = {};
  for (const mode of MODES) {
    results[mode] = {};
    for (const t of targets) {
      process.stderr.write(`  ${mode} against ${t.label} ... `);
      try {
        if (WARMUP > 0) await runAmqpBench(t.url, mode, t.pid, WARMUP);
        const runs = [];
        for (let i = 0; i < REPEAT; i++) runs.push(await runAmqpBench(t.url, mode, t.pid));
        runs.sort((a, b) => a.end_to_end_rate - b.end_to_end_rate);
        const r = runs[(runs.length - 1) >> 1];
        results[mode][t.label] = r;
        process.stderr.write(`${r.end_to_end_rate} msg/s\n`);
        if (process.env.BENCH_JSON) console.log(JSON.stringify({ section: 'amqp', target: t.label, ...r }));
      } catch (err) {
        results[mode][t.label] = { error: String(err.message ?? err) };
        process.stderr.write(`failed: ${firstLine(err.message ?? err)}\n`);
      }
    }
  }
  const rows = MODES.map((mode) => {
    const w = results[mode].warren ?? {};
    const r = results[mode].rabbitmq ?? {};
    return compareRow(ctx, mode, w, r);
  });
  const notes = [
    'msg/s = end-to-end rate (publish of the first to consume of the last); ratio = warren / rabbitmq.',
    'broker CPU = user+system CPU time of the broker process per message (BROKER_PID); lower is better.',
  ];
  if (!ctx.rabbitmq) notes.push('RABBITMQ_URL not set: RabbitMQ columns skipped.');
  return {
    title: this.title,
    columns: ['mode', 'warren msg/s', 'rabbitmq msg/s', 'ratio', 'warren CPU µs/msg', 'rabbitmq CPU µs/msg', 'warren p50/p99 ms', 'rabbitmq p50/p99 ms'],
    rows,
    notes,
  };
}

/** The many-client runs of bench/fan.mjs, for warren and RabbitMQ, in each mode. */
async function fanSection(ctx, kind, messages) {
  const targets = [{ label: 'warren', url: ctx.warren.url, pid: ctx.warren.pid }];
  if (ctx.rabbitmq) targets.push({ label: 'rabbitmq', url: ctx.rabbitmq.url, pid: ctx.rabbitmq.pid });
  const rows = [];
  for (const mode of MODES) {
    const res = {};
    for (const t of targets) {
      process.stderr.write(`  ${kind} ${mode} against ${t.label} ... `);
      try {
        res[t.label] = await runFan({ url: t.url, kind, messages, size: SIZE, mode, brokerPid: t.pid });
        process.stderr.write(`${res[t.label].end_to_end_rate} msg/s\n`);
        if (process.env.BENCH_JSON) console.log(JSON.stringify({ section: kind, target: t.label, ...res[t.label] }));
      } catch (err) {
        res[t.label] = { error: String(err.message ?? err) };
        process.stderr.write(`failed: ${firstLine(err.message ?? err)}\n`);
      }
    }
    const w = res.warren ?? {};
    const r = res.rabbitmq ?? {};
    rows.push(compareRow(ctx, mode, w, r));
  }
  const notes = ['msg/s = published messages per second end to end; CPU µs per published message (a fanout message is 50 deliveries).'];
  if (!ctx.rabbitmq) notes.push('RABBITMQ_URL not set: RabbitMQ columns skipped.');
  return {
    title: kind === 'fanout' ? sections.find((s) => s.name === 'fanout').title : sections.find((s) => s.name === 'queues').title,
    columns: ['mode', 'warren msg/s', 'rabbitmq msg/s', 'ratio', 'warren CPU µs/msg', 'rabbitmq CPU µs/msg', 'warren p50/p99 ms', 'rabbitmq p50/p99 ms'],
    rows,
    notes,
  };
}

function rate(r) {
  if (r.error) return 'error';
  return r.end_to_end_rate === undefined ? '-' : String(r.end_to_end_rate);
}
function cpu(r) {
  if (r.error) return 'error';
  return r.broker_cpu_us_per_msg === undefined ? '-' : String(r.broker_cpu_us_per_msg);
}
function lat(r) {
  if (r.error || !r.latency_ms) return r.error ? 'error' : '-';
  return `${r.latency_ms.p50}/${r.latency_ms.p99}`;
}

/** Runs the shared amqp-bench tool once; cwd = project root (it loads amqplib from there). */
function runAmqpBench(url, mode, brokerPid, messages = MESSAGES) {
  return new Promise((resolvePromise, reject) => {
    const env = { ...process.env };
    if (brokerPid) env.BROKER_PID = String(brokerPid);
    else delete env.BROKER_PID;
    const child = spawn(process.execPath, [benchTool, url, String(messages), String(SIZE), mode], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`timed out after ${RUN_TIMEOUT_MS / 1000} s`));
    }, RUN_TIMEOUT_MS);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const line = out
        .trim()
        .split('\n')
        .reverse()
        .find((l) => l.startsWith('{'));
      if (code === 0 && line) {
        try {
          resolvePromise(JSON.parse(line));
          return;
        } catch {
          /* fall through */
        }
      }
      reject(new Error(`amqp-bench exited with ${code ?? signal}: ${(err || out).trim()}`));
    });
  });
}

// ---------------------------------------------------------------------------
// Brokers
// ---------------------------------------------------------------------------
const LISTENER_LINE = /AMQP listener on (\S+):(\d+)/;

/** Starts warren; `dataDir` reuses a directory (kept on stop), `args` adds server options. */
export async function startWarren({ dataDir: reuse, args = [] } = {}) {
  if (!existsSync(serverBin)) throw new Error(`${serverBin} not found`);
  const dataDir = reuse ?? mkdtempSync(join(tmpdir(), 'warren-bench-'));
  const child = spawn(process.execPath, [serverBin, '--port', '0', '--data-dir', dataDir, '--no-management', '--no-metrics', ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d) => (out += d));
  const exited = new Promise((r) => child.once('exit', (code, signal) => r(code ?? signal)));
  const { host, port } = await new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`warren-server did not report its listener within 20 s:\n${out}`)), 20_000);
    const check = () => {
      const m = LISTENER_LINE.exec(out);
      if (m) {
        clearTimeout(timer);
        resolvePromise({ host: m[1], port: Number(m[2]) });
      }
    };
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`warren-server exited with ${code}:\n${out}`));
    });
  });
  // A wildcard listener is reached over loopback.
  const h = host.replace(/^\[|\]$/g, '');
  const connectHost = h === '0.0.0.0' || h === '::' || h === '' ? '127.0.0.1' : h.includes(':') ? `[${h}]` : h;
  return {
    pid: child.pid,
    dataDir,
    url: `amqp://guest:guest@${connectHost}:${port}`,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 60_000);
      await exited;
      clearTimeout(t);
      if (!reuse) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function rabbitTarget() {
  const url = process.env.RABBITMQ_URL;
  if (!url) return null;
  let pid = null;
  try {
    pid = execFileSync('pgrep', ['-f', 'beam.smp'], { encoding: 'utf8' }).trim().split('\n')[0] || null;
  } catch {
    console.log('note: no beam.smp process found, RabbitMQ CPU per message not measured');
  }
  return { url, pid };
}

// ---------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------
function printTable({ title, columns, rows, notes = [] }) {
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => String(r[i] ?? '').length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  console.log(`\n${title}`);
  console.log(line(columns));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
  for (const n of notes) console.log(`  ${n}`);
}

function positiveInt(v, dflt) {
  const n = Number(v);
  return v !== undefined && Number.isInteger(n) && n > 0 ? n : dflt;
}
function nonNegativeInt(v, dflt) {
  const n = Number(v);
  return v !== undefined && Number.isInteger(n) && n >= 0 ? n : dflt;
}
function firstLine(s) {
  return String(s).split('\n')[0];
}

// ---------------------------------------------------------------------------
async function main() {
  const warren = await startWarren();
  const stop = async () => {
    await warren.stop();
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(130)));
  const ctx = { root, warren, rabbitmq: rabbitTarget() };
  console.log(`warren: ${warren.url} (pid ${warren.pid})`);
  console.log(
    ctx.rabbitmq
      ? `rabbitmq: ${ctx.rabbitmq.url.replace(/\/\/[^@]*@/, '//')} (beam pid ${ctx.rabbitmq.pid ?? '?'})`
      : 'rabbitmq: RABBITMQ_URL not set, warren only',
  );
  let failed = false;
  try {
    for (const section of sections) {
      if (ONLY && !ONLY.has(section.name)) continue;
      console.error(`\n[${section.name}] ${section.title}`);
      try {
        const table = await section.run.call(section, ctx);
        if (table) printTable(table);
      } catch (err) {
        failed = true;
        console.error(`[${section.name}] failed: ${err.stack ?? err}`);
      }
    }
  } finally {
    await stop();
  }
  process.exitCode = failed ? 1 : 0;
}

main().catch((err) => {
  console.error(err.stack ?? String(err));
  process.exit(1);
});

/** One table row comparing warren (w) with RabbitMQ (r) for a mode: rates, their ratio, CPU and latency. */
function compareRow(ctx, mode, w, r) {
  const theirs = (f) => (ctx.rabbitmq ? f(r) : 'n/a');
  const ratio = w.end_to_end_rate && r.end_to_end_rate ? (w.end_to_end_rate / r.end_to_end_rate).toFixed(2) : '-';
  return [mode, rate(w), theirs(rate), ratio, cpu(w), theirs(cpu), lat(w), theirs(lat)];
}
