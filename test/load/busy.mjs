#!/usr/bin/env node
// Keeps every core busy (one spinning worker thread per CPU, or BUSY_THREADS), to run the test suite on a
// loaded machine: `npm run test:busy` (npm test while this runs), or `node test/load/busy.mjs -- cmd args...`
// to run any command under load. Without a command it spins until interrupted.
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

const threads = Number(process.env.BUSY_THREADS ?? availableParallelism());
const spin = 'for (;;) { Math.sqrt(Math.random()); }';
const workers = Array.from({ length: threads }, () => new Worker(spin, { eval: true }));
process.stderr.write(`[busy] ${threads} busy loop(s) running\n`);

const stop = async (code) => {
  await Promise.all(workers.map((w) => w.terminate()));
  process.exit(code);
};

const sep = process.argv.indexOf('--');
const command = sep >= 0 ? process.argv.slice(sep + 1) : process.argv.slice(2);
if (command.length === 0) {
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
} else {
  const started = Date.now();
  const child = spawn(command[0], command.slice(1), { stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => {
    process.stderr.write(
      `[busy] ${command.join(' ')}: exit ${code ?? signal} after ${((Date.now() - started) / 1000).toFixed(1)} s under ${threads} busy loop(s)\n`,
    );
    void stop(code ?? 1);
  });
}
