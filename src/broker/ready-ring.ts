// The ready messages of a queue level held in memory, oldest first. A waiting message costs no
// object of its own: its sequence number, redelivered flag and expiry sit in typed-array rings
// beside it, and the Envelope a consumer gets is made when it is taken (and then lives only until
// it is acknowledged). A backlog of queued messages is then a third lighter for the collector to
// copy and trace.
import type { Envelope, Message } from './message.js';

const INITIAL = 16;
/** sequence numbers below this are small integers to V8 on every platform */
const SMALL = 2 ** 30;

export class ReadyRing {
  private messages: (Message | undefined)[] = new Array<Message | undefined>(INITIAL);
  private seqs = new Float64Array(INITIAL);
  private expiries = new Float64Array(INITIAL);
  private redelivered = new Uint8Array(INITIAL);
  private head = 0;
  private count = 0;
  /** the envelope peek() made for the head, handed out by the next shift() */
  private peeked: Envelope | null = null;

  get length(): number {
    return this.count;
  }

  push(message: Message, seq: number, redelivered: boolean, expiresAt: number): void {
    if (this.count === this.messages.length) this.grow();
    const i = (this.head + this.count) & (this.messages.length - 1);
    this.messages[i] = message;
    this.seqs[i] = seq;
    this.expiries[i] = expiresAt;
    this.redelivered[i] = redelivered ? 1 : 0;
    this.count++;
  }

  peek(): Envelope | undefined {
    if (this.count === 0) return undefined;
    return (this.peeked ??= this.envelopeAt(this.head));
  }

  shift(): Envelope | undefined {
    if (this.count === 0) return undefined;
    const e = this.peeked ?? this.envelopeAt(this.head);
    this.peeked = null;
    this.messages[this.head] = undefined;
    this.head = (this.head + 1) & (this.messages.length - 1);
    this.count--;
    return e;
  }

  /** Empties the ring, returning what it held as envelopes, oldest first. */
  clear(): Envelope[] {
    const all: Envelope[] = [];
    for (let i = 0; i < this.count; i++) all.push(this.envelopeAt((this.head + i) & (this.messages.length - 1)));
    this.messages = new Array<Message | undefined>(INITIAL);
    this.seqs = new Float64Array(INITIAL);
    this.expiries = new Float64Array(INITIAL);
    this.redelivered = new Uint8Array(INITIAL);
    this.head = this.count = 0;
    this.peeked = null;
    return all;
  }

  /**
   * The envelope of slot i. Numbers read from a Float64Array are doubles, and a double stored in an
   * object field makes V8 give that field a boxed representation: a heap number of its own per
   * envelope, per field. So the sequence number is handed over as a small integer while it is one
   * (below 2^30: a billion messages through one queue), and an envelope with an expiry, whose time
   * is always a double, gets an object shape of its own (its fields in another order), so that
   * the envelopes of messages without one keep both fields unboxed.
   */
  private envelopeAt(i: number): Envelope {
    const message = this.messages[i]!;
    const s = this.seqs[i]!;
    const seq = s < SMALL ? s | 0 : s;
    const redelivered = this.redelivered[i] === 1;
    const expiresAt = this.expiries[i]!;
    if (expiresAt === 0) return { message, seq, redelivered, expiresAt: 0 };
    return { expiresAt, message, seq, redelivered };
  }

  private grow(): void {
    const size = this.messages.length * 2;
    const messages = new Array<Message | undefined>(size);
    const seqs = new Float64Array(size);
    const expiries = new Float64Array(size);
    const redelivered = new Uint8Array(size);
    const mask = this.messages.length - 1;
    for (let k = 0; k < this.count; k++) {
      const i = (this.head + k) & mask;
      messages[k] = this.messages[i];
      seqs[k] = this.seqs[i]!;
      expiries[k] = this.expiries[i]!;
      redelivered[k] = this.redelivered[i]!;
    }
    this.messages = messages;
    this.seqs = seqs;
    this.expiries = expiries;
    this.redelivered = redelivered;
    this.head = 0;
  }
}
