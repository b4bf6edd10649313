// Connection-level limits a public broker needs, with RabbitMQ's behaviour: --max-connections
// (connection_max), channel_max, --max-message-size (max_message_size), and running out of file
// descriptors.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MethodId, PROTOCOL_HEADER, type ConnectionClose } from '../../src/amqp/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { waitFor } from '../helpers/wait.js';
import { serverBin, startWarren, type Warren } from '../helpers/warren.js';

let warren: Warren;
beforeAll(async () => {
  warren = await startWarren({ args: ['--max-connections', '3', '--max-message-size', '1000'] });
});
afterAll(async () => {
  await warren.stop();
});

/** A logged-in connection, retried while the connection limit still counts closing ones. */
function admitted(port: number): Promise<RawClient> {
  return waitFor(async () => {
    const c = await RawClient.login(port);
    if (c.received.length > 0 || c.closed) {
      c.close();
      return false;
    }
    return c;
  }, 'a connection admitted');
}

async function closeOf(c: RawClient): Promise<ConnectionClose> {
  const r = await c.expect(MethodId.CONNECTION_CLOSE);
  c.send(0, MethodId.CONNECTION_CLOSE_OK);
  return r.method as ConnectionClose;
}

/** Opens channels 1..n on a connection that asked for channel_max `max`; returns the answer to the last. */
async function channelsUpTo(port: number, max: number, n: number): Promise<{ ok: number; close: ConnectionClose | null }> {
  const c = await RawClient.open(port);
  c.sendBytes(PROTOCOL_HEADER);
  await c.expect(MethodId.CONNECTION_START);
  c.send(0, MethodId.CONNECTION_START_OK, { mechanism: 'PLAIN', response: Buffer.from('\u0000guest\u0000guest'), locale: 'en_US' });
  const tune = await c.expect(MethodId.CONNECTION_TUNE);
  c.send(0, MethodId.CONNECTION_TUNE_OK, { channelMax: max, frameMax: (tune.method as { frameMax: number }).frameMax, heartbeat: 0 });
  c.send(0, MethodId.CONNECTION_OPEN, { virtualHost: '/' });
  await c.expect(MethodId.CONNECTION_OPEN_OK);
  let ok = 0;
  for (let ch = 1; ch <= n; ch++) {
    // Channel numbers may go above channel_max: RabbitMQ counts open channels.
    c.send(ch * 7, MethodId.CHANNEL_OPEN);
    const r = await c.next();
    if (r.method.id === MethodId.CONNECTION_CLOSE) {
      c.send(0, MethodId.CONNECTION_CLOSE_OK);
      c.close();
      return { ok, close: r.method as ConnectionClose };
    }
    ok++;
  }
  c.close();
  return { ok, close: null };
}

describe('channel_max', () => {
  it('refuses the channel past the negotiated channel_max with 530, as RabbitMQ', async () => {
    const { ok, close } = await channelsUpTo(warren.port, 2, 3);
    expect(ok).toBe(2);
    expect(close?.replyCode).toBe(530);
    expect(close?.replyText).toBe('NOT_ALLOWED - number of channels opened (2) has reached the negotiated channel_max (2)');
  });

  const rabbit = process.env.RABBITMQ_URL;
  it.skipIf(!rabbit)('RabbitMQ answers the same (RABBITMQ_URL)', async () => {
    const port = Number(new URL(rabbit!).port || 5672);
    const { ok, close } = await channelsUpTo(port, 2, 3);
    expect(ok).toBe(2);
    expect(close?.replyCode).toBe(530);
    expect(close?.replyText).toBe('NOT_ALLOWED - number of channels opened (2) has reached the negotiated channel_max (2)');
  });
});

describe('--max-connections', () => {
  it('refuses connection.open past the limit with 530, in RabbitMQ words, and admits again once one closes', async () => {
    const open = [await RawClient.login(warren.port), await RawClient.login(warren.port), await RawClient.login(warren.port)];
    for (const c of open) await c.openChannel(1);
    const refused = await RawClient.open(warren.port);
    refused.sendBytes(PROTOCOL_HEADER);
    await refused.expect(MethodId.CONNECTION_START);
    refused.send(0, MethodId.CONNECTION_START_OK, { mechanism: 'PLAIN', response: Buffer.from('\u0000guest\u0000guest'), locale: 'en_US' });
    await refused.expect(MethodId.CONNECTION_TUNE);
    refused.send(0, MethodId.CONNECTION_TUNE_OK, { channelMax: 0, frameMax: 131072, heartbeat: 0 });
    refused.send(0, MethodId.CONNECTION_OPEN, { virtualHost: '/' });
    const close = await closeOf(refused);
    expect(close.replyCode).toBe(530);
    expect(close.replyText).toBe('NOT_ALLOWED - connection refused: node connection limit (3) is reached');
    await refused.waitClosed();
    open.pop()!.close();
    const again = await admitted(warren.port);
    await again.openChannel(1);
    for (const c of [...open, again]) c.close();
  });
});

describe('--max-message-size', () => {
  it('refuses a larger message with 406 as RabbitMQ, and takes one at the limit', async () => {
    const c = await admitted(warren.port);
    await c.openChannel(1);
    c.send(1, MethodId.QUEUE_DECLARE, { queue: 'limit-q', exclusive: true });
    await c.expect(MethodId.QUEUE_DECLARE_OK);
    c.send(1, MethodId.CONFIRM_SELECT);
    await c.expect(MethodId.CONFIRM_SELECT_OK);
    c.publish(1, '', 'limit-q', Buffer.alloc(1000, 1));
    expect((await c.expect(MethodId.BASIC_ACK)).method).toMatchObject({ deliveryTag: 1 });
    c.publish(1, '', 'limit-q', Buffer.alloc(1001, 1));
    const close = await c.expect(MethodId.CHANNEL_CLOSE);
    expect(close.method).toMatchObject({ replyCode: 406, replyText: 'PRECONDITION_FAILED - message size 1001 is larger than configured max size 1000' });
    c.close();
  });
});

describe('out of file descriptors', () => {
  it('keeps running when accept() has no descriptor left, and serves again once some are free', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'warren-fd-'));
    const child = spawn(
      'sh',
      ['-c', `ulimit -n 64 && exec "${process.execPath}" "${serverBin}" --port 0 --bind 127.0.0.1 --no-management --no-metrics --data-dir "${dataDir}"`],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    try {
      const port = await waitFor(() => Number(/AMQP listener on \S+:(\d+)/.exec(out)?.[1]) || false, 'the listener');
      const sockets: Socket[] = [];
      let shed = 0;
      for (let i = 0; i < 150; i++) {
        const s = connect(port, '127.0.0.1');
        s.on('error', () => {});
        s.on('close', () => shed++);
        s.write(PROTOCOL_HEADER);
        sockets.push(s);
      }
      // Far more sockets than descriptors: the excess is shed (closed), the daemon lives on.
      await waitFor(() => shed > 0, 'connections past the descriptor limit shed');
      expect(child.exitCode).toBeNull();
      for (const s of sockets) s.destroy();
      const ok = await waitFor(async () => {
        const c = await RawClient.login(port);
        if (c.closed || c.received.length > 0) return false;
        await c.openChannel(1);
        return c;
      }, 'a connection once descriptors are free');
      ok.close();
      expect(child.exitCode).toBeNull();
      expect(out).not.toMatch(/Error:|at .*\.js:\d+/);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
