// issue 15 point 5: `warrenctl add_vhost` behaves the same on both targets. RabbitMQ's management
// API gives the creating user (warrenctl's guest) full permissions on the new vhost, and so does
// warren's control socket, so the messaging commands can use the vhost at once on either.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctlMain } from '../helpers/ctl-main.js';
import { parseTsv, uniqueName, type Target } from './ctl.js';
import { MESSAGING_TARGETS } from './messaging-helpers.js';

for (const t of MESSAGING_TARGETS) {
  describe.skipIf(t.skip)(`warrenctl add_vhost gives its creator the vhost, against ${t.name === 'rabbitmq' ? 'RabbitMQ' : 'warren'}`, () => {
    let target: Target;
    const vhost = uniqueName('safety-perms-addvhost');
    const ctl = (args: readonly string[]) => ctlMain([...t.args(target), ...args]);

    beforeAll(async () => {
      target = await t.make();
    });
    afterAll(async () => {
      if (!target) return;
      await ctl(['-q', 'delete_vhost', vhost]);
      await target.stop();
    });

    it('grants guest full permissions, and a queue can be declared, published to and read at once', async () => {
      const made = await ctl(['add_vhost', vhost]);
      expect(made.code, made.stderr).toBe(0);
      expect(parseTsv((await ctl(['list_permissions', '-p', vhost])).stdout)).toEqual([{ user: 'guest', configure: '.*', write: '.*', read: '.*' }]);

      const declared = await ctl(['-p', vhost, 'declare_queue', 'jobs']);
      expect(declared.code, declared.stderr).toBe(0);
      const published = await ctl(['-p', vhost, 'publish', '--routing-key', 'jobs', 'job 1']);
      expect(published.code, published.stderr).toBe(0);
      const got = await ctl(['-p', vhost, 'get', 'jobs']);
      expect(got.code, got.stderr).toBe(0);
      expect(got.stdout).toContain('job 1');
    });

    it('leaves the permissions of an existing vhost alone', async () => {
      expect((await ctl(['clear_permissions', '-p', vhost, 'guest'])).code).toBe(0);
      const again = await ctl(['add_vhost', vhost]);
      expect(again.code, again.stderr).toBe(0);
      expect(parseTsv((await ctl(['list_permissions', '-p', vhost])).stdout)).toEqual([]);
    });
  });
}
