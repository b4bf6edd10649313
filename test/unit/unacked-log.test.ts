// A channel's unacknowledged deliveries (issue 13: no object or hash entry per delivery): the log
// answers like an ordered map of tag -> delivery under any mix of in-order, out-of-order and
// multiple acks, and one delivery held forever does not make it grow with every later delivery.
import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../src/broker/message.js';
import type { Queue } from '../../src/broker/queue.js';
import { UnackedLog } from '../../src/server/unacked-log.js';
import { prng } from './random.js';

const queue = {} as Queue;
const envelope = (tag: number): Envelope => ({ seq: tag }) as unknown as Envelope;

/** Settles the entries the channel would for (tag, multiple), returning their tags in order. */
function settle(log: UnackedLog, tag: number, multiple: boolean): number[] {
  const out: number[] = [];
  if (!multiple) {
    const slot = log.find(tag);
    if (slot < 0) return out;
    out.push(log.envelopeAt(slot).seq);
    log.remove(slot);
    return out;
  }
  while (log.size > 0 && (tag === 0 || log.frontTag <= tag)) {
    out.push(log.envelopeAt(0).seq);
    log.remove(0);
  }
  return out;
}

describe('UnackedLog', () => {
  it('matches an ordered map under random deliveries and acks', () => {
    const random = prng(13);
    const log = new UnackedLog();
    const model = new Map<number, true>();
    let tag = 0;
    for (let step = 0; step < 50_000; step++) {
      const r = random();
      if (r < 0.5) {
        tag += 1 + Math.floor(random() * 3); // no-ack deliveries skip tags
        log.push(tag, queue, envelope(tag), null);
        model.set(tag, true);
      } else if (r < 0.9) {
        const live = [...model.keys()];
        const pick = live.length === 0 ? tag + 1 : live[Math.floor(random() * live.length)]!;
        expect(log.has(pick)).toBe(model.has(pick));
        expect(settle(log, pick, false)).toEqual(model.delete(pick) ? [pick] : []);
      } else {
        const upTo = random() < 0.1 ? 0 : tag - Math.floor(random() * 20);
        const expected = [...model.keys()].filter((t) => upTo === 0 || t <= upTo);
        for (const t of expected) model.delete(t);
        expect(settle(log, upTo, true)).toEqual(expected);
      }
      expect(log.size).toBe(model.size);
    }
  });

  it('stays small when one delivery is never acknowledged', () => {
    const log = new UnackedLog();
    log.push(1, queue, envelope(1), null);
    for (let tag = 2; tag < 200_000; tag++) {
      log.push(tag, queue, envelope(tag), null);
      settle(log, tag, false);
    }
    expect(log.size).toBe(1);
    expect(log.slots).toBeLessThanOrEqual(2 * log.size + 1024 + 1);
    expect(settle(log, 1, false)).toEqual([1]);
    expect(log.slots).toBe(0);
  });
});
