// Failover and connect timeouts of warrenctl's connection code (issues 17.3 and 15.9), on warren nodes and local
// sockets only: a listening socket that never answers (timeouts, exit 75, default 30 s), a refused port before a
// live node (admin requests go on with the next node), and publish moving from a stopped warren node to another
// one, re-sending what was not confirmed.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.js';
import { ctlBin, startWarren, type Warren } from '../helpers/warren.js';
import { runCtl, uniqueName } from './ctl.js';

/** A socket that accepts connections (the kernel completes the handshake) and never says a word. */
function silentServer(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer(() => {});
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}

/** A port nobody listens on (bound, then closed). */
function refusedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function apiUrlOf(w: Warren): Promise<string> {
  const m = await waitFor(() => /management API listener on (\S+):(\d+)/.exec(w.output()) ?? undefined, 'the API listener line');
  return `http://guest:guest@${m[1]}:${m[2]}`;
}

describe('connect timeouts and failover between nodes against warren', { timeout: 180_000 }, () => {
  let silent: { server: Server; port: number };
  let a: Warren;
  let b: Warren;
  beforeAll(async () => {
    silent = await silentServer();
    // A keeps its data directory when stopped: it is started again on it
    [a, b] = await Promise.all([startWarren({ args: ['--api-port', '0'], keepDataDir: true }), startWarren({ args: ['--api-port', '0'] })]);
  });
  afterAll(async () => {
    silent.server.close();
    await Promise.all([a.stop(), b.stop()]);
    rmSync(a.dataDir, { recursive: true, force: true });
  });

  it('--timeout gives up on a node that never answers with exit 75, on the HTTP and the AMQP side', async () => {
    const [http, amqpSide] = await Promise.all([
      runCtl(['list_queues', '--api-url', `http://127.0.0.1:${silent.port}`, '--timeout', '1']),
      runCtl(['publish', '--url', `amqp://127.0.0.1:${silent.port}`, '--timeout', '1', 'hello']),
    ]);
    expect(http.stderr).toMatch(/^Error: timed out after 1 s/m);
    expect(http.code).toBe(75);
    expect(amqpSide.stderr).toMatch(/^Error: timed out after 1 s connecting to the AMQP broker at amqp:\/\/guest:\*\*\*@127\.0\.0\.1:\d+/m);
    expect(amqpSide.code).toBe(75);
  });

  it('without --timeout, both sides give up after the default 30 s with exit 75', async () => {
    const [http, amqpSide] = await Promise.all([
      runCtl(['list_queues', '--api-url', `http://127.0.0.1:${silent.port}`], { timeoutMs: 120_000 }),
      runCtl(['publish', '--url', `amqp://127.0.0.1:${silent.port}`, 'hello'], { timeoutMs: 120_000 }),
    ]);
    expect(http.stderr).toMatch(/timed out after 30 s: no answer from the management API/);
    expect(http.code).toBe(75);
    expect(amqpSide.stderr).toMatch(/timed out after 30 s connecting to the AMQP broker/);
    expect(amqpSide.code).toBe(75);
  });

  it('admin commands skip a node that refuses or does not answer and use the next one', async () => {
    const dead = await refusedPort();
    const live = await apiUrlOf(b);
    const r = await runCtl([
      'list_vhosts',
      '--api-url',
      `http://127.0.0.1:${dead}`,
      '--api-url',
      `http://127.0.0.1:${silent.port}`,
      '--api-url',
      live,
      '--timeout',
      '2',
    ]);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('/');
    // all of them down: one line naming each, 69
    const none = await runCtl(['list_vhosts', '--api-url', `http://127.0.0.1:${dead}`, '--api-url', `http://127.0.0.1:${dead}`]);
    expect(none.stderr).toMatch(/^Error: none of the 2 nodes answered: cannot reach the management API at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/m);
    expect(none.code).toBe(69);
  });

  it('publish moves to the next node when its node stops, re-sends what was not confirmed, and loses no confirmed message', async () => {
    const q = uniqueName('cluster-fo');
    for (const w of [a, b]) expect((await runCtl(['--data-dir', w.dataDir, 'declare_queue', q, '--durable'])).code).toBe(0);
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    delete env.WARREN_API_URL;
    delete env.WARREN_DATA_DIR;
    const child = spawn(process.execPath, [ctlBin, 'publish', '--lines', '-r', q, '--persistent', '--url', a.url, '--url', b.url], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const total = 40_000;
    const line = (i: number): string => `m${i}\n`;
    let firstHalf = '';
    for (let i = 0; i < total / 2; i++) firstHalf += line(i);
    child.stdin.write(firstHalf);
    // node A holds part of the first half: stop it under the publisher, then send the rest
    const countOn = async (w: Warren): Promise<number> => {
      const r = await runCtl(['--data-dir', w.dataDir, 'list_queues', 'name', 'messages']);
      return Number(new RegExp(`^${q}\\t(\\d+)$`, 'm').exec(r.stdout)?.[1] ?? 0);
    };
    await waitFor(async () => (await countOn(a)) > 0 || undefined, 'messages on node A', { intervalMs: 50 });
    await a.stop();
    let secondHalf = '';
    for (let i = total / 2; i < total; i++) secondHalf += line(i);
    child.stdin.end(secondHalf);
    const code = await exited;
    expect(stderr).toMatch(/lost the connection to amqp:\/\/guest:\*\*\*@127\.0\.0\.1:\d+\/%2F; re-sending \d+ unconfirmed/);
    expect(stderr).toMatch(/warning: 1 failover to another node; \d+ messages? (was|were) re-sent/);
    expect(code).toBe(0);

    // A again (same data dir): what it confirmed is there; the rest is on B
    a = await startWarren({ dataDir: a.dataDir, args: ['--api-port', '0'] });
    const bodies = new Map<string, number>();
    for (const w of [a, b]) {
      const conn = await amqp.connect(w.url);
      try {
        const ch = await conn.createChannel();
        const { messageCount } = await ch.checkQueue(q);
        let got = 0;
        await ch.consume(
          q,
          (m) => {
            if (!m) return;
            const body = m.content.toString();
            bodies.set(body, (bodies.get(body) ?? 0) + 1);
            got++;
          },
          { noAck: true },
        );
        await waitFor(() => got >= messageCount || undefined, `the ${messageCount} messages of ${w.url}`);
      } finally {
        await conn.close();
      }
    }
    const missing = Array.from({ length: total }, (_, i) => `m${i}`).filter((m) => !bodies.has(m));
    expect(missing).toEqual([]);
  });
});
