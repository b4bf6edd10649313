// Issue 10.5: TTLs above 2^31-1 ms. Node's setTimeout overflows such delays to 1 ms: x-expires
// 3,000,000,000 deleted the queue at once (RabbitMQ keeps it), and a message expiration of
// 3,000,000,000 spun a 1 ms timer forever with a TimeoutOverflowWarning each time. Both must work
// as any other value; values above RabbitMQ's ceiling (315,360,000,000 ms) get its 406.
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.js';
import { startWarren, type Warren } from '../helpers/warren.js';

let warren: Warren;
beforeAll(async () => {
  warren = await startWarren();
});
afterAll(async () => {
  await warren?.stop();
});

const BIG = 3_000_000_000;

/** A queue that expires after `ms`: once it is gone, any timer that fired early has fired too. */
async function sentinel(conn: amqp.ChannelModel, ch: amqp.Channel, name: string, ms: number): Promise<void> {
  await ch.assertQueue(name, { arguments: { 'x-expires': ms } });
  await waitFor(async () => {
    const probe = await conn.createChannel();
    probe.on('error', () => {});
    try {
      await probe.checkQueue(name);
      await probe.close();
      return false;
    } catch {
      return true;
    }
  }, `sentinel queue '${name}' to expire`);
}

describe('TTLs above 2^31-1 ms', () => {
  it('x-expires 3,000,000,000 keeps the queue, and expiration 3,000,000,000 keeps the message without spinning', async () => {
    const conn = await amqp.connect(warren.url);
    const ch = await conn.createChannel();
    await ch.assertQueue('long-expires', { arguments: { 'x-expires': BIG } });
    await ch.assertQueue('long-message');
    ch.sendToQueue('long-message', Buffer.from('keep me'), { expiration: String(BIG) });
    await ch.assertQueue('long-ttl', { arguments: { 'x-message-ttl': BIG } });
    ch.sendToQueue('long-ttl', Buffer.from('me too'));
    // 200 ms is 200 times the overflowed 1 ms delay
    await sentinel(conn, ch, 'short-sentinel', 200);
    expect((await ch.checkQueue('long-expires')).queue).toBe('long-expires');
    expect((await ch.checkQueue('long-message')).messageCount).toBe(1);
    expect((await ch.checkQueue('long-ttl')).messageCount).toBe(1);
    expect(warren.output()).not.toMatch(/TimeoutOverflowWarning/);
    await conn.close();
  });

  it("refuses values above RabbitMQ's ceiling with its replies", async () => {
    const conn = await amqp.connect(warren.url);
    let ch = await conn.createChannel();
    ch.on('error', () => {});
    await expect(ch.assertQueue('too-long', { arguments: { 'x-expires': 315_360_000_001 } })).rejects.toThrow(
      "PRECONDITION_FAILED - invalid arg 'x-expires' for queue 'too-long' in vhost '/': {value_too_large,315360000001}",
    );
    ch = await conn.createChannel();
    await ch.assertQueue('at-ceiling', { arguments: { 'x-message-ttl': 315_360_000_000 } });
    const closed = new Promise<Error>((resolve) => ch.on('error', resolve));
    ch.sendToQueue('at-ceiling', Buffer.from('x'), { expiration: '315360000001' });
    expect((await closed).message).toMatch("PRECONDITION_FAILED - invalid expiration '315360000001': {value_too_large,315360000001}");
    ch = await conn.createChannel();
    const closed2 = new Promise<Error>((resolve) => ch.on('error', resolve));
    ch.sendToQueue('at-ceiling', Buffer.from('x'), { expiration: '-1' });
    expect((await closed2).message).toMatch("PRECONDITION_FAILED - invalid expiration '-1': {value_negative,-1}");
    await conn.close();
  });
});
