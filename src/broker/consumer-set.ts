// A queue's consumers and who gets the next message: the highest x-priority among those with
// capacity, round robin within it; with single active consumer only the first registered one.
import type { Consumer } from './consumer.js';

export function consumerPriority(c: Consumer): number {
  const p = c.arguments['x-priority'];
  return typeof p === 'number' ? p : 0;
}

export class ConsumerSet {
  private readonly list: Consumer[] = [];
  private roundRobin = 0;
  /** any consumer with a non-zero priority (else the cheap path is taken) */
  private prioritized = false;

  constructor(private readonly singleActive: boolean) {}

  get length(): number {
    return this.list.length;
  }

  get all(): readonly Consumer[] {
    return this.list;
  }

  isActive(c: Consumer): boolean {
    return !this.singleActive || this.list[0] === c;
  }

  add(c: Consumer): void {
    this.list.push(c);
    if (consumerPriority(c) !== 0) this.prioritized = true;
  }

  remove(c: Consumer): boolean {
    const i = this.list.indexOf(c);
    if (i < 0) return false;
    this.list.splice(i, 1);
    if (this.roundRobin > i) this.roundRobin--;
    this.prioritized = this.list.some((x) => consumerPriority(x) !== 0);
    return true;
  }

  clear(): Consumer[] {
    return this.list.splice(0);
  }

  next(): Consumer | undefined {
    const list = this.list;
    const n = list.length;
    if (n === 0) return undefined;
    if (this.singleActive) return list[0]!.canAccept() ? list[0] : undefined;
    let best: Consumer | undefined;
    let bestIndex = -1;
    let bestPriority = -Infinity;
    for (let i = 0; i < n; i++) {
      const index = (this.roundRobin + i) % n;
      const c = list[index]!;
      if (!c.canAccept()) continue;
      if (!this.prioritized) {
        best = c;
        bestIndex = index;
        break;
      }
      const p = consumerPriority(c);
      if (p > bestPriority) {
        best = c;
        bestIndex = index;
        bestPriority = p;
      }
    }
    if (best) this.roundRobin = (bestIndex + 1) % n;
    return best;
  }
}
