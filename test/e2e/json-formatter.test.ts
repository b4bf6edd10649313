// --formatter json on every command: the ones with one line of result print an object, the ones that
// print nothing print {"result":"ok","message":...}; stdout always parses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctlMain } from '../helpers/ctl-main.js';
import { type Target, uniqueName } from './ctl.js';
import { MESSAGING_TARGETS } from './messaging-helpers.js';

for (const spec of MESSAGING_TARGETS) {
  describe.skipIf(spec.skip)(`--formatter json against ${spec.name}`, { timeout: 60_000 }, () => {
    let target: Target;
    let args: string[];
    const json = async (words: readonly string[]): Promise<unknown> => {
      const r = await ctlMain([...args, '-q', '--formatter', 'json', ...words]);
      expect(r.code, `${words.join(' ')}: ${r.stderr}`).toBe(0);
      return JSON.parse(r.stdout) as unknown;
    };

    beforeAll(async () => {
      target = await spec.make();
      args = spec.args(target);
    });

    afterAll(async () => {
      await target?.stop();
    });

    it('ping, version, authenticate_user, hash_password, declare_queue, delete_queue, add_vhost, delete_vhost', async () => {
      expect(await json(['ping'])).toEqual({ result: 'ok', message: 'Ping succeeded' });
      expect(await json(['version'])).toEqual({ version: expect.any(String) });
      expect(await json(['authenticate_user', 'guest', 'guest'])).toEqual({ result: 'ok', message: 'Success' });
      expect(await json(['hash_password', 'foo'])).toEqual({
        password_hash: expect.stringMatching(/^[A-Za-z0-9+/]{48}$/),
        hashing_algorithm: 'rabbit_password_hashing_sha256',
      });
      const q = uniqueName('cli-json-q');
      expect(await json(['declare_queue', q])).toEqual({ name: q, vhost: '/', messages: 0, consumers: 0 });
      expect(await json(['delete_queue', q])).toEqual({ result: 'ok', message: 'Queue was successfully deleted', messages: 0 });
      const v = uniqueName('cli-json-v');
      expect(await json(['add_vhost', v])).toEqual({ result: 'ok', message: `Adding vhost "${v}"` });
      expect(await json(['delete_vhost', v])).toEqual({ result: 'ok', message: `Deleting vhost "${v}"` });
    });

    it("publish -H takes amqp-publish's 'key: value' as well as key=value", async () => {
      const q = uniqueName('cli-hdr-q');
      expect((await ctlMain([...args, '-q', 'declare_queue', q])).code).toBe(0);
      try {
        const r = await ctlMain([...args, '-q', 'publish', '-r', q, '-H', 'x-trace: abc', '-H', 'k=v: w', 'hi']);
        expect(r.code, r.stderr).toBe(0);
        const got = JSON.parse((await ctlMain([...args, '-q', '--formatter', 'json', 'get', q])).stdout) as { properties: { headers: unknown } };
        expect(got.properties.headers).toEqual({ 'x-trace': 'abc', k: 'v: w' });
        const bad = await ctlMain([...args, '-q', 'publish', '-r', q, '-H', 'nothing', 'hi']);
        expect(bad.code).toBe(64);
        expect(bad.stderr).toBe("Error: invalid --header 'nothing': expected key=value or 'key: value'\n");
      } finally {
        await ctlMain([...args, '-q', 'delete_queue', q]);
      }
    });
  });
}
