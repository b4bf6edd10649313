// Small synchronous file helpers that handle short reads and writes.
import { readSync, writevSync } from 'node:fs';

/** writev takes at most IOV_MAX (1024) buffers per call. */
const IOV_MAX = 1024;

/** Writes every chunk, at `position` or (when null) at the file's current offset; returns bytes written. */
export function writeAll(fd: number, chunks: Buffer[], position: number | null = null): number {
  let total = 0;
  for (let i = 0; i < chunks.length; i += IOV_MAX) {
    let rest = chunks.slice(i, i + IOV_MAX);
    while (rest.length > 0) {
      let n = position === null ? writevSync(fd, rest) : writevSync(fd, rest, position + total);
      total += n;
      // A short write leaves part of one buffer; continue from there.
      const next: Buffer[] = [];
      for (const c of rest) {
        if (n >= c.length) n -= c.length;
        else {
          next.push(n > 0 ? c.subarray(n) : c);
          n = 0;
        }
      }
      rest = next;
    }
  }
  return total;
}

export function readFully(fd: number, buf: Buffer, position: number): void {
  let done = 0;
  while (done < buf.length) {
    const n = readSync(fd, buf, done, buf.length - done, position + done);
    if (n === 0) throw new Error('file ended early');
    done += n;
  }
}
