// Starts a real warren-server on port 0 with a temporary data directory, for integration tests.
// The management listener (default 15672) and the metrics listener (default 15692) also get port 0
// unless the test asks otherwise, so test daemons never collide with a RabbitMQ on this machine.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WAIT_DEADLINE_MS } from './wait.js';

export const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
export const serverBin = join(projectRoot, 'bin', 'warren-server');
export const ctlBin = join(projectRoot, 'bin', 'warrenctl');

export interface Warren {
  host: string;
  port: number;
  /** amqp://guest:guest@127.0.0.1:PORT */
  url: string;
  dataDir: string;
  /** path of the control socket (data dir / warren.sock) */
  socket: string;
  /** http://127.0.0.1:PORT/ of the management UI and API (null with --no-management) */
  apiUrl: string | null;
  /** http://127.0.0.1:PORT/metrics (null with --no-metrics) */
  metricsUrl: string | null;
  process: ChildProcess;
  /** everything the daemon printed so far (stdout + stderr) */
  output(): string;
  /** SIGTERM and wait for exit; returns the exit code */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface StartOptions {
  dataDir?: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  keepDataDir?: boolean;
}

const LISTENER_LINE = /AMQP listener on (\S+):(\d+)/;
const API_LINE = /management API listener on \S+, web UI on (\S+)/;
const METRICS_LINE = /Prometheus metrics on (\S+)/;

/** --api-port 0 and --metrics-port 0 unless the test chose a port or turned the listener off. */
export function listenerArgs(args: string[]): string[] {
  const extra: string[] = [];
  if (!args.includes('--api-port') && !args.includes('--no-management')) extra.push('--api-port', '0');
  if (!args.includes('--metrics-port') && !args.includes('--no-metrics')) extra.push('--metrics-port', '0');
  return extra;
}

export async function startWarren(options: StartOptions = {}): Promise<Warren> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'warren-test-'));
  // stderr joins stdout in one pipe (the shell execs node with 2>&1), so output() keeps the daemon's order: a
  // warning logged before the listener line is there once the listener line is
  const args = [serverBin, '--port', '0', '--bind', '127.0.0.1', '--data-dir', dataDir, ...listenerArgs(options.args ?? []), ...(options.args ?? [])];
  const child = spawn('/bin/sh', ['-c', 'exec "$0" "$@" 2>&1', process.execPath, ...args], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`warren-server did not start:\n${out}`)), WAIT_DEADLINE_MS);
    const check = (): void => {
      const m = LISTENER_LINE.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[2]));
      }
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`warren-server exited with ${code}:\n${out}`));
    });
  });

  return {
    host: '127.0.0.1',
    port,
    url: `amqp://guest:guest@127.0.0.1:${port}`,
    dataDir,
    socket: join(dataDir, 'warren.sock'),
    apiUrl: API_LINE.exec(out)?.[1] ?? null,
    metricsUrl: METRICS_LINE.exec(out)?.[1] ?? null,
    process: child,
    output: () => out,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const code = await exited;
      if (!options.keepDataDir && !options.dataDir) rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}
