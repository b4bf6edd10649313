// Issue 10.3: a durable queue whose arguments nested arrays 3,000 deep made every later start fail
// ("Maximum call stack size exceeded"). Field tables now nest at most MAX_FIELD_NESTING levels on the
// wire (deeper: connection.close 501 FRAME_ERROR, as for any arguments warren cannot decode; RabbitMQ
// itself accepts any depth that fits a frame), and the stored-definitions reader is bounded: a value
// an older version stored deeper than that is left out with a "damage:" line, never stops a start.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_FIELD_NESTING, MethodId } from '../../src/amqp/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { startWarren, type Warren } from '../helpers/warren.js';
import { call } from './api-http.js';

/** queue.declare (durable) whose arguments are {deep: N nested arrays}, built by hand. */
function declareNested(name: string, depth: number): Buffer {
  let value = Buffer.alloc(0);
  for (let i = 0; i < depth; i++) {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(value.length);
    value = Buffer.concat([Buffer.from('A'), len, value]);
  }
  const key = Buffer.from('deep');
  const entry = Buffer.concat([Buffer.from([key.length]), key, value]);
  const tableLen = Buffer.alloc(4);
  tableLen.writeUInt32BE(entry.length);
  const n = Buffer.from(name);
  const payload = Buffer.concat([Buffer.from([0, 50, 0, 10, 0, 0, n.length]), n, Buffer.from([2 /* durable */]), tableLen, entry]);
  const head = Buffer.alloc(7);
  head[0] = 1;
  head.writeUInt16BE(1, 1);
  head.writeUInt32BE(payload.length, 3);
  return Buffer.concat([head, payload, Buffer.from([0xce])]);
}

const started: Warren[] = [];
afterEach(async () => {
  for (const w of started.splice(0)) await w.stop();
});

describe('field-table nesting (issue 10.3)', () => {
  it(`accepts ${MAX_FIELD_NESTING} levels, refuses deeper with 501 FRAME_ERROR, and restarts with the deepest accepted`, async () => {
    const w = await startWarren({ keepDataDir: true });
    let c = await RawClient.login(w.port);
    await c.openChannel(1);
    c.sendBytes(declareNested('at-limit', MAX_FIELD_NESTING));
    await c.expect(MethodId.QUEUE_DECLARE_OK);
    for (const depth of [MAX_FIELD_NESTING + 1, 3000]) {
      c.sendBytes(declareNested(`too-deep-${depth}`, depth));
      const close = await c.expect(MethodId.CONNECTION_CLOSE);
      expect(close.method).toMatchObject({
        replyCode: 501,
        replyText: `FRAME_ERROR - cannot decode: field table nested deeper than ${MAX_FIELD_NESTING} levels`,
        classId: 50,
        methodId: 10,
      });
      c.close();
      c = await RawClient.login(w.port);
      await c.openChannel(1);
    }
    c.close();
    expect(await w.stop()).toBe(0);
    const again = await startWarren({ dataDir: w.dataDir });
    started.push(again);
    c = await RawClient.login(again.port);
    await c.openChannel(1);
    c.send(1, MethodId.QUEUE_DECLARE, { queue: 'at-limit', passive: true });
    await c.expect(MethodId.QUEUE_DECLARE_OK);
    c.send(1, MethodId.QUEUE_DECLARE, { queue: 'too-deep-3000', passive: true });
    expect((await c.expect(MethodId.CHANNEL_CLOSE)).method).toMatchObject({ replyCode: 404 });
    c.close();
  });

  it('refuses the same nesting through the management API (400), so it is never stored', async () => {
    const w = await startWarren();
    started.push(w);
    const deep = (n: number): string => `${'['.repeat(n)}${']'.repeat(n)}`;
    const put = (name: string, depth: number) =>
      call({ socketPath: w.socket }, 'PUT', `/api/queues/%2F/${name}`, { raw: `{"durable":true,"arguments":{"deep":${deep(depth)}}}` });
    expect((await put('api-at-limit', MAX_FIELD_NESTING)).status).toBeLessThan(300);
    const refused = await put('api-too-deep', 3000);
    expect(refused.status).toBe(400);
    expect(refused.text).toMatch(/nest deeper than 100 levels/);
  });

  it('starts with durable queues an older version stored 3,000 and 20,000 levels deep, keeping their messages', async () => {
    const w = await startWarren({ keepDataDir: true });
    const c = await RawClient.login(w.port);
    await c.openChannel(1);
    for (const name of ['deep-3000', 'deep-20000']) {
      c.send(1, MethodId.QUEUE_DECLARE, { queue: name, durable: true });
      await c.expect(MethodId.QUEUE_DECLARE_OK);
      c.publish(1, '', name, Buffer.from(`kept in ${name}`), { deliveryMode: 2 });
    }
    c.send(1, MethodId.QUEUE_DECLARE, { queue: 'deep-20000', passive: true });
    expect(((await c.expect(MethodId.QUEUE_DECLARE_OK)).method as { messageCount: number }).messageCount).toBe(1);
    c.close();
    expect(await w.stop()).toBe(0);
    // What warren before the fix journalled for such a declaration (one checksummed JSON line each).
    for (const depth of [3000, 20000]) {
      const json = `{"k":"queue","id":"/\\u0000deep-${depth}","v":{"name":"deep-${depth}","vhost":"/","durable":true,"auto_delete":false,"arguments":{"x-note":"kept","deep":${'['.repeat(depth)}${']'.repeat(depth)}}}}`;
      appendFileSync(join(w.dataDir, 'definitions.journal'), `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`);
    }
    for (let round = 0; round < 2; round++) {
      const again = await startWarren({ dataDir: w.dataDir });
      started.push(again);
      if (round === 0) {
        expect(again.output()).toMatch(/damage: queue 'deep-3000' in vhost '\/': argument 'deep' is value nested deeper than 100 levels; left out/);
        expect(again.output()).toMatch(/damage: queue 'deep-20000' in vhost '\/'/);
      }
      const r = await RawClient.login(again.port);
      await r.openChannel(1);
      for (const name of ['deep-3000', 'deep-20000']) {
        r.send(1, MethodId.QUEUE_DECLARE, { queue: name, passive: true });
        expect(((await r.expect(MethodId.QUEUE_DECLARE_OK)).method as { messageCount: number }).messageCount).toBe(1);
      }
      r.close();
      expect(await again.stop()).toBe(0);
      started.pop();
    }
  });
});
