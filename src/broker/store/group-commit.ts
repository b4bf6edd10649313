// Group commit for append-only files. Appends are buffered, written to the kernel at the next
// flush point (so a killed process loses nothing already answered for), and fdatasync'ed in
// batches in the background: one fsync covers every append made since the round before began.
// A round may start while the one before is still in the kernel (at most MAX_ROUNDS at once): the
// appends of a read that came in during an fsync then wait for their own fsync only, not for the
// one running to end first. Batches still settle in order.
//
// Faults never end the process. A write that fails (a full disk) keeps what it could not write
// and retries it; an fsync that fails cannot promise anything about the data it covered. Either
// way the batch is settled as failed (its publishes are nacked), the fault is reported to the
// listeners (the daemon raises the disk alarm and logs one line), and the commit retries every
// RETRY_MS until a round succeeds, which clears the fault.
import { openSync } from 'node:fs';
import { closeInBackground, datasync, writePending } from './io.js';

/** How soon a faulted commit tries again. */
const RETRY_MS = 500;
/** records nothing fsyncs for (reserve(..., false)) are written out once this many bytes wait */
const LAZY_WRITE_BYTES = 256 * 1024;
/**
 * Records are encoded straight into a file's chunk of this size (see GroupCommit.reserve): no
 * buffer per record, and one contiguous write per flush. A chunk whose bytes are all written is
 * used again, so a steady stream of small records allocates nothing.
 */
const CHUNK_BYTES = 256 * 1024;
/** sync rounds in flight at once (a faulted commit runs one at a time) */
const MAX_ROUNDS = 3;

export class AppendFile {
  readonly fd: number;
  pending: Buffer[] = [];
  /** bytes appended so far, written or not */
  size: number;
  /** bytes in `pending` */
  pendingBytes = 0;
  /** appends made that a sync round must fsync (reserve(..., false) ones need none) */
  needsSync = false;
  closed = false;
  /** where reserve() puts records: bytes [chunkFrom, chunkUsed) are appended but not yet in `pending` */
  chunk: Buffer = EMPTY;
  chunkFrom = 0;
  chunkUsed = 0;

  constructor(
    readonly path: string,
    initialSize = 0,
  ) {
    this.fd = openSync(path, 'a', 0o600);
    this.size = initialSize;
  }
}

const EMPTY = Buffer.alloc(0);

/** Moves the chunk's appended bytes into `pending` (in order after what is there). */
function sealChunk(file: AppendFile): void {
  if (file.chunkUsed === file.chunkFrom) return;
  file.pending.push(file.chunk.subarray(file.chunkFrom, file.chunkUsed));
  file.chunkFrom = file.chunkUsed;
}

/** Called when a batch settles: durable, or failed (nothing in it may be confirmed). */
export type DurableListener = (batch: number, failed: boolean) => void;

/** Called when the store cannot write or sync (a one-line reason), and with null once it can again. */
export type FaultListener = (reason: string | null) => void;

/** Batch ids count up; a batch is durable once every append made while it was open is fsynced. */
export class GroupCommit {
  private readonly dirty = new Set<AppendFile>();
  private readonly unsynced = new Set<AppendFile>();
  private readonly toClose: AppendFile[] = [];
  private openBatch = 1;
  /** highest batch settled (durable, or failed and reported as such) */
  durableBatch = 0;
  /** sync rounds started and not yet finished */
  private rounds = 0;
  /** rounds finished ahead of an earlier one: batch -> failed */
  private readonly finished = new Map<number, Error | null>();
  private scheduled = false;
  private readonly listeners: DurableListener[] = [];
  private readonly faultListeners: FaultListener[] = [];
  private idleWaiters: (() => void)[] = [];
  /** the fault being reported, or null; set by a failed write or fsync, cleared by a good round */
  fault: string | null = null;
  /** a write failed since the last sync round */
  private writeFailed: Error | null = null;

  /** The batch an append made now belongs to. */
  get currentBatch(): number {
    return this.openBatch;
  }

  onDurable(listener: DurableListener): void {
    this.listeners.push(listener);
  }

  onFault(listener: FaultListener): void {
    this.faultListeners.push(listener);
  }

  append(file: AppendFile, bytes: Buffer): void {
    sealChunk(file);
    file.pending.push(bytes);
    file.size += bytes.length;
    file.pendingBytes += bytes.length;
    file.needsSync = true;
    this.dirty.add(file);
    this.schedule();
  }

