// Where the daemon keeps its files: --data-dir, else $WARREN_DATA_DIR, else ~/.local/share/warren.
import { mkdirSync } from 'node:fs';
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

export function ensureDataDir(paths: DataPaths): void {
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
}
