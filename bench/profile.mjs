#!/usr/bin/env node
// CPU profile of the broker under each amqp-bench mode: where warren-server's own time goes.
//
//   node bench/profile.mjs [modes=plain,confirm,persistent] [messages=200000]
//
// For each mode: a fresh warren-server (port 0, a temporary data directory, no management or
// metrics listener) under `node --cpu-prof`, one run of ../shared/tools/amqp-bench.mjs against it
// (100-byte messages, as the amqp section of bench/run.mjs), a clean stop (SIGTERM), then the
// profile's top functions by self time, with GC and the idle loop as their own rows. The
// .cpuprofile files stay in the printed folder (open them in Chrome's DevTools for the full tree).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const benchTool = join(root, '..', 'shared', 'tools', 'amqp-bench.mjs');
const serverBin = join(root, 'bin', 'warren-server');
const modes = (process.argv[2] ?? 'plain,confirm,persistent').split(',');
const messages = Number(process.argv[3] ?? 200_000);
const TOP = 12;

if (!existsSync(benchTool)) {
  console.error(`profile: ${benchTool} is not here (the shared amqp-bench probe)`);
  process.exit(2);
}
const profiles = mkdtempSync(join(tmpdir(), 'warren-profiles-'));
console.log(`profiles in ${profiles}`);

for (const mode of modes) {
  const dataDir = mkdtempSync(join(tmpdir(), 'warren-profile-data-'));
  const dir = join(profiles, mode);
  const server = spawn(
    process.execPath,
    ['--cpu-prof', `--cpu-prof-dir=${dir}`, serverBin, '--port', '0', '--data-dir', dataDir, '--no-management', '--no-metrics'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const seen = (d) => {
      out += d;
      const m = /AMQP listener on \S+:(\d+)/.exec(out);
      if (m) resolve(`amqp://guest:guest@127.0.0.1:${m[1]}`);
    };
    server.stdout.on('data', seen);
    server.stderr.on('data', seen);
    server.on('exit', (code) => reject(new Error(`warren-server exited with ${code}:\n${out}`)));
  });
  const result = await new Promise((resolve, reject) => {
    const bench = spawn(process.execPath, [benchTool, url, String(messages), '100', mode], {
      cwd: root,
      env: { ...process.env, BROKER_PID: String(server.pid) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    bench.stdout.on('data', (d) => (out += d));
    bench.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop())) : reject(new Error(`amqp-bench exited with ${code}`))));
  });
  await new Promise((resolve) => {
    server.on('exit', resolve);
    server.kill('SIGTERM');
  });
  rmSync(dataDir, { recursive: true, force: true });
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  console.log(`\n${mode}: ${JSON.stringify(result)}`);
  if (!file) {
    console.log('  (no profile written)');
    continue;
  }
  summarise(JSON.parse(readFileSync(join(dir, file), 'utf8')));
}

/** Self time per function (name and file:line), from the samples and their time deltas. */
function summarise(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]);
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    const f = node.callFrame;
    const where = f.url ? `${f.url.replace(/^.*\/(src|node_modules)\//, '$1/').replace(/^node:/, 'node:')}:${f.lineNumber + 1}` : '';
    const key = `${f.functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
    self.set(key, (self.get(key) ?? 0) + dt);
  }
  const idle = self.get('(idle)') ?? 0;
  const busy = total - idle;
  console.log(`  profiled ${(total / 1e6).toFixed(2)} s, busy ${(busy / 1e6).toFixed(2)} s; top functions by self time (share of busy time):`);
  const rows = [...self.entries()].filter(([k]) => k !== '(idle)').sort((a, b) => b[1] - a[1]);
  for (const [key, t] of rows.slice(0, TOP)) console.log(`  ${((100 * t) / busy).toFixed(1).padStart(5)} %  ${(t / 1000).toFixed(0).padStart(6)} ms  ${key}`);
}
