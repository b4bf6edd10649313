import { createServer, type Server } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../src/cli/admin-client.js';
import { CliError, ExitCode, exitCodeForHttpStatus } from '../../src/cli/exit-codes.js';
import { describeFailure, main } from '../../src/cli/main.js';

async function run(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io = {
    stdout: { write: (s: string) => ((out += s), true), isTTY: false },
    stderr: { write: (s: string) => ((err += s), true), isTTY: false },
    stdin: process.stdin,
    env,
  };
  const code = await main(argv, io);
  return { code, out, err };
}

describe('exit codes', () => {
  it('are sysexits, as rabbitmqctl', () => {
    expect(ExitCode).toMatchObject({ OK: 0, USAGE: 64, DATA_ERROR: 65, NO_USER: 67, UNAVAILABLE: 69, SOFTWARE: 70, TEMP_FAIL: 75, NO_PERMISSION: 77 });
  });

  it('map HTTP statuses', () => {
    expect(exitCodeForHttpStatus(400)).toBe(65);
    expect(exitCodeForHttpStatus(404)).toBe(65);
    expect(exitCodeForHttpStatus(401)).toBe(77);
    expect(exitCodeForHttpStatus(409)).toBe(70);
    expect(exitCodeForHttpStatus(503)).toBe(69);
    expect(exitCodeForHttpStatus(500)).toBe(70);
  });

  it('describe failures in one line', () => {
    expect(describeFailure(new CliError(ExitCode.NO_USER, 'user x does not exist'))).toEqual({ code: 67, message: 'user x does not exist' });
    expect(describeFailure(new ApiError(503, 'app_stopped', 'stopped', 'GET', '/api/queues')).code).toBe(69);
    expect(describeFailure(new ApiError(401, 'not_authorised', 'Login failed', 'GET', '/api/users')).code).toBe(77);
    const internal = describeFailure(new TypeError('boom'));
    expect(internal).toEqual({ code: 70, message: 'internal error: boom' });
  });
});

describe('main', () => {
  let dir: string;
  let hanging: Server;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'warrenctl-unit-'));
    hanging = createServer(() => {}); // accepts, never answers
    await new Promise<void>((r) => hanging.listen(join(dir, 'hang.sock'), r));
  });
  afterAll(() => {
    hanging.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('unknown command: 64 with a suggestion', async () => {
    const r = await run(['list_queue']);
    expect(r.code).toBe(64);
    expect(r.err).toMatch(/^Error: unknown command 'list_queue' \(did you mean list_queues/);
  });

  it('missing argument: 64', async () => {
    const r = await run(['--data-dir', dir, 'delete_user']);
    expect(r.code).toBe(64);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  it('unknown info item: 64', async () => {
    expect((await run(['--data-dir', dir, 'list_queues', 'bogus'])).code).toBe(64);
  });

  it('no daemon: one line naming the socket, 69', async () => {
    const r = await run(['--data-dir', dir, 'list_queues']);
    expect(r.code).toBe(69);
    const lines = r.err.trim().split('\n');
    expect(lines.at(-1)).toBe(
      `Error: warren-server is not running (no control socket at ${join(dir, 'warren.sock')}). Start it with: warren-server --data-dir ${dir}`,
    );
    expect(r.out).toBe('');
  });

  it('WARREN_DATA_DIR finds the socket', async () => {
    const r = await run(['-q', 'list_users'], { WARREN_DATA_DIR: dir });
    expect(r.err).toContain(join(dir, 'warren.sock'));
  });

  it('timeout: 75', async () => {
    const r = await run(['--socket', join(dir, 'hang.sock'), '-t', '0.3', '-q', 'list_queues']);
    expect(r.code).toBe(75);
    expect(r.err).toMatch(/^Error: timed out after 300 ms/);
  });

  it('bad --timeout or --api-url: 64', async () => {
    expect((await run(['-t', 'soon', 'list_queues'])).code).toBe(64);
    expect((await run(['--api-url', 'ftp://x', 'list_queues'])).code).toBe(64);
  });

  it('help and version exit 0; no arguments is a usage error', async () => {
    expect((await run(['--help'])).code).toBe(0);
    expect((await run(['help', 'add_user'])).out).toContain('Usage: warrenctl [global options] add_user <username> [<password>]');
    expect((await run(['add-user', '--help'])).out).toContain('add_user');
    expect((await run(['help', 'nope'])).code).toBe(64);
    expect((await run(['version'])).out).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect((await run(['--version'])).code).toBe(0);
    expect((await run([])).code).toBe(64);
  });

  it('hash_password needs no daemon and produces a RabbitMQ sha256 hash', async () => {
    const r = await run(['hash_password', 'secret']);
    expect(r.code).toBe(0);
    expect(Buffer.from(r.out.trim(), 'base64')).toHaveLength(36);
  });
});
