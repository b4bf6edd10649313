// A channel's deliveries waiting for their ack, in delivery-tag order. Tags only grow, and
// clients mostly ack in order, so entries sit in a ring of parallel arrays (no object per
// delivery, no hash table): an ack of the oldest is a shift, any other tag is found by binary
// search. An entry settled out of order leaves a hole, skipped when it reaches the front; holes
// are squeezed out once they outnumber the live entries, so one message held forever costs one
// slot, not one per delivery made since.
import type { Envelope } from '../broker/message.js';
import type { Queue } from '../broker/queue.js';
import type { ChannelConsumer } from './channel-consumer.js';

const INITIAL = 64;
/** holes tolerated before compaction, beyond as many as there are live entries */
const SLACK = 1024;

export class UnackedLog {
  private tags: number[] = new Array<number>(INITIAL).fill(0);
  private queues: (Queue | null)[] = new Array<Queue | null>(INITIAL).fill(null);
  /** null marks a hole (settled out of order) */
  private envelopes: (Envelope | null)[] = new Array<Envelope | null>(INITIAL).fill(null);
  private consumers: (ChannelConsumer | null)[] = new Array<ChannelConsumer | null>(INITIAL).fill(null);
  private mask = INITIAL - 1;
  private head = 0;
  /** slots in use, holes included */
  private length = 0;
  /** live entries */
  size = 0;

  /** Records a delivery; `tag` is above every tag recorded before. */
  push(tag: number, queue: Queue, envelope: Envelope, consumer: ChannelConsumer | null): void {
    if (this.length > this.mask) this.grow();
    const i = (this.head + this.length) & this.mask;
    this.tags[i] = tag;
    this.queues[i] = queue;
    this.envelopes[i] = envelope;
    this.consumers[i] = consumer;
    this.length++;
    this.size++;
  }

  /** slots in use, holes included (a test hook: it stays within twice the live entries plus SLACK) */
  get slots(): number {
    return this.length;
  }

  has(tag: number): boolean {
    return this.find(tag) >= 0;
  }

  /** The slot (an offset from the front) of a live entry with this tag, or -1. */
  find(tag: number): number {
    let lo = 0;
    let hi = this.length - 1;
    // the usual case: the oldest one
    if (hi >= 0 && this.tags[this.head] === tag) return this.envelopes[this.head] === null ? -1 : 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const t = this.tags[(this.head + mid) & this.mask]!;
      if (t < tag) lo = mid + 1;
      else if (t > tag) hi = mid - 1;
      else return this.envelopes[(this.head + mid) & this.mask] === null ? -1 : mid;
    }
    return -1;
  }

  /** The oldest live entry's tag (the front slot is never a hole), -1 when empty. */
  get frontTag(): number {
    return this.length === 0 ? -1 : this.tags[this.head]!;
  }

  queueAt(slot: number): Queue {
    return this.queues[(this.head + slot) & this.mask]!;
  }

  envelopeAt(slot: number): Envelope {
    return this.envelopes[(this.head + slot) & this.mask]!;
  }

  consumerAt(slot: number): ChannelConsumer | null {
    return this.consumers[(this.head + slot) & this.mask]!;
  }

  /** Forgets the live entry in `slot` (read its fields first). */
  remove(slot: number): void {
    const i = (this.head + slot) & this.mask;
    this.queues[i] = null;
    this.envelopes[i] = null;
    this.consumers[i] = null;
    this.size--;
    if (slot === 0) this.dropHoles();
    else if (this.length - this.size > this.size + SLACK) this.compact();
  }

  /** Shifts settled slots off the front. */
  private dropHoles(): void {
    while (this.length > 0 && this.envelopes[this.head] === null) {
      this.head = (this.head + 1) & this.mask;
      this.length--;
    }
    if (this.length === 0) this.head = 0;
  }

  private compact(): void {
    this.rebuild(this.tags.length);
  }

  private grow(): void {
    this.rebuild(this.tags.length * 2);
  }

  /** Copies the live entries, in order, into fresh arrays of `capacity` slots. */
  private rebuild(capacity: number): void {
    const tags = new Array<number>(capacity).fill(0);
    const queues = new Array<Queue | null>(capacity).fill(null);
    const envelopes = new Array<Envelope | null>(capacity).fill(null);
    const consumers = new Array<ChannelConsumer | null>(capacity).fill(null);
    let n = 0;
    for (let k = 0; k < this.length; k++) {
      const i = (this.head + k) & this.mask;
      if (this.envelopes[i] === null) continue;
      tags[n] = this.tags[i]!;
      queues[n] = this.queues[i]!;
      envelopes[n] = this.envelopes[i]!;
      consumers[n] = this.consumers[i]!;
      n++;
    }
    this.tags = tags;
    this.queues = queues;
    this.envelopes = envelopes;
    this.consumers = consumers;
    this.mask = capacity - 1;
    this.head = 0;
    this.length = n;
  }
}
