// warrenctl's messaging commands end to end (publish, consume, get, rpc-call, declare_*, bind/unbind, delete_exchange),
// one suite per target: the local daemon (its AMQP listener found over the control socket) and a real RabbitMQ.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctlMain, ctlMainRaw } from '../helpers/ctl-main.js';
import { runCtl, type CtlOptions, type Target, uniqueName } from './ctl.js';
import { MESSAGING_TARGETS, runCtlRaw, startCtl, waitFor } from './messaging-helpers.js';
import { waitFor as waitUntil } from '../helpers/wait.js';
import amqp from 'amqplib';

for (const spec of MESSAGING_TARGETS) {
  describe.skipIf(spec.skip)(`warrenctl messaging commands against ${spec.name}`, () => {
    let target: Target;
    let args: string[];
    let tmp: string;
    const queues: string[] = [];
    const exchanges: string[] = [];
    // warrenctl's main() in-process; bin/warrenctl where a process matters (binary pipes, signals, long runs)
    const ctl = (words: readonly string[], options?: CtlOptions) => ctlMain([...args, ...words], options);
    const raw = (words: readonly string[], input?: Buffer | string) => ctlMainRaw([...args, ...words], input === undefined ? {} : { input });
    const rawProcess = (words: readonly string[], input?: Buffer | string) => runCtlRaw([...args, ...words], input);
    const queue = async (prefix: string, extra: string[] = []): Promise<string> => {
      const name = uniqueName(prefix);
      const r = await ctl(['declare_queue', name, ...extra]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(`${name}\n`);
      queues.push(name);
      return name;
    };

    beforeAll(async () => {
      target = await spec.make();
      args = spec.args(target);
      tmp = mkdtempSync(join(tmpdir(), 'warrenctl-msg-'));
    });

    afterAll(async () => {
      if (!target) return;
      for (const q of queues) await ctl(['-q', 'delete_queue', q]);
      for (const x of exchanges) await ctl(['-q', 'delete_exchange', x]);
      await target.stop();
      rmSync(tmp, { recursive: true, force: true });
    });

    it('publish sets every property option; get --formatter json shows them with routing key, exchange and redelivered', async () => {
      const q = await queue('props');
      const r = await ctl([
        'publish',
        '-r',
        q,
        '--persistent',
        '--content-type',
        'text/plain',
        '--content-encoding',
        'identity',
        '--correlation-id',
        'c-1',
        '--reply-to',
        'answers',
        '--expiration',
        '60000',
        '--priority',
        '3',
        '--message-id',
        'm-1',
        '--type',
        't',
        '--app-id',
        'app',
        '--header',
        'a=1',
        '-H',
        'b=two=2',
        '--properties',
        '{"user_id": "guest", "timestamp": 1700000000, "headers": {"c": "3"}}',
        'hello',
      ]);
      expect(r, r.stderr).toMatchObject({ code: 0, stdout: '' });
      const g = await ctl(['get', q, '--formatter', 'json']);
      expect(g.code, g.stderr).toBe(0);
      const m = JSON.parse(g.stdout);
      expect(m).toMatchObject({ exchange: '', routing_key: q, redelivered: false, body: 'hello', payload_bytes: 5, message_count: 0 });
      expect(m.body_encoding).toBeUndefined();
      expect(m.properties).toMatchObject({
        content_type: 'text/plain',
        content_encoding: 'identity',
        correlation_id: 'c-1',
        reply_to: 'answers',
        expiration: '60000',
        priority: 3,
        message_id: 'm-1',
        type: 't',
        app_id: 'app',
        user_id: 'guest',
        timestamp: 1700000000,
        delivery_mode: 2,
        headers: { a: '1', b: 'two=2', c: '3' },
      });
      expect(g.stdout.split('\n').filter(Boolean)).toHaveLength(1);
    });

    it('publish reads the body from an argument, --file or stdin; get acks by default, --requeue keeps, --count N, empty queue exits 2', async () => {
      const q = await queue('bodies');
      const file = join(tmp, 'body.txt');
      writeFileSync(file, 'from a file');
      expect((await ctl(['publish', '-r', q, 'from an argument'])).code).toBe(0);
      expect((await ctl(['publish', '-r', q, '--file', file])).code).toBe(0);
      expect((await ctl(['publish', '-r', q], { input: 'from stdin' })).code).toBe(0);
      let g = await ctl(['get', q, '--requeue', '--count', '10']);
      expect(g, g.stderr).toMatchObject({ code: 0, stdout: 'from an argument\nfrom a file\nfrom stdin\n' });
      g = await ctl(['get', q, '--count', '2']);
      expect(g).toMatchObject({ code: 0, stdout: 'from an argument\nfrom a file\n' });
      g = await ctl(['get', q, '--ack']);
      expect(g).toMatchObject({ code: 0, stdout: 'from stdin\n' });
      g = await ctl(['get', q]);
      expect(g).toMatchObject({ code: 2, stdout: '' });
      expect(g.stderr).toContain('empty');
    });

    it('bodies with arbitrary bytes round-trip byte-exact (raw --no-newline, and base64 in JSON)', async () => {
      const q = await queue('bytes');
      const body = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(1000), Buffer.from([0xff, 0xfe, 0x0a])]);
      let r = await raw(['publish', '-r', q], body);
      expect(r.code, r.stderr).toBe(0);
      r = await raw(['publish', '-r', q], body);
      expect(r.code, r.stderr).toBe(0);
      const g = await raw(['get', q, '--no-newline']);
      expect(g.code, g.stderr).toBe(0);
      expect(g.stdout.equals(body)).toBe(true);
      const j = await raw(['get', q, '--formatter', 'json']);
      const m = JSON.parse(j.stdout.toString('utf8'));
      expect(m.body_encoding).toBe('base64');
      expect(Buffer.from(m.body, 'base64').equals(body)).toBe(true);
    });

    it('a 10 MiB body round-trips byte-exact through publish --file, get and consume', async () => {
      const q = await queue('big');
      const body = randomBytes(10 * 1024 * 1024);
      const file = join(tmp, 'big.bin');
      writeFileSync(file, body);
      // through bin/warrenctl: real pipes on stdin and stdout
      expect((await rawProcess(['publish', '-r', q, '--file', file])).code).toBe(0);
      expect((await rawProcess(['publish', '-r', q], body)).code).toBe(0);
      const g = await rawProcess(['get', q, '--no-newline']);
      expect(g.code, g.stderr).toBe(0);
      expect(g.stdout.length).toBe(body.length);
      expect(g.stdout.equals(body)).toBe(true);
      const c = await rawProcess(['consume', q, '--count', '1', '--no-newline']);
      expect(c.code, c.stderr).toBe(0);
      expect(c.stdout.equals(body)).toBe(true);
    });

    it('--mandatory: an unroutable message exits non-zero (65) with a clear message; without it, 0', async () => {
      const nowhere = uniqueName('nowhere');
      const r = await ctl(['publish', '--mandatory', '-r', nowhere, 'x']);
      expect(r.code).toBe(65);
      expect(r.stderr).toMatch(/unroutable.*routing key '.*nowhere/);
      expect((await ctl(['publish', '-r', nowhere, 'x'])).code).toBe(0);
    });

    it('a broker nack (queue full, overflow reject-publish) exits 75', async () => {
      const q = await queue('full', ['--arguments', '{"x-max-length": 1, "x-overflow": "reject-publish"}']);
      const r = await ctl(['publish', '-r', q, '--count', '3', 'x']);
      expect(r.code).toBe(75);
      expect(r.stderr).toMatch(/nacked\) 2 of 3/);
    });

    it('bad input exits 64 (usage) or 65 (data)', async () => {
      const q = await queue('bad');
      const cases: [string[], number, RegExp][] = [
        [['publish', '-r', q, '--properties', '{bad', 'x'], 65, /--properties is not valid JSON/],
        [['publish', '-r', q, '--properties', '{"colour": 1}', 'x'], 65, /unknown property 'colour'/],
        [['publish', '-r', q, '--priority', '300', 'x'], 64, /--priority '300'/],
        [['publish', '-r', q, '--header', 'novalue', 'x'], 64, /--header 'novalue'/],
        [['publish', '-r', q, '--file', join(tmp, 'missing')], 65, /cannot read/],
        [['publish', '-r', q, '--count', 'many', 'x'], 64, /--count 'many'/],
        [['consume'], 64, /give a queue/],
        [['declare_queue', q, '--arguments', '[1'], 65, /--arguments is not valid JSON/],
        [['get', q, '--ack', '--requeue'], 64, /exclude/],
        [['rpc-serve', q], 64, /--exec/],
      ];
      for (const [words, code, pattern] of cases) {
        const r = await ctl(words);
        expect(r.code, `${words.join(' ')}: ${r.stderr}`).toBe(code);
        expect(r.stderr).toMatch(pattern);
      }
      const missing = await ctl(['get', uniqueName('missing')]);
      expect(missing.code).toBe(65);
      expect(missing.stderr).toMatch(/NOT_FOUND - no queue/);
    });

    it('an unreachable broker exits 69', async () => {
      const r = await runCtl(['publish', '--url', 'amqp://guest:guest@127.0.0.1:1', '-r', 'q', 'x']);
      expect(r.code).toBe(69);
      expect(r.stderr).toMatch(/cannot reach the AMQP broker.*ECONNREFUSED/);
    });

    it('declare_queue: inequivalent redeclare exits 65; --max-priority makes a priority queue', async () => {
      const q = await queue('prio', ['--max-priority', '10']);
      const again = await ctl(['declare_queue', q, '--durable']);
      expect(again.code).toBe(65);
      expect(again.stderr).toMatch(/PRECONDITION_FAILED - inequivalent arg 'durable'/);
      await ctl(['publish', '-r', q, '--priority', '1', 'low']);
      await ctl(['publish', '-r', q, '--priority', '9', 'high']);
      expect((await ctl(['get', q, '--count', '2'])).stdout).toBe('high\nlow\n');
    });

    it('declare_exchange, bind_queue, unbind_queue, delete_exchange', async () => {
      const q = await queue('bound');
      const x = uniqueName('topic-x');
      exchanges.push(x);
      expect((await ctl(['declare_exchange', x, '--type', 'topic'])).code).toBe(0);
      expect((await ctl(['declare_exchange', x, '--type', 'fanout'])).code).toBe(65);
      expect((await ctl(['bind_queue', q, x, 'a.*'])).code).toBe(0);
      expect((await ctl(['publish', '--mandatory', '-e', x, '-r', 'a.b', 'routed'])).code).toBe(0);
      expect((await ctl(['publish', '--mandatory', '-e', x, '-r', 'b.a', 'x'])).code).toBe(65);
      expect((await ctl(['get', q])).stdout).toBe('routed\n');
      const inUse = await ctl(['delete_exchange', x, '--if-unused']);
      expect(inUse.code).toBe(65);
      expect((await ctl(['unbind_queue', q, x, 'a.*'])).code).toBe(0);
      expect((await ctl(['publish', '--mandatory', '-e', x, '-r', 'a.b', 'x'])).code).toBe(65);
      expect((await ctl(['delete_exchange', x, '--if-unused'])).code).toBe(0);
      const gone = await ctl(['publish', '-e', x, '-r', 'a.b', 'x']);
      expect(gone.code).toBe(65);
      expect(gone.stderr).toMatch(/NOT_FOUND - no exchange/);
      expect((await ctl(['bind_queue', q, x, 'a.*'])).code).toBe(65);
    });

    it('consume: --count, --formatter json, --prefetch, --no-ack, --idle-timeout', async () => {
      const q = await queue('consume');
      expect((await ctl(['publish', '-r', q, '--lines'], { input: 'one\ntwo\nthree\nfour\nfive\n' })).code).toBe(0);
      let c = await ctl(['consume', q, '--count', '2', '--prefetch', '1']);
      expect(c, c.stderr).toMatchObject({ code: 0, stdout: 'one\ntwo\n' });
      c = await ctl(['consume', q, '--count', '1', '--formatter', 'json']);
      expect(JSON.parse(c.stdout)).toMatchObject({ routing_key: q, exchange: '', redelivered: false, body: 'three' });
      c = await ctl(['consume', q, '--no-ack', '--count', '1']);
      expect(c).toMatchObject({ code: 0, stdout: 'four\n' });
      // idle timeout: drains what is there and exits 0
      c = await ctl(['consume', q, '--idle-timeout', '1']);
      expect(c).toMatchObject({ code: 0, stdout: 'five\n' });
      // --count not reached before --idle-timeout: 75
      c = await ctl(['consume', q, '--count', '2', '--idle-timeout', '0.5']);
      expect(c.code).toBe(75);
      expect((await ctl(['get', q])).code).toBe(2);
    });

    it('consume --exchange --bind consumes through a temporary exclusive queue', async () => {
      const x = uniqueName('logs');
      exchanges.push(x);
      expect((await ctl(['declare_exchange', x, '--type', 'topic'])).code).toBe(0);
      const consumer = startCtl([...args, 'consume', '-e', x, '--bind', 'kern.*', '--bind', '*.critical', '--count', '2', '--formatter', 'json']);
      await waitFor(() => consumer.stderr().includes('Consuming from queue'), 'the consumer');
      for (const key of ['kern.info', 'user.info', 'app.critical']) expect((await ctl(['publish', '-e', x, '-r', key, key])).code).toBe(0);
      expect(await consumer.exited).toBe(0);
      const got = consumer
        .stdout()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(got.map((m) => [m.exchange, m.routing_key, m.body])).toEqual([
        [x, 'kern.info', 'kern.info'],
        [x, 'app.critical', 'app.critical'],
      ]);
    });

    it('consume --exec acks when the command exits 0 and nacks + requeues when it fails', async () => {
      const q = await queue('exec');
      const log = join(tmp, `exec-${q}.log`);
      const marker = join(tmp, `exec-${q}.failed-once`);
      // fails the first time it sees "bad", succeeds on the redelivery
      const script = `body=$(cat); if [ "$body" = bad ] && [ ! -e ${marker} ]; then touch ${marker}; exit 3; fi; echo "$body $WARREN_REDELIVERED $WARREN_ROUTING_KEY" >> ${log}`;
      expect((await ctl(['publish', '-r', q, '--lines'], { input: 'a\nbad\nb\n' })).code).toBe(0);
      const c = await ctl(['consume', q, '--exec', script, '--count', '4']);
      expect(c.code, c.stderr).toBe(0);
      expect(c.stderr).toContain('command exited with 3: message requeued');
      expect(readFileSync(log, 'utf8').trim().split('\n').sort()).toEqual([`a 0 ${q}`, `b 0 ${q}`, `bad 1 ${q}`]);
      expect((await ctl(['get', q])).code).toBe(2);
      // a command that always fails leaves the message in the queue
      await ctl(['publish', '-r', q, 'keep']);
      const f = await ctl(['consume', q, '--exec', 'cat >/dev/null; exit 1', '--count', '1']);
      expect(f.code).toBe(0);
      const g = await ctl(['get', q, '--formatter', 'json']);
      expect(JSON.parse(g.stdout)).toMatchObject({ body: 'keep', redelivered: true });
    });

    it('SIGTERM cancels consume cleanly: the message in hand finishes and is acked, the rest stay queued', async () => {
      const q = await queue('sigterm');
      const log = join(tmp, `sig-${q}.log`);
      expect((await ctl(['publish', '-r', q, '--lines'], { input: '1\n2\n3\n' })).code).toBe(0);
      const started = join(tmp, `sig-${q}.started`);
      const go = join(tmp, `sig-${q}.go`);
      // the command holds the first message until the test has seen the consumer cancelled
      const consumer = startCtl([
        ...args,
        'consume',
        q,
        '--prefetch',
        '3',
        '--exec',
        `touch ${started}; while [ ! -e ${go} ]; do sleep 0.02; done; cat >> ${log}; echo >> ${log}`,
      ]);
      await waitFor(() => existsSync(started), 'the first message in hand');
      consumer.child.kill('SIGTERM');
      const conn = await amqp.connect(target.amqpUrl());
      try {
        const ch = await conn.createChannel();
        await waitUntil(async () => (await ch.checkQueue(q)).consumerCount === 0, 'the consumer to be cancelled');
      } finally {
        await conn.close();
      }
      writeFileSync(go, '');
      expect(await consumer.exited).toBe(0);
      expect(existsSync(log) ? readFileSync(log, 'utf8') : '').toBe('1\n');
      const rest = await ctl(['get', q, '--count', '5']);
      expect(rest.stdout).toBe('2\n3\n');
    });

    it('rpc-call: a reply from rpc-serve; -t timeout exits 75; no server queue exits 65', async () => {
      const q = await queue('rpc');
      const server = startCtl([...args, 'rpc-serve', q, '--count', '1', '--exec', 'read n; echo "$((n * n))"']);
      await waitFor(() => server.stderr().includes('Serving requests'), 'rpc-serve');
      const r = await ctl(['rpc-call', q, '12']);
      expect(r, r.stderr).toMatchObject({ code: 0, stdout: '144\n' });
      expect(await server.exited).toBe(0);
      const late = await ctl(['-t', '1', 'rpc-call', q, 'anyone?']);
      expect(late.code).toBe(75);
      expect(late.stderr).toMatch(/no reply .* within 1 s/);
      const none = await ctl(['rpc-call', uniqueName('no-server'), 'x']);
      expect(none.code).toBe(65);
      expect(none.stderr).toMatch(/unroutable/);
    });
  });
}
