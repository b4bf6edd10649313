// One daemon per data directory: a lock file holding the owner's pid. A lock left by a process
// that no longer runs (a crash, SIGKILL) is taken over.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export class DataDirLocked extends Error {}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock or throws DataDirLocked; returns the function that releases it. */
export function lockDataDir(dir: string): () => void {
  const path = join(dir, 'warren.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
        throw new DataDirLocked(`data directory ${dir} is in use by another warren-server (pid ${owner})`);
      }
      rmSync(path, { force: true });
    }
  }
  throw new DataDirLocked(`cannot lock data directory ${dir}`);
}
