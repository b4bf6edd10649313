// Issue 10.4: topic matching must be polynomial. The work (trie nodes made alive) is counted, so
// the bound is asserted on work done, not on time; and the automaton is checked against a plain
// dynamic-programming matcher on random patterns and keys.
import { describe, expect, it } from 'vitest';
import type { Binding } from '../../src/broker/binding.js';
import { TopicTrie } from '../../src/broker/topic-trie.js';
import { prng } from './random.js';
import { Targets } from '../../src/broker/targets.js';

const binding = (routingKey: string): Binding => ({
  source: 'x',
  destination: { kind: 'queue', name: routingKey } as never,
  routingKey,
  arguments: {},
  key: routingKey,
});

/** Reference: does the pattern match the key ('*' one word, '#' zero or more), by DP over word indexes. */
function reference(pattern: string, key: string): boolean {
  const p = pattern === '' ? [] : pattern.split('.');
  const k = key === '' ? [] : key.split('.');
  // ok[i][j]: p[i..] matches k[j..]
  const ok: boolean[][] = Array.from({ length: p.length + 1 }, () => new Array<boolean>(k.length + 1).fill(false));
  ok[p.length]![k.length] = true;
  for (let i = p.length - 1; i >= 0; i--) {
    for (let j = k.length; j >= 0; j--) {
      const w = p[i]!;
      if (w === '#') ok[i]![j] = ok[i + 1]![j]! || (j < k.length && ok[i]![j + 1]!);
      else ok[i]![j] = j < k.length && (w === '*' || w === k[j]) && ok[i + 1]![j + 1]!;
    }
  }
  return ok[0]![0]!;
}

describe('topic trie matching', () => {
  it('routes through a binding of 30 # words with work bounded by trie nodes x words', () => {
    const trie = new TopicTrie();
    const hashes = Array.from({ length: 30 }, () => '#').join('.');
    trie.add(binding(hashes));
    trie.add(binding(`${hashes}.z`));
    trie.add(binding('a.*.#.c'));
    const nodes = 30 + 1 + 4 + 1; // the two '#' chains share their nodes; plus 'a.*.#.c' and the root
    for (const words of [0, 1, 2, 10, 30, 31, 64, 127]) {
      const key = Array.from({ length: words }, (_, i) => (i === words - 1 ? 'z' : `w${i}`)).join('.');
      const out = new Targets<Binding>();
      trie.visits = 0;
      trie.match(key, out);
      expect([...out].map((b) => b.routingKey)).toContain(hashes);
      expect(out.has([...out].find((b) => b.routingKey === `${hashes}.z`)!)).toBe(words >= 1);
      // each word makes each node alive at most once
      expect(trie.visits).toBeLessThanOrEqual(nodes * (Math.max(words, 1) + 1));
    }
  });

  it('agrees with a reference matcher on random patterns and keys', () => {
    const next = prng(42);
    const pick = <T>(xs: T[]): T => xs[Math.floor(next() * xs.length)]!;
    const words = ['a', 'b', '*', '#', ''];
    const keyWords = ['a', 'b', 'c', ''];
    const patterns = Array.from({ length: 300 }, () => Array.from({ length: 1 + Math.floor(next() * 6) }, () => pick(words)).join('.'));
    const trie = new TopicTrie();
    for (const p of new Set(patterns)) trie.add(binding(p));
    for (let i = 0; i < 2000; i++) {
      const key = Array.from({ length: 1 + Math.floor(next() * 7) }, () => pick(keyWords)).join('.');
      const out = new Targets<Binding>();
      trie.match(key, out);
      const got = [...new Set([...out].map((b) => b.routingKey))].sort();
      const want = [...new Set(patterns)].filter((p) => reference(p, key)).sort();
      expect(got, `key '${key}'`).toEqual(want);
    }
  });
});
