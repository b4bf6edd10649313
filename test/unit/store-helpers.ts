// Helpers the storage tests share: taking everything from a queue, and numbered message bodies.
import type { Queue } from '../../src/broker/queue.js';

/** Takes everything ready (basic.get with acks), as body + 'r' when redelivered; settles each. */
export function takeAll(q: Queue): string[] {
  const out: string[] = [];
  for (let e = q.take(true); e; e = q.take(true)) {
    out.push(`${e.message.body}${e.redelivered ? 'r' : ''}`);
    q.settle(e);
  }
  return out;
}

export const bodies = (n: number, prefix = 'm'): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
