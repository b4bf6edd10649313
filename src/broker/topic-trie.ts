// Topic matching over a trie of binding-key words, so routing cost follows the key's length
// and the bindings that can match, not the number of bindings. '*' is exactly one word,
// '#' zero or more words (RabbitMQ's semantics).
import type { Binding } from './binding.js';

class TrieNode {
  readonly children = new Map<string, TrieNode>();
  readonly bindings = new Set<Binding>();

  get isEmpty(): boolean {
    return this.children.size === 0 && this.bindings.size === 0;
  }
}

export class TopicTrie {
  private readonly root = new TrieNode();

  add(binding: Binding): void {
    let node = this.root;
    for (const word of binding.routingKey.split('.')) {
      let next = node.children.get(word);
      if (!next) {
        next = new TrieNode();
        node.children.set(word, next);
      }
      node = next;
    }
    node.bindings.add(binding);
  }

  remove(binding: Binding): void {
    const path: [TrieNode, string][] = [];
    let node = this.root;
    for (const word of binding.routingKey.split('.')) {
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

  match(routingKey: string, out: Set<Binding>): void {
    this.walk(this.root, routingKey.split('.'), 0, out);
  }

  private walk(node: TrieNode, words: string[], i: number, out: Set<Binding>): void {
    const hash = node.children.get('#');
    if (hash) {
      // '#' swallows zero or more words: try every possible rest.
      for (let j = i; j <= words.length; j++) this.walk(hash, words, j, out);
    }
    if (i === words.length) {
      for (const b of node.bindings) out.add(b);
      return;
    }
    const word = words[i]!;
    const exact = node.children.get(word);
    if (exact) this.walk(exact, words, i + 1, out);
    const star = node.children.get('*');
    if (star) this.walk(star, words, i + 1, out);
  }
}
