// Where persistent messages in durable queues are kept. The broker talks to this interface;
// the disk store and the memory store (no persistence, for tests and transient-only use) implement it.
import type { DiskPosition, Message } from '../message.js';
import type { PagePool } from './position-pages.js';

/** A durable queue as the store names it. */
export interface QueueRef {
  readonly vhost: string;
  readonly name: string;
  /** queueKey(this), kept by a long-lived ref (a Queue) so the store's hot path need not build it */
  readonly storeKey?: string;
}

/** A live message found by recovery: its position, not its bytes (queues read them back when needed). */
export interface RecoveredMessage {
  /** queue key (vhost NUL name) */
  queue: string;
  segment: number;
  offset: number;
  /** record length */
  length: number;
  bodySize: number;
  redelivered: boolean;
}

/** A position a queue holds instead of a message: a durable stored record or a spilled copy. */
export interface HeldPosition {
  segment: number;
  offset: number;
  length: number;
  /** the store's own record for a durable queue (else a spilled copy the queue releases) */
  durable: boolean;
}

/**
 * Where queues put the messages beyond their in-memory window, and read them back from: the disk
 * store's segments (transient copies go through the same segments, without fsync).
 */
export interface Overflow {
  /** Puts a copy of `message` on disk (once, however many queues ask) and holds it for one more queue. */
  spill(message: Message): DiskPosition;
  /** A queue no longer needs `count` spilled copies in `segment`. */
  release(segment: number, count?: number): void;
  /** A stored message left a durable queue without being read back (purge, delete, drop). */
  removedAt(segment: number, offset: number, queue: QueueRef): void;
  /**
   * The `count` stored messages of a run (consecutive records from `start` to `end` of `segment`)
   * left a durable queue without being read back: one fixed-width record, not one per message.
   */
  removedRange(segment: number, start: number, end: number, count: number, queue: QueueRef): void;
  /**
   * Reads back the messages of a run from its start, asynchronously unless `sync`: the records from
   * `start` up to about `limit` (at least one whole record, never past `end`), walking their headers.
   */
  readRun(piece: RunPiece, sync: boolean, done: (result: RunRead) => void): void;
  /**
   * Reads messages back, in the order given: asynchronously (`done` called later) unless `sync`.
   * A position that cannot be read comes back as null (the damage is logged by the store).
   */
  read(positions: readonly HeldPosition[], sync: boolean, done: (messages: (Message | null)[]) => void): void;
  /** Where a long queue's position FIFO puts its middle pages. */
  positionPages(): PagePool;
}

/** A stretch of consecutive records of one segment that a queue holds (see PositionQueue). */
export interface RunPiece {
  segment: number;
  start: number;
  /** where the run ends */
  end: number;
  /** read about this far */
  limit: number;
  /** the store's own records for a durable queue (else spilled copies) */
  durable: boolean;
}

export interface RunRead {
  /** the messages read, in order (damaged records are logged by the store and skipped) */
  messages: Message[];
  /** where the records read end: the run's new start */
  next: number;
  /** the messages' body bytes */
  bodyBytes: number;
}

export interface RecoveryReport {
  /** The live messages for each queue holding them, in publish order (positions, not bytes). */
  replay(): Iterable<RecoveredMessage>;
  /** live messages found */
  messages: number;
  segments: number;
  /** one line per damaged file or record */
  problems: string[];
  millis: number;
}

export interface MessageStore {
  /** Stores a message for the given durable queues; returns the batch whose durability confirms it. */
  persist(message: Message, queues: readonly QueueRef[]): number;
  /** First delivery of a stored message from a queue, so recovery can mark it redelivered. */
  delivered(message: Message, queue: QueueRef): void;
  /** The message left the queue for good (acked, dropped, purged, queue deleted). */
  removed(message: Message, queue: QueueRef): void;
  /** Writes buffered records to the kernel; called before replies go out. */
  writeOut(): void;
  /** Highest batch known to be durable. */
  readonly durableBatch: number;
  /** `failed`: the batch could not be made durable (a full disk, a failed fsync): nack, never ack, its publishes. */
  onDurable(listener: (batch: number, failed: boolean) => void): void;
  /** Told a one-line reason when the store cannot write or sync, and null once it can again (the disk alarm). */
  onFault(listener: (reason: string | null) => void): void;
  /** Resolves once everything so far is durable. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** A store file written in a format this warren cannot read (the daemon exits 78 naming it). */
export class StoreFormatError extends Error {}

export const queueKey = (q: QueueRef): string => q.storeKey ?? `${q.vhost}\u0000${q.name}`;

/** Keeps nothing: every persist is "durable" at once. */
export class MemoryMessageStore implements MessageStore {
  durableBatch = Number.MAX_SAFE_INTEGER;

  persist(): number {
    return 0;
  }

  delivered(): void {}
  removed(): void {}
  writeOut(): void {}
  onDurable(): void {}
  onFault(): void {}

  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}
