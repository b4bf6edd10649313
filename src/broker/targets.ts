// A small insertion-ordered set that empties without allocating, for the queues a message goes to
// (filled and emptied once per publish; a queue can be reached twice, through two bindings or
// exchanges). V8's Set.prototype.clear allocates a new table on every call: one allocation per
// message. Up to LINEAR members are deduplicated by a scan; past that a Set index is built (a
// fanout to many queues).
const LINEAR = 8;

export class Targets<T> {
  /** the members, in the order they were added (read, do not change) */
  readonly items: T[] = [];
  private index: Set<T> | null = null;

  get size(): number {
    return this.items.length;
  }

  add(x: T): void {
    const items = this.items;
    if (this.index === null) {
      for (let i = 0; i < items.length; i++) if (items[i] === x) return;
      items.push(x);
      if (items.length > LINEAR) this.index = new Set(items);
    } else if (!this.index.has(x)) {
      this.index.add(x);
      items.push(x);
    }
  }

  has(x: T): boolean {
    return this.index === null ? this.items.includes(x) : this.index.has(x);
  }

  [Symbol.iterator](): IterableIterator<T> {
    return this.items[Symbol.iterator]();
  }

  clear(): void {
    // (pop, not length = 0: setting an array's length is a call into the runtime)
    const items = this.items;
    while (items.length > 0) items.pop();
    this.index = null;
  }
}
