// An AMQP timestamp: 64-bit unsigned seconds since the epoch (0-9-1 "timestamp", RabbitMQ's 'T'
// field type). Carried as a bigint so every value on the wire comes back out unchanged, including
// those a JavaScript Date cannot hold (a Date ends at 8.64e12 seconds; the wire goes to 2^64-1).
const MAX = (1n << 64n) - 1n;

export class Timestamp {
  readonly seconds: bigint;

  constructor(seconds: bigint | number) {
    const s = typeof seconds === 'bigint' ? seconds : BigInt(Math.floor(seconds));
    if (s < 0n || s > MAX) throw new RangeError(`timestamp ${s} is outside 0..2^64-1 seconds`);
    this.seconds = s;
  }

  static now(): Timestamp {
    return new Timestamp(Math.floor(Date.now() / 1000));
  }

  /** The timestamp of a Date (whole seconds; a date before the epoch or invalid is refused). */
  static fromDate(date: Date): Timestamp {
    const ms = date.getTime();
    if (!Number.isFinite(ms)) throw new RangeError('invalid date');
    return new Timestamp(Math.floor(ms / 1000));
  }

  /** Seconds as a number when exact, else as a decimal string (for JSON). */
  toNumberOrString(): number | string {
    return this.seconds <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(this.seconds) : this.seconds.toString();
  }

  /** The same instant as a Date, or null when a Date cannot hold it. */
  toDate(): Date | null {
    const date = new Date(Number(this.seconds) * 1000);
    return Number.isFinite(date.getTime()) ? date : null;
  }

  toJSON(): number | string {
    return this.toNumberOrString();
  }

  toString(): string {
    return this.seconds.toString();
  }
}
