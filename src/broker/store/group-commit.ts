// Group commit for append-only files. Appends are buffered, written to the kernel at the next
// flush point (so a killed process loses nothing already answered for), and fdatasync'ed in
// batches in the background: one fsync covers every append made while the previous one ran.
import { closeSync, fdatasync, openSync } from 'node:fs';
import { writeAll } from './io.js';

export class AppendFile {
  readonly fd: number;
  pending: Buffer[] = [];
  /** bytes appended so far, written or not */
  size: number;
  closed = false;

  constructor(
    readonly path: string,
    initialSize = 0,
  ) {
    this.fd = openSync(path, 'a');
    this.size = initialSize;
  }
}

/** Batch ids count up; a batch is durable once every append made while it was open is fsynced. */
export class GroupCommit {
  private readonly dirty = new Set<AppendFile>();
  private readonly unsynced = new Set<AppendFile>();
  private readonly toClose: AppendFile[] = [];
  private openBatch = 1;
  durableBatch = 0;
  private syncing = false;
  private scheduled = false;
  private readonly listeners: ((batch: number) => void)[] = [];
  private idleWaiters: (() => void)[] = [];

  /** The batch an append made now belongs to. */
  get currentBatch(): number {
    return this.openBatch;
  }

  onDurable(listener: (batch: number) => void): void {
    this.listeners.push(listener);
  }

  append(file: AppendFile, bytes: Buffer): void {
    file.pending.push(bytes);
    file.size += bytes.length;
    this.dirty.add(file);
    this.schedule();
  }

  /** Writes every pending append to the kernel (no fsync). Cheap: one writev per dirty file. */
  writeOut(): void {
    for (const file of this.dirty) {
      if (!file.closed && file.pending.length > 0) {
        writeAll(file.fd, file.pending);
        file.pending = [];
        this.unsynced.add(file);
      }
    }
    this.dirty.clear();
  }

  /** Closes a file once no fsync can be using it. */
  retire(file: AppendFile): void {
    file.closed = true;
    file.pending = [];
    this.dirty.delete(file);
    this.toClose.push(file);
    this.schedule();
  }

  /** Resolves when everything appended so far is durable. */
  async drain(): Promise<void> {
    this.schedule();
    while (this.syncing || this.scheduled || this.dirty.size > 0 || this.unsynced.size > 0) {
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
  }

  private schedule(): void {
    if (this.scheduled || this.syncing) return;
    this.scheduled = true;
    setImmediate(() => void this.sync());
  }

  private async sync(): Promise<void> {
    this.scheduled = false;
    this.syncing = true;
    this.writeOut();
    const batch = this.openBatch++;
    const files = [...this.unsynced];
    this.unsynced.clear();
    try {
      await Promise.all(files.map((f) => (f.closed ? Promise.resolve() : datasync(f.fd))));
    } catch (err) {
      // As PostgreSQL does: after a failed fsync nothing can be promised about the data, so stop.
      process.stderr.write(`fatal: fsync failed (${(err as Error).message}); stopping to avoid confirming lost messages\n`);
      process.exit(70);
    }
    this.durableBatch = batch;
    for (const f of this.toClose.splice(0)) closeSync(f.fd);
    this.syncing = false;
    for (const listener of this.listeners) listener(batch);
    if (this.dirty.size > 0 || this.unsynced.size > 0) this.schedule();
    else {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }
}

function datasync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())));
}
