// The broker-wide budget for memory held by messages: ready ones in queues' in-memory windows,
// requeued ones and unacknowledged ones waiting for their consumer. Past the limit, queues keep
// new ready messages as positions on disk (the overflow: the disk store's segments).
import { MESSAGE_OVERHEAD, type Message } from '../message.js';
import { DiskMessageStore } from './disk-message-store.js';
import type { Overflow } from './message-store.js';

export class MemoryBudget {
  used = 0;
  private overflowStore: Overflow | null;

  constructor(
    readonly limit: number,
    /** where a transient-only broker puts its overflow (null: `overflow` must be given) */
    private readonly spoolDir: string | null,
    overflow: Overflow | null = null,
  ) {
    this.overflowStore = overflow;
  }

  /** Bytes a held message costs: its content (one owned buffer, see ownContent) and its objects. */
  static cost(message: Message): number {
    return message.size + message.headerSize + MESSAGE_OVERHEAD;
  }

  /** Memory the broker accounts for in held messages, in bytes (the memory alarm reads this). */
  get accountedBytes(): number {
    return this.used;
  }

  get exceeded(): boolean {
    return this.used > this.limit;
  }

  /** Where queues keep what does not fit (opened on first use for a transient-only broker). */
  overflow(): Overflow | null {
    if (!this.overflowStore && this.spoolDir) this.overflowStore = DiskMessageStore.openOverflow(this.spoolDir);
    return this.overflowStore;
  }
}
