// Node life cycle (warren only: stop_app, reset, start_app, force_reset, stop), unreachable targets and
// timeouts on both targets, and definitions moving between warren and RabbitMQ.
import { createServer, type Server } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctlMain } from '../helpers/ctl-main.js';
import { parseTsv, RABBITMQ_API_URL, runCtl, uniqueName, warrenTarget, type CtlOptions } from './ctl.js';

describe('warren node life cycle: stop_app, reset, start_app, force_reset, stop', () => {
  let target: Awaited<ReturnType<typeof warrenTarget>>;
  const ctl = (args: readonly string[], options?: CtlOptions) => ctlMain([...target.args, ...args], options);

  beforeAll(async () => {
    target = await warrenTarget();
  });
  afterAll(async () => {
    await target?.stop();
  });

  it('reset is refused while the app runs (70), stop_app + reset + start_app leave only guest and /', async () => {
    expect((await ctl(['add_user', 'alice', 'secret'])).code).toBe(0);
    expect((await ctl(['add_vhost', 'extra'])).code).toBe(0);
    expect((await ctl(['set_permissions', 'alice', '.*', '.*', '.*'])).code).toBe(0);
    const conn = await amqp.connect(target.amqpUrl('alice', 'secret'));
    const ch = await conn.createChannel();
    await ch.assertQueue('durable-q', { durable: true });
    ch.sendToQueue('durable-q', Buffer.from('x'), { persistent: true });
    await ch.close();
    await conn.close();

    const refused = await ctl(['reset']);
    expect(refused.code).toBe(70);
    expect(refused.stderr).toContain('stop_app');

    let r = await ctl(['stop_app']);
    expect(r, r.stderr).toMatchObject({ code: 0, stdout: '' });
    expect(r.stderr).toBe('Stopping warren application ...\n');

    // the daemon keeps answering: ping, status, reads of definitions; the rest says the app is stopped
    expect((await ctl(['ping'])).stdout).toBe('Ping succeeded\n');
    const status = JSON.parse((await ctl(['status', '--formatter', 'json'])).stdout) as { app_running: boolean };
    expect(status.app_running).toBe(false);
    expect((await ctl(['list_users'])).code).toBe(0);
    const stopped = await ctl(['list_queues']);
    expect(stopped.code).toBe(69);
    expect(stopped.stderr).toContain('start_app');
    const waited = await ctl(['await_startup', '-t', '0.5']);
    expect(waited.code).toBe(75);
    await expect(amqp.connect(target.amqpUrl())).rejects.toThrow();

    r = await ctl(['reset']);
    expect(r.code, r.stderr).toBe(0);
    r = await ctl(['start_app']);
    expect(r.code, r.stderr).toBe(0);
    expect((await ctl(['await_startup', '-t', '10'])).code).toBe(0);

    expect(parseTsv((await ctl(['list_users'])).stdout)).toEqual([{ user: 'guest', tags: '[administrator]' }]);
    expect(parseTsv((await ctl(['list_vhosts'])).stdout)).toEqual([{ name: '/' }]);
    expect(parseTsv((await ctl(['list_permissions'])).stdout)).toEqual([{ user: 'guest', configure: '.*', write: '.*', read: '.*' }]);
    expect(parseTsv((await ctl(['list_queues'])).stdout)).toEqual([]);
    expect((await ctl(['list_queues', '-p', 'extra'])).code).toBe(65);
    await expect(amqp.connect(target.amqpUrl('alice', 'secret'))).rejects.toThrow();
    const guest = await amqp.connect(target.amqpUrl());
    await guest.close();
  });

  it('force_reset works while running', async () => {
    expect((await ctl(['add_user', 'bob', 'pw'])).code).toBe(0);
    const r = await ctl(['-y', 'force_reset']);
    expect(r.code, r.stderr).toBe(0);
    expect(parseTsv((await ctl(['list_users'])).stdout)).toEqual([{ user: 'guest', tags: '[administrator]' }]);
  });

  it('stop makes the daemon exit; then every command exits 69 with one line', async () => {
    const r = await ctl(['stop']);
    expect(r.code, r.stderr).toBe(0);
    const exited = await new Promise<number | null>((resolve) => {
      if (target.daemon.process.exitCode !== null) resolve(target.daemon.process.exitCode);
      else target.daemon.process.once('exit', (code) => resolve(code));
    });
    expect(exited).toBe(0);
    const after = await ctl(['list_queues']);
    expect(after.code).toBe(69);
    expect(after.stderr.trim().split('\n').at(-1)).toMatch(
      /^Error: warren-server is not running \(no control socket at .*warren\.sock\)\. Start it with: warren-server --data-dir /,
    );
  });
});

