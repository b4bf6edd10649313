// set_policy / clear_policy / list_policies (and their effect on queues), and set_vm_memory_high_watermark /
// set_disk_free_limit, against the local daemon and a real RabbitMQ.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctlMain, type MainOptions } from '../helpers/ctl-main.js';
import { waitFor } from '../helpers/wait.js';
import { parseTsv, type Target, uniqueName } from './ctl.js';
import { MESSAGING_TARGETS } from './messaging-helpers.js';

for (const spec of MESSAGING_TARGETS) {
  describe.skipIf(spec.skip)(`warrenctl policies and limits against ${spec.name}`, () => {
    let target: Target;
    let args: string[];
    const policies: string[] = [];
    const queues: string[] = [];
    const ctl = (words: readonly string[], options?: MainOptions) => ctlMain([...args, ...words], options);

    beforeAll(async () => {
      target = await spec.make();
      args = spec.args(target);
    });

    afterAll(async () => {
      if (!target) return;
      for (const p of policies) await ctl(['-q', 'clear_policy', p]);
      for (const q of queues) await ctl(['-q', 'delete_queue', q]);
      await target.stop();
    });

    it('set_policy, list_policies (tsv and json), clear_policy', async () => {
      const name = uniqueName('pol');
      policies.push(name);
      let r = await ctl(['set_policy', '--priority', '5', '--apply-to', 'queues', name, '^pol-match\\.', '{"max-length": 10, "message-ttl": 60000}']);
      expect(r, r.stderr).toMatchObject({ code: 0, stdout: '' });
      expect(r.stderr).toBe(
        `Setting policy "${name}" for pattern "^pol-match\\." to "{"max-length": 10, "message-ttl": 60000}" with priority "5" for vhost "/" ...\n`,
      );
      r = await ctl(['list_policies']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.split('\n')[0]).toBe('vhost\tname\tpattern\tapply-to\tdefinition\tpriority');
      const row = parseTsv(r.stdout).find((p) => p.name === name);
      expect(row).toMatchObject({ vhost: '/', pattern: '^pol-match\\.', 'apply-to': 'queues', priority: '5' });
      expect(JSON.parse(row?.definition ?? '{}')).toEqual({ 'max-length': 10, 'message-ttl': 60000 });
      r = await ctl(['list_policies', '--formatter', 'json']);
      expect(JSON.parse(r.stdout)).toContainEqual({
        vhost: '/',
        name,
        pattern: '^pol-match\\.',
        'apply-to': 'queues',
        definition: { 'max-length': 10, 'message-ttl': 60000 },
        priority: 5,
      });
      // replacing keeps one policy of that name
      expect((await ctl(['set_policy', name, '^pol-match\\.', '{"max-length": 20}'])).code).toBe(0);
      const after = parseTsv((await ctl(['list_policies'])).stdout).filter((p) => p.name === name);
      expect(after).toHaveLength(1);
      expect(after[0]).toMatchObject({ 'apply-to': 'all', priority: '0' });
      r = await ctl(['clear_policy', name]);
      expect(r, r.stderr).toMatchObject({ code: 0, stdout: '' });
      expect(parseTsv((await ctl(['list_policies'])).stdout).map((p) => p.name)).not.toContain(name);
      r = await ctl(['clear_policy', name]);
      expect(r.code).toBe(65);
      expect(r.stderr).toMatch(/policy '.*' in vhost '\/' does not exist/);
    });

    it('a max-length policy caps an existing queue (drop-head), and clearing it lifts the cap', async () => {
      const name = uniqueName('cap');
      policies.push(name);
      const q = `${name}-q`;
      queues.push(q);
      expect((await ctl(['declare_queue', q])).code).toBe(0);
      expect((await ctl(['set_policy', '--apply-to', 'queues', name, `^${name}-`, '{"max-length": 3}'])).code).toBe(0);
      // RabbitMQ applies policies asynchronously: publish five, count what stays, until the cap shows
      const kept = async (): Promise<number> => {
        await ctl(['-q', 'purge_queue', q]);
        expect((await ctl(['publish', '-r', q, '--lines'], { input: '1\n2\n3\n4\n5\n' })).code).toBe(0);
        return (await ctl(['get', q, '--count', '10', '--requeue'])).stdout.split('\n').filter(Boolean).length;
      };
      await waitFor(async () => (await kept()) === 3, 'the max-length policy to apply', { intervalMs: 250 });
      // drop-head: the oldest went
      expect((await ctl(['get', q, '--count', '10', '--requeue'])).stdout).toBe('3\n4\n5\n');
      expect((await ctl(['clear_policy', name])).code).toBe(0);
      await waitFor(async () => (await kept()) === 5, 'the cap to go with the policy', { intervalMs: 250 });
    });

    it('bad input: invalid JSON or a non-object definition exits 65, a bad --apply-to 64, a missing vhost 65', async () => {
      let r = await ctl(['set_policy', 'p', '.*', '{"max-length": ']);
      expect(r.code).toBe(65);
      expect(r.stderr).toMatch(/^Error: the policy definition is not valid JSON/m);
      r = await ctl(['set_policy', 'p', '.*', '[1, 2]']);
      expect(r.code).toBe(65);
      expect(r.stderr).toMatch(/must be a JSON object/);
      r = await ctl(['set_policy', '--apply-to', 'bindings', 'p', '.*', '{}']);
      expect(r.code).toBe(64);
      r = await ctl(['set_policy', '--priority', 'high', 'p', '.*', '{}']);
      expect(r.code).toBe(64);
      r = await ctl(['set_policy', 'p', '(', '{}']);
      expect(r.code).toBe(65);
      const vhost = uniqueName('no-vhost');
      r = await ctl(['-p', vhost, 'set_policy', 'p', '.*', '{"max-length": 1}']);
      expect(r.code).toBe(65);
      expect(r.stderr).toMatch(/virtual host .* does not exist/);
      r = await ctl(['-p', vhost, 'list_policies']);
      expect(r.code).toBe(65);
      r = await ctl(['set_policy', 'p', '.*']);
      expect(r.code).toBe(64);
    });

    it('policy values are validated as RabbitMQ validates them (one line, unescaped, exit 65)', async () => {
      const name = uniqueName('badpol');
      const cases: [string, string][] = [
        ['{"max-length": -5}', '-5 is not a valid maximum length'],
        ['{"message-ttl": -1}', '-1 is not a valid message TTL'],
        ['{"expires": 0}', '0 is not a valid queue expiry'],
        ['{"overflow": "bogus"}', '<<"bogus">> is not a valid overflow value'],
        ['{"max-length": "x"}', '<<"x">> is not a valid maximum length'],
        ['{"max-priority": 5}', '[{<<"max-priority">>,5}] are not recognised policy settings'],
        ['{"dead-letter-exchange": 1}', '1 is not a valid dead letter exchange name'],
        ['{"ha-mode": "exactly"}', 'ha-mode="exactly" takes an integer, none given'],
        ['{}', 'no policy provided'],
      ];
      for (const [definition, why] of cases) {
        const r = await ctl(['-q', 'set_policy', name, `^${name}`, definition]);
        expect(r.code, `${definition}: ${r.stderr}`).toBe(65);
        expect(r.stderr).toBe(`Error: policy refused: Validation failed: ${why}\n`);
      }
      // keys RabbitMQ accepts for features one warren node has no use for are accepted on both
      policies.push(name);
      const r = await ctl(['-q', 'set_policy', name, `^${name}`, '{"ha-mode": "all", "queue-mode": "lazy", "max-length": 1}']);
      expect(r.code, r.stderr).toBe(0);
    });

    if (spec.name === 'warren') {
      it('set_vm_memory_high_watermark (fraction, absolute) and set_disk_free_limit (units, mem_relative) update the daemon limits', async () => {
        const { totalmem } = await import('node:os');
        const limits = async (): Promise<Record<string, number>> => JSON.parse((await ctl(['status', '--formatter', 'json'])).stdout).limits;
        const r = await ctl(['set_vm_memory_high_watermark', '0.5']);
        expect(r, r.stderr).toMatchObject({ code: 0, stdout: '' });
        expect((await limits()).memory_high_watermark).toBe(Math.floor(0.5 * totalmem()));
        expect((await ctl(['set_vm_memory_high_watermark', 'absolute', '2GB'])).code).toBe(0);
        expect((await limits()).memory_high_watermark).toBe(2_000_000_000);
        expect((await ctl(['set_vm_memory_high_watermark', 'absolute', '512MiB'])).code).toBe(0);
        expect((await limits()).memory_high_watermark).toBe(512 * 1024 * 1024);
        expect((await ctl(['set_disk_free_limit', '50MB'])).code).toBe(0);
        expect((await limits()).disk_free_limit).toBe(50_000_000);
        expect((await ctl(['set_disk_free_limit', '1GB'])).code).toBe(0);
        expect((await limits()).disk_free_limit).toBe(1_000_000_000);
        expect((await ctl(['set_disk_free_limit', '123456'])).code).toBe(0);
        expect((await limits()).disk_free_limit).toBe(123456);
        expect((await ctl(['set_disk_free_limit', 'mem_relative', '0.5'])).code).toBe(0);
        expect((await limits()).disk_free_limit).toBe(Math.floor(0.5 * totalmem()));
        expect((await ctl(['set_vm_memory_high_watermark', '1.5'])).code).toBe(64);
        expect((await ctl(['set_vm_memory_high_watermark', 'absolute'])).code).toBe(64);
        expect((await ctl(['set_disk_free_limit', 'lots'])).code).toBe(64);
        // restore generous limits so nothing else is blocked
        expect((await ctl(['set_vm_memory_high_watermark', '0.9'])).code).toBe(0);
        expect((await ctl(['set_disk_free_limit', '1MB'])).code).toBe(0);
      });
    } else {
      it('set_vm_memory_high_watermark and set_disk_free_limit exit 69 on RabbitMQ, naming rabbitmqctl', async () => {
        for (const words of [
          ['set_vm_memory_high_watermark', '0.4'],
          ['set_disk_free_limit', '50MB'],
        ]) {
          const r = await ctl(words);
          expect(r.code).toBe(69);
          expect(r.stderr).toContain(`rabbitmqctl ${words[0]}`);
        }
      });
    }
  });
}
