// issue 16 "How it is checked": what other projects' client test suites (amqplib, py-amqp, ...) found
// different between warren and RabbitMQ 3.10.8, each reproduced here and run against both brokers
// (RabbitMQ when RABBITMQ_URL is set, as in CI), so the expected behaviour comes from RabbitMQ itself.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Frame, MethodId, Writer, writeBasicProperties, type ConnectionClose } from '../../src/amqp/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { waitFor } from '../helpers/wait.js';
import { serverBin } from '../helpers/warren.js';
import { call } from './api-http.js';

const RABBITMQ_URL = process.env.RABBITMQ_URL;
if (!RABBITMQ_URL) console.warn('[client-conformance] RABBITMQ_URL not set: the RabbitMQ side is skipped (CI sets it)');
const rabbitPort = RABBITMQ_URL ? Number(new URL(RABBITMQ_URL).port || 5672) : 0;

/** whether this host can listen on ::1 (an IPv6 loopback); CI containers may have IPv6 off */
async function hasIpv6Loopback(): Promise<boolean> {
  const s = createServer();
  return new Promise((resolve) => {
    s.once('error', () => resolve(false));
    s.listen(0, '::1', () => s.close(() => resolve(true)));
  });
}
const ipv6 = await hasIpv6Loopback();
if (!ipv6) console.warn('[client-conformance] no IPv6 loopback (::1) on this host: the IPv6 listener tests are skipped');

/** A warren-server with the default --bind (startWarren pins 127.0.0.1): the listener clients meet. */
interface DefaultWarren {
  port: number;
  socket: string;
  stop(): Promise<void>;
}
async function startDefault(): Promise<DefaultWarren> {
  const dataDir = mkdtempSync(join(tmpdir(), 'warren-conformance-'));
  // the default --bind; the management and metrics listeners on free ports (RabbitMQ holds the defaults)
  const args = [serverBin, '--port', '0', '--api-port', '0', '--metrics-port', '0', '--data-dir', dataDir];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const died = exited.then(() => {
    throw new Error(`warren-server exited: ${out}`);
  });
  const port = await Promise.race([waitFor(() => Number(/AMQP listener on \S+:(\d+)/.exec(out)?.[1]) || false, 'the AMQP listener'), died]);
  died.catch(() => {});
  return {
    port,
    socket: join(dataDir, 'warren.sock'),
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

let warren: DefaultWarren;
beforeAll(async () => {
  warren = await startDefault();
});
afterAll(async () => {
  await warren?.stop();
});

const sides: [string, () => number][] = [['warren', () => warren.port]];
if (RABBITMQ_URL) sides.push(['RabbitMQ', () => rabbitPort]);

/** basic.publish with the given flags and a small body, frame by frame */
function publishWithFlags(c: RawClient, channel: number, flags: { mandatory?: boolean; immediate?: boolean }): void {
  c.send(channel, MethodId.BASIC_PUBLISH, { exchange: '', routingKey: 'client-conformance-nowhere', ...flags });
  const body = Buffer.from('hello');
  const w = new Writer();
  w.begin(Frame.HEADER, channel);
  w.short(60);
  w.short(0);
  w.longlong(body.length);
  writeBasicProperties(w, {});
  w.end();
  w.frame(Frame.BODY, channel, body);
  for (const chunk of w.take()) c.socket.write(chunk);
}

describe.each(sides)('%s', (_label, port) => {
  // py-amqp's test_publish_consume[...-immediate=True]
  it('basic.publish with immediate=true closes the connection with 540 NOT_IMPLEMENTED', async () => {
    const c = await RawClient.login(port());
    try {
      await c.openChannel(1);
      publishWithFlags(c, 1, { immediate: true });
      const close = (await c.expect(MethodId.CONNECTION_CLOSE)).method as ConnectionClose;
      c.send(0, MethodId.CONNECTION_CLOSE_OK);
      expect({ replyCode: close.replyCode, replyText: close.replyText, classId: close.classId, methodId: close.methodId }).toEqual({
        replyCode: 540,
        replyText: 'NOT_IMPLEMENTED - immediate=true',
        classId: 60,
        methodId: 40,
      });
      await c.waitClosed();
    } finally {
      c.close();
    }
  });

  it('basic.publish with immediate=false is routed as usual', async () => {
    const c = await RawClient.login(port());
    try {
      await c.openChannel(1);
      publishWithFlags(c, 1, { mandatory: true });
      // unroutable and mandatory: returned, and the connection stays open
      const ret = await c.expect(MethodId.BASIC_RETURN);
      expect(ret.body?.toString()).toBe('hello');
      c.send(1, MethodId.CHANNEL_CLOSE, { replyCode: 200, replyText: 'bye' });
      await c.expect(MethodId.CHANNEL_CLOSE_OK);
    } finally {
      c.close();
    }
  });

  // amqplib's connect.test.js "ipv6": amqp://[::1] reaches the broker's default listener
  it.skipIf(!ipv6)('the default listener takes IPv6 and IPv4 clients', async () => {
    for (const host of ['[::1]', '127.0.0.1']) {
      const c = await amqp.connect(`amqp://guest:guest@${host}:${port()}`);
      await c.close();
    }
  });
});

describe('warren names IPv4 peers of its dual-stack listener as RabbitMQ does', () => {
  it.skipIf(!ipv6)('a connection from 127.0.0.1 is 127.0.0.1:PORT -> 127.0.0.1:PORT, not ::ffff:127.0.0.1', async () => {
    const c = await amqp.connect(`amqp://guest:guest@127.0.0.1:${warren.port}`);
    try {
      const local = (c.connection as unknown as { stream: { localPort: number } }).stream.localPort;
      const r = await call({ socketPath: warren.socket }, 'GET', '/api/connections');
      const names = (r.body as { name: string }[]).map((x) => x.name);
      expect(names).toContain(`127.0.0.1:${local} -> 127.0.0.1:${warren.port}`);
    } finally {
      await c.close();
    }
  });
});
