// warren-server as a process: startup lines, clean shutdown, port conflicts, detached mode.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.js';
import { serverBin, startWarren } from '../helpers/warren.js';

describe('warren-server daemon', () => {
  it('prints version, data directory and listener, and closes clients with 320 on SIGTERM', async () => {
    const w = await startWarren();
    expect(w.output()).toMatch(/Warren \d+\.\d+\.\d+ \(AMQP 0-9-1 broker\) starting, pid \d+/);
    expect(w.output()).toContain(`data directory: ${w.dataDir}`);
    const conn = await amqp.connect(w.url);
    conn.on('error', () => {});
    const closed = new Promise<Error>((resolve) => conn.once('close', resolve));
    expect(await w.stop('SIGTERM')).toBe(0);
    expect((await closed).message).toMatch(/320.*CONNECTION_FORCED - broker forced connection closure with reason 'shutdown'/);
  });

  it('exits 69 with one clear line when the port is taken', async () => {
    const w = await startWarren();
    const dir = mkdtempSync(join(tmpdir(), 'warren-test-'));
    const r = spawnSync(process.execPath, [serverBin, '--port', String(w.port), '--bind', '127.0.0.1', '--data-dir', dir, '--no-management', '--no-metrics'], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(69);
    expect(r.stderr).toMatch(new RegExp(`127.0.0.1:${w.port} is already in use`));
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    await w.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('--help shows one default for --data-dir (issue 15)', () => {
    const r = spawnSync(process.execPath, [serverBin, '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    const at = lines.findIndex((l) => l.trimStart().startsWith('--data-dir'));
    expect(at).toBeGreaterThanOrEqual(0);
    // the entry runs until the next option line
    const next = lines.findIndex((l, i) => i > at && l.trimStart().startsWith('-'));
    const entry = lines.slice(at, next).join(' ').replace(/\s+/g, ' ');
    expect(entry.match(/default/g)).toHaveLength(1);
    expect(entry).toContain('$WARREN_DATA_DIR, else ~/.local/share/warren');
  });

  it('exits 64 on a bad option', () => {
    const r = spawnSync(process.execPath, [serverBin, '--port', 'eighty'], { encoding: 'utf8' });
    expect(r.status).toBe(64);
    expect(r.stderr).toMatch(/--port/);
  });

  it('--detached returns once the broker listens and leaves a pid file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warren-test-'));
    const r = spawnSync(
      process.execPath,
      [serverBin, '--detached', '--port', '0', '--bind', '127.0.0.1', '--data-dir', dir, '--no-management', '--no-metrics'],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/started in the background, pid \d+/);
    const pid = Number(readFileSync(join(dir, 'warren.pid'), 'utf8'));
    const port = Number(/AMQP listener on [^:]+:(\d+)/.exec(readFileSync(join(dir, 'warren.log'), 'utf8'))![1]);
    const conn = await amqp.connect(`amqp://guest:guest@127.0.0.1:${port}`);
    await conn.close();
    process.kill(pid, 'SIGTERM');
    await waitFor(() => !existsSync(join(dir, 'warren.pid')), 'the pid file to go');
    rmSync(dir, { recursive: true, force: true });
  });
});
