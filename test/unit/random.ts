// Seeded random values for round-trip tests, so a failure can be replayed.
import { Decimal, Timestamp, type FieldTable, type FieldValue } from '../../src/amqp/index.js';

export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Rand {
  constructor(readonly next: () => number) {}
  int(max: number): number {
    return Math.floor(this.next() * max);
  }
  string(maxLen: number): string {
    const chars = 'abcXYZ019.#*-_/ éü中';
    let s = '';
    const n = this.int(maxLen + 1);
    for (let i = 0; i < n; i++) s += chars[this.int(chars.length)];
    return s;
  }
  bytes(maxLen: number): Buffer {
    const b = Buffer.alloc(this.int(maxLen + 1));
    for (let i = 0; i < b.length; i++) b[i] = this.int(256);
    return b;
  }
  value(depth: number): FieldValue {
    switch (this.int(depth > 2 ? 9 : 11)) {
      case 0:
        return null;
      case 1:
        return this.next() < 0.5;
      case 2:
        return this.int(2 ** 31) - 2 ** 30;
      case 3:
        return (this.int(2 ** 20) + 1) * 2 ** 32 * (this.next() < 0.5 ? -1 : 1);
      case 4:
        return this.next() * 1e6 + 0.5;
      case 5:
        return this.string(20);
      case 6:
        return this.bytes(20);
      case 7:
        return this.timestamp();
      case 8:
        return new Decimal(this.int(10), this.int(2 ** 31) - 2 ** 30);
      case 9:
        return Array.from({ length: this.int(4) }, () => this.value(depth + 1));
      default:
        return this.table(depth + 1);
    }
  }
  /** Any 64-bit timestamp: ordinary dates, and the extremes no Date can hold. */
  timestamp(): Timestamp {
    const extremes = [0n, 1n, 8_640_000_000_000n, 8_640_000_000_001n, (1n << 63n) - 1n, 1n << 63n, (1n << 64n) - 1n];
    if (this.next() < 0.3) return new Timestamp(extremes[this.int(extremes.length)]!);
    return new Timestamp((BigInt(this.int(2 ** 32)) << 32n) | BigInt(this.int(2 ** 32)));
  }
  table(depth = 0): FieldTable {
    const t: FieldTable = {};
    const n = this.int(5);
    for (let i = 0; i < n; i++) t[`k${i}-${this.string(5)}`] = this.value(depth);
    return t;
  }
}
