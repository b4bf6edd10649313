// Where the daemon keeps its files: --data-dir, else $WARREN_DATA_DIR, else ~/.local/share/warren.
//
// Trust: the control socket in the data directory gives full control of the broker to whoever can
// connect to it, without a password. It is created with mode 0600, so the only one who can is the
// OS user owning it (and root). That is only true while nobody else can replace or reach into the
// data directory, so the daemon refuses to start unless the directory belongs to its own user and
// is writable by nobody else; and everything it creates there is private to that user (mode 0600).
import { chmodSync, lstatSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return env['WARREN_DATA_DIR'] || join(homedir(), '.local', 'share', 'warren');
}

export interface DataPaths {
  dir: string;
  socket: string;
  pidFile: string;
  logFile: string;
}

export function dataPaths(dir: string): DataPaths {
  const abs = resolve(dir);
  return {
    dir: abs,
    socket: join(abs, 'warren.sock'),
    pidFile: join(abs, 'warren.pid'),
    logFile: join(abs, 'warren.log'),
  };
}

/** The data directory cannot be trusted with the control socket (a configuration error, exit 78). */
export class DataDirUnsafe extends Error {}

/** Files the daemon creates are readable and writable by its own user only. */
export const PRIVATE_UMASK = 0o077;

/** Creates the data directory (mode 0700) if needed and checks that only its owner can change it. */
export function ensureDataDir(paths: DataPaths): void {
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  checkDataDirTrust(paths.dir);
}

/** Throws DataDirUnsafe unless `dir` is a directory owned by this process's user and writable by nobody else. */
export function checkDataDirTrust(dir: string, uid: number | undefined = process.geteuid?.()): void {
  const st = statSync(dir);
  if (!st.isDirectory()) throw new DataDirUnsafe(`data directory ${dir} is not a directory`);
  if (uid !== undefined && st.uid !== uid) {
    throw new DataDirUnsafe(
      `data directory ${dir} belongs to uid ${st.uid}, not to the user running warren-server (uid ${uid}); its owner could take over the control socket (chown it, or pick another --data-dir)`,
    );
  }
  const mode = st.mode & 0o777;
  if ((mode & 0o022) !== 0) {
    throw new DataDirUnsafe(
      `data directory ${dir} is writable by ${[(mode & 0o020) !== 0 ? 'its group' : '', (mode & 0o002) !== 0 ? 'others' : ''].filter(Boolean).join(' and ')} (mode ${mode.toString(8).padStart(4, '0')}), so the control socket in it could be replaced; run: chmod go-w ${dir}`,
    );
  }
}

/**
 * Makes what an older warren (or a hand-made directory) left readable by others private: the data
 * directory, its subdirectories and files lose their group and other bits. Symbolic links are left
 * alone. Returns how many entries changed.
 */
export function tightenModes(dir: string): number {
  let changed = 0;
  const visit = (path: string, depth: number): void => {
    const st = lstatSync(path);
    if (st.isSymbolicLink()) return;
    if ((st.mode & 0o077) !== 0) {
      try {
        chmodSync(path, st.mode & 0o700);
        changed++;
      } catch {
        // a file system without modes, or a file we do not own: nothing more to do for it
      }
    }
    if (st.isDirectory() && depth < MAX_DEPTH) for (const name of readdirSync(path)) visit(join(path, name), depth + 1);
  };
  visit(dir, 0);
  return changed;
}

/** The data directory's layout is shallow (segments and spool files one level down). */
const MAX_DEPTH = 4;
