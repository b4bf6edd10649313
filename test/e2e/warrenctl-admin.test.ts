// warrenctl's admin commands end to end, one suite run against each target: the local warren daemon
// (over its control socket) and a real RabbitMQ (over its management API, when RABBITMQ_API_URL is set).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctlMain } from '../helpers/ctl-main.js';
import { ctlBin } from '../helpers/warren.js';
import { eventually, parseTsv, RABBITMQ_API_URL, rabbitmqTarget, runCtl, uniqueName, warrenTarget, type CtlOptions, type Target } from './ctl.js';

if (!RABBITMQ_API_URL) {
  console.warn(
    '[e2e] RABBITMQ_API_URL is not set: skipping the warrenctl suite against RabbitMQ (CI sets it; e.g. RABBITMQ_API_URL=http://guest:guest@127.0.0.1:15672)',
  );
}

const TARGETS: { name: 'warren' | 'rabbitmq'; skip: boolean; make: () => Promise<Target> }[] = [
  { name: 'warren', skip: false, make: warrenTarget },
  { name: 'rabbitmq', skip: !RABBITMQ_API_URL, make: async () => rabbitmqTarget(RABBITMQ_API_URL as string) },
];

for (const { name: targetName, skip, make } of TARGETS) {
  describe.skipIf(skip)(`warrenctl admin commands against ${targetName}`, () => {
    let target: Target;
    // warrenctl's main() in-process; the seed sequence below goes through bin/warrenctl, as a user types it
    const ctl = (args: readonly string[], options?: CtlOptions) => ctlMain([...target.args, ...args], options);
    const ctlProcess = (args: readonly string[], options?: CtlOptions) => runCtl([...target.args, ...args], options);
    const user = uniqueName('wctl-user');
    const vhost = uniqueName('wctl-vhost');
    const queue = uniqueName('wctl-q');
    const cleanupUsers = [user];
    const cleanupVhosts = [vhost];
    let tmp: string;

    beforeAll(async () => {
      target = await make();
      tmp = mkdtempSync(join(tmpdir(), 'warrenctl-e2e-'));
    });

    afterAll(async () => {
      if (!target) return;
      for (const u of cleanupUsers) await ctl(['-q', 'delete_user', u]);
      for (const v of cleanupVhosts) await ctl(['-q', 'delete_vhost', v]);
      await ctl(['-q', 'delete_queue', queue]);
      await target.stop();
      rmSync(tmp, { recursive: true, force: true });
    });

    it('the seed sequence works verbatim and list_queues shows the queue and its message count', async () => {
      let r = await ctlProcess(['add_user', user, 'pass']);
      expect(r, r.stderr).toMatchObject({ code: 0, stdout: '' });
      expect(r.stderr).toBe(`Adding user "${user}" ...\n`);
      r = await ctlProcess(['set_user_tags', user, 'administrator']);
      expect(r.code, r.stderr).toBe(0);
      r = await ctlProcess(['set_permissions', '-p', '/', user, '.*', '.*', '.*']);
      expect(r.code, r.stderr).toBe(0);

      // the new user connects and publishes
      const conn = await amqp.connect(target.amqpUrl(user, 'pass'));
      try {
        const ch = await conn.createConfirmChannel();
        await ch.assertQueue(queue, { durable: false });
        ch.sendToQueue(queue, Buffer.from('one'));
        ch.sendToQueue(queue, Buffer.from('two'));
        await ch.waitForConfirms();
        await ch.close();
      } finally {
        await conn.close();
      }

      const rows = await eventually(async () => {
        const out = await ctl(['list_queues']);
        expect(out.code, out.stderr).toBe(0);
        expect(out.stderr).toBe('Listing queues for vhost / ...\n');
        const parsed = parseTsv(out.stdout);
        expect(out.stdout.split('\n')[0]).toBe('name\tmessages');
        expect(parsed).toContainEqual({ name: queue, messages: '2' });
        return parsed;
      }, target.statsLagMs);
      expect(rows.length).toBeGreaterThan(0);

      const users = parseTsv((await ctl(['list_users'])).stdout);
      expect(users).toContainEqual({ user, tags: '[administrator]' });
      expect(users).toContainEqual({ user: 'guest', tags: '[administrator]' });
      const perms = parseTsv((await ctl(['list_user_permissions', user])).stdout);
      expect(perms).toEqual([{ vhost: '/', configure: '.*', write: '.*', read: '.*' }]);
      expect(parseTsv((await ctl(['list_permissions', '-p', '/'])).stdout)).toContainEqual({ user, configure: '.*', write: '.*', read: '.*' });
    });

    it('list_queues takes info items and every formatter', async () => {
      const cols = await eventually(async () => {
        const r = await ctl(['-q', 'list_queues', 'name', 'messages', 'consumers', 'durable', 'auto_delete']);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stderr).toBe('');
        const row = parseTsv(r.stdout).find((x) => x.name === queue);
        expect(row).toEqual({ name: queue, messages: '2', consumers: '0', durable: 'false', auto_delete: 'false' });
        return row;
      }, target.statsLagMs);
      expect(cols).toBeDefined();

      const json = await ctl(['list_queues', '--formatter', 'json', 'name', 'messages', 'durable']);
      expect(json.code).toBe(0);
      const list = JSON.parse(json.stdout) as { name: string; messages: number; durable: boolean }[];
      expect(list).toContainEqual({ name: queue, messages: 2, durable: false });

      const csv = await ctl(['list_queues', '--formatter=csv', 'name', 'messages']);
      expect(csv.stdout.split('\n')[0]).toBe('name,messages');
      expect(csv.stdout).toContain(`${queue},2\n`);

      const silent = await ctl(['-s', 'list_queues']);
      expect(silent.stderr).toBe('');
      expect(silent.stdout).not.toContain('name\tmessages');
      expect(silent.stdout).toContain(`${queue}\t2\n`);

      const noHeaders = await ctl(['list_queues', '--no-table-headers']);
      expect(noHeaders.stderr).toContain('Listing queues');
      expect(noHeaders.stdout).not.toContain('name\tmessages');

      expect((await ctl(['list_queues', 'bogus_item'])).code).toBe(64);
      expect((await ctl(['list_queues', '--formatter', 'yaml'])).code).toBe(64);
    });

    it.skipIf(!existsSync('/usr/bin/script'))('on a terminal: a table by default, colours unless NO_COLOR', async () => {
      const line = ['node', ctlBin, ...target.args, 'list_users'].map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');
      const tty = await new Promise<string>((resolve) => {
        const child = spawn('script', ['-qec', line, '/dev/null'], { env: { ...process.env, NO_COLOR: '' }, stdio: ['pipe', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
        child.on('close', () => resolve(out));
        child.stdin.end();
      });
      expect(tty).toContain('┌');
      expect(tty).toContain('guest');
      expect(tty).toContain('\u001b[');
      expect(tty).toContain('Listing users ...');
    });

    it('list_exchanges and list_bindings', async () => {
      const ex = parseTsv((await ctl(['list_exchanges'])).stdout);
      expect(ex).toContainEqual({ name: 'amq.direct', type: 'direct' });
      expect(ex).toContainEqual({ name: 'amq.topic', type: 'topic' });
      expect(ex).toContainEqual({ name: '', type: 'direct' });
      const full = JSON.parse((await ctl(['list_exchanges', '--formatter', 'json', 'name', 'type', 'durable', 'auto_delete', 'internal'])).stdout) as unknown[];
      expect(full).toContainEqual({ name: 'amq.fanout', type: 'fanout', durable: true, auto_delete: false, internal: false });

      const bindings = parseTsv((await ctl(['list_bindings'])).stdout);
      expect(bindings).toContainEqual({
        source_name: '',
        source_kind: 'exchange',
        destination_name: queue,
        destination_kind: 'queue',
        routing_key: queue,
        arguments: '{}',
      });
    });

    it('users: errors and passwords', async () => {
      const extra = uniqueName('wctl-u2');
      cleanupUsers.push(extra);
      expect((await ctl(['add_user', user, 'again'])).code).toBe(70); // exists, as rabbitmqctl 3.10
      // password from stdin (not a TTY)
      let r = await ctl(['add-user', extra], { input: 'fromstdin\n' });
      expect(r.code, r.stderr).toBe(0);
      r = await ctl(['authenticate_user', extra, 'fromstdin']);
      expect(r).toMatchObject({ code: 0, stdout: 'Success\n' });
      r = await ctl(['authenticate_user', extra, 'wrong']);
      expect(r.code).toBe(65);
      expect(r.stderr).toContain(`Error: authentication failed for user '${extra}'`);

      expect((await ctl(['change_password', extra, 'newpass'])).code).toBe(0);
      expect((await ctl(['authenticate_user', extra, 'newpass'])).code).toBe(0);
      expect((await ctl(['authenticate_user', extra, 'fromstdin'])).code).toBe(65);
      expect((await ctl(['change-password', extra], { input: 'viastdin\n' })).code).toBe(0);
      expect((await ctl(['authenticate_user', extra], { input: 'viastdin\n' })).code).toBe(0);

      // tags survive a password change and keep the password when set
      expect((await ctl(['set_user_tags', extra, 'monitoring', 'policymaker'])).code).toBe(0);
      expect((await ctl(['authenticate_user', extra, 'viastdin'])).code).toBe(0);
      const listed = JSON.parse((await ctl(['list_users', '--formatter', 'json'])).stdout) as { user: string; tags: string[] }[];
      expect(listed.find((u) => u.user === extra)?.tags.sort()).toEqual(['monitoring', 'policymaker']);
      expect((await ctl(['set_user_tags', extra])).code).toBe(0);
      expect(parseTsv((await ctl(['list_users'])).stdout)).toContainEqual({ user: extra, tags: '[]' });

      expect((await ctl(['clear_password', extra])).code).toBe(0);
      expect((await ctl(['authenticate_user', extra, 'viastdin'])).code).toBe(65);

      const missing = uniqueName('wctl-nobody');
      for (const args of [
        ['delete_user', missing],
        ['set_user_tags', missing, 'administrator'],
        ['change_password', missing, 'x'],
        ['clear_password', missing],
        ['list_user_permissions', missing],
      ]) {
        const res = await ctl(args);
        expect(res.code, args.join(' ')).toBe(67);
        expect(res.stderr).toContain(`Error: user '${missing}' does not exist`);
      }
      expect((await ctl(['delete_user', extra])).code).toBe(0);
      expect((await ctl(['delete_user', extra])).code).toBe(67);
    });

    it('vhosts and permissions', async () => {
      let r = await ctl(['add_vhost', vhost, '--description', 'e2e vhost', '--tags', 'a,b']);
      expect(r.code, r.stderr).toBe(0);
      const vhosts = JSON.parse((await ctl(['list_vhosts', '--formatter', 'json', 'name', 'description', 'tags'])).stdout) as {
        name: string;
        description: string;
        tags: string[];
      }[];
      expect(vhosts).toContainEqual({ name: vhost, description: 'e2e vhost', tags: ['a', 'b'] });
      expect(parseTsv((await ctl(['list_vhosts'])).stdout)).toContainEqual({ name: '/' });

      r = await ctl(['set_permissions', '-p', vhost, user, '^amq\\.', '', '.*']);
      expect(r.code, r.stderr).toBe(0);
      // RabbitMQ also grants the creating user (guest) full permissions on a new vhost
      expect(parseTsv((await ctl(['list_permissions', '-p', vhost])).stdout)).toContainEqual({ user, configure: '^amq\\.', write: '', read: '.*' });
      expect((await ctl(['list_queues', '-p', vhost])).stdout).toBe('name\tmessages\n');

      r = await ctl(['clear_permissions', '-p', vhost, user]);
      expect(r.code, r.stderr).toBe(0);
      const after = await ctl(['list_permissions', '-p', vhost]);
      expect(after.stdout.split('\n')[0]).toBe('user\tconfigure\twrite\tread');
      expect(parseTsv(after.stdout).map((p) => p.user)).not.toContain(user);

      const missingVhost = uniqueName('wctl-novhost');
      for (const args of [
        ['list_queues', '-p', missingVhost],
        ['list_permissions', '-p', missingVhost],
        ['delete_vhost', missingVhost],
        ['set_permissions', '-p', missingVhost, user, '.*', '.*', '.*'],
        ['purge_queue', '-p', missingVhost, 'q'],
      ]) {
        const res = await ctl(args);
        expect(res.code, args.join(' ')).toBe(65);
        expect(res.stderr.trim().split('\n').at(-1)).toMatch(/^Error: /);
      }
      expect((await ctl(['set_permissions', uniqueName('wctl-nobody'), '.*', '.*', '.*'])).code).toBe(67);
      expect((await ctl(['set_permissions', user, '(', '.*', '.*'])).code).toBe(65);

      expect((await ctl(['delete_vhost', vhost])).code).toBe(0);
      expect(parseTsv((await ctl(['list_vhosts'])).stdout).map((v) => v.name)).not.toContain(vhost);
    });

    it('topic permissions: set, list, enforced on publish, cleared', async () => {
      expect((await ctl(['add_user', user, 'pass'])).code).toBe(70); // exists already from the seed case (70, as rabbitmqctl)
      expect((await ctl(['set_permissions', user, '.*', '.*', '.*'])).code).toBe(0);
      let r = await ctl(['set_topic_permissions', user, 'amq.topic', '^logs\\.{username}\\.', '^logs\\.']);
      expect(r.code, r.stderr).toBe(0);
      expect((await ctl(['set_topic_permissions', user, 'amq.fanout', '.*', '.*'])).code).toBe(0);
      expect(parseTsv((await ctl(['list_topic_permissions'])).stdout)).toContainEqual({
        user,
        exchange: 'amq.topic',
        write: '^logs\\.{username}\\.',
        read: '^logs\\.',
      });
      expect(parseTsv((await ctl(['list_user_topic_permissions', user])).stdout)).toContainEqual({
        vhost: '/',
        exchange: 'amq.topic',
        write: '^logs\\.{username}\\.',
        read: '^logs\\.',
      });

      const conn = await amqp.connect(target.amqpUrl(user, 'pass'));
      conn.on('error', () => {});
      try {
        const ch = await conn.createConfirmChannel();
        ch.publish('amq.topic', `logs.${user}.info`, Buffer.from('allowed'));
        await ch.waitForConfirms();
        const refused = new Promise<Error>((resolve) => ch.once('error', resolve));
        ch.publish('amq.topic', 'logs.someone-else.info', Buffer.from('refused'));
        expect((await refused).message).toMatch(
          /ACCESS_REFUSED - access to topic 'logs.someone-else.info' in exchange 'amq.topic' in vhost '\/' refused for user/,
        );
      } finally {
        await conn.close().catch(() => {});
      }

      r = await ctl(['clear_topic_permissions', user, 'amq.fanout']);
      expect(r.code, r.stderr).toBe(0);
      expect(parseTsv((await ctl(['list_user_topic_permissions', user])).stdout).map((p) => p.exchange)).toEqual(['amq.topic']);
      expect((await ctl(['clear_topic_permissions', user])).code).toBe(0);
      expect(parseTsv((await ctl(['list_user_topic_permissions', user])).stdout)).toEqual([]);
      expect((await ctl(['list_user_topic_permissions', uniqueName('wctl-nobody')])).code).toBe(67);
      expect((await ctl(['set_topic_permissions', user, 'amq.topic', '(', '.*'])).code).toBe(65);
    });

    it('connections, channels and consumers, and close_connection', async () => {
      const conn = await amqp.connect(target.amqpUrl(user, 'pass'));
      const closed = new Promise<void>((resolve) => conn.on('close', () => resolve()));
      conn.on('error', () => {});
      const ch = await conn.createChannel();
      ch.on('error', () => {});
      await ch.prefetch(7);
      const { consumerTag } = await ch.consume(queue, () => {}, { noAck: false });

      const connRow = await eventually(async () => {
        const r = await ctl(['list_connections', '--formatter', 'json', 'name', 'user', 'peer_host', 'peer_port', 'state', 'vhost', 'channels']);
        expect(r.code, r.stderr).toBe(0);
        const row = (JSON.parse(r.stdout) as { name: string; user: string; vhost: string; state: string; peer_host: string; channels: number }[]).find(
          (c) => c.user === user,
        );
        expect(row).toMatchObject({ user, vhost: '/', state: 'running', peer_host: '127.0.0.1', channels: 1 });
        return row as { name: string };
      }, target.statsLagMs);
      expect(parseTsv((await ctl(['list_connections'])).stdout)[0]).toHaveProperty('peer_port');

      await eventually(async () => {
        const r = await ctl([
          'list_channels',
          '--formatter',
          'json',
          'pid',
          'user',
          'consumer_count',
          'messages_unacknowledged',
          'prefetch_count',
          'connection',
        ]);
        const rows = JSON.parse(r.stdout) as Record<string, unknown>[];
        expect(rows.find((c) => c.user === user)).toMatchObject({ user, consumer_count: 1, prefetch_count: 7, connection: connRow.name });
      }, target.statsLagMs);
      expect(parseTsv((await ctl(['list_channels'])).stdout.split('\n')[0] + '\n').length).toBe(0);
      expect((await ctl(['list_channels'])).stdout.split('\n')[0]).toBe('pid\tuser\tconsumer_count\tmessages_unacknowledged');

      await eventually(async () => {
        const r = await ctl(['list_consumers', '--formatter', 'json']);
        const rows = JSON.parse(r.stdout) as Record<string, unknown>[];
        expect(rows).toContainEqual(expect.objectContaining({ queue_name: queue, consumer_tag: consumerTag, ack_required: true, prefetch_count: 7 }));
      }, target.statsLagMs);

      const r = await ctl(['close_connection', connRow.name, 'e2e says bye']);
      expect(r.code, r.stderr).toBe(0);
      await closed;
      expect((await ctl(['close_connection', 'no such connection', 'bye'])).code).toBe(65);
    });

    it('purge_queue and delete_queue', async () => {
      expect((await ctl(['delete_queue', '--if-empty', queue])).code).toBe(65);
      let r = await ctl(['purge_queue', queue]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe(`Purging queue '${queue}' in vhost '/' ...\n`);
      await eventually(async () => {
        expect(parseTsv((await ctl(['list_queues'])).stdout)).toContainEqual({ name: queue, messages: '0' });
      }, target.statsLagMs);
      r = await ctl(['delete_queue', queue, '--if-empty', '--if-unused']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe('Queue was successfully deleted with 0 messages\n');
      expect((await ctl(['delete_queue', queue])).code).toBe(65);
      expect((await ctl(['purge_queue', queue])).code).toBe(65);
    });

    it('definitions round trip: export to stdout and file, import from file and stdin', async () => {
      const r = await ctl(['export_definitions', '-']);
      expect(r.code, r.stderr).toBe(0);
      const defs = JSON.parse(r.stdout) as { users: { name: string }[]; vhosts: { name: string }[]; permissions: unknown[] };
      expect(defs.users.map((u) => u.name)).toContain(user);
      expect(defs.vhosts.map((v) => v.name)).toContain('/');

      const file = join(tmp, 'defs.json');
      expect((await ctl(['export_definitions', file])).code).toBe(0);
      expect(JSON.parse(readFileSync(file, 'utf8'))).toHaveProperty('users');

      const importedVhost = uniqueName('wctl-imported');
      const importedQueue = uniqueName('wctl-iq');
      cleanupVhosts.push(importedVhost);
      const small = {
        vhosts: [{ name: importedVhost }],
        queues: [{ name: importedQueue, vhost: importedVhost, durable: true, auto_delete: false, arguments: {} }],
        exchanges: [],
        bindings: [],
        users: [],
        permissions: [],
      };
      writeFileSync(join(tmp, 'small.json'), JSON.stringify(small));
      let imp = await ctl(['import_definitions', join(tmp, 'small.json')]);
      expect(imp.code, imp.stderr).toBe(0);
      expect(parseTsv((await ctl(['list_queues', '-p', importedVhost])).stdout).map((q) => q.name)).toEqual([importedQueue]);

      imp = await ctl(['import_definitions'], { input: JSON.stringify({ ...small, queues: [{ ...small.queues[0], name: `${importedQueue}-2` }] }) });
      expect(imp.code, imp.stderr).toBe(0);
      expect(
        parseTsv((await ctl(['list_queues', '-p', importedVhost])).stdout)
          .map((q) => q.name)
          .sort(),
      ).toEqual([importedQueue, `${importedQueue}-2`]);

      expect((await ctl(['import_definitions', '-'], { input: 'not json' })).code).toBe(65);
      expect((await ctl(['import_definitions', join(tmp, 'missing.json')])).code).toBe(65);
    });

    it('status, ping, await_startup', async () => {
      const ping = await ctl(['ping']);
      expect(ping).toMatchObject({ code: 0, stdout: 'Ping succeeded\n' });
      const status = await ctl(['status', '--formatter', 'json']);
      expect(status.code, status.stderr).toBe(0);
      const s = JSON.parse(status.stdout) as { version: string; app_running: boolean; listeners: { protocol: string; port: number }[] };
      expect(s.app_running).toBe(true);
      expect(typeof s.version).toBe('string');
      expect(s.listeners.some((l) => l.protocol === 'amqp')).toBe(true);
      const tsv = await ctl(['status']);
      expect(tsv.stdout.split('\n')[0]).toBe('key\tvalue');
      expect(tsv.stdout).toContain('app_running\ttrue');
      expect((await ctl(['await_startup', '-t', '10'])).code).toBe(0);
    });

    it('completion helper lists names from the target', async () => {
      const users = await ctl(['__complete', 'users']);
      expect(users.stdout.split('\n')).toContain('guest');
      expect((await ctl(['__complete', 'vhosts'])).stdout.split('\n')).toContain('/');
      expect((await ctl(['__complete', 'exchanges'])).stdout.split('\n')).toContain('amq.direct');
    });

    it('usage errors: unknown command 64, missing argument 64, too many arguments 64', async () => {
      const unknown = await ctl(['frobnicate']);
      expect(unknown.code).toBe(64);
      expect(unknown.stderr).toBe("Error: unknown command 'frobnicate'; run `warrenctl help` for the list of commands\n");
      const missing = await ctl(['add_user']);
      expect(missing.code).toBe(64);
      expect(missing.stderr).toContain("missing required argument 'username'");
      expect((await ctl(['set_permissions', user, '.*'])).code).toBe(64);
      expect((await ctl(['delete_user', 'a', 'b'])).code).toBe(64);
      expect((await ctl(['list_users', '--bogus'])).code).toBe(64);
    });

    if (targetName === 'rabbitmq') {
      it('warren-only node commands exit 69 naming the rabbitmqctl equivalent', async () => {
        for (const cmd of ['stop_app', 'start_app', 'reset', 'force_reset', 'stop']) {
          const r = await ctl(['-y', cmd]);
          expect(r.code, cmd).toBe(69);
          expect(r.stderr.trim().split('\n')).toHaveLength(1);
          expect(r.stderr).toContain('rabbitmqctl');
        }
      });
    }
  });
}
