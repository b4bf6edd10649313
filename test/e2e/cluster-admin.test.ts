// Cluster administration on both targets (a warren node is a cluster of one; the RabbitMQ here may be one
// node or the three-node cluster): cluster_status, list_queues' node/type/leader/members/online columns,
// declare_queue --type quorum, quorum_status, rebalance, close_all_user_connections, and the hints for the
// rabbitmqctl commands warrenctl lacks.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctlBin } from '../helpers/warren.js';
import { waitFor } from '../helpers/wait.js';
import { ctlMain } from '../helpers/ctl-main.js';
import { parseTsv, runCtl, type Target, uniqueName } from './ctl.js';
import { ctlEnv, MESSAGING_TARGETS } from './messaging-helpers.js';

for (const spec of MESSAGING_TARGETS) {
  describe.skipIf(spec.skip)(`cluster administration against ${spec.name}`, { timeout: 120_000 }, () => {
    let target: Target;
    let args: string[];
    let node: string;
    const queues: string[] = [];
    const ctl = (words: readonly string[]) => ctlMain([...args, ...words]);

    beforeAll(async () => {
      target = await spec.make();
      args = spec.args(target);
      const status = JSON.parse((await ctl(['-q', '--formatter', 'json', 'cluster_status'])).stdout) as { cluster_name: string };
      node = spec.name === 'warren' ? status.cluster_name : status.cluster_name;
    });

    afterAll(async () => {
      if (!target) return;
      for (const q of queues) await ctl(['-q', 'delete_queue', q]);
      await target.stop();
    });

    it('cluster_status: nodes, running nodes, versions, alarms, partitions', async () => {
      const r = await ctl(['-q', 'cluster_status']);
      expect(r.code, r.stderr).toBe(0);
      const rows = parseTsv(r.stdout);
      expect(r.stdout.split('\n')[0]).toBe('node\trunning\ttype\tversion\talarms\tpartitions');
      const json = JSON.parse((await ctl(['-q', '--formatter', 'json', 'cluster_status'])).stdout) as Record<string, unknown>;
      expect(Object.keys(json).sort()).toEqual(['alarms', 'cluster_name', 'disk_nodes', 'partitions', 'ram_nodes', 'running_nodes', 'versions']);
      expect(json['running_nodes']).toContain(rows.find((n) => n.running === 'true')?.node);
      if (spec.name === 'warren') {
        expect(rows).toHaveLength(1);
        expect(rows[0]).toMatchObject({ running: 'true', type: 'disc', alarms: 'none', partitions: 'none' });
        expect(rows[0]?.node).toMatch(/^warren@/);
      } else {
        expect(rows.length).toBeGreaterThanOrEqual(1);
        expect(rows.find((n) => n.node === node)).toMatchObject({ running: 'true', version: '3.10.8' });
      }
    });

    it('declare_queue --type quorum; list_queues node/type/leader/members/online; quorum_status', async () => {
      const q = uniqueName('cli-quorum');
      queues.push(q);
      let r = await ctl(['-q', 'declare_queue', '--type', 'quorum', q]);
      expect(r.code, r.stderr).toBe(0);
      const row = await waitFor(
        async () => {
          const rows = parseTsv((await ctl(['-q', 'list_queues', 'name', 'type', 'node', 'leader', 'members', 'online'])).stdout);
          return rows.find((x) => x.name === q && x.leader);
        },
        'the quorum queue listed with its leader',
        { intervalMs: 500 },
      );
      expect(row.type).toBe('quorum');
      expect(row.node).toBe(row.leader);
      expect(row.members).toContain(row.leader);
      r = await ctl(['-q', 'quorum_status', q]);
      expect(r.code, r.stderr).toBe(0);
      const members = parseTsv(r.stdout);
      expect(members.filter((m) => m.role === 'leader')).toEqual([{ member: row.leader, role: 'leader', online: 'true' }]);
      // --online keeps it, --offline drops it
      expect(parseTsv((await ctl(['-q', 'list_queues', '--online', 'name'])).stdout).map((x) => x.name)).toContain(q);
      expect(parseTsv((await ctl(['-q', 'list_queues', '--offline', 'name'])).stdout).map((x) => x.name)).not.toContain(q);
      // a classic queue is no quorum queue
      const c = uniqueName('cli-classic');
      queues.push(c);
      expect((await ctl(['-q', 'declare_queue', c])).code).toBe(0);
      r = await ctl(['-q', 'quorum_status', c]);
      expect(r.code).toBe(65);
      expect(r.stderr).toBe(`Error: queue '${c}' in vhost '/' is not a quorum queue (type classic)\n`);
      expect((await ctl(['-q', 'quorum_status', uniqueName('nosuch')])).code).toBe(65);
      expect((await ctl(['-q', 'rebalance'])).code).toBe(0);
    });

    it("close_all_user_connections closes that user's connections with the reason", async () => {
      const user = uniqueName('cli-close-u');
      const q = uniqueName('cli-close-q');
      queues.push(q);
      expect((await ctl(['-q', 'add_user', user, 'pw'])).code).toBe(0);
      try {
        expect((await ctl(['-q', 'set_permissions', user, '.*', '.*', '.*'])).code).toBe(0);
        expect((await ctl(['-q', 'declare_queue', q])).code).toBe(0);
        const child = spawn(process.execPath, [ctlBin, ...target.args, '--url', target.amqpUrl(user, 'pw'), 'consume', q], {
          env: ctlEnv(),
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stderr = '';
        child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
        const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
        await waitFor(
          async () => parseTsv((await ctl(['-q', 'list_connections', 'user'])).stdout).some((c) => c.user === user),
          'the consumer connection listed',
          { intervalMs: 500 },
        );
        const r = await ctl(['close_all_user_connections', user, 'rotating credentials']);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stderr).toContain('Closed 1 connection');
        expect(await exited).toBe(69);
        expect(stderr).toMatch(/Error: CONNECTION_FORCED - rotating credentials \(reply 320\)\n$/);
      } finally {
        await ctl(['-q', 'delete_user', user]);
      }
    });

    it('set_user_tags with no tags (or none) clears them', async () => {
      const user = uniqueName('cli-tags-u');
      expect((await ctl(['-q', 'add_user', user, 'pw'])).code).toBe(0);
      try {
        const tags = async () => parseTsv((await ctl(['-q', 'list_users'])).stdout).find((u) => u.user === user)?.tags;
        expect((await ctl(['-q', 'set_user_tags', user, 'monitoring'])).code).toBe(0);
        expect(await tags()).toBe('[monitoring]');
        expect((await ctl(['-q', 'set_user_tags', user, 'none'])).code).toBe(0);
        expect(await tags()).toBe('[]');
        expect((await ctl(['-q', 'set_user_tags', user, 'management'])).code).toBe(0);
        expect((await ctl(['-q', 'set_user_tags', user])).code).toBe(0);
        expect(await tags()).toBe('[]');
      } finally {
        await ctl(['-q', 'delete_user', user]);
      }
    });
  });
}

describe('rabbitmqctl commands warrenctl lacks', () => {
  it('say so and name what to use, exit 64', async () => {
    let r = await runCtl(['purge', 'q']);
    expect(r.code).toBe(64);
    expect(r.stderr).toBe("Error: warrenctl has no 'purge' command: did you mean purge_queue?\n");
    r = await runCtl(['add_member', 'q', 'rabbit@b']);
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(/^Error: warrenctl has no 'add_member' command: .*rabbitmq-queues/);
  });
});
