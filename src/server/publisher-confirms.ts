// Publisher confirms for one channel (RabbitMQ's confirm.select extension). Acks are coalesced
// into one basic.ack multiple=true per flush. A publish that had to be stored is confirmed only
// once its store batch is fsynced, and everything after it waits behind it, so confirms go out
// in order; a publish a full queue turned away is nacked in its place.
import { writeBasicAck, writeBasicNack, type Writer } from '../amqp/index.js';

export interface ConfirmSink {
  readonly writer: Writer;
  readonly number: number;
  /** highest store batch known durable */
  durableBatch(): number;
  /** register or drop interest in onDurable() calls */
  waitForDurability(waiting: boolean): void;
  scheduleFlush(): void;
}

export class PublisherConfirms {
  private published = 0;
  /** highest sequence number settled and not yet told to the client */
  private settledUpTo = 0;
  /** highest sequence number the client has been told about */
  private confirmedUpTo = 0;
  /** publishes waiting for their store batch, in publish order, from index `head` on (the
   *  released front is dropped in bulk, not spliced off per durability batch) */
  private readonly waitingSeq: number[] = [];
  private readonly waitingBatch: number[] = [];
  private head = 0;
  /** publishes to be nacked */
  private readonly nacks = new Set<number>();

  constructor(private readonly sink: ConfirmSink) {}

  /** Numbers the next publish. */
  next(): number {
    return ++this.published;
  }

  /** publishes the client has not had an ack or nack for */
  get unconfirmed(): number {
    return this.published - this.settledUpTo;
  }

  /** A publish was handled; `batch` is the store batch to wait for (0: none). */
  settle(seq: number, batch: number, nack: boolean): void {
    const lastWaiting = this.waitingBatch.length > this.head ? this.waitingBatch[this.waitingBatch.length - 1]! : 0;
    if (nack) this.nacks.add(seq);
    if (batch > this.sink.durableBatch() || lastWaiting > 0) {
      this.waitingSeq.push(seq);
      this.waitingBatch.push(Math.max(batch, lastWaiting));
      this.sink.waitForDurability(true);
      return;
    }
    this.release(seq);
  }

  /**
   * The store settled batches up to `batch`: release the confirms waiting for them, as nacks when
   * the batch `failed` (it could not be made durable).
   */
  onDurable(batch: number, failed = false): void {
    const from = this.head;
    const length = this.waitingBatch.length;
    let released = from;
    while (released < length && this.waitingBatch[released]! <= batch) released++;
    if (released === from) return;
    if (failed) for (let i = from; i < released; i++) this.nacks.add(this.waitingSeq[i]!);
    if (this.nacks.size === 0) this.release(this.waitingSeq[released - 1]!);
    else for (let i = from; i < released; i++) this.release(this.waitingSeq[i]!);
    this.head = released;
    if (released === length) {
      this.waitingSeq.length = 0;
      this.waitingBatch.length = 0;
      this.head = 0;
      this.sink.waitForDurability(false);
    } else if (released >= 4096 && released * 2 >= length) {
      // drop the released front once it is most of the arrays
      this.waitingSeq.copyWithin(0, released);
      this.waitingBatch.copyWithin(0, released);
      this.waitingSeq.length = this.waitingBatch.length = length - released;
      this.head = 0;
    }
  }

  /** Writes the coalesced ack, if any (just before the connection flushes). */
  writeAcks(): void {
    if (this.settledUpTo > this.confirmedUpTo) {
      writeBasicAck(this.sink.writer, this.sink.number, this.settledUpTo, this.settledUpTo - this.confirmedUpTo > 1);
      this.confirmedUpTo = this.settledUpTo;
    }
  }

  /** Confirms `seq` and everything before it: acks coalesce, a nack goes out in its place. */
  private release(seq: number): void {
    if (this.nacks.size !== 0 && this.nacks.delete(seq)) {
      this.writeAcks();
      writeBasicNack(this.sink.writer, this.sink.number, seq, false, false);
      this.confirmedUpTo = seq;
    }
    this.settledUpTo = seq;
    this.sink.scheduleFlush();
  }
}