  /**
   * Room for an `n`-byte record at the end of `file`: returns where in `file.chunk` (read it after
   * this call) the caller encodes it, at once. The bytes count as appended. `fsync`: the batch that
   * is open now is durable only once they are fsynced (a publish); false for records nothing waits
   * on the durability of (acks, transient copies): they reach the kernel at the next flush point or
   * sync round, and a kill of the process loses none of them, but no fsync is made for them alone.
   */
  reserve(file: AppendFile, n: number, fsync: boolean): number {
    // (before the reservation: the bytes reserved are encoded only after this returns)
    if (!fsync && file.pendingBytes >= LAZY_WRITE_BYTES) this.writeOut();
    if (file.chunkUsed + n > file.chunk.length) {
      sealChunk(file);
      // The old chunk may still be referenced by `pending` (not yet written): a new one.
      file.chunk = Buffer.allocUnsafeSlow(Math.max(CHUNK_BYTES, n));
      file.chunkFrom = file.chunkUsed = 0;
    }
    const at = file.chunkUsed;
    file.chunkUsed += n;
    file.size += n;
    file.pendingBytes += n;
    if (fsync) file.needsSync = true;
    this.dirty.add(file);
    this.schedule();
    return at;
  }

  /** Writes every pending append to the kernel (no fsync). Cheap: one writev per dirty file. Never throws. */
  writeOut(): void {
    if (this.fault !== null && this.rounds === 0) return; // the retry round writes
    for (const file of this.dirty) {
      sealChunk(file);
      if (file.closed || file.pending.length === 0) {
        this.dirty.delete(file);
        continue;
      }
      try {
        writePending(file.fd, file.pending);
        file.pendingBytes = 0;
        // Nothing refers to the chunk's bytes any more: the next records go to its start again.
        file.chunkFrom = file.chunkUsed = 0;
        this.dirty.delete(file);
      } catch (err) {
        // What was not written stays pending (the file stays dirty) for the retry.
        this.writeFailed ??= err as Error;
        file.pendingBytes = file.pending.reduce((n, b) => n + b.length, 0);
      }
      if (file.needsSync) this.unsynced.add(file);
    }
  }

  /** Closes a file once no fsync can be using it. */
  retire(file: AppendFile): void {
    // Once only: a second close of its number, run later on the thread pool, could close a file
    // opened meanwhile under the same number.
    if (file.closed) return;
    file.closed = true;
    file.pending = [];
    file.chunk = EMPTY;
    file.chunkFrom = file.chunkUsed = 0;
    file.pendingBytes = 0;
    this.dirty.delete(file);
    this.toClose.push(file);
    this.schedule();
  }

  /** Resolves when everything appended so far is settled (durable, or failed). */
  async drain(): Promise<void> {
    const target = this.openBatch;
    while (this.durableBatch < target) {
      // Scheduled on every turn: a sync already running when drain began settles an earlier batch,
      // and with nothing left dirty it schedules no other, so the target batch must be asked for.
      this.schedule();
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
  }

  private schedule(): void {
    if (this.scheduled || this.rounds >= (this.fault === null ? MAX_ROUNDS : 1)) return;
    this.scheduled = true;
    if (this.fault === null) setImmediate(() => void this.sync());
    else setTimeout(() => void this.sync(), RETRY_MS).unref();
  }

  private async sync(): Promise<void> {
    this.scheduled = false;
    if (this.rounds > 0 && this.dirty.size === 0 && this.unsynced.size === 0) return; // the round running covers it all
    this.rounds++;
    const batch = this.openBatch++;
    let error: Error | null = null;
    try {
      this.writeOut();
      error = this.writeFailed;
      this.writeFailed = null;
      const files = [...this.unsynced];
      this.unsynced.clear();
      for (const f of files) if (!this.dirty.has(f)) f.needsSync = false;
      const results = await Promise.allSettled(files.map((f) => (f.closed ? Promise.resolve() : datasync(f.fd))));
      results.forEach((r, i) => {
        if (r.status === 'rejected') {
          error ??= r.reason as Error;
          // Its next good fsync proves nothing about the lost pages, but later appends are new data.
          this.unsynced.add(files[i]!);
          files[i]!.needsSync = true;
        }
      });
    } catch (err) {
      error ??= err as Error;
    }
    this.rounds--;
    this.finished.set(batch, error);
    // settle in order: a batch whose round ended before an earlier one's waits for it
    while (this.finished.has(this.durableBatch + 1)) {
      const settled = ++this.durableBatch;
      const failed = this.finished.get(settled)!;
      this.finished.delete(settled);
      this.setFault(failed ? `message store cannot write to disk (${failed.message}): publishes are nacked until it can` : null);
      for (const listener of this.listeners) {
        try {
          listener(settled, failed !== null);
        } catch {
          // a listener's failure is its own; the commit goes on
        }
      }
    }
    // a descriptor is closed only when no fsync can be using it (nor a queued one get its number reused)
    if (this.rounds === 0) {
      for (const f of this.toClose.splice(0)) closeInBackground(f.fd);
    }
    if (this.dirty.size > 0 || this.unsynced.size > 0 || this.toClose.length > 0 || this.fault !== null) this.schedule();
    // drain() waiters check whether their batch has settled (a failed batch settles too)
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private setFault(reason: string | null): void {
    if (reason === this.fault) return;
    const changed = (reason === null) !== (this.fault === null);
    this.fault = reason;
    if (!changed) return;
    for (const listener of this.faultListeners) {
      try {
        listener(reason);
      } catch {
        // as above
      }
    }
  }
}
