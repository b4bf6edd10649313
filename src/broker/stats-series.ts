// The history behind message rates: a ring of samples per object (src/server/stats-sampler.ts
// fills them on a timer), and what the management API reads of it. No sockets, no timers here.
import type { ChannelCounters } from './message-stats.js';

/** A ring of samples: a time and one value per field. */
export class Series {
  readonly times: Float64Array;
  readonly data: Float64Array;
  private head = 0;
  size = 0;

  constructor(
    readonly fields: readonly string[],
    readonly capacity: number,
  ) {
    this.times = new Float64Array(capacity);
    this.data = new Float64Array(capacity * fields.length);
  }

  push(time: number, values: ArrayLike<number>): void {
    const n = this.fields.length;
    this.times[this.head] = time;
    for (let i = 0; i < n; i++) this.data[this.head * n + i] = values[i]!;
    this.head = (this.head + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
  }

  /** index 0 = newest */
  private slot(age: number): number {
    return (this.head - 1 - age + this.capacity * 2) % this.capacity;
  }

  time(age: number): number {
    return this.times[this.slot(age)]!;
  }

  value(age: number, field: number): number {
    return this.data[this.slot(age) * this.fields.length + field]!;
  }

  /** per second, between the two newest samples */
  rate(field: number): number {
    if (this.size < 2) return 0;
    const dt = this.time(0) - this.time(1);
    return dt > 0 ? ((this.value(0, field) - this.value(1, field)) * 1000) / dt : 0;
  }

  /** the value at `time`: the newest sample not after it (the oldest if all are later) */
  at(time: number, field: number): number {
    for (let age = 0; age < this.size; age++) if (this.time(age) <= time) return this.value(age, field);
    return this.size > 0 ? this.value(this.size - 1, field) : 0;
  }
}

/** What the management API reads: series per object, node and vhost totals (closed channels included). */
export interface MessageRates {
  readonly intervalMs: number;
  /** time of the newest sample (0: none yet) */
  readonly lastSample: number;
  of(obj: object): Series | undefined;
  total(vhost: string | null): Series | undefined;
  channelTotals(vhost: string | null): ChannelCounters;
  connectionTotals(conn: {
    readonly id: string;
    readonly channels: ReadonlyMap<number, { readonly closing: boolean; readonly stats: ChannelCounters }>;
  }): ChannelCounters;
}
