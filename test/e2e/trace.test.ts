// trace_on / trace_off (the firehose) on both targets: publishes and deliveries copied to amq.rabbitmq.trace
// with RabbitMQ's routing keys and headers (the same assertions run against warren and RabbitMQ 3.10.8).
import amqp, { type Channel, type ChannelModel, type GetMessage } from 'amqplib';
import { afterAll, describe, expect, it } from 'vitest';
import { call, type Target as HttpTarget } from '../integration/api-http.js';
import { waitFor } from '../helpers/wait.js';
import type { Warren } from '../helpers/warren.js';
import { parseTsv, type Target, uniqueName } from './ctl.js';
import { MESSAGING_TARGETS } from './messaging-helpers.js';
import { useTestVhost } from './vhost-suite.js';

type Headers = Record<string, unknown>;

for (const spec of MESSAGING_TARGETS) {
  describe.skipIf(spec.skip)(`trace_on / trace_off against ${spec.name}`, { timeout: 120_000 }, () => {
    const vhost = uniqueName('ctl-trace');
    const suite = useTestVhost(spec, vhost, [], ['--description', 'traced here', '--tags', 't1,t2']);
    const ctl = (words: readonly string[]) => suite.ctl(words);
    const connections: ChannelModel[] = [];

    /** a connection to the test vhost, closed after the suite */
    async function channel(): Promise<Channel> {
      const c = await amqp.connect(suite.amqpUrl());
      connections.push(c);
      return c.createChannel();
    }

    /** a queue bound to amq.rabbitmq.trace with '#', and a reader of what reached it */
    async function traceQueue(): Promise<{ ch: Channel; next(n: number): Promise<GetMessage[]> }> {
      const ch = await channel();
      const q = (await ch.assertQueue('', { exclusive: true })).queue;
      await ch.bindQueue(q, 'amq.rabbitmq.trace', '#');
      const got: GetMessage[] = [];
      return {
        ch,
        next: (n) =>
          waitFor(async () => {
            while (got.length < n) {
              const m = await ch.get(q, { noAck: true });
              if (!m) return false;
              got.push(m);
            }
            return got.splice(0, n);
          }, `${n} trace messages`),
      };
    }

    afterAll(async () => {
      for (const c of connections) await c.close().catch(() => {});
    });

    it("trace_on copies every publish (publish.<exchange>) and delivery (deliver.<queue>) with RabbitMQ's headers", async () => {
      let r = await ctl(['-p', vhost, 'trace_on']);
      expect(r, r.stderr).toMatchObject({ code: 0, stdout: `Trace enabled for vhost ${vhost}\n`, stderr: `Starting tracing for vhost "${vhost}" ...\n` });
      // the vhost's tracing field is set; its description and tags are kept
      r = await ctl(['-q', 'list_vhosts', 'name', 'description', 'tracing']);
      expect(parseTsv(r.stdout).find((v) => v.name === vhost)).toEqual({ name: vhost, description: 'traced here', tracing: 'true' });
      r = await ctl(['--formatter', 'json', 'list_vhosts', 'name', 'tags']);
      expect((JSON.parse(r.stdout) as { name: string; tags: unknown }[]).find((v) => v.name === vhost)?.tags).toEqual(['t1', 't2']);

      const trace = await traceQueue();
      const pub = await channel();
      await pub.assertQueue('traced', { durable: false });
      const properties = {
        contentType: 'text/plain',
        deliveryMode: 2,
        priority: 3,
        correlationId: 'c1',
        replyTo: 'r1',
        expiration: '60000',
        messageId: 'm1',
        timestamp: 1700000000,
        type: 't',
        appId: 'app',
        headers: { a: 1, s: 'x', CC: ['traced-cc'], BCC: ['traced-bcc'] },
      };
      pub.publish('', 'traced', Buffer.from('hello'), properties);
      pub.publish('amq.topic', 'no.route', Buffer.from('lost'));
      const [p1, p2] = await trace.next(2);
      const connection = expect.stringMatching(/^\S+:\d+ -> \S+:\d+$/);
      expect(p1!.fields).toMatchObject({ exchange: 'amq.rabbitmq.trace', routingKey: 'publish.' });
      expect(p1!.content.toString()).toBe('hello');
      const h1 = p1!.properties.headers as Headers;
      expect(Object.keys(h1)).toEqual(['exchange_name', 'routing_keys', 'properties', 'node', 'vhost', 'connection', 'channel', 'user', 'routed_queues']);
      expect(h1).toEqual({
        exchange_name: '',
        routing_keys: ['traced', 'traced-cc', 'traced-bcc'],
        // RabbitMQ's order: the last basic property first
        properties: {
          app_id: 'app',
          type: 't',
          timestamp: 1700000000,
          message_id: 'm1',
          expiration: '60000',
          reply_to: 'r1',
          correlation_id: 'c1',
          priority: 3,
          delivery_mode: 2,
          headers: { a: 1, s: 'x', CC: ['traced-cc'] },
          content_type: 'text/plain',
        },
        node: expect.stringMatching(/^\w+@/),
        vhost,
        connection,
        channel: 1,
        user: 'guest',
        // through the default exchange, the routing keys (a queue need not exist), sorted
        routed_queues: ['traced', 'traced-bcc', 'traced-cc'],
      });
      expect(Object.keys((h1.properties as Headers) ?? {})).toEqual([
        'app_id',
        'type',
        'timestamp',
        'message_id',
        'expiration',
        'reply_to',
        'correlation_id',
        'priority',
        'delivery_mode',
        'headers',
        'content_type',
      ]);
      // the copy carries nothing but the headers
      expect(p1!.properties).toMatchObject({ contentType: undefined, deliveryMode: undefined, messageId: undefined });
      expect(p2!.fields.routingKey).toBe('publish.amq.topic');
      expect(p2!.properties.headers).toMatchObject({ exchange_name: 'amq.topic', routing_keys: ['no.route'], routed_queues: [] });

      // deliveries: basic.get, requeued, then redelivered to a consumer on another channel
      const sub = await channel();
      const got = await waitFor(() => sub.get('traced', { noAck: false }), 'the traced message');
      sub.nack(got, false, true);
      const delivered = new Promise<void>((resolve) => {
        void sub.consume('traced', (m) => {
          if (m) sub.ack(m);
          resolve();
        });
      });
      await delivered;
      const [d1, d2] = await trace.next(2);
      for (const [d, redelivered] of [
        [d1!, 0],
        [d2!, 1],
      ] as const) {
        expect(d.fields.routingKey).toBe('deliver.traced');
        expect(d.content.toString()).toBe('hello');
        const h = d.properties.headers as Headers;
        expect(Object.keys(h)).toEqual(['exchange_name', 'routing_keys', 'properties', 'node', 'redelivered', 'vhost', 'connection', 'channel', 'user']);
        // BCC: gone from the headers, still among the routing keys
        expect(h).toMatchObject({
          exchange_name: '',
          routing_keys: ['traced', 'traced-cc', 'traced-bcc'],
          redelivered,
          vhost,
          connection,
          channel: 1,
          user: 'guest',
        });
        expect((h.properties as Headers).headers).toEqual({ a: 1, s: 'x', CC: ['traced-cc'] });
      }
      // reading the trace queue is not traced itself: the next trace message is the next publish
      pub.publish('amq.topic', 'after', Buffer.from('3'));
      const [p3] = await trace.next(1);
      expect(p3!.fields.routingKey).toBe('publish.amq.topic');
      expect((p3!.properties.headers as Headers).routing_keys).toEqual(['after']);
    });

    it('routed_queues lists the queues an exchange routed to, sorted', async () => {
      const trace = await traceQueue();
      const ch = await channel();
      await ch.assertExchange('fan', 'fanout', { durable: false });
      for (const q of ['fan-b', 'fan-a', 'fan-c']) {
        await ch.assertQueue(q, { durable: false });
        await ch.bindQueue(q, 'fan', '');
      }
      ch.publish('fan', 'k', Buffer.from('x'));
      const [p] = await trace.next(1);
      expect(p!.fields.routingKey).toBe('publish.fan');
      expect(p!.properties.headers).toMatchObject({ exchange_name: 'fan', routing_keys: ['k'], routed_queues: ['fan-a', 'fan-b', 'fan-c'] });
    });

    it('publishes and basic.gets through the management API are traced too, as the API user', async () => {
      const trace = await traceQueue();
      const ch = await channel();
      await ch.assertQueue('api-q', { durable: false });
      // the management API of the target: warren's control socket, RabbitMQ's TCP listener
      let http: HttpTarget;
      let auth: { user: string; password: string } | undefined;
      if (spec.name === 'warren') {
        http = { socketPath: (suite.target as Target & { daemon: Warren }).daemon.socket };
      } else {
        const api = new URL(process.env.RABBITMQ_API_URL as string);
        http = { host: api.hostname, port: Number(api.port) };
        auth = { user: decodeURIComponent(api.username), password: decodeURIComponent(api.password) };
      }
      const v = encodeURIComponent(vhost);
      const opts = (json: unknown) => ({ json, ...(auth ? { auth } : {}) });
      let r = await call(
        http,
        'POST',
        `/api/exchanges/${v}/amq.default/publish`,
        opts({ routing_key: 'api-q', payload: 'via the API', payload_encoding: 'string', properties: {} }),
      );
      expect(r.body).toEqual({ routed: true });
      r = await call(http, 'POST', `/api/queues/${v}/api-q/get`, opts({ count: 1, ackmode: 'ack_requeue_false', encoding: 'auto' }));
      expect(r.status).toBe(200);
      const [p, d] = await trace.next(2);
      expect(p!.fields.routingKey).toBe('publish.');
      expect(p!.properties.headers).toMatchObject({ exchange_name: '', routing_keys: ['api-q'], routed_queues: ['api-q'], vhost, channel: 1, user: 'guest' });
      expect(d!.fields.routingKey).toBe('deliver.api-q');
      expect(d!.properties.headers).toMatchObject({ exchange_name: '', routing_keys: ['api-q'], redelivered: 0, vhost, channel: 1, user: 'guest' });
      expect(d!.content.toString()).toBe('via the API');
    });

    it("a transaction's publishes are traced when published, a rolled-back one too (as RabbitMQ)", async () => {
      const trace = await traceQueue();
      const ch = await channel();
      await ch.assertQueue('tx-q', { durable: false });
      // amqplib has no tx methods: its rpc with the tx class's method ids ((class 90 << 16) | method)
      const tx = (method: number): Promise<unknown> =>
        (ch as unknown as { rpc(m: number, f: object, expect: number): Promise<unknown> }).rpc((90 << 16) | method, {}, (90 << 16) | (method + 1));
      await tx(10); // select
      ch.publish('', 'tx-q', Buffer.from('rolled back'));
      await tx(30); // rollback
      ch.publish('', 'tx-q', Buffer.from('committed'));
      await tx(20); // commit
      const [a, b] = await trace.next(2);
      expect([a!.content.toString(), b!.content.toString()]).toEqual(['rolled back', 'committed']);
      expect(a!.properties.headers).toMatchObject({ routing_keys: ['tx-q'], routed_queues: ['tx-q'] });
      expect((await ch.checkQueue('tx-q')).messageCount).toBe(1);
    });

    it('trace_off stops the copies; a missing vhost exits 65', async () => {
      const trace = await traceQueue();
      let r = await ctl(['-p', vhost, 'trace_off']);
      expect(r, r.stderr).toMatchObject({ code: 0, stdout: `Trace disabled for vhost ${vhost}\n`, stderr: `Stopping tracing for vhost "${vhost}" ...\n` });
      expect(parseTsv((await ctl(['-q', 'list_vhosts', 'name', 'tracing'])).stdout).find((v) => v.name === vhost)?.tracing).toBe('false');
      const off = await channel();
      off.publish('amq.topic', 'while.off', Buffer.from('1'));
      await off.assertQueue('sync', { durable: false }); // a round trip: the publish above has been handled
      r = await ctl(['-q', '-p', vhost, 'trace_on']);
      expect(r.code, r.stderr).toBe(0);
      const on = await channel();
      on.publish('amq.topic', 'while.on', Buffer.from('2'));
      const [p] = await trace.next(1);
      expect((p!.properties.headers as Headers).routing_keys).toEqual(['while.on']);
      expect((await ctl(['-q', '-p', vhost, 'trace_off'])).code).toBe(0);

      const nosuch = uniqueName('ctl-nosuch');
      r = await ctl(['-p', nosuch, 'trace_on']);
      expect(r.code).toBe(65);
      expect(r.stderr).toContain(`Error: virtual host '${nosuch}' does not exist`);
      // and it was not created by the attempt
      expect(parseTsv((await ctl(['-q', 'list_vhosts'])).stdout).map((v) => v.name)).not.toContain(nosuch);
      r = await ctl(['--formatter', 'json', '-p', vhost, 'trace_off']);
      expect(JSON.parse(r.stdout)).toEqual({ result: 'ok', message: `Trace disabled for vhost ${vhost}` });
    });
  });
}
