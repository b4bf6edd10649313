// Issue 10.4: one binding of many '#' words plus one publish once froze every connection (the
// backtracking matcher grew 4x per '#'). The work bound is asserted in test/unit/topic-trie.test.ts;
// here the daemon routes through `#.#.#...` (30 words) while another connection's round trips go on.
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

describe('a binding key of 30 # words', () => {
  it('routes a 60-word key and leaves other connections serving', async () => {
    const conn = await amqp.connect(warren.url);
    const ch = await conn.createChannel();
    const { queue } = await ch.assertQueue('', { exclusive: true });
    await ch.bindQueue(queue, 'amq.topic', Array.from({ length: 30 }, () => '#').join('.'));
    const other = await amqp.connect(warren.url);
    const och = await other.createChannel();
    const { queue: probe } = await och.assertQueue('', { exclusive: true });

    const key = Array.from({ length: 60 }, (_, i) => `w${i}`).join('.');
    for (let i = 0; i < 20; i++) ch.publish('amq.topic', key, Buffer.from(`m${i}`));
    // the other connection's round trips all complete (before the fix the first one waited for minutes)
    for (let i = 0; i < 20; i++) await och.checkQueue(probe);
    const count = await waitFor(async () => {
      const { messageCount } = await och.checkQueue(probe).then(() => ch.checkQueue(queue));
      return messageCount === 20 ? messageCount : false;
    }, 'the 20 messages routed through the 30-# binding');
    expect(count).toBe(20);
    expect(warren.process.exitCode).toBeNull();
    await other.close();
    await conn.close();
  });
});
