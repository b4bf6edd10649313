// warrenctl's `main(argv, io)` called in this process, with captured stdout/stderr and a given stdin: the same
// code path as bin/warrenctl minus the process start (a few hundred ms each, seconds on a loaded machine). Suites
// use it for everything that does not need a process of its own (signals, exit on a pipe, the launcher itself);
// each of those keeps one test through bin/warrenctl.
import { Readable } from 'node:stream';
import { main } from '../../src/cli/main.js';

export interface MainResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface MainRawResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

export interface MainOptions {
  input?: Buffer | string;
  env?: NodeJS.ProcessEnv;
}

/** The variables that would make warrenctl pick a target the test did not ask for. */
const TARGET_VARIABLES = ['WARREN_API_URL', 'WARREN_DATA_DIR', 'WARREN_URL', 'WARREN_USER', 'WARREN_PASSWORD', 'WARREN_NODE'];

export function ctlTestEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const k of TARGET_VARIABLES) delete env[k];
  return Object.assign(env, extra);
}

/** main(argv, io) with a binary stdout. */
export async function ctlMainRaw(args: readonly string[], options: MainOptions = {}): Promise<MainRawResult> {
  const out: Buffer[] = [];
  let stderr = '';
  const stdout = {
    write(chunk: string | Uint8Array): boolean {
      out.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk));
      return true;
    },
  };
  const err = {
    write(chunk: string): boolean {
      stderr += chunk;
      return true;
    },
  };
  const input = options.input ?? '';
  const stdin = Readable.from(input.length > 0 ? [typeof input === 'string' ? Buffer.from(input) : input] : []);
  const code = await main(args, { stdout, stderr: err, stdin, env: ctlTestEnv(options.env) });
  return { code, stdout: Buffer.concat(out), stderr };
}

/** main(argv, io) with stdout as text (not a TTY, so tsv is the default, as through a pipe). */
export async function ctlMain(args: readonly string[], options: MainOptions = {}): Promise<MainResult> {
  const r = await ctlMainRaw(args, options);
  return { code: r.code, stdout: r.stdout.toString('utf8'), stderr: r.stderr };
}
