// ReadyRing: a queue level's ready messages in memory, with no object per waiting message.
import { describe, expect, it } from 'vitest';
import { Message } from '../../src/broker/message.js';
import { ReadyRing } from '../../src/broker/ready-ring.js';
import { prng } from './random.js';

const msg = (n: number) => new Message('', 'q', {}, Buffer.alloc(14), Buffer.from(String(n)));

describe('ReadyRing', () => {
  it('hands back each message with its own seq, flag and expiry, in order, through growth and wrap-around, as an array would', () => {
    const next = prng(5);
    const ring = new ReadyRing();
    const model: { message: Message; seq: number; redelivered: boolean; expiresAt: number }[] = [];
    let seq = 0;
    for (let step = 0; step < 20000; step++) {
      if (next() < 0.55) {
        const e = { message: msg(seq), seq, redelivered: next() < 0.3, expiresAt: next() < 0.5 ? 0 : 1.7e12 + seq };
        seq++;
        ring.push(e.message, e.seq, e.redelivered, e.expiresAt);
        model.push(e);
      } else {
        const peeked = ring.peek();
        const got = ring.shift();
        if (peeked) expect(got).toBe(peeked); // the envelope peek made is the one taken
        expect(got).toEqual(model.shift());
      }
      expect(ring.length).toBe(model.length);
    }
    expect(ring.clear()).toEqual(model);
    expect(ring.length).toBe(0);
    expect(ring.peek()).toBeUndefined();
    ring.push(msg(1), 7, false, 0);
    expect(ring.shift()).toEqual({ message: expect.any(Message), seq: 7, redelivered: false, expiresAt: 0 });
  });
});
