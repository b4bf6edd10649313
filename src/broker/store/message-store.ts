// Where persistent messages in durable queues are kept. The broker talks to this interface;
// the disk store and the memory store (no persistence, for tests and transient-only use) implement it.
import type { Message } from '../message.js';

/** A durable queue as the store names it. */
export interface QueueRef {
  readonly vhost: string;
  readonly name: string;
}

export interface RecoveredMessage {
  /** queue key (vhost NUL name) */
  queue: string;
  message: Message;
  redelivered: boolean;
}

export interface RecoveryReport {
  /** The live messages for each queue holding them, in publish order; read lazily, once. */
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
  /** Points a message read back from a queue's spool at its stored record (`id` from message.stored). */
  reattach(message: Message, id: number): void;
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

export const queueKey = (q: QueueRef): string => `${q.vhost}\u0000${q.name}`;

/** Keeps nothing: every persist is "durable" at once. */
export class MemoryMessageStore implements MessageStore {
  durableBatch = Number.MAX_SAFE_INTEGER;

  persist(): number {
    return 0;
  }

  delivered(): void {}
  removed(): void {}
  reattach(): void {}
  writeOut(): void {}
  onDurable(): void {}
  onFault(): void {}

  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}
