// Debian's amqp-tools (librabbitmq's amqp-declare-queue, amqp-publish, amqp-get,
// amqp-consume, amqp-delete-queue) against warren, and against RabbitMQ when
// RABBITMQ_URL is set. Bodies must round-trip byte for byte.
// Note: amqp-consume's -e/--exchange option segfaults in Debian 12's
// amqp-tools 0.11 even against RabbitMQ, so bindings are made with amqplib.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WAIT_DEADLINE_MS, waitFor } from '../helpers/wait.js';
import { startWarren, type Warren } from '../helpers/warren.js';

interface Result {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs one amqp-tools binary; `input` goes to its stdin. */
function tool(bin: string, args: string[], input?: Buffer | string, ms = WAIT_DEADLINE_MS): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${bin} ${args.join(' ')}: still running after ${ms} ms\n${err}`));
    }, ms);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out), stderr: err });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}

function toolsSuite(getUrl: () => string): void {
  let url: string;
  let conn: amqp.ChannelModel;
  let tmp: string;
  const declared = new Set<string>();
  const q = (name: string): string => {
    declared.add(name);
    return name;
  };
  const u = (): string[] => ['--url', url];

  async function channel(): Promise<amqp.Channel> {
    const ch = await conn.createChannel();
    ch.on('error', () => undefined);
    return ch;
  }

  beforeAll(async () => {
    url = getUrl();
    conn = await amqp.connect(url);
    conn.on('error', () => undefined);
    tmp = mkdtempSync(join(tmpdir(), 'warren-amqp-tools-'));
  });
  afterEach(async () => {
    for (const name of declared) {
      const ch = await channel();
      await ch.deleteQueue(name).catch(() => undefined);
      await ch.close().catch(() => undefined);
    }
    declared.clear();
  });
  afterAll(async () => {
    await conn?.close().catch(() => undefined);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('amqp-declare-queue: named, server-named and durable queues', async () => {
    const named = await tool('amqp-declare-queue', [...u(), '-q', q('tools-named')]);
    expect(named.stderr).toBe('');
    expect(named.code).toBe(0);
    expect(named.stdout.toString()).toBe('tools-named\n');

    const anon = await tool('amqp-declare-queue', [...u(), '-q', '']);
    expect(anon.code).toBe(0);
    const generated = anon.stdout.toString().trim();
    expect(generated).toMatch(/^amq\.gen-[A-Za-z0-9_-]+$/);
    declared.add(generated);

    const durable = await tool('amqp-declare-queue', [...u(), '-q', q('tools-durable'), '-d']);
    expect(durable.code).toBe(0);
    expect(durable.stdout.toString()).toBe('tools-durable\n');
    const ch = await channel();
    // same arguments again succeed; a non-durable redeclare is refused (406), as RabbitMQ does
    await expect(ch.assertQueue('tools-durable', { durable: true })).resolves.toMatchObject({ queue: 'tools-durable' });
    const again = await tool('amqp-declare-queue', [...u(), '-q', 'tools-durable']);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('406');
    expect(again.stderr).toContain("PRECONDITION_FAILED - inequivalent arg 'durable' for queue 'tools-durable' in vhost '/'");
  });

  it('amqp-publish -l: one message per line, each got back exactly; amqp-get exits 2 when empty', async () => {
    const name = q('tools-lines');
    expect((await tool('amqp-declare-queue', [...u(), '-q', name])).code).toBe(0);
    const pub = await tool('amqp-publish', [...u(), '-r', name, '-l'], 'one\ntwo\n\nthree, no newline');
    expect(pub.code, pub.stderr).toBe(0);
    // each message keeps its newline; the empty line is a message of its own
    for (const expected of ['one\n', 'two\n', '\n', 'three, no newline']) {
      const got = await tool('amqp-get', [...u(), '-q', name]);
      expect(got.code, got.stderr).toBe(0);
      expect(got.stdout.toString()).toBe(expected);
    }
    const empty = await tool('amqp-get', [...u(), '-q', name]);
    expect(empty.code).toBe(2);
    expect(empty.stdout.length).toBe(0);
  });

  it('amqp-publish -p -C -H -E -t: properties and headers arrive as sent', async () => {
    const name = q('tools-props');
    const ch = await channel();
    await ch.assertQueue(name);
    const pub = await tool('amqp-publish', [
      ...u(),
      '-r',
      name,
      '-p',
      '-C',
      'application/json',
      '-E',
      'utf-8',
      '-t',
      'reply-here',
      '-H',
      'x-a: 1',
      '-H',
      'x-trace: abc def',
      '-b',
      '{"k":1,"s":"é"}',
    ]);
    expect(pub.code, pub.stderr).toBe(0);
    const msg = await ch.get(name, { noAck: true });
    expect(msg).not.toBe(false);
    if (msg === false) return;
    expect(msg.content.toString('utf8')).toBe('{"k":1,"s":"é"}');
    expect(msg.properties.deliveryMode).toBe(2);
    expect(msg.properties.contentType).toBe('application/json');
    expect(msg.properties.contentEncoding).toBe('utf-8');
    expect(msg.properties.replyTo).toBe('reply-here');
    expect(msg.properties.headers).toEqual({ 'x-a': '1', 'x-trace': 'abc def' });
    expect(msg.fields.routingKey).toBe(name);
    expect(msg.fields.exchange).toBe('');
  });

  it('binary and multi-frame bodies round-trip byte for byte (stdin -> amqp-publish, amqp-get -> stdout)', async () => {
    const name = q('tools-binary');
    expect((await tool('amqp-declare-queue', [...u(), '-q', name])).code).toBe(0);
    const allBytes = Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256));
    // larger than the usual frame_max (131072): the body is split over several frames
    const big = Buffer.alloc(300_001);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7919 + (i >> 8)) & 0xff;
    for (const body of [allBytes, big, Buffer.alloc(0)]) {
      const pub = await tool('amqp-publish', [...u(), '-r', name], body);
      expect(pub.code, pub.stderr).toBe(0);
    }
    for (const body of [allBytes, big, Buffer.alloc(0)]) {
      const got = await tool('amqp-get', [...u(), '-q', name]);
      expect(got.code, got.stderr).toBe(0);
      expect(got.stdout.length).toBe(body.length);
      expect(got.stdout.equals(body)).toBe(true);
    }
    expect((await tool('amqp-get', [...u(), '-q', name])).code).toBe(2);
  });

  it('amqp-consume -c 3 runs the command once per message (body on its stdin), then exits; the rest stays queued', async () => {
    const name = q('tools-consume');
    expect((await tool('amqp-declare-queue', [...u(), '-q', name])).code).toBe(0);
    expect((await tool('amqp-publish', [...u(), '-r', name, '-l'], 'a\nbb\nccc\ndddd\n')).code).toBe(0);
    const dir = mkdtempSync(join(tmp, 'consume-'));
    // `--` ends amqp-consume's options; the command writes each body to its own numbered file
    const script = 'n=$(ls "$0" | wc -l); cat > "$0/$n"';
    const res = await tool('amqp-consume', [...u(), '-q', name, '-c', '3', '--', 'sh', '-c', script, dir]);
    expect(res.code, res.stderr).toBe(0);
    const files = readdirSync(dir).sort();
    expect(files).toEqual(['0', '1', '2']);
    expect(files.map((f) => readFileSync(join(dir, f), 'utf8'))).toEqual(['a\n', 'bb\n', 'ccc\n']);
    const rest = await tool('amqp-get', [...u(), '-q', name]);
    expect(rest.stdout.toString()).toBe('dddd\n');
    expect((await tool('amqp-get', [...u(), '-q', name])).code).toBe(2);
  });

  it('amqp-consume -A (no-ack) with a consumer started before the publish', async () => {
    const name = q('tools-consume-live');
    expect((await tool('amqp-declare-queue', [...u(), '-q', name])).code).toBe(0);
    const consuming = tool('amqp-consume', [...u(), '-q', name, '-A', '-c', '2', '--', 'cat']);
    const ch = await channel();
    // wait until the consumer is registered before publishing
    await waitFor(async () => (await ch.checkQueue(name)).consumerCount > 0, 'amqp-consume to be consuming');
    expect((await tool('amqp-publish', [...u(), '-r', name, '-b', 'first|'])).code).toBe(0);
    expect((await tool('amqp-publish', [...u(), '-r', name, '-b', 'second|'])).code).toBe(0);
    const res = await consuming;
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout.toString()).toBe('first|second|');
    expect((await ch.checkQueue(name)).messageCount).toBe(0);
  });

  it('amqp-publish to amq.direct with a routing key reaches a queue bound with amqplib', async () => {
    const name = q('tools-routed');
    const ch = await channel();
    await ch.assertQueue(name);
    await ch.bindQueue(name, 'amq.direct', 'tools.key');
    expect((await tool('amqp-publish', [...u(), '-e', 'amq.direct', '-r', 'tools.key', '-b', 'routed'])).code).toBe(0);
    expect((await tool('amqp-publish', [...u(), '-e', 'amq.direct', '-r', 'other.key', '-b', 'dropped'])).code).toBe(0);
    const got = await tool('amqp-get', [...u(), '-q', name]);
    expect(got.stdout.toString()).toBe('routed');
    expect((await tool('amqp-get', [...u(), '-q', name])).code).toBe(2);
  });

  it('--server/--port/--username/--password work as well as --url', async () => {
    const target = new URL(url);
    const conn = ['--server', target.hostname, '--port', target.port || '5672', '--username', 'guest', '--password', 'guest'];
    const name = q('tools-server-port');
    const d = await tool('amqp-declare-queue', [...conn, '-q', name]);
    expect(d.code, d.stderr).toBe(0);
    expect((await tool('amqp-publish', [...conn, '-r', name, '-b', 'via --server'])).code).toBe(0);
    expect((await tool('amqp-get', [...conn, '-q', name])).stdout.toString()).toBe('via --server');
    const bad = await tool('amqp-get', [
      '--server',
      target.hostname,
      '--port',
      target.port || '5672',
      '--username',
      'guest',
      '--password',
      'wrong',
      '-q',
      name,
    ]);
    expect(bad.code).not.toBe(0);
  });

  it('errors: amqp-get on a missing queue exits 1 with 404 NOT_FOUND; amqp-delete-queue prints the message count', async () => {
    const missing = await tool('amqp-get', [...u(), '-q', 'tools-no-such-queue']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("404, message: NOT_FOUND - no queue 'tools-no-such-queue' in vhost '/'");

    const name = q('tools-delete');
    expect((await tool('amqp-declare-queue', [...u(), '-q', name])).code).toBe(0);
    expect((await tool('amqp-publish', [...u(), '-r', name, '-l'], 'x\ny\n')).code).toBe(0);
    const del = await tool('amqp-delete-queue', [...u(), '-q', name]);
    expect(del.code, del.stderr).toBe(0);
    expect(del.stdout.toString()).toBe('2\n');
    const after = await tool('amqp-get', [...u(), '-q', name]);
    expect(after.code).toBe(1);
    expect(after.stderr).toContain('404');
  });
}

describe('amqp-tools against warren', () => {
  let warren: Warren;
  beforeAll(async () => {
    warren = await startWarren();
  });
  afterAll(async () => {
    await warren?.stop();
  });
  toolsSuite(() => warren.url);
});

const rabbitUrl = process.env.RABBITMQ_URL;
if (!rabbitUrl) console.warn('[amqp-tools] RABBITMQ_URL not set: the RabbitMQ target is skipped');
describe.skipIf(!rabbitUrl)('amqp-tools against RabbitMQ (RABBITMQ_URL)', () => {
  toolsSuite(() => rabbitUrl!);
});
