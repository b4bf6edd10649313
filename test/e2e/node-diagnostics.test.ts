// environment, report, set_log_level and list_unresponsive_queues on both targets (warren and RabbitMQ 3.10.8).
import { createServer, type IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ctlMain } from '../helpers/ctl-main.js';
import { waitFor } from '../helpers/wait.js';
import type { Warren } from '../helpers/warren.js';
import { parseTsv, RABBITMQ_API_URL, type Target, uniqueName } from './ctl.js';
import { MESSAGING_TARGETS } from './messaging-helpers.js';
import { useTestVhost } from './vhost-suite.js';

type Json = Record<string, unknown>;

for (const spec of MESSAGING_TARGETS) {
  describe.skipIf(spec.skip)(`environment, report, set_log_level, list_unresponsive_queues against ${spec.name}`, { timeout: 120_000 }, () => {
    const vhost = uniqueName('ctl-diag');
    const queue = uniqueName('ctl-diag-q');
    const suite = useTestVhost(spec, vhost, [
      ['-p', vhost, 'declare_queue', queue, '--durable'],
      ['-p', vhost, 'set_vhost_limits', '{"max-queues": 50}'],
    ]);
    const ctl = (words: readonly string[]) => suite.ctl(words);
    const isWarren = spec.name === 'warren';
    const daemon = (): Warren => (suite.target as Target & { daemon: Warren }).daemon;

    it("environment: the node's settings by application, as rabbitmqctl environment names them", async () => {
      let r = await ctl(['-q', '-p', vhost, 'trace_on']);
      expect(r.code, r.stderr).toBe(0);
      r = await ctl(['--formatter', 'json', 'environment']);
      expect(r.code, r.stderr).toBe(0);
      const env = JSON.parse(r.stdout) as Record<string, Json>;
      const amqpPort = Number(new URL(suite.target.amqpUrl()).port || 5672);
      expect(env['rabbit']?.['tcp_listeners']).toContainEqual(expect.objectContaining({ port: amqpPort }));
      expect(env['rabbit']?.['trace_vhosts']).toContain(vhost);
      expect(env['rabbit']?.['disk_free_limit']).toEqual(expect.any(Number));
      expect(env['rabbitmq_management']?.['rates_mode']).toEqual(expect.stringMatching(/^(basic|none|detailed)$/));
      if (isWarren) {
        expect(env['rabbit']).toMatchObject({
          heartbeat: 60,
          frame_max: 131072,
          channel_max: 2047,
          connection_max: 'infinity',
          loopback_users: ['guest'],
          log: { level: 'info' },
        });
        expect(env['warren']).toMatchObject({ data_dir: daemon().dataDir, version: expect.any(String) });
        expect(r.stderr).toBe('Application environment of node at control socket ' + `${daemon().socket} ...\n`);
      } else {
        // the API's part of the environment, and a note saying so
        expect(r.stderr).toContain('run `rabbitmqctl environment` on the node for all of it');
        expect(env['rabbit']?.['enabled_plugins']).toContain('rabbitmq_management');
      }
      // key/value lines for the other formats
      r = await ctl(['-q', 'environment']);
      const rows = parseTsv(r.stdout);
      expect(rows.find((row) => row.key === 'rabbit.trace_vhosts')?.value).toContain(vhost);
      expect(rows.map((row) => row.key)).toContain('rabbit.tcp_listeners');
      expect((await ctl(['-q', '-p', vhost, 'trace_off'])).code).toBe(0);
    });

    it("report: status, cluster, environment, connections, channels, and each vhost's objects and parameters", async () => {
      let r = await ctl(['report']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/^Reporting server status of node at .* \.\.\.\n$/);
      for (const banner of [
        'Status of node at ',
        'Cluster status of node at ',
        'Application environment of node at ',
        'Listing connections ...',
        'Listing channels ...',
        `Listing queues for vhost ${vhost} ...`,
        `Listing exchanges for vhost ${vhost} ...`,
        `Listing policies for vhost "${vhost}" ...`,
        `Listing runtime parameters for vhost "${vhost}" ...`,
      ]) {
        expect(r.stdout).toContain(banner);
      }
      expect(r.stdout).toContain(`\n${queue}\t`);
      r = await ctl(['--formatter', 'json', 'report']);
      expect(r.code, r.stderr).toBe(0);
      const report = JSON.parse(r.stdout) as Json & { vhosts: Record<string, Record<string, Json[]>> };
      expect(Object.keys(report)).toEqual(['status', 'cluster_status', 'environment', 'connections', 'channels', 'vhosts']);
      const mine = report.vhosts[vhost]!;
      expect(Object.keys(mine)).toEqual(['queues', 'exchanges', 'bindings', 'consumers', 'permissions', 'policies', 'parameters']);
      expect(mine['queues']!.map((q) => q['name'])).toContain(queue);
      expect(mine['queues']!.find((q) => q['name'] === queue)).toMatchObject({ durable: true, auto_delete: false });
      expect(mine['exchanges']!.map((x) => x['name'])).toContain('amq.rabbitmq.trace');
      expect(mine['permissions']).toContainEqual(expect.objectContaining({ user: 'guest', configure: '.*' }));
      expect(mine['parameters']).toEqual([{ vhost, component: 'vhost-limits', name: 'limits', value: { 'max-queues': 50 } }]);
      expect(report.vhosts['/']).toBeDefined();
    });

    it('report leaves out a vhost deleted while it runs, with a warning, and exits 0', async () => {
      const doomed = uniqueName('ctl-diag-gone');
      expect((await ctl(['-q', 'add_vhost', doomed])).code).toBe(0);
      // An HTTP proxy in front of the management API holds its answer to the report's list of vhosts until `doomed`
      // is deleted: the report then reaches a vhost that is gone, every time.
      const upstream = new URL(isWarren ? daemon().apiUrl! : RABBITMQ_API_URL!);
      let held = 0;
      const proxy = createServer((req: IncomingMessage, res) => {
        void (async () => {
          const chunks: Buffer[] = [];
          for await (const c of req) chunks.push(c as Buffer);
          const answer = await fetch(new URL(req.url!, upstream.origin), {
            method: req.method ?? 'GET',
            headers: { authorization: req.headers.authorization ?? '', 'content-type': req.headers['content-type'] ?? 'application/json' },
            ...(chunks.length ? { body: Buffer.concat(chunks) } : {}),
          });
          const body = Buffer.from(await answer.arrayBuffer());
          if (req.method === 'GET' && /^\/api\/vhosts\?columns=name$/.test(req.url!) && held++ === 0) {
            expect((await ctl(['-q', 'delete_vhost', doomed])).code).toBe(0);
          }
          res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' }).end(body);
        })().catch((e: unknown) => res.writeHead(502).end(String(e)));
      });
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
      try {
        const via = new URL(upstream.href);
        via.host = `127.0.0.1:${(proxy.address() as { port: number }).port}`;
        if (isWarren) [via.username, via.password] = ['guest', 'guest'];
        for (const formatter of ['table', 'json']) {
          held = 0;
          if (formatter === 'json') expect((await ctl(['-q', 'add_vhost', doomed])).code).toBe(0);
          const r = await ctlMain(['--api-url', via.href, '--timeout', '90', '--formatter', formatter, 'report']);
          expect(r.code, r.stderr).toBe(0);
          expect(held).toBe(1);
          expect(r.stderr).toContain(`warning: vhost '${doomed}' was deleted while the report ran; left out\n`);
          expect(r.stdout).not.toContain(doomed);
          if (formatter === 'json') expect(Object.keys((JSON.parse(r.stdout) as { vhosts: Json }).vhosts)).toContain(vhost);
          else expect(r.stdout).toContain(`Listing queues for vhost ${vhost} ...`);
        }
      } finally {
        proxy.close();
        await ctl(['-q', 'delete_vhost', doomed]);
      }
    });

    it("set_log_level changes the daemon's level at run time; RabbitMQ's API cannot, and says what to use", async () => {
      if (!isWarren) {
        const r = await ctl(['set_log_level', 'debug']);
        expect(r.code).toBe(69);
        expect(r.stderr).toContain('`rabbitmqctl set_log_level <level>`');
        expect(r.stderr.split('\n').filter((l) => l !== '')).toHaveLength(1);
        return;
      }
      const count = (text: string): number => daemon().output().split(text).length - 1;
      const enabling = `Enabling tracing for vhost '${vhost}'`;
      const disabling = `Disabling tracing for vhost '${vhost}'`;
      const [enabled, disabled] = [count(enabling), count(disabling)];
      let r = await ctl(['set_log_level', 'warning']);
      expect(r, r.stderr).toMatchObject({ code: 0, stdout: '', stderr: 'Setting log level to "warning" ...\n' });
      expect(JSON.parse((await ctl(['--formatter', 'json', 'environment'])).stdout).rabbit.log).toEqual({ level: 'warning' });
      // an info line (tracing switched on) is no longer written at warning ...
      expect((await ctl(['-q', '-p', vhost, 'trace_on'])).code).toBe(0);
      r = await ctl(['set_log_level', 'info']);
      expect(r.code, r.stderr).toBe(0);
      // ... and is again at info
      expect((await ctl(['-q', '-p', vhost, 'trace_off'])).code).toBe(0);
      await waitFor(() => count(disabling) === disabled + 1, 'the info line at level info');
      expect(count(enabling)).toBe(enabled);
      expect(daemon().output()).toContain('log level changed from warning to info');
      r = await ctl(['set_log_level', 'loud']);
      expect(r.code).toBe(64);
      expect(r.stderr).toBe('Error: level loud is not supported. Try one of debug, info, notice, warning, error, critical, alert, emergency, none\n');
      expect((await ctl(['set_log_level'])).code).toBe(64);
    });

    it('set_vhost_tags replaces the tags and keeps the description; no tags clears them', async () => {
      const v = uniqueName('ctl-tags');
      const show = async () =>
        (JSON.parse((await ctl(['--formatter', 'json', 'list_vhosts', 'name', 'description', 'tags'])).stdout) as Json[]).find((x) => x['name'] === v);
      try {
        expect((await ctl(['-q', 'add_vhost', v, '--description', 'kept', '--tags', 'a'])).code).toBe(0);
        let r = await ctl(['set_vhost_tags', v, 'b', 'c']);
        expect(r, r.stderr).toMatchObject({ code: 0, stderr: `Setting tags for virtual host "${v}" to [b, c] ...\n` });
        expect(await show()).toEqual({ name: v, description: 'kept', tags: ['b', 'c'] });
        r = await ctl(['-q', 'set_vhost_tags', v]);
        expect(r.code, r.stderr).toBe(0);
        expect(await show()).toEqual({ name: v, description: 'kept', tags: [] });
        r = await ctl(['--formatter', 'json', 'set_vhost_tags', v, 'd']);
        expect(JSON.parse(r.stdout)).toEqual({ result: 'ok', message: `Setting tags for virtual host "${v}" to [d]` });
        const nosuch = uniqueName('ctl-nosuch');
        r = await ctl(['set_vhost_tags', nosuch, 'x']);
        expect(r.code).toBe(65);
        expect(await (async () => (JSON.parse((await ctl(['--formatter', 'json', 'list_vhosts'])).stdout) as Json[]).map((x) => x['name']))()).not.toContain(
          nosuch,
        );
      } finally {
        await ctl(['-q', 'delete_vhost', v]);
      }
    });

    it("list_unresponsive_queues: rabbitmqctl's columns; every queue answers here", async () => {
      let r = await ctl(['-p', vhost, 'list_unresponsive_queues']);
      expect(r, r.stderr).toMatchObject({ code: 0, stdout: 'name\n', stderr: `Listing unresponsive queues for vhost ${vhost} ...\n` });
      r = await ctl([
        '-q',
        '-p',
        vhost,
        'list_unresponsive_queues',
        'name',
        'durable',
        'auto_delete',
        'arguments',
        'pid',
        'recoverable_slaves',
        '--queue-timeout',
        '5',
        '--local',
      ]);
      expect(r, r.stderr).toMatchObject({ code: 0, stdout: 'name\tdurable\tauto_delete\targuments\tpid\trecoverable_slaves\n' });
      r = await ctl(['--formatter', 'json', '-p', vhost, 'list_unresponsive_queues']);
      expect(JSON.parse(r.stdout)).toEqual([]);
      r = await ctl(['-p', vhost, 'list_unresponsive_queues', 'messages']);
      expect(r.code).toBe(64);
      expect(r.stderr).toContain('info item(s) messages not supported by list_unresponsive_queues');
      expect((await ctl(['-p', vhost, 'list_unresponsive_queues', '--queue-timeout', '0'])).code).toBe(64);
      const nosuch = uniqueName('ctl-nosuch');
      r = await ctl(['-p', nosuch, 'list_unresponsive_queues']);
      expect(r.code).toBe(65);
      expect(r.stderr).toContain(`virtual host '${nosuch}' does not exist`);
    });
  });
}
