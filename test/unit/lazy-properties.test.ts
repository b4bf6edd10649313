// A published message whose headers are absent or empty is not decoded when it arrives (issue 13:
// two objects fewer per queued message): its header is scanned and checked, and its properties
// are decoded when first asked for. Whatever a client sends, the broker must see the same
// properties either way, and a malformed header must fail when it arrives, as before.
import { describe, expect, it } from 'vitest';
import { AmqpError, contentHeaderPayload, decodeBasicProperties, Reader, Timestamp, type BasicProperties } from '../../src/amqp/index.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Message } from '../../src/broker/message.js';
import { Queue } from '../../src/broker/queue.js';
import { DiskMessageStore } from '../../src/broker/store/disk-message-store.js';
import { GroupCommit } from '../../src/broker/store/group-commit.js';
import { MemoryBudget } from '../../src/broker/store/memory-budget.js';
import { ContentAssembler } from '../../src/server/content-assembler.js';
import { prng } from './random.js';

/** A message as the channel makes it from an assembled content. */
function receive(properties: BasicProperties, body: Buffer): { message: Message; decodedAtOnce: boolean } {
  const header = contentHeaderPayload(body.length, properties);
  const a = new ContentAssembler();
  const framed = Buffer.concat([Buffer.alloc(3), header, Buffer.alloc(5)]); // (the header inside a larger chunk)
  let c = a.begin(framed, 3, 3 + header.length);
  if (!c) c = a.body(body, 0, body.length)!;
  const decodedAtOnce = c.properties !== null;
  const message = Message.published('x', 'k', c, 1);
  return { message, decodedAtOnce };
}

function randomProperties(next: () => number): BasicProperties {
  const p: BasicProperties = {};
  const maybe = () => next() < 0.5;
  if (maybe()) p.contentType = 'application/json';
  if (maybe()) p.contentEncoding = 'gzip';
  if (maybe()) p.headers = maybe() ? {} : { CC: ['other'], n: 1 };
  if (maybe()) p.deliveryMode = maybe() ? 1 : 2;
  if (maybe()) p.priority = Math.floor(next() * 10);
  if (maybe()) p.correlationId = 'c-ü-1';
  if (maybe()) p.replyTo = 'amq.rabbitmq.reply-to';
  if (maybe()) p.expiration = String(Math.floor(next() * 100000));
  if (maybe()) p.messageId = 'm1';
  if (maybe()) p.timestamp = new Timestamp(1_700_000_000);
  if (maybe()) p.type = 't';
  if (maybe()) p.userId = 'guest';
  if (maybe()) p.appId = 'app';
  if (maybe()) p.clusterId = 'cl';
  return p;
}

describe('properties decoded when first asked for', () => {
  it('give what an eager decode gives, through every accessor, for random properties, small and large messages', () => {
    const next = prng(13);
    let lazy = 0;
    for (let i = 0; i < 400; i++) {
      const props = randomProperties(next);
      const body = Buffer.alloc(i % 2 === 0 ? 100 : 5000, i);
      const { message, decodedAtOnce } = receive(props, body);
      const header = contentHeaderPayload(body.length, props);
      const eager = decodeBasicProperties(new Reader().reset(header, 12, header.length));
      const emptyHeaders = props.headers === undefined || Object.keys(props.headers).length === 0;
      expect(decodedAtOnce).toBe(!emptyHeaders);
      if (!decodedAtOnce) lazy++;
      // the accessors the broker's hot path uses first (before anything decodes), then the whole
      expect(message.persistent).toBe(props.deliveryMode === 2);
      expect(message.priority).toBe(eager.priority);
      expect(message.replyTo).toBe(eager.replyTo);
      expect(message.ttl).toBe(eager.expiration === undefined ? null : Number(eager.expiration));
      expect(message.headers ?? {}).toEqual(eager.headers ?? {});
      expect(message.properties).toEqual(eager);
      expect(message.header.equals(header)).toBe(true);
      expect(message.body.equals(body)).toBe(true);
    }
    expect(lazy).toBeGreaterThan(100);
  });

  it('are not decoded by what routing and delivery ask of a message without headers', () => {
    const { message } = receive({ deliveryMode: 2, headers: {}, contentType: 'text/plain' }, Buffer.from('hello'));
    const props = () => (message as unknown as { props: BasicProperties | null }).props;
    expect(props()).toBeNull();
    expect([message.persistent, message.priority, message.replyTo, message.ttl, message.headers]).toEqual([true, undefined, undefined, null, undefined]);
    expect(props()).toBeNull();
    expect(message.properties.contentType).toBe('text/plain');
    expect(props()).not.toBeNull();
  });

  it('a message read back from the store with headers is not decoded until its headers are asked for', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warren-lazy-'));
    const { store } = DiskMessageStore.open(dir, new GroupCommit());
    try {
      const budget = new MemoryBudget(1024, null, store);
      const q = new Queue('lazy', '/', { durable: true, exclusiveOwner: null, autoDelete: false, arguments: {} }, budget);
      q.store = store;
      const properties: BasicProperties = { deliveryMode: 2, headers: { big: 'h'.repeat(5000), n: [1, 2, { t: true }] }, expiration: '60000', priority: 1 };
      for (let i = 0; i < 50; i++) {
        const m = new Message('', 'lazy', properties, contentHeaderPayload(2, properties), Buffer.from('hi'));
        store.persist(m, [q]);
        q.enqueue(m);
      }
      expect(q.spooledCount).toBeGreaterThan(40);
      for (let i = 0; i < 50; i++) {
        const e = q.take(true)!;
        const props = () => (e.message as unknown as { props: BasicProperties | null }).props;
        if (i >= 10) expect(props()).toBeNull(); // (the first ones were never on disk)
        // delivery and expiry read what they need without decoding the headers
        expect([e.message.persistent, e.message.ttl]).toEqual([true, 60000]);
        if (i >= 10) expect(props()).toBeNull();
        expect(e.message.headers).toEqual(properties.headers);
        expect(e.message.properties).toEqual(properties);
        q.settle(e);
      }
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a header that lies about its lengths fails when it arrives, decoded or not', () => {
    for (const props of [{ contentType: 'abc' }, { contentType: 'abc', headers: { a: 1 } }] as BasicProperties[]) {
      const header = contentHeaderPayload(0, props);
      // the content type's length byte (after the prefix and the flags) says more than there is
      header[14] = 200;
      expect(() => new ContentAssembler().begin(header, 0, header.length)).toThrow(AmqpError);
    }
  });
});
