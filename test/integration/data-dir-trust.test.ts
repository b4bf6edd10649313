// issue 10 point 16: the control socket gives full control to whoever can connect to it, so its
// trust is the OS user owning the data directory. warren-server refuses (one line, exit 78) a data
// directory that someone else could change, and everything it creates there is mode 0600.
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.js';
import { serverBin, startWarren } from '../helpers/warren.js';
import { call } from './api-http.js';

const EX_CONFIG = 78;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'warren-trust-'));
  dirs.push(d);
  return d;
}

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [serverBin, '--port', '0', '--bind', '127.0.0.1', '--no-management', '--no-metrics', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    // A daemon that starts when it should have refused is stopped at once (the test then fails).
    const started = (): void => {
      if (!args.includes('--detached') && /AMQP listener on/.test(stdout + stderr)) child.kill('SIGTERM');
    };
    child.stdout.setEncoding('utf8').on('data', (d: string) => ((stdout += d), started()));
    child.stderr.setEncoding('utf8').on('data', (d: string) => ((stderr += d), started()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Every file and directory under `dir` with its permission bits. */
function modes(dir: string): [string, number][] {
  const out: [string, number][] = [];
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const path = join(e.parentPath, e.name);
    out.push([path.slice(dir.length + 1), statSync(path).mode & 0o777]);
  }
  return out;
}

describe('a data directory others could change', () => {
  it.each([
    ['0770', 'its group'],
    ['0703', 'others'],
    ['0777', 'its group and others'],
  ])('with mode %s is refused with one line and exit 78', async (mode, who) => {
    const dir = tempDir();
    chmodSync(dir, parseInt(mode, 8));
    const r = await run(['--data-dir', dir]);
    expect(r.code).toBe(EX_CONFIG);
    expect(r.stderr).toBe(
      `error: data directory ${dir} is writable by ${who} (mode ${mode}), so the control socket in it could be replaced; run: chmod go-w ${dir}\n`,
    );
    expect(readdirSync(dir)).toEqual([]); // nothing was created in it
  });

  it.skipIf(process.geteuid?.() !== 0)('owned by another user is refused (exit 78)', async () => {
    const dir = tempDir();
    chownSync(dir, 65534, 65534);
    const r = await run(['--data-dir', dir]);
    expect(r.code).toBe(EX_CONFIG);
    expect(r.stderr).toMatch(new RegExp(`^error: data directory ${dir} belongs to uid 65534, not to the user running warren-server \\(uid 0\\).*\\n$`));
  });

  it('that is a file is refused with one line (exit 78)', async () => {
    const file = join(tempDir(), 'not-a-dir');
    writeFileSync(file, '');
    const r = await run(['--data-dir', file]);
    expect(r.code).toBe(EX_CONFIG);
    expect(r.stderr).toMatch(new RegExp(`^error: cannot create data directory ${file}: .*EEXIST.*\\n$`));
  });

  it('is created with mode 0700 when missing', async () => {
    const parent = tempDir();
    const dir = join(parent, 'a', 'b');
    const w = await startWarren({ dataDir: dir });
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    await w.stop();
  });
});

describe('files in the data directory', () => {
  it('are created readable by their owner only: definitions, segments, lock, pid, socket', async () => {
    const dir = tempDir();
    const w = await startWarren({ dataDir: dir });
    await call({ socketPath: w.socket }, 'PUT', '/api/users/secret-holder', { json: { password: 'p', tags: '' } });
    const c = await amqp.connect(w.url);
    const ch = await c.createConfirmChannel();
    await ch.assertQueue('kept', { durable: true });
    ch.sendToQueue('kept', Buffer.from('persistent'), { persistent: true });
    await ch.waitForConfirms();
    await c.close();
    const running = modes(dir);
    expect(running.map(([p]) => p)).toEqual(expect.arrayContaining(['warren.sock', 'warren.lock', 'warren.pid']));
    expect(running.filter(([, m]) => (m & 0o077) !== 0)).toEqual([]);
    await w.stop();
    expect(modes(dir).filter(([, m]) => (m & 0o077) !== 0)).toEqual([]);
  });

  it('left readable by others (by an older warren) are made private at start, the directory too', async () => {
    const dir = tempDir();
    const first = await startWarren({ dataDir: dir });
    await call({ socketPath: first.socket }, 'PUT', '/api/users/secret-holder', { json: { password: 'p', tags: '' } });
    await first.stop();
    chmodSync(dir, 0o755);
    for (const [path] of modes(dir)) chmodSync(join(dir, path), statSync(join(dir, path)).isDirectory() ? 0o755 : 0o644);
    const second = await startWarren({ dataDir: dir });
    expect(second.output()).toMatch(/made \d+ files and directories in the data directory private/);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(modes(dir).filter(([, m]) => (m & 0o077) !== 0)).toEqual([]);
    await second.stop();
  });

  it('include the log and pid file of a detached daemon', async () => {
    const dir = tempDir();
    const r = await run(['--data-dir', dir, '--detached']);
    expect(r.code).toBe(0);
    const pid = Number(readFileSync(join(dir, 'warren.pid'), 'utf8'));
    try {
      expect(statSync(join(dir, 'warren.log')).mode & 0o777).toBe(0o600);
      expect(statSync(join(dir, 'warren.pid')).mode & 0o777).toBe(0o600);
    } finally {
      process.kill(pid, 'SIGTERM');
      await waitFor(() => {
        try {
          process.kill(pid, 0);
          return false;
        } catch {
          return true;
        }
      }, 'the detached daemon to stop');
    }
  });
});
