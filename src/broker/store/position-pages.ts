// Pages of the position FIFOs (PositionQueue) kept on disk while a queue is long. A queue published
// to in turn with others gets one run per message (its records are not consecutive): 20 bytes each,
// so ten million such messages would hold 200 MB of runs in memory. The middle of such a FIFO is
// written here a page at a time and read back before its turn comes, so a queue holds a few pages
// whatever its length. The file is scratch: positions are rebuilt from the segments at every start,
// so it is emptied when opened and removed at close. Slots are reused; the file grows to the most
// pages out at once.
import { closeSync, openSync, read, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface PagePool {
  /** Writes a page out; returns its slot, or -1 when it could not be written (the page stays in memory). */
  write(words: Uint32Array): number;
  /** Reads a slot back into `into`, at once when `sync`, else later; done(false) when it could not be read. */
  read(slot: number, into: Uint32Array, sync: boolean, done: (ok: boolean) => void): void;
  /** The slot's page is no longer needed (read back, or its queue let it go). */
  free(slot: number): void;
}

export const PAGES_FILE = 'positions.pages';

export class PositionPages implements PagePool {
  private fd = -1;
  private readonly freeSlots: number[] = [];
  private slots = 0;
  /** pages out now */
  out = 0;

  constructor(
    private readonly dir: string,
    /** bytes of a page (every page has the same size) */
    private readonly pageBytes: number,
  ) {}

  private get path(): string {
    return join(this.dir, PAGES_FILE);
  }

  write(words: Uint32Array): number {
    try {
      if (this.fd < 0) this.fd = openSync(this.path, 'w+', 0o600);
      const slot = this.freeSlots.pop() ?? this.slots++;
      const bytes = new Uint8Array(words.buffer, words.byteOffset, this.pageBytes);
      let done = 0;
      while (done < this.pageBytes) done += writeSync(this.fd, bytes, done, this.pageBytes - done, slot * this.pageBytes + done);
      this.out++;
      return slot;
    } catch {
      // a full disk: the page stays in memory, as it would without paging
      return -1;
    }
  }

  read(slot: number, into: Uint32Array, sync: boolean, done: (ok: boolean) => void): void {
    const bytes = new Uint8Array(into.buffer, into.byteOffset, this.pageBytes);
    const position = slot * this.pageBytes;
    if (sync) {
      let ok = false;
      try {
        let got = 0;
        while (got < this.pageBytes) {
          const n = readSync(this.fd, bytes, got, this.pageBytes - got, position + got);
          if (n === 0) break;
          got += n;
        }
        ok = got === this.pageBytes;
      } catch {
        ok = false;
      }
      done(ok);
      return;
    }
    read(this.fd, bytes, 0, this.pageBytes, position, (err, n) => done(!err && n === this.pageBytes));
  }

  free(slot: number): void {
    this.freeSlots.push(slot);
    this.out--;
  }

  /** Closes and removes the file (nothing in it outlives the process). */
  close(): void {
    if (this.fd >= 0) {
      try {
        closeSync(this.fd);
      } catch {
        // already closed
      }
      this.fd = -1;
    }
    rmSync(this.path, { force: true });
  }
}
