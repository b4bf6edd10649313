// set/clear/list_vhost_limits and set/clear/list_user_limits on both targets, enforced by the broker with
// RabbitMQ's reply texts (exit 69: the broker is full for now), and kept in exported definitions.
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.js';
import { ctlMain } from '../helpers/ctl-main.js';
import { parseTsv, type Target, uniqueName } from './ctl.js';
import { MESSAGING_TARGETS } from './messaging-helpers.js';

for (const spec of MESSAGING_TARGETS) {
  describe.skipIf(spec.skip)(`vhost and user limits against ${spec.name}`, { timeout: 120_000 }, () => {
    let target: Target;
    let args: string[];
    const vhost = uniqueName('cli-lim');
    const user = uniqueName('cli-lim-u');
    const ctl = (words: readonly string[]) => ctlMain([...args, ...words]);
    /** messaging as `user` (its own --url: the spec's would be a second node) */
    const asUser = (words: readonly string[]) => ctlMain([...target.args, '--url', target.amqpUrl(user, 'pw'), ...words]);

    beforeAll(async () => {
      target = await spec.make();
      args = spec.args(target);
      for (const words of [
        ['add_vhost', vhost],
        ['set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*'],
        ['add_user', user, 'pw'],
        ['set_permissions', user, '.*', '.*', '.*'],
      ]) {
        const r = await ctl(['-q', ...words]);
        expect(r.code, r.stderr).toBe(0);
      }
    });

    afterAll(async () => {
      if (!target) return;
      await ctl(['-q', 'delete_vhost', vhost]);
      await ctl(['-q', 'delete_user', user]);
      await target.stop();
    });

    it('vhost limits: max-queues and max-connections are enforced, listed and cleared', async () => {
      let r = await ctl(['-q', '-p', vhost, 'set_vhost_limits', '{"max-queues": 1}']);
      expect(r.code, r.stderr).toBe(0);
      expect(parseTsv((await ctl(['-q', '-p', vhost, 'list_vhost_limits'])).stdout)).toEqual([{ vhost, limits: '{"max-queues":1}' }]);
      expect((await ctl(['-q', '-p', vhost, 'declare_queue', 'a'])).code).toBe(0);
      r = await ctl(['-q', '-p', vhost, 'declare_queue', 'b']);
      expect(r.code).toBe(69);
      expect(r.stderr).toBe(`Error: PRECONDITION_FAILED - cannot declare queue 'b': queue limit in vhost '${vhost}' (1) is reached (reply 406)\n`);
      r = await ctl(['-q', '-p', vhost, 'set_vhost_limits', '{"max-connections": 0}']);
      expect(r.code, r.stderr).toBe(0);
      r = await ctl(['-q', '-p', vhost, 'get', 'a']);
      expect(r.code).toBe(69);
      expect(r.stderr).toBe(`Error: NOT_ALLOWED - access to vhost '${vhost}' refused for user 'guest': connection limit (0) is reached (reply 530)\n`);
      const global = parseTsv((await ctl(['-q', 'list_vhost_limits', '--global'])).stdout);
      expect(global.find((l) => l.vhost === vhost)).toBeDefined();
      expect(JSON.parse(global.find((l) => l.vhost === vhost)?.limits ?? '{}')).toEqual({ 'max-queues': 1, 'max-connections': 0 });
      r = await ctl(['-q', '-p', vhost, 'clear_vhost_limits']);
      expect(r.code, r.stderr).toBe(0);
      expect((await ctl(['-q', '-p', vhost, 'list_vhost_limits'])).stdout).toBe('vhost\tlimits\n');
      expect((await ctl(['-q', '-p', vhost, 'declare_queue', 'b'])).code).toBe(0);
    });

    it('user limits: max-channels and max-connections are enforced, listed and cleared', async () => {
      let r = await ctl(['-q', 'set_user_limits', user, '{"max-channels": 0}']);
      expect(r.code, r.stderr).toBe(0);
      r = await asUser(['-q', 'get', 'nosuch']);
      expect(r.code).toBe(69);
      expect(r.stderr).toBe(
        `Error: NOT_ALLOWED - number of channels opened for user '${user}' has reached the maximum allowed user limit of (0) (reply 530)\n`,
      );
      r = await ctl(['-q', 'set_user_limits', user, '{"max-connections": 0}']);
      expect(r.code, r.stderr).toBe(0);
      r = await asUser(['-q', 'get', 'nosuch']);
      expect(r.code).toBe(69);
      expect(r.stderr).toBe(`Error: NOT_ALLOWED - connection refused for user '${user}': user connection limit (0) is reached (reply 530)\n`);
      const rows = parseTsv((await ctl(['-q', 'list_user_limits', '--user', user])).stdout);
      expect(rows).toHaveLength(1);
      expect(JSON.parse(rows[0]?.limits ?? '{}')).toEqual({ 'max-channels': 0, 'max-connections': 0 });
      expect((await ctl(['-q', 'clear_user_limits', user, 'max-channels'])).code).toBe(0);
      expect(JSON.parse(parseTsv((await ctl(['-q', 'list_user_limits', '--user', user])).stdout)[0]?.limits ?? '{}')).toEqual({ 'max-connections': 0 });
      expect((await ctl(['-q', 'clear_user_limits', user, 'all'])).code).toBe(0);
      r = await asUser(['-q', 'get', 'nosuch']);
      expect(r.code).toBe(65); // NOT_FOUND: the connection and the channel were allowed
    });

    it('close_all_user_connections and close_all_connections close the connections with the explanation', async () => {
      expect((await ctl(['-q', 'set_permissions', '-p', vhost, user, '.*', '.*', '.*'])).code).toBe(0);
      /** a connection as `user` to the test's own vhost (closing '/' would hit other suites on a shared broker) */
      const open = async (): Promise<{ reason: () => string }> => {
        const conn = await amqp.connect(`${target.amqpUrl(user, 'pw')}/${encodeURIComponent(vhost)}`);
        let reason = '';
        conn.on('error', (e: Error) => (reason = e.message));
        conn.on('close', (e?: Error) => (reason ||= e?.message ?? 'closed'));
        return { reason: () => reason };
      };
      // RabbitMQ lists a new connection only once its statistics are emitted: repeat until it is gone.
      const closeUntil = async (conn: { reason: () => string }, words: string[]): Promise<string> =>
        waitFor(
          async () => {
            const r = await ctl(['-q', ...words]);
            expect(r.code, r.stderr).toBe(0);
            return conn.reason() || false;
          },
          `${words[0]} to close the connection`,
          { intervalMs: 500 },
        );
      expect(await closeUntil(await open(), ['close_all_user_connections', user, 'user maintenance'])).toContain('user maintenance');
      expect(await closeUntil(await open(), ['-p', vhost, 'close_all_connections', 'vhost maintenance'])).toContain('vhost maintenance');
    });

    it('bad limits exit 65 with the broker reason; a missing vhost 65, a missing user 67', async () => {
      let r = await ctl(['-q', '-p', vhost, 'set_vhost_limits', '{"max-bogus": 1}']);
      expect(r.code).toBe(65);
      expect(r.stderr).toBe('Error: limit refused: Validation failed: Unrecognised terms [{<<"max-bogus">>,1}] in limits\n');
      r = await ctl(['-q', '-p', vhost, 'set_vhost_limits', '{"max-queues": "x"}']);
      expect(r.code).toBe(65);
      expect(r.stderr).toBe('Error: limit refused: Validation failed: max-queues should be a number, actually was <<"x">>\n');
      r = await ctl(['-q', '-p', vhost, 'set_vhost_limits', '[1]']);
      expect(r.code).toBe(65);
      r = await ctl(['-q', '-p', uniqueName('nosuch'), 'set_vhost_limits', '{"max-queues": 1}']);
      expect(r.code).toBe(65);
      r = await ctl(['-q', 'set_user_limits', uniqueName('nosuch'), '{"max-channels": 1}']);
      expect(r.code).toBe(67);
    });

    if (spec.name === 'warren') {
      it('limits are exported as RabbitMQ exports them', async () => {
        expect((await ctl(['-q', '-p', vhost, 'set_vhost_limits', '{"max-queues": 7}'])).code).toBe(0);
        expect((await ctl(['-q', 'set_user_limits', user, '{"max-channels": 3}'])).code).toBe(0);
        const defs = JSON.parse((await ctl(['-q', 'export_definitions', '-'])).stdout) as { parameters: unknown[]; users: { name: string; limits: unknown }[] };
        expect(defs.parameters).toContainEqual({ value: { 'max-queues': 7 }, vhost, component: 'vhost-limits', name: 'limits' });
        expect(defs.users.find((u) => u.name === user)?.limits).toEqual({ 'max-channels': 3 });
        await ctl(['-q', '-p', vhost, 'clear_vhost_limits']);
        await ctl(['-q', 'clear_user_limits', user, 'all']);
      });
    }
  });
}