describe('unreachable targets and timeouts', () => {
  let dir: string;
  let hangingUnix: Server;
  let hangingTcp: Server;
  let tcpPort = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'warrenctl-e2e-'));
    hangingUnix = createServer(() => {});
    hangingTcp = createServer(() => {});
    await new Promise<void>((r) => hangingUnix.listen(join(dir, 'hang.sock'), r));
    await new Promise<void>((r) => hangingTcp.listen(0, '127.0.0.1', r));
    tcpPort = (hangingTcp.address() as { port: number }).port;
  });
  afterAll(() => {
    hangingUnix.close();
    hangingTcp.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('no daemon: one line, exit 69, no stack trace', async () => {
    const r = await runCtl(['--data-dir', dir, 'list_queues']);
    expect(r.code).toBe(69);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `Listing queues for vhost / ...\nError: warren-server is not running (no control socket at ${join(dir, 'warren.sock')}). Start it with: warren-server --data-dir ${dir}\n`,
    );
    const env = await runCtl(['-q', 'list_users'], { env: { WARREN_DATA_DIR: dir } });
    expect(env.code).toBe(69);
    expect(env.stderr).not.toMatch(/\n\s+at /);
  });

  it('unreachable management API: 69', async () => {
    const r = await runCtl(['--api-url', 'http://guest:guest@127.0.0.1:1', '-q', 'list_queues']);
    expect(r.code).toBe(69);
    expect(r.stderr).toBe('Error: cannot reach the management API at http://127.0.0.1:1: ECONNREFUSED\n');
  });

  it('timeout: 75 on the socket and over TCP', async () => {
    const unix = await runCtl(['--socket', join(dir, 'hang.sock'), '-t', '0.5', '-q', 'list_queues']);
    expect(unix.code).toBe(75);
    expect(unix.stderr).toMatch(/^Error: timed out after 500 ms: waiting for GET \/api\/queues\/%2F/);
    const tcp = await runCtl(['--api-url', `http://guest:guest@127.0.0.1:${tcpPort}`, '--timeout', '0.5', '-q', 'list_users']);
    expect(tcp.code).toBe(75);
    const startup = await runCtl(['--data-dir', dir, '-t', '0.5', 'await_startup']);
    expect(startup.code).toBe(75);
  });

  it.skipIf(!RABBITMQ_API_URL)('wrong credentials for the RabbitMQ management API: 77', async () => {
    const url = new URL(RABBITMQ_API_URL as string);
    url.password = 'definitely-wrong';
    const r = await runCtl(['--api-url', url.href, '-q', 'list_users']);
    expect(r.code).toBe(77);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

if (!RABBITMQ_API_URL) console.warn('[e2e] RABBITMQ_API_URL is not set: skipping the 401 check and definitions between warren and RabbitMQ');

describe.skipIf(!RABBITMQ_API_URL)('definitions move between warren and RabbitMQ', () => {
  let target: Awaited<ReturnType<typeof warrenTarget>>;
  const warren = (args: readonly string[], options?: CtlOptions) => ctlMain([...target.args, ...args], options);
  const rabbit = (args: readonly string[], options?: CtlOptions) => ctlMain(['--api-url', RABBITMQ_API_URL as string, ...args], options);
  const user = uniqueName('wctl-moved');
  const vhost = uniqueName('wctl-moved-vh');

  beforeAll(async () => {
    target = await warrenTarget();
  });
  afterAll(async () => {
    await rabbit(['-q', 'delete_user', user]);
    await rabbit(['-q', 'delete_vhost', vhost]);
    await rabbit(['-q', 'delete_user', `${user}-back`]);
    await target?.stop();
  });

  it('export_definitions on warren imports into RabbitMQ, passwords included', async () => {
    expect((await warren(['add_user', user, 'moved-pw'])).code).toBe(0);
    expect((await warren(['add_vhost', vhost])).code).toBe(0);
    expect((await warren(['set_permissions', '-p', vhost, user, '.*', '.*', '.*'])).code).toBe(0);
    const conn = await amqp.connect(target.amqpUrl(user, 'moved-pw') + `/${encodeURIComponent(vhost)}`);
    const ch = await conn.createChannel();
    await ch.assertExchange('moved-x', 'topic', { durable: true });
    await ch.assertQueue('moved-q', { durable: true });
    await ch.bindQueue('moved-q', 'moved-x', 'a.#');
    await ch.assertExchange('moved-fan', 'fanout', { durable: true, arguments: { 'alternate-exchange': 'amq.fanout' } });
    await ch.assertQueue('moved-q2', { durable: true, arguments: { 'x-max-length': 100 } });
    await ch.bindExchange('moved-fan', 'moved-x', 'b.*');
    await ch.bindQueue('moved-q2', 'moved-fan', '', { 'x-note': 'kept' });
    await conn.close();

    const exported = await warren(['export_definitions']);
    expect(exported.code, exported.stderr).toBe(0);
    const imported = await rabbit(['import_definitions'], { input: exported.stdout });
    expect(imported.code, imported.stderr).toBe(0);

    expect((await rabbit(['authenticate_user', user, 'moved-pw'])).code).toBe(0);
    expect(parseTsv((await rabbit(['list_queues', '-p', vhost, 'name', 'durable'])).stdout)).toContainEqual({ name: 'moved-q', durable: 'true' });
    expect(parseTsv((await rabbit(['list_exchanges', '-p', vhost, 'name', 'type'])).stdout)).toContainEqual({ name: 'moved-x', type: 'topic' });
    expect(parseTsv((await rabbit(['list_bindings', '-p', vhost, 'source_name', 'destination_name', 'routing_key'])).stdout)).toContainEqual({
      source_name: 'moved-x',
      destination_name: 'moved-q',
      routing_key: 'a.#',
    });

    // export again from RabbitMQ: the same user, vhost, permissions, queues, exchanges and bindings
    const again = await rabbit(['export_definitions', '-']);
    expect(again.code, again.stderr).toBe(0);
    expect(ours(JSON.parse(again.stdout) as Definitions)).toEqual(ours(JSON.parse(exported.stdout) as Definitions));
    expect(ours(JSON.parse(exported.stdout) as Definitions).bindings).toHaveLength(3);
  });

  type Definitions = Record<'users' | 'vhosts' | 'permissions' | 'queues' | 'exchanges' | 'bindings', Record<string, unknown>[]>;
  /** This test's objects from a definitions file, with the fields both brokers write, in a stable order. */
  function ours(d: Definitions): Record<string, unknown[]> {
    const fields = {
      users: ['name', 'password_hash', 'hashing_algorithm', 'tags'],
      vhosts: ['name'],
      permissions: ['user', 'vhost', 'configure', 'write', 'read'],
      queues: ['name', 'vhost', 'durable', 'auto_delete', 'arguments'],
      exchanges: ['name', 'vhost', 'type', 'durable', 'auto_delete', 'internal', 'arguments'],
      bindings: ['source', 'vhost', 'destination', 'destination_type', 'routing_key', 'arguments'],
    } as const;
    const mine = (x: Record<string, unknown>) => x.name === user || x.user === user || x.vhost === vhost || (x.name === vhost && !('vhost' in x));
    const out: Record<string, unknown[]> = {};
    for (const [kind, keys] of Object.entries(fields)) {
      out[kind] = (d[kind as keyof Definitions] ?? [])
        // RabbitMQ also grants the importing user (guest) access to a vhost the import creates: compare our user's
        .filter((x) => mine(x) && (kind !== 'permissions' || x.user === user))
        .map((x) => Object.fromEntries(keys.map((k) => [k, k === 'tags' && typeof x[k] === 'string' ? String(x[k]).split(',').filter(Boolean) : x[k]])))
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    }
    return out;
  }

  it('export_definitions on RabbitMQ imports into warren', async () => {
    expect((await rabbit(['add_user', `${user}-back`, 'back-pw'])).code).toBe(0);
    const exported = await rabbit(['export_definitions', '-']);
    expect(exported.code).toBe(0);
    const imported = await warren(['import_definitions', '-'], { input: exported.stdout });
    expect(imported.code, imported.stderr).toBe(0);
    expect((await warren(['authenticate_user', `${user}-back`, 'back-pw'])).code).toBe(0);
    expect(parseTsv((await warren(['list_queues', '-p', vhost])).stdout).map((q) => q.name)).toContain('moved-q');
  });
});
