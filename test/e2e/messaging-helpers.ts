// Shared by the messaging e2e suites: targets with their AMQP side, and warrenctl runs with binary stdin/stdout.
import { spawn, type ChildProcess } from 'node:child_process';
import { WAIT_DEADLINE_MS, waitFor as waitUntil } from '../helpers/wait.js';
import { ctlBin } from '../helpers/warren.js';
import { RABBITMQ_API_URL, rabbitmqTarget, type Target, warrenTarget } from './ctl.js';

export const RABBITMQ_URL = process.env.RABBITMQ_URL;

export interface MessagingTarget {
  name: 'warren' | 'rabbitmq';
  skip: boolean;
  make(): Promise<Target>;
  /** global options for the messaging commands: the admin target, plus --url for RabbitMQ when given */
  args(target: Target): string[];
}

if (!RABBITMQ_API_URL) {
  console.warn(
    '[e2e] RABBITMQ_API_URL is not set: skipping the messaging suites against RabbitMQ (CI sets it; e.g. RABBITMQ_API_URL=http://guest:guest@127.0.0.1:15672 RABBITMQ_URL=amqp://guest:guest@127.0.0.1:5672)',
  );
}

export const MESSAGING_TARGETS: MessagingTarget[] = [
  { name: 'warren', skip: false, make: warrenTarget, args: (t) => t.args },
  {
    name: 'rabbitmq',
    skip: !RABBITMQ_API_URL,
    make: async () => rabbitmqTarget(RABBITMQ_API_URL as string),
    args: (t) => [...t.args, ...(RABBITMQ_URL ? ['--url', RABBITMQ_URL] : [])],
  },
];

export interface RawResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

export function ctlEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const k of ['WARREN_API_URL', 'WARREN_DATA_DIR', 'WARREN_URL', 'WARREN_USER', 'WARREN_PASSWORD', 'WARREN_NODE']) delete env[k];
  return Object.assign(env, extra);
}

/** bin/warrenctl with a binary stdin and a binary stdout. */
export function runCtlRaw(args: readonly string[], input: Buffer | string = '', timeoutMs = 2 * WAIT_DEADLINE_MS): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ctlBin, ...args], { env: ctlEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out), stderr });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}

/** A long-running warrenctl (consume, rpc-serve) with its output collected. */
export function startCtl(args: readonly string[]): { child: ChildProcess; stdout: () => string; stderr: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [ctlBin, ...args], { env: ctlEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Waits until `check` holds (see test/helpers/wait.ts). */
export async function waitFor(check: () => boolean, what: string): Promise<void> {
  await waitUntil(() => check() || undefined, what);
}
