// Permission and policy patterns are PCRE (Erlang's re, byte mode), on both targets: one table of
// patterns, each accepted or refused by set_permissions/set_policy, and the names it lets a user
// declare (configure permission) matched the same way on warren and RabbitMQ.
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctlMain } from '../helpers/ctl-main.js';
import { type Target, uniqueName } from './ctl.js';
import { MESSAGING_TARGETS } from './messaging-helpers.js';

interface Case {
  pattern: string;
  matches?: string[];
  misses?: string[];
}

const ACCEPTED: Case[] = [
  { pattern: '(?i)^ux', matches: ['UX.a', 'ux'], misses: ['aux'] },
  { pattern: '^a++b$', matches: ['aab'], misses: ['aa'] },
  { pattern: '^(?>ab|a)b$', matches: ['abb'], misses: ['ab'] },
  { pattern: '^\\Qux.q\\E$', matches: ['ux.q'], misses: ['uxaq'] },
  { pattern: '^[[:alpha:]]+$', matches: ['abc'], misses: ['a1'] },
  { pattern: '^[^[:digit:]]+$', matches: ['abc'], misses: ['a1'] },
  { pattern: '^[[:^alpha:]]+$', matches: ['12'], misses: ['a1'] },
  { pattern: '^[]a]+$', matches: [']a'], misses: ['b'] },
  { pattern: '^x\\d+$', matches: ['x12'], misses: ['xa'] },
  // byte mode: 'é' is two bytes to PCRE
  { pattern: '^.{3}$', matches: ['aé'], misses: ['abcd'] },
  { pattern: '^.$', matches: ['a'], misses: ['é'] },
  { pattern: '(?<=a|bc)x$', matches: ['bcx'], misses: ['cx'] },
  { pattern: 'a{,3}', matches: ['a{,3}'], misses: ['aaa'] },
  { pattern: '^\\y$', matches: ['y'], misses: ['\\y'] },
  { pattern: '(?x) ^a b$ # comment', matches: ['ab'], misses: ['a b'] },
  { pattern: '^(?i:A)b$', matches: ['ab', 'Ab'], misses: ['aB'] },
  { pattern: '^\\x41\\x{42}$', matches: ['AB'], misses: ['ab'] },
  { pattern: '^[\\w-]+$', matches: ['a-b'], misses: ['a b'] },
  { pattern: '\\Aab\\z', matches: ['ab'], misses: ['xab'] },
  { pattern: 'ab$', matches: ['ab', 'xab'], misses: ['abc'] },
  { pattern: '^a|b$', matches: ['ax', 'xb'], misses: ['xa'] },
];

const REFUSED = ['\\u0041', '(', 'a)', '[a', 'a**', '^*', '[:alpha:]', '[[:foo:]]', '(?<=a(b|cd))x', 'x{3,2}', '\\'];

/** PCRE accepts these; warren cannot match them the same way, so it refuses them with a clear reason. */
const UNTRANSLATABLE = ['(a)\\1', '\\p{L}'];

for (const spec of MESSAGING_TARGETS) {
  describe.skipIf(spec.skip)(`PCRE patterns against ${spec.name}`, () => {
    let target: Target;
    let args: string[];
    const vhost = uniqueName('cli-pcre');
    let conn: amqp.ChannelModel;
    const ctl = (words: readonly string[]) => ctlMain([...args, ...words]);

    beforeAll(async () => {
      target = await spec.make();
      args = spec.args(target);
      expect((await ctl(['add_vhost', vhost])).code).toBe(0);
      expect((await ctl(['set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*'])).code).toBe(0);
      conn = await amqp.connect(`${target.amqpUrl()}/${encodeURIComponent(vhost)}`);
      conn.on('error', () => {});
    });

    afterAll(async () => {
      await conn?.close().catch(() => {});
      if (!target) return;
      await ctl(['-q', 'delete_vhost', vhost]);
      await target.stop();
    });

    /** May guest declare `name` (configure permission)? An exclusive queue goes with the connection. */
    async function mayDeclare(name: string): Promise<boolean> {
      const ch = await conn.createChannel();
      ch.on('error', () => {});
      try {
        await ch.assertQueue(name, { exclusive: true });
        await ch.deleteQueue(name);
        await ch.close();
        return true;
      } catch (e) {
        expect(String((e as Error).message)).toMatch(/ACCESS_REFUSED/);
        return false;
      }
    }

    it('accepts the patterns RabbitMQ accepts and lets through the same names', async () => {
      for (const c of ACCEPTED) {
        const r = await ctl(['set_permissions', '-p', vhost, 'guest', c.pattern, '.*', '.*']);
        expect(r.code, `${c.pattern}: ${r.stderr}`).toBe(0);
        for (const name of c.matches ?? []) expect(await mayDeclare(name), `${c.pattern} should match ${name}`).toBe(true);
        for (const name of c.misses ?? []) expect(await mayDeclare(name), `${c.pattern} should not match ${name}`).toBe(false);
      }
    });

    it('refuses what PCRE refuses, with exit 65 and the reason, for permissions and policies', async () => {
      for (const pattern of REFUSED) {
        let r = await ctl(['-q', 'set_permissions', '-p', vhost, 'guest', pattern, '.*', '.*']);
        expect(r.code, `${pattern}: ${r.stderr}`).toBe(65);
        expect(r.stderr).toMatch(/^Error: invalid_regexp: '.*': .+ at offset \d+ \(HTTP 400/);
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
        r = await ctl(['-q', 'set_policy', '-p', vhost, 'p', pattern, '{"max-length": 1}']);
        expect(r.code, `${pattern}: ${r.stderr}`).toBe(65);
        expect(r.stderr).toMatch(/^Error: policy refused: Validation failed: pattern should be regular expression but is invalid: \{".+",\d+\}\n$/);
      }
      // \u is not PCRE: RabbitMQ's own wording on both targets
      const r = await ctl(['set_policy', '-p', vhost, 'p', '\\u0041', '{"max-length": 1}']);
      expect(r.stderr).toMatch(/PCRE does not support .*L, .*l, .*N{name}, .*U, or .*u/);
    });

    it('PCRE constructs warren cannot match the same way are refused by warren only, never matched differently', async () => {
      for (const pattern of UNTRANSLATABLE) {
        const r = await ctl(['set_policy', '-p', vhost, 'p', pattern, '{"max-length": 1}']);
        if (spec.name === 'rabbitmq') {
          expect(r.code, r.stderr).toBe(0);
        } else {
          expect(r.code, r.stderr).toBe(65);
          expect(r.stderr).toMatch(/warren cannot match .* as RabbitMQ does/);
        }
      }
      await ctl(['-q', 'clear_policy', '-p', vhost, 'p']);
    });
  });
}
