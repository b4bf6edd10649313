// One daemon per data directory. The daemon holds an advisory lock (an open-file-description lock
// taken through fs-native-extensions) on DATA_DIR/warren.lock for its whole life, and writes its pid
// there for people to read. The kernel releases the lock when the process dies, however it dies, so
// a lock file left by a crash or SIGKILL never blocks a start, even when its pid now belongs to
// another process. Where the native lock is unavailable, the owner recorded in the file counts only
// if it is a live process that holds the lock file open (seen through /proc).
import {
  closeSync,
  constants,
  fstatSync,
  ftruncateSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

export class DataDirLocked extends Error {}

interface NativeLock {
  tryLock(fd: number): boolean;
  unlock(fd: number): void;
}

function loadNativeLock(): NativeLock | null {
  try {
    return createRequire(import.meta.url)('fs-native-extensions') as NativeLock;
  } catch {
    return null;
  }
}

const LOCK_FILE = 'warren.lock';
const ATTEMPTS = 3;

/** Takes the lock or throws DataDirLocked; returns the function that releases it. */
export function lockDataDir(dir: string, native: NativeLock | null = loadNativeLock()): () => void {
  const path = join(dir, LOCK_FILE);
  return native ? advisoryLock(dir, path, native) : pidLock(dir, path);
}

function inUse(dir: string, path: string): DataDirLocked {
  const owner = ownerPid(path);
  return new DataDirLocked(`data directory ${dir} is in use by another warren-server${owner ? ` (pid ${owner})` : ''}`);
}

function ownerPid(path: string): number | null {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function advisoryLock(dir: string, path: string, native: NativeLock): () => void {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o600);
    let locked = false;
    try {
      locked = native.tryLock(fd);
    } finally {
      if (!locked) closeSync(fd);
    }
    if (!locked) throw inUse(dir, path);
    // A daemon releasing its lock removes the file first: if ours is no longer the file at the
    // path, another daemon may lock the new one, so start over on that.
    const held = fstatSync(fd);
    const current = statSync(path, { throwIfNoEntry: false });
    if (!current || current.ino !== held.ino || current.dev !== held.dev) {
      native.unlock(fd);
      closeSync(fd);
      continue;
    }
    ftruncateSync(fd, 0);
    writeSync(fd, `${process.pid}\n`, 0);
    return () => {
      rmSync(path, { force: true }); // while still locked, so nobody locks a file about to vanish
      native.unlock(fd);
      closeSync(fd);
    };
  }
  throw new DataDirLocked(`cannot lock data directory ${dir}`);
}

/** Without the native lock: the pid in the file, trusted only if that process holds the file open. */
function pidLock(dir: string, path: string): () => void {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = ownerPid(path);
      if (owner !== null && owner !== process.pid && holdsLock(owner, path)) throw inUse(dir, path);
      rmSync(path, { force: true });
      continue;
    }
    writeSync(fd, `${process.pid}\n`);
    // Kept open for the daemon's life: that open file is what other starts look for.
    return () => {
      rmSync(path, { force: true });
      closeSync(fd);
    };
  }
  throw new DataDirLocked(`cannot lock data directory ${dir}`);
}

/** Whether process `pid` is alive and has `path` open; without /proc, whether it is alive. */
function holdsLock(pid: number, path: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  let real: string;
  let fds: string[];
  try {
    real = realpathSync(path);
  } catch {
    return false;
  }
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch (err) {
    // No /proc here (or not ours to read): a live process with that pid is all we can know.
    return (err as NodeJS.ErrnoException).code !== 'ENOENT' || !procAvailable();
  }
  return fds.some((fd) => {
    try {
      return readlinkSync(`/proc/${pid}/fd/${fd}`) === real;
    } catch {
      return false;
    }
  });
}

function procAvailable(): boolean {
  try {
    readdirSync(`/proc/${process.pid}/fd`);
    return true;
  } catch {
    return false;
  }
}
