// What one careless or hostile client can do to the daemon's connections: never finish the
// handshake, keep sending after a framing error, or fill memory until publishers are blocked.
import amqp from 'amqplib';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Frame, MethodId, PROTOCOL_HEADER, type ConnectionClose } from '../../src/amqp/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { waitFor } from '../helpers/wait.js';
import { startWarren, type Warren } from '../helpers/warren.js';

/** the handshake timeout the daemon is started with, in ms */
const HANDSHAKE_MS = 3000;

let warren: Warren;
beforeAll(async () => {
  warren = await startWarren({ args: ['--handshake-timeout', String(HANDSHAKE_MS)] });
});
afterAll(async () => {
  await warren.stop();
});

interface Watched {
  socket: Socket;
  openedAt: number;
  closedAt: number | null;
}

function watch(port: number): Promise<Watched> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const w: Watched = { socket, openedAt: Date.now(), closedAt: null };
    // (openedAt is taken before the connect: the daemon's timer starts later, never earlier)
    socket.on('error', () => {});
    socket.resume(); // read (and drop) what the daemon sends, so its close is seen
    socket.on('close', () => (w.closedAt = Date.now()));
    socket.once('connect', () => resolve(w)).once('error', reject);
  });
}

describe('handshake timeout (--handshake-timeout, RabbitMQ handshake_timeout)', () => {
  it('closes every connection that has not reached connection.open-ok in time, wherever it stopped', async () => {
    const PER_STAGE = 25;
    const stalled: Watched[] = [];
    // 1. silent sockets
    for (let i = 0; i < PER_STAGE; i++) stalled.push(await watch(warren.port));
    // 2. the protocol header only (the daemon waits for start-ok)
    for (let i = 0; i < PER_STAGE; i++) {
      const w = await watch(warren.port);
      w.socket.write(PROTOCOL_HEADER);
      stalled.push(w);
    }
    // 3. stopped after start-ok (the daemon waits for tune-ok), 4. after tune-ok (it waits for open)
    const raws: RawClient[] = [];
    for (let i = 0; i < PER_STAGE * 2; i++) {
      const openedAt = Date.now();
      const c = await RawClient.open(warren.port);
      c.sendBytes(PROTOCOL_HEADER);
      await c.expect(MethodId.CONNECTION_START);
      c.send(0, MethodId.CONNECTION_START_OK, { mechanism: 'PLAIN', response: Buffer.from('\u0000guest\u0000guest'), locale: 'en_US' });
      if (i % 2 === 1) {
        await c.expect(MethodId.CONNECTION_TUNE);
        c.send(0, MethodId.CONNECTION_TUNE_OK, { channelMax: 0, frameMax: 131072, heartbeat: 0 });
      }
      const w: Watched = { socket: c.socket, openedAt, closedAt: null };
      c.socket.on('close', () => (w.closedAt = Date.now()));
      stalled.push(w);
      raws.push(c);
    }
    // A client that finishes its handshake is not affected.
    const good = await amqp.connect(warren.url);
    const goodClosed: string[] = [];
    good.on('close', () => goodClosed.push('closed'));
    const ch = await good.createChannel();

    await waitFor(() => stalled.every((w) => w.closedAt !== null), 'every stalled connection closed', { timeoutMs: HANDSHAKE_MS * 30 });
    for (const w of stalled) {
      // A timer never fires early: nothing is closed before the configured time.
      expect(w.closedAt! - w.openedAt).toBeGreaterThanOrEqual(HANDSHAKE_MS * 0.9);
    }
    // The connection that opened has outlived the timeout and still works.
    await ch.checkQueue((await ch.assertQueue('', { exclusive: true })).queue);
    expect(goodClosed).toEqual([]);
    await good.close();
    expect(warren.output()).toMatch(/handshake timeout/);
  });
});

describe('input after a framing error', () => {
  it('closes with 501 before authentication and discards what the peer sends afterwards', async () => {
    const c = await RawClient.open(warren.port);
    c.sendBytes(PROTOCOL_HEADER);
    await c.expect(MethodId.CONNECTION_START);
    // A frame header split across writes whose size is over frame_max, then a flood of bytes.
    c.sendBytes(Buffer.from([Frame.METHOD, 0, 0]));
    await new Promise((r) => setTimeout(r, 20));
    c.sendBytes(Buffer.from([0x7f, 0xff, 0xff, 0xff]));
    const close = await c.expect(MethodId.CONNECTION_CLOSE);
    expect((close.method as ConnectionClose).replyCode).toBe(501);
    const flood = Buffer.alloc(64 * 1024, 0xce);
    for (let i = 0; i < 256; i++) c.sendBytes(flood);
    // The daemon keeps serving others while it drops the flood, and ends the bad connection.
    const ok = await RawClient.login(warren.port);
    await ok.openChannel(1);
    ok.close();
    await waitFor(() => c.closed, 'the failed connection closed');
  });
});

describe('memory alarm', () => {
  it('is raised by messages held, and cleared (publishers unblocked) once the queue drains', async () => {
    const w = await startWarren({ args: ['--memory-high-watermark', '1'] });
    try {
      const pub = await amqp.connect(w.url);
      pub.on('error', () => {});
      const events: string[] = [];
      pub.on('blocked', (reason: string) => events.push(`blocked:${reason}`));
      pub.on('unblocked', () => events.push('unblocked'));
      const ch = await pub.createConfirmChannel();
      ch.on('error', () => {});
      const q = (await ch.assertQueue('alarm-q', { durable: false })).queue;
      // 2 MiB of messages against a 1 MiB watermark.
      const body = Buffer.alloc(64 * 1024, 7);
      for (let i = 0; i < 32; i++) ch.sendToQueue(q, body);
      await waitFor(() => events.includes('blocked:low on memory'), 'connection.blocked (memory)');
      expect(events.filter((e) => e === 'unblocked')).toEqual([]);

      // Another connection drains the queue: the alarm clears and the publisher goes on.
      const other = await amqp.connect(w.url);
      const och = await other.createChannel();
      let got = 0;
      await och.consume(q, () => void got++, { noAck: true });
      await waitFor(() => events.includes('unblocked'), 'connection.unblocked after the queue drained', { timeoutMs: 30_000 });
      await ch.waitForConfirms();
      ch.sendToQueue(q, Buffer.from('after'));
      await ch.waitForConfirms();
      await waitFor(() => got === 33, 'every message consumed');
      await other.close();
      await pub.close();
    } finally {
      await w.stop();
    }
  });
});
