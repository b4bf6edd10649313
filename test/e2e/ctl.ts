// Helpers for the warrenctl e2e suites: spawn bin/warrenctl, describe targets (warren daemon, RabbitMQ).
import type { Readable } from 'node:stream';
import { spawn } from 'node:child_process';
import { WAIT_DEADLINE_MS, waitFor } from '../helpers/wait.js';
import { ctlBin, startWarren, type Warren } from '../helpers/warren.js';

export interface CtlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CtlOptions {
  input?: string;
  /** a stream for stdin instead of `input` (kept open as long as the test wants) */
  stdin?: Readable;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** Runs `node bin/warrenctl ...args` with stdout/stderr captured (not a TTY, so tsv is the default). */
export function runCtl(args: readonly string[], options: CtlOptions = {}): Promise<CtlResult> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    delete env.WARREN_API_URL;
    delete env.WARREN_DATA_DIR;
    Object.assign(env, options.env);
    const child = spawn(process.execPath, [ctlBin, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 2 * WAIT_DEADLINE_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    if (options.stdin) options.stdin.pipe(child.stdin);
    else child.stdin.end(options.input ?? '');
  });
}

export interface Target {
  name: 'warren' | 'rabbitmq';
  /** global options selecting the target */
  args: string[];
  /** AMQP URL for a given user (guest when omitted) */
  amqpUrl(user?: string, password?: string): string;
  /** management stats refresh: RabbitMQ updates counts every few seconds, warren at once */
  statsLagMs: number;
  stop(): Promise<void>;
}

export const RABBITMQ_API_URL = process.env.RABBITMQ_API_URL;

export async function warrenTarget(): Promise<Target & { daemon: Warren }> {
  const daemon = await startWarren();
  return {
    name: 'warren',
    daemon,
    args: ['--data-dir', daemon.dataDir],
    amqpUrl: (user = 'guest', password = 'guest') => `amqp://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${daemon.host}:${daemon.port}`,
    statsLagMs: 0,
    stop: async () => {
      await daemon.stop();
    },
  };
}

export function rabbitmqTarget(apiUrl: string): Target {
  const api = new URL(apiUrl);
  const amqp = new URL(process.env.RABBITMQ_URL ?? `amqp://guest:guest@${api.hostname}:5672`);
  return {
    name: 'rabbitmq',
    // a busy CI machine runs four RabbitMQ nodes (this one and the cluster's three) beside the tests: some calls
    // (add_vhost waits for the vhost to start) have answered later than the 30 s default
    args: ['--api-url', apiUrl, '--timeout', '90'],
    amqpUrl: (user = 'guest', password = 'guest') => {
      const u = new URL(amqp.href);
      u.username = encodeURIComponent(user);
      u.password = encodeURIComponent(password);
      return u.href;
    },
    statsLagMs: 15_000,
    stop: async () => {},
  };
}

/**
 * Retries `check` until it stops throwing (see waitFor), for at most the generous default deadline plus
 * `lagMs` (a target's statistics lag); the last failure is rethrown as it is, so the test shows the assertion.
 */
export async function eventually<T>(check: () => Promise<T>, lagMs = 0): Promise<T> {
  let last: unknown;
  try {
    return await waitFor(
      async () => {
        try {
          return { value: await check() };
        } catch (e) {
          last = e;
          return false;
        }
      },
      'a condition to hold',
      { timeoutMs: WAIT_DEADLINE_MS + lagMs, intervalMs: 100 },
    ).then((r) => r.value);
  } catch (e) {
    throw last ?? e;
  }
}

/** Parses tsv output with a header line into objects. */
export function parseTsv(text: string): Record<string, string>[] {
  const lines = text.split('\n').filter((l) => l.length > 0);
  const header = (lines.shift() ?? '').split('\t');
  return lines.map((l) => Object.fromEntries(l.split('\t').map((v, i) => [header[i] ?? String(i), v])));
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}
