// issue 10 point 17: a lock file whose pid now belongs to another process must not block a start;
// only a warren-server that really holds the lock does.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirLocked, lockDataDir } from '../../src/server/data-lock.js';
import { waitFor } from '../helpers/wait.js';
import { serverBin, startWarren } from '../helpers/warren.js';

const EX_UNAVAILABLE = 69;
const dirs: string[] = [];
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'warren-lock-'));
  dirs.push(d);
  return d;
}

/** A live process that is not warren-server; with `holding`, it keeps that file open. */
async function bystander(holding?: string): Promise<number> {
  const code = holding
    ? `require('fs').openSync(${JSON.stringify(holding)}, 'r'); console.log('ready'); setInterval(() => {}, 1000)`
    : `console.log('ready'); setInterval(() => {}, 1000)`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(child);
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  await waitFor(() => out.includes('ready'), 'the bystander process to start');
  return child.pid!;
}

const lockPath = (dir: string) => join(dir, 'warren.lock');

describe('the data directory lock', () => {
  it('is taken over when its pid now belongs to a process that is not warren (pid reuse after a crash)', async () => {
    const dir = tempDir();
    const other = await bystander();
    writeFileSync(lockPath(dir), `${other}\n`, { mode: 0o600 });
    const w = await startWarren({ dataDir: dir });
    expect(Number(readFileSync(lockPath(dir), 'utf8'))).toBe(w.process.pid);
    // stopped at once after start: still a clean stop (the store drained, lock and pid file gone)
    expect(await w.stop()).toBe(0);
    expect(w.output()).toMatch(/\[info\] stopped\n/);
    expect(existsSync(lockPath(dir))).toBe(false);
    expect(existsSync(join(dir, 'warren.pid'))).toBe(false);
  });

  it('keeps a second warren-server out with one line and exit 69, naming the holder', async () => {
    const dir = tempDir();
    const w = await startWarren({ dataDir: dir });
    try {
      const r = spawnSync(process.execPath, [serverBin, '--port', '0', '--bind', '127.0.0.1', '--no-management', '--no-metrics', '--data-dir', dir], {
        encoding: 'utf8',
      });
      expect(r.status).toBe(EX_UNAVAILABLE);
      expect(r.stderr).toBe(`error: data directory ${dir} is in use by another warren-server (pid ${w.process.pid})\n`);
    } finally {
      await w.stop();
    }
  });

  it('is free again the moment its holder is killed, whatever the file says', async () => {
    const dir = tempDir();
    const first = await startWarren({ dataDir: dir });
    await first.stop('SIGKILL');
    expect(existsSync(lockPath(dir))).toBe(true); // left behind by the killed daemon
    const second = await startWarren({ dataDir: dir });
    expect(Number(readFileSync(lockPath(dir), 'utf8'))).toBe(second.process.pid);
    await second.stop();
  });

  it('holds within one process too (an open-file lock, not a pid)', () => {
    const dir = tempDir();
    const release = lockDataDir(dir);
    try {
      expect(() => lockDataDir(dir)).toThrow(DataDirLocked);
    } finally {
      release();
    }
    lockDataDir(dir)();
  });

  describe('without the native lock', () => {
    it('trusts a recorded pid only if that process holds the lock file open', async () => {
      const dir = tempDir();
      writeFileSync(lockPath(dir), '', { mode: 0o600 });
      const holder = await bystander(lockPath(dir));
      writeFileSync(lockPath(dir), `${holder}\n`);
      expect(() => lockDataDir(dir, null)).toThrow(new DataDirLocked(`data directory ${dir} is in use by another warren-server (pid ${holder})`));
      const unrelated = await bystander();
      writeFileSync(lockPath(dir), `${unrelated}\n`);
      const release = lockDataDir(dir, null);
      expect(Number(readFileSync(lockPath(dir), 'utf8'))).toBe(process.pid);
      release();
      expect(existsSync(lockPath(dir))).toBe(false);
    });
  });
});
