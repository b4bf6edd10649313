// warrenctl in shell pipelines (a `set -e` script), and rpc-serve/rpc-call under concurrent calls from several
// processes, against the local daemon and a real RabbitMQ.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctlBin } from '../helpers/warren.js';
import { ctlMain } from '../helpers/ctl-main.js';
import { eventually, parseTsv, type Target, uniqueName } from './ctl.js';
import { ctlEnv, MESSAGING_TARGETS, runCtlRaw, startCtl, waitFor } from './messaging-helpers.js';

function sh(script: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', script], { env: ctlEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

for (const spec of MESSAGING_TARGETS) {
  describe.skipIf(spec.skip)(`warrenctl messaging in pipelines against ${spec.name}`, () => {
    let target: Target;
    let args: string[];
    let tmp: string;
    const queues: string[] = [];
    const ctl = (words: readonly string[]) => ctlMain([...args, ...words]);

    beforeAll(async () => {
      target = await spec.make();
      args = spec.args(target);
      tmp = mkdtempSync(join(tmpdir(), 'warrenctl-pipe-'));
    });

    afterAll(async () => {
      if (!target) return;
      for (const q of queues) await ctl(['-q', 'delete_queue', q]);
      await target.stop();
      rmSync(tmp, { recursive: true, force: true });
    });

    it('a set -e script: consume --count 3 --formatter json | ..., seq 1000 | publish --lines, list_queues shows 1000', async () => {
      const q = uniqueName('pipe');
      const q2 = uniqueName('pipe-lines');
      queues.push(q, q2);
      const script = `set -e
        warrenctl() { "${process.execPath}" "${ctlBin}" "$@"; }
        warrenctl -q declare_queue "$Q" >/dev/null
        warrenctl -q declare_queue "$Q2" >/dev/null
        printf 'alpha\\nbeta\\ngamma\\ndelta\\n' | warrenctl publish --lines -r "$Q"
        warrenctl consume "$Q" --count 3 --formatter json | jq -r '.routing_key + " " + .body' > "$TMP/first3"
        test "$(wc -l < "$TMP/first3")" -eq 3
        seq 1000 | warrenctl -q publish --lines -r "$Q2"
        warrenctl get "$Q2" --requeue --formatter json | jq -e '.body == "1"' >/dev/null
        echo ok`;
      // the shell function carries the target options, as a user's alias would
      const wrapped = await sh(script.replace('"$@"; }', `${args.map((a) => `'${a}'`).join(' ')} "$@"; }`), { Q: q, Q2: q2, TMP: tmp });
      expect(wrapped, wrapped.stderr).toMatchObject({ code: 0, stdout: 'ok\n' });
      const first3 = readFileSync(join(tmp, 'first3'), 'utf8');
      expect(first3).toBe(`${q} alpha\n${q} beta\n${q} gamma\n`);
      const rows = await eventually(async () => {
        const out = await ctl(['list_queues', 'name', 'messages']);
        expect(out.code, out.stderr).toBe(0);
        const parsed = parseTsv(out.stdout);
        expect(parsed).toContainEqual({ name: q2, messages: '1000' });
        expect(parsed).toContainEqual({ name: q, messages: '1' });
        return parsed;
      }, target.statsLagMs);
      expect(rows.length).toBeGreaterThan(1);
    });

    it('rpc-serve x4 and rpc-call: 100 concurrent calls from 4 processes each get their own answer', async () => {
      const q = uniqueName('rpc-many');
      queues.push(q);
      const servers = Array.from({ length: 4 }, (_, i) =>
        startCtl([...args, 'rpc-serve', q, '--exec', `read n; echo "$n squared is $((n * n)) (server ${i})"`]),
      );
      try {
        await waitFor(() => servers.every((s) => s.stderr().includes('Serving requests')), 'four rpc-serve processes');
        const callers = Array.from({ length: 4 }, (_, p) => {
          const numbers = Array.from({ length: 25 }, (_, i) => p * 25 + i + 1);
          return runCtlRaw([...args, '-t', '120', 'rpc-call', '--lines', q], `${numbers.join('\n')}\n`).then((r) => ({ numbers, r }));
        });
        const results = await Promise.all(callers);
        const served = new Set<string>();
        for (const { numbers, r } of results) {
          expect(r.code, r.stderr).toBe(0);
          const lines = r.stdout.toString('utf8').trim().split('\n');
          expect(lines).toHaveLength(numbers.length);
          lines.forEach((line, i) => {
            const n = numbers[i] as number;
            expect(line).toMatch(new RegExp(`^${n} squared is ${n * n} \\(server \\d\\)$`));
            served.add(/server (\d)/.exec(line)?.[1] as string);
          });
        }
        // prefetch 1 spreads the work over the servers
        expect(served.size).toBeGreaterThan(1);
      } finally {
        for (const s of servers) s.child.kill('SIGTERM');
        const codes = await Promise.all(servers.map((s) => s.exited));
        expect(codes).toEqual([0, 0, 0, 0]);
      }
    });

    it('10 separate rpc-call processes at once each get their own answer', async () => {
      const q = uniqueName('rpc-procs');
      queues.push(q);
      const servers = Array.from({ length: 3 }, () => startCtl([...args, 'rpc-serve', q, '--exec', 'read n; echo "answer $n"']));
      try {
        await waitFor(() => servers.every((s) => s.stderr().includes('Serving requests')), 'three rpc-serve processes');
        const calls = Array.from({ length: 10 }, (_, i) => runCtlRaw([...args, '-t', '120', 'rpc-call', q, String(i)], ''));
        const results = await Promise.all(calls);
        results.forEach((r, i) => {
          expect(r.code, r.stderr).toBe(0);
          expect(r.stdout.toString('utf8')).toBe(`answer ${i}\n`);
        });
      } finally {
        for (const s of servers) s.child.kill('SIGTERM');
        await Promise.all(servers.map((s) => s.exited));
      }
    });

    it('writes nothing but results to stdout: publish is silent, banners go to stderr', async () => {
      const q = uniqueName('quiet');
      queues.push(q);
      writeFileSync(join(tmp, 'lines'), 'x\ny\n');
      const d = await ctl(['declare_queue', q]);
      expect(d.stdout).toBe(`${q}\n`);
      const p = await ctl(['publish', '--lines', '--file', join(tmp, 'lines'), '-r', q]);
      expect(p).toMatchObject({ code: 0, stdout: '' });
      expect(p.stderr).toMatch(/Published 2 messages/);
    });
  });
}
