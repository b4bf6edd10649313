// Publisher confirms waiting for store batches (issue 13 keeps their bookkeeping allocation-free):
// acks go out in publish order as batches become durable, a failed batch nacks exactly its
// publishes, and that holds across the compaction of the waiting list.
import { describe, expect, it } from 'vitest';
import { Frame, FrameParser, MethodId, Reader, Writer, decodeMethod, type BasicAck, type BasicNack } from '../../src/amqp/index.js';
import { PublisherConfirms } from '../../src/server/publisher-confirms.js';

function harness() {
  const writer = new Writer();
  let durable = 0;
  let waiting = false;
  const confirms = new PublisherConfirms({
    writer,
    number: 1,
    durableBatch: () => durable,
    waitForDurability: (w) => (waiting = w),
    scheduleFlush: () => {},
  });
  const reader = new Reader();
  const out: string[] = [];
  const parser = new FrameParser((type, _channel, buf, start, end) => {
    if (type !== Frame.METHOD) return;
    const m = decodeMethod(reader.reset(buf, start, end))!;
    if (m.id === MethodId.BASIC_ACK) out.push(`ack ${(m as BasicAck).deliveryTag}${(m as BasicAck).multiple ? '+' : ''}`);
    if (m.id === MethodId.BASIC_NACK) out.push(`nack ${(m as BasicNack).deliveryTag}`);
  }, 1 << 20);
  const flush = (): string[] => {
    confirms.writeAcks();
    for (const chunk of writer.take()) parser.push(chunk);
    return out.splice(0);
  };
  return { confirms, flush, setDurable: (b: number) => (durable = b), waiting: () => waiting };
}

describe('publisher confirms waiting for store batches', () => {
  it('acks in order as batches become durable, across many batches', () => {
    const h = harness();
    const N = 10_000;
    for (let i = 0; i < N; i++) h.confirms.settle(h.confirms.next(), Math.floor(i / 100) + 1, false);
    expect(h.waiting()).toBe(true);
    expect(h.flush()).toEqual([]);
    for (let b = 1; b <= N / 100; b++) {
      h.setDurable(b);
      h.confirms.onDurable(b);
      expect(h.flush()).toEqual([`ack ${b * 100}+`]);
      expect(h.confirms.unconfirmed).toBe(N - b * 100);
    }
    expect(h.waiting()).toBe(false);
    // later publishes wait for nothing once their batch is durable
    h.confirms.settle(h.confirms.next(), N / 100, false);
    expect(h.flush()).toEqual([`ack ${N + 1}`]);
  });

  it('a failed batch nacks exactly its publishes, after compaction of the waiting list too', () => {
    const h = harness();
    for (let i = 0; i < 10_000; i++) h.confirms.settle(h.confirms.next(), Math.floor(i / 1000) + 1, false);
    for (let b = 1; b <= 6; b++) h.confirms.onDurable(b);
    expect(h.flush()).toEqual(['ack 6000+']);
    h.confirms.onDurable(7, true);
    const nacked = h.flush();
    expect(nacked).toHaveLength(1000);
    expect(nacked[0]).toBe('nack 6001');
    expect(nacked[999]).toBe('nack 7000');
    h.confirms.onDurable(10);
    expect(h.flush()).toEqual(['ack 10000+']);
    expect(h.confirms.unconfirmed).toBe(0);
    expect(h.waiting()).toBe(false);
  });
});
