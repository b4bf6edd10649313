// CLI benchmarks:
//  - cliPublish: `seq N | warrenctl publish --lines -r q` (default N = 100,000; BENCH_CLI_MESSAGES) against warren
//    (local daemon over its control socket) and, when RABBITMQ_URL is set, against RabbitMQ (--url). Reports the
//    wall-clock rate of the whole pipeline (process start included) and the rate warrenctl itself reports.
//  - cliLatency: median wall time of 20 runs of `warrenctl list_queues` vs `rabbitmqctl list_queues` (when
//    rabbitmqctl is on PATH).
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';

const count = (name, dflt) => {
  const n = Number(process.env[name]);
  return Number.isInteger(n) && n > 0 ? n : dflt;
};

function run(cmd, args, { input, env } = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}: ${err.trim()}`));
      else resolve({ ms, out, err });
    });
    if (input !== undefined) child.stdin.end(input);
  });
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export async function cliPublish(ctx) {
  const n = count('BENCH_CLI_MESSAGES', 100_000);
  const ctlBin = join(ctx.root, 'bin', 'warrenctl');
  const input = Array.from({ length: n }, (_, i) => String(i + 1)).join('\n') + '\n';
  const targets = [{ label: 'warren', args: ['--data-dir', ctx.warren.dataDir] }];
  if (ctx.rabbitmq) targets.push({ label: 'rabbitmq', args: ['--url', ctx.rabbitmq.url] });
  const rows = [];
  for (const t of targets) {
    const q = `bench-cli-publish-${process.pid}`;
    process.stderr.write(`  seq ${n} | warrenctl publish --lines against ${t.label} ... `);
    try {
      await run(process.execPath, [ctlBin, ...t.args, '-q', 'declare_queue', q]);
      const runs = [];
      for (let i = 0; i < 3; i++) {
        // purge over the management API (for RabbitMQ derived from --url: same host, port 15672)
        await run(process.execPath, [ctlBin, ...t.args, '-q', 'purge_queue', q]).catch(() => {});
        const r = await run(process.execPath, [ctlBin, ...t.args, 'publish', '--lines', '-r', q], { input });
        const own = /\((\d+) msg\/s\)/.exec(r.err)?.[1];
        runs.push({ wall: Math.round(n / (r.ms / 1000)), own: own ? Number(own) : undefined });
      }
      const best = runs.reduce((a, b) => (b.wall > a.wall ? b : a));
      rows.push([t.label, String(best.wall), String(best.own ?? '-'), runs.map((r) => r.wall).join(' / ')]);
      process.stderr.write(`${best.wall} msg/s\n`);
      if (process.env.BENCH_JSON) console.log(JSON.stringify({ section: 'cli-publish', target: t.label, messages: n, runs }));
      await run(process.execPath, [ctlBin, ...t.args, '-q', 'delete_queue', q]).catch(() => {});
    } catch (err) {
      rows.push([t.label, 'error', '-', String(err.message ?? err).split('\n')[0]]);
      process.stderr.write(`failed: ${String(err.message ?? err).split('\n')[0]}\n`);
    }
  }
  const notes = [
    'wall msg/s = messages / wall time of the whole command (node start, connect, publish, all confirms); best of 3.',
    'warrenctl msg/s = the rate warrenctl reports (from connecting to the last confirm).',
  ];
  if (!ctx.rabbitmq) notes.push('RABBITMQ_URL not set: RabbitMQ row skipped.');
  return {
    title: `seq ${n} | warrenctl publish --lines -r q (confirm channel, pipelined)`,
    columns: ['target', 'wall msg/s', 'warrenctl msg/s', 'runs (wall msg/s)'],
    rows,
    notes,
  };
}

export async function cliLatency(ctx) {
  const runs = count('BENCH_CLI_RUNS', 20);
  const ctlBin = join(ctx.root, 'bin', 'warrenctl');
  const rows = [];
  const time = async (label, cmd, args) => {
    const ms = [];
    for (let i = 0; i < runs; i++) ms.push((await run(cmd, args)).ms);
    rows.push([label, median(ms).toFixed(0), Math.min(...ms).toFixed(0), Math.max(...ms).toFixed(0)]);
    process.stderr.write(`  ${label}: median ${median(ms).toFixed(0)} ms\n`);
  };
  await time('warrenctl list_queues (warren, control socket)', process.execPath, [ctlBin, '--data-dir', ctx.warren.dataDir, 'list_queues']);
  if (process.env.RABBITMQ_API_URL)
    await time('warrenctl list_queues (RabbitMQ, HTTP API)', process.execPath, [ctlBin, '--api-url', process.env.RABBITMQ_API_URL, 'list_queues']);
  let rabbitmqctl = null;
  try {
    rabbitmqctl = execFileSync('sh', ['-c', 'command -v rabbitmqctl'], { encoding: 'utf8' }).trim() || null;
  } catch {
    rabbitmqctl = null;
  }
  const notes = [`median/min/max wall time of ${runs} runs, in ms (process start to exit).`];
  if (rabbitmqctl) {
    try {
      await run(rabbitmqctl, ['-q', 'list_queues']);
      await time('rabbitmqctl list_queues', rabbitmqctl, ['-q', 'list_queues']);
    } catch (err) {
      notes.push(
        `rabbitmqctl list_queues failed here (${String(err.message ?? err)
          .split('\n')[0]
          .slice(0, 160)}): not measured.`,
      );
    }
  } else notes.push('rabbitmqctl not on PATH: not measured.');
  return { title: 'CLI latency: list_queues', columns: ['command', 'median ms', 'min ms', 'max ms'], rows, notes };
}
