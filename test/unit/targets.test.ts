// Targets: the reusable set of the publish path (queues a message goes to, bindings matched).
import { describe, expect, it } from 'vitest';
import { Targets } from '../../src/broker/targets.js';

describe('Targets', () => {
  it('keeps each member once, in the order first added, below and past the size where it builds an index', () => {
    for (const n of [1, 8, 9, 50]) {
      const t = new Targets<object>();
      const xs = Array.from({ length: n }, () => ({}));
      for (let round = 0; round < 3; round++) for (const x of xs) t.add(x);
      expect(t.size).toBe(n);
      expect([...t]).toEqual(xs);
      expect(xs.every((x) => t.has(x))).toBe(true);
      expect(t.has({})).toBe(false);
    }
  });

  it('empties for reuse: nothing of the last use is a member, and the array is the same one', () => {
    const t = new Targets<number>();
    const items = t.items;
    for (let i = 0; i < 20; i++) t.add(i);
    t.clear();
    expect(t.size).toBe(0);
    expect(t.has(3)).toBe(false);
    t.add(3);
    t.add(3);
    expect([...t]).toEqual([3]);
    expect(t.items).toBe(items);
  });
});
