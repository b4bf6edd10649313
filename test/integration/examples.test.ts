// The tutorial examples (examples/*.ts, compiled to dist/examples) run against a real daemon.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor as waitUntil } from '../helpers/wait.js';
import { projectRoot, startWarren, type Warren } from '../helpers/warren.js';

let warren: Warren;
const children: ChildProcess[] = [];

interface Run {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

function run(example: string, ...args: string[]): Run {
  const child = spawn(process.execPath, [join(projectRoot, 'dist', 'examples', `${example}.js`), ...args], {
    env: { ...process.env, AMQP_URL: warren.url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return { child, output: () => out, exited: new Promise((r) => child.once('exit', (code) => r(code))) };
}

/** Waits until the example printed `text` (see test/helpers/wait.ts). */
async function waitFor(r: Run, text: string | RegExp): Promise<void> {
  const seen = () => (typeof text === 'string' ? r.output().includes(text) : text.test(r.output()));
  await waitUntil(seen, `${text} in the output of an example`).catch((e: Error) => {
    throw new Error(`${e.message}:\n${r.output()}`);
  });
}

async function finish(r: Run): Promise<string> {
  expect(await r.exited).toBe(0);
  return r.output();
}

beforeAll(async () => {
  warren = await startWarren();
});
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGTERM');
});
afterAll(async () => {
  await warren.stop();
});

describe('tutorial examples', () => {
  it('send.ts / receive.ts', async () => {
    const receiver = run('receive');
    await waitFor(receiver, 'Waiting for messages');
    expect(await finish(run('send'))).toContain(" [x] Sent 'Hello World!'");
    await waitFor(receiver, " [x] Received 'Hello World!'");
  });

  it('new_task.ts / worker.ts: tasks are shared between workers, one at a time', async () => {
    const w1 = run('worker');
    const w2 = run('worker');
    await waitFor(w1, 'Waiting');
    await waitFor(w2, 'Waiting');
    for (const task of ['First message.', 'Second message..', 'Third message.', 'Fourth message.']) await finish(run('new_task', task));
    await waitFor({ ...w1, output: () => w1.output() + w2.output() } as Run, /Done[\s\S]*Done[\s\S]*Done[\s\S]*Done/);
    expect(w1.output()).toContain('Received');
    expect(w2.output()).toContain('Received');
  });

  it('emit_log.ts / receive_logs.ts: every subscriber gets every line', async () => {
    const a = run('receive_logs');
    const b = run('receive_logs');
    await waitFor(a, 'Waiting for logs');
    await waitFor(b, 'Waiting for logs');
    await finish(run('emit_log', 'info: Hello World!'));
    await waitFor(a, " [x] 'info: Hello World!'");
    await waitFor(b, " [x] 'info: Hello World!'");
  });

  it('emit_log_direct.ts / receive_logs_direct.ts: by severity', async () => {
    const errors = run('receive_logs_direct', 'error');
    await waitFor(errors, 'Waiting for logs');
    await finish(run('emit_log_direct', 'info', 'just info'));
    await finish(run('emit_log_direct', 'error', 'Run. Run. Or it will explode.'));
    await waitFor(errors, " [x] error: 'Run. Run. Or it will explode.'");
    expect(errors.output()).not.toContain('just info');
    const usage = run('receive_logs_direct');
    expect(await usage.exited).toBe(64);
  });

  it('emit_log_topic.ts / receive_logs_topic.ts: * is one word, # zero or more', async () => {
    const kern = run('receive_logs_topic', 'kern.*');
    const all = run('receive_logs_topic', '#');
    await waitFor(kern, 'Waiting for logs');
    await waitFor(all, 'Waiting for logs');
    await finish(run('emit_log_topic', 'kern.critical', 'A critical kernel error'));
    await finish(run('emit_log_topic', 'kern', 'bare kern'));
    await waitFor(kern, " [x] kern.critical: 'A critical kernel error'");
    await waitFor(all, " [x] kern: 'bare kern'");
    expect(kern.output()).not.toContain('bare kern');
  });

  it('rpc_server.ts / rpc_client.ts: fib over direct reply-to', async () => {
    const server = run('rpc_server');
    await waitFor(server, 'Awaiting RPC requests');
    const calls = [10, 20, 30].map((n) => run('rpc_client', String(n)));
    const outputs = await Promise.all(calls.map(finish));
    expect(outputs[0]).toContain(' [.] Got 55');
    expect(outputs[1]).toContain(' [.] Got 6765');
    expect(outputs[2]).toContain(' [.] Got 832040');
  });
});
