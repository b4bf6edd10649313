// Issue 13: the server decodes basic.publish into one reused object, so a channel must copy the
// arguments of its publish while the content is still to come: frames of another channel's
// publish may arrive in between (0-9-1 4.2.6 lets channels interleave between content frames).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Frame, MethodId, Writer, writeBasicProperties, type BasicReturn, type QueueDeclareOk } from '../../src/amqp/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { startWarren, type Warren } from '../helpers/warren.js';

let warren: Warren;
beforeAll(async () => {
  warren = await startWarren();
});
afterAll(async () => {
  await warren.stop();
});

function content(channel: number, body: string): Buffer {
  const w = new Writer();
  w.begin(Frame.HEADER, channel);
  w.short(60);
  w.short(0);
  w.longlong(Buffer.byteLength(body));
  writeBasicProperties(w, {});
  w.end();
  w.frame(Frame.BODY, channel, Buffer.from(body));
  return Buffer.concat(w.take());
}

describe('basic.publish methods interleaved across channels', () => {
  it('each channel routes its content with its own publish arguments', async () => {
    const c = await RawClient.login(warren.port);
    await c.openChannel(1);
    await c.openChannel(2);
    c.send(1, MethodId.QUEUE_DECLARE, { queue: 'interleave-a' });
    await c.expect(MethodId.QUEUE_DECLARE_OK);
    // channel 1: routable, not mandatory; channel 2: unroutable and mandatory
    c.send(1, MethodId.BASIC_PUBLISH, { exchange: '', routingKey: 'interleave-a', mandatory: false });
    c.send(2, MethodId.BASIC_PUBLISH, { exchange: '', routingKey: 'interleave-nowhere', mandatory: true });
    c.sendBytes(content(1, 'from channel 1'));
    c.sendBytes(content(2, 'from channel 2'));
    const returned = await c.expect(MethodId.BASIC_RETURN);
    expect(returned.channel).toBe(2);
    expect((returned.method as BasicReturn).routingKey).toBe('interleave-nowhere');
    expect(returned.body?.toString()).toBe('from channel 2');
    c.send(1, MethodId.QUEUE_DECLARE, { queue: 'interleave-a', passive: true });
    const ok = (await c.expect(MethodId.QUEUE_DECLARE_OK)).method as QueueDeclareOk;
    expect(ok.messageCount).toBe(1);
    c.send(1, MethodId.BASIC_GET, { queue: 'interleave-a', noAck: true });
    const got = await c.expect(MethodId.BASIC_GET_OK);
    expect(got.body?.toString()).toBe('from channel 1');
    c.close();
  });
});
