// The store's file layer: small synchronous helpers that handle short reads and writes, and the
// one place where a test can inject faults (a full disk, a failing fsync) without root-only mounts.
//
// Fault injection is off unless the daemon starts with WARREN_TEST_FAULTS=<path of a control file>.
// While that file holds `enospc`, every write fails with ENOSPC; while it holds `eio-fsync`, every
// fdatasync fails with EIO; anything else (or no file) means no fault. The variable is read once,
// at start, so a production daemon pays nothing for this.
import { close, fdatasync, readFileSync, readSync, writevSync } from 'node:fs';

/** writev takes at most IOV_MAX (1024) buffers per call. */
const IOV_MAX = 1024;

export type Fault = 'enospc' | 'eio-fsync' | null;

const faultFile = process.env.WARREN_TEST_FAULTS ?? '';

/** The fault the test's control file asks for right now (always null outside tests). */
function injected(): Fault {
  if (faultFile === '') return null;
  let text = '';
  try {
    text = readFileSync(faultFile, 'utf8').trim();
  } catch {
    return null;
  }
  return text === 'enospc' || text === 'eio-fsync' ? text : null;
}

function fsError(code: string, syscall: string): NodeJS.ErrnoException {
  const message = code === 'ENOSPC' ? 'no space left on device' : 'i/o error';
  const err = new Error(`${code}: ${message}, ${syscall} (injected by WARREN_TEST_FAULTS)`) as NodeJS.ErrnoException;
  err.code = code;
  err.syscall = syscall;
  return err;
}

function writev(fd: number, chunks: Buffer[], position?: number): number {
  if (injected() === 'enospc') throw fsError('ENOSPC', 'write');
  return position === undefined ? writevSync(fd, chunks) : writevSync(fd, chunks, position);
}

/** fdatasync with the test fault layer in front. */
export function datasync(fd: number): Promise<void> {
  if (injected() === 'eio-fsync') return Promise.reject(fsError('EIO', 'fdatasync'));
  return new Promise((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())));
}

/**
 * Writes the chunks in `pending` in order (at `position`, or at the file's offset when null),
 * removing each from the array as it reaches the kernel. On a failure (a full disk) the error is
 * thrown and `pending` holds exactly what is still unwritten, so a retry continues where it stopped.
 * Returns the bytes written.
 */
export function writePending(fd: number, pending: Buffer[], position: number | null = null): number {
  let total = 0;
  while (pending.length > 0) {
    const batch = pending.length > IOV_MAX ? pending.slice(0, IOV_MAX) : pending;
    let n = position === null ? writev(fd, batch) : writev(fd, batch, position + total);
    total += n;
    // Drop what was written; a short write leaves part of one buffer.
    let done = 0;
    while (done < batch.length && n >= batch[done]!.length) n -= batch[done++]!.length;
    if (done < batch.length && n > 0) batch[done] = batch[done]!.subarray(n);
    if (batch === pending) pending.splice(0, done);
    else {
      if (done < batch.length) pending[done] = batch[done]!;
      pending.splice(0, done);
    }
  }
  return total;
}

/** Writes every chunk, at `position` or (when null) at the file's current offset; returns bytes written. */
export function writeAll(fd: number, chunks: Buffer[], position: number | null = null): number {
  return writePending(fd, chunks.slice(), position);
}

export function readFully(fd: number, buf: Buffer, position: number): void {
  let done = 0;
  while (done < buf.length) {
    const n = readSync(fd, buf, done, buf.length - done, position + done);
    if (n === 0) throw new Error('file ended early');
    done += n;
  }
}

/**
 * Closes a descriptor on the thread pool. The last close of a deleted segment frees its blocks
 * (with discard, the device is told too), which took milliseconds on the event loop.
 */
export function closeInBackground(fd: number): void {
  close(fd, () => {
    // already closed or never usable: nothing to release
  });
}
