// Topic matching over a trie of binding-key words, so routing cost follows the key's length
// and the bindings that can match, not the number of bindings. '*' is exactly one word,
// '#' zero or more words (RabbitMQ's semantics).
//
// Matching runs the trie as an automaton, one routing-key word at a time, over the set of trie
// nodes still alive (each node at most once per word). A '#' node both matches no word (its
// children are alive at once) and swallows a word (it stays alive). So the cost is bounded by
// words x trie nodes, however many '#' a binding key has: `#.#.#...` (30 words) once took
// minutes with the earlier backtracking search (issue 10.4).
import type { Binding, BindingSink } from './binding.js';

/** A key's words. As in RabbitMQ, the empty key has no words ('*' does not match it), while '.' is two empty words. */
const wordsOf = (key: string): string[] => (key === '' ? [] : key.split('.'));

class TrieNode {
  readonly children = new Map<string, TrieNode>();
  readonly bindings = new Set<Binding>();
  /** the step in which this node was last made alive (dedupes the live set without allocating) */
  stamp = 0;

  constructor(readonly isHash: boolean) {}

  get isEmpty(): boolean {
    return this.children.size === 0 && this.bindings.size === 0;
  }
}

export class TopicTrie {
  private readonly root = new TrieNode(false);
  private step = 0;
  private current: TrieNode[] = [];
  private next: TrieNode[] = [];
  /** nodes made alive by all matches so far: the work done (a test and benchmark figure) */
  visits = 0;

  add(binding: Binding): void {
    let node = this.root;
    for (const word of wordsOf(binding.routingKey)) {
      let next = node.children.get(word);
      if (!next) {
        next = new TrieNode(word === '#');
        node.children.set(word, next);
      }
      node = next;
    }
    node.bindings.add(binding);
  }

  remove(binding: Binding): void {
    const path: [TrieNode, string][] = [];
    let node = this.root;
    for (const word of wordsOf(binding.routingKey)) {
      const next = node.children.get(word);
      if (!next) return;
      path.push([node, word]);
      node = next;
    }
    node.bindings.delete(binding);
    // Prune emptied branches so churn does not leak nodes.
    for (let i = path.length - 1; i >= 0; i--) {
      const [parent, word] = path[i]!;
      const child = parent.children.get(word)!;
      if (!child.isEmpty) break;
      parent.children.delete(word);
    }
  }

  match(routingKey: string, out: BindingSink): void {
    const words = wordsOf(routingKey);
    let current = this.current;
    let next = this.next;
    current.length = 0;
    this.step++;
    this.alive(this.root, current);
    for (let i = 0; i < words.length && current.length > 0; i++) {
      const word = words[i]!;
      next.length = 0;
      this.step++;
      for (const node of current) {
        if (node.isHash) this.alive(node, next); // '#' swallows this word and stays
        const exact = node.children.get(word);
        if (exact) this.alive(exact, next);
        const star = node.children.get('*');
        if (star) this.alive(star, next);
      }
      [current, next] = [next, current];
    }
    for (const node of current) for (const b of node.bindings) out.add(b);
    current.length = 0;
    next.length = 0;
    this.current = current;
    this.next = next;
  }

  /** Makes `node` alive in this step, with the '#' children that can match no word. */
  private alive(node: TrieNode | undefined, into: TrieNode[]): void {
    while (node && node.stamp !== this.step) {
      node.stamp = this.step;
      into.push(node);
      this.visits++;
      node = node.children.get('#');
    }
  }
}
