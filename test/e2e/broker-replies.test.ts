// When the broker refuses or closes, warrenctl shows the broker's reply code and text (never a library
// message) with the right exit code, on both targets: a missing vhost 65, refused access 77, a missing
// queue 65 (even when its name says 'timeout'); an unroutable publish warns (or, with --mandatory, exits 65);
// a consume closed by close_connection prints the broker's reason, also when the close cuts a request
// short (a proxy keeps the request back until the close is sent).
import { spawn } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctlBin } from '../helpers/warren.js';
import { holdingProxy } from '../helpers/holding-proxy.js';
import { waitFor } from '../helpers/wait.js';
import { ctlMain } from '../helpers/ctl-main.js';
import { parseTsv, runCtl, type Target, uniqueName } from './ctl.js';
import { ctlEnv, MESSAGING_TARGETS } from './messaging-helpers.js';

for (const spec of MESSAGING_TARGETS) {
  describe.skipIf(spec.skip)(`broker replies against ${spec.name}`, () => {
    let target: Target;
    let args: string[];
    const vhost = uniqueName('cli-rep');
    const user = uniqueName('cli-rep-u');
    const ctl = (words: readonly string[], input?: string) => ctlMain([...args, ...words], input === undefined ? {} : { input });

    beforeAll(async () => {
      target = await spec.make();
      args = spec.args(target);
      expect((await ctl(['-q', 'add_vhost', vhost])).code).toBe(0);
      expect((await ctl(['-q', 'add_user', user, 'pw'])).code).toBe(0);
      expect((await ctl(['-q', 'set_permissions', user, '.*', '.*', '.*'])).code).toBe(0);
    });

    afterAll(async () => {
      if (!target) return;
      await ctl(['-q', 'delete_vhost', vhost]);
      await ctl(['-q', 'delete_user', user]);
      await target.stop();
    });

    it('a missing vhost: the broker reply, exit 65, for publish, get and consume', async () => {
      const missing = uniqueName('nosuch');
      for (const words of [
        ['publish', '-r', 'q', 'x'],
        ['get', 'q'],
        ['consume', 'q', '--count', '1'],
      ]) {
        const r = await ctl(['-p', missing, ...words]);
        expect(r.code, r.stderr).toBe(65);
        expect(r.stderr).toBe(`Error: NOT_ALLOWED - vhost ${missing} not found (reply 530)\n`);
      }
    });

    it('a vhost the user may not use: the broker reply, exit 77', async () => {
      // the user has no permissions in `vhost`
      const url = target.amqpUrl(user, 'pw');
      const r = await runCtl([...target.args, '--url', url, '-p', vhost, 'get', 'q']);
      expect(r.code, r.stderr).toBe(77);
      expect(r.stderr).toBe(`Error: NOT_ALLOWED - access to vhost '${vhost}' refused for user '${user}' (reply 530)\n`);
    });

    it('the reply code classifies, not the text: a missing queue named timeout-jobs exits 65', async () => {
      const q = uniqueName('timeout-jobs');
      const r = await ctl(['get', q]);
      expect(r.code, r.stderr).toBe(65);
      expect(r.stderr).toBe(`Error: NOT_FOUND - no queue '${q}' in vhost '/' (reply 404)\n`);
    });

    it('an unroutable publish warns without --mandatory (exit 0) and exits 65 with it', async () => {
      const rk = uniqueName('nowhere');
      let r = await ctl(['-q', 'publish', '-r', rk, 'x']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe(
        `warning: 1 of 1 message was unroutable: no queue is bound to exchange '' with routing key '${rk}' (312 NO_ROUTE); it was dropped (--mandatory makes this exit 65)\n`,
      );
      r = await ctl(['-q', 'publish', '--mandatory', '-r', rk, 'x']);
      expect(r.code).toBe(65);
      expect(r.stderr).toMatch(/^Error: 1 of 1 message was unroutable/);
    });

    if (spec.name === 'warren') {
      /** Runs `during` with a memory alarm raised (a queue holding one message, a 1-byte watermark), then clears it. */
      const underMemoryAlarm = async (name: string, during: (q: string) => Promise<void>): Promise<void> => {
        const q = uniqueName(name);
        expect((await ctl(['-q', 'declare_queue', q])).code).toBe(0);
        try {
          expect((await ctl(['-q', 'publish', '-r', q, 'held'])).code).toBe(0);
          expect((await ctl(['-q', 'set_vm_memory_high_watermark', 'absolute', '1'])).code).toBe(0);
          await waitFor(async () => /^alarms\tmemory$/m.test((await ctl(['-q', 'status'])).stdout), 'the memory alarm in the status table', {
            intervalMs: 200,
          });
          await during(q);
        } finally {
          await ctl(['-q', 'set_vm_memory_high_watermark', '0.4']);
          await ctl(['-q', 'delete_queue', q]);
        }
        await waitFor(async () => /^alarms\tnone$/m.test((await ctl(['-q', 'status'])).stdout), 'the alarm cleared', { intervalMs: 200 });
      };

      it('a publisher blocked by a memory alarm says so on stderr, and with -t exits 75; status shows the alarm', async () => {
        await underMemoryAlarm('cli-blocked', async (q) => {
          // 1 MiB bodies: the daemon blocks the connection after the first whole publish it reads, so the others
          // cannot all arrive in the chunk it was reading (5 tiny publishes could, on a slow machine, and be confirmed)
          const body = join(tmpdir(), `${q}.body`);
          writeFileSync(body, Buffer.alloc(1 << 20, 0x78));
          const r = await ctl(['-t', '2', 'publish', '-r', q, '--count', '5', '-f', body]).finally(() => rmSync(body, { force: true }));
          expect(r.code, r.stderr).toBe(75);
          expect(r.stderr).toContain('blocked by the broker: low on memory\n');
          expect(r.stderr).toMatch(
            /Error: blocked by the broker \(low on memory\) for longer than the 2 s timeout; \d of 5 messages? (was|were) confirmed before that/,
          );
        });
      });

      it('a publish the broker confirmed before blocking the connection ends (exit 0): the unanswered close does not hang it', async () => {
        await underMemoryAlarm('cli-block-close', async (q) => {
          // the first publish of a connection is taken (and confirmed), then the connection is blocked: the broker
          // reads nothing more from it, connection.close included
          const r = await ctl(['-t', '2', 'publish', '-r', q, 'x']);
          expect(r.code, r.stderr).toBe(0);
          expect(r.stderr).toContain('blocked by the broker: low on memory');
        });
      });
    }

    it('consume --exec --max-redeliveries: a poison message is rejected after n failed runs and dead-lettered', async () => {
      const work = uniqueName('cli-poison');
      const dlq = `${work}-dlq`;
      expect((await ctl(['-q', 'declare_queue', dlq])).code).toBe(0);
      expect(
        (await ctl(['-q', 'declare_queue', work, '--arguments', JSON.stringify({ 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': dlq })])).code,
      ).toBe(0);
      try {
        expect((await ctl(['-q', 'publish', '-r', work, 'poison'])).code).toBe(0);
        const r = await ctl(['consume', work, '--exec', 'cat > /dev/null; exit 3', '--max-redeliveries', '3', '--idle-timeout', '2']);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stderr.match(/message requeued/g)).toHaveLength(2);
        expect(r.stderr).toContain('command exited with 3, 3 failed runs: message rejected');
        const got = await waitFor(
          async () => {
            const g = await ctl(['-q', 'get', dlq]);
            return g.code === 0 ? g.stdout : undefined;
          },
          'the dead-lettered message',
          { intervalMs: 300 },
        );
        expect(got).toBe('poison\n');
      } finally {
        await ctl(['-q', 'delete_queue', work]);
        await ctl(['-q', 'delete_queue', dlq]);
      }
    });

    it('Ctrl-C on a terminal (SIGINT to the whole process group) lets the running --exec command finish and ack', async () => {
      const q = uniqueName('cli-ctrlc');
      const mark = join(tmpdir(), `${q}.started`);
      expect((await ctl(['-q', 'declare_queue', q])).code).toBe(0);
      try {
        expect((await ctl(['-q', 'publish', '-r', q, 'job'])).code).toBe(0);
        // detached: its own process group, as a terminal's foreground job
        const child = spawn(process.execPath, [ctlBin, ...args, 'consume', q, '--exec', `touch ${mark}; sleep 1; cat > /dev/null`], {
          env: ctlEnv(),
          stdio: ['ignore', 'pipe', 'pipe'],
          detached: true,
        });
        let stderr = '';
        child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
        const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
        await waitFor(() => existsSync(mark), 'the command started');
        process.kill(-child.pid!, 'SIGINT');
        expect(await exited, stderr).toBe(0);
        expect(stderr).not.toContain('requeued');
        const left = await waitFor(
          async () => {
            const rows = parseTsv((await ctl(['-q', 'list_queues', 'name', 'messages'])).stdout);
            const row = rows.find((x) => x.name === q);
            return row && row.messages === '0' ? row : undefined;
          },
          'the message acked',
          { intervalMs: 500 },
        );
        expect(left.messages).toBe('0');
      } finally {
        rmSync(mark, { force: true });
        await ctl(['-q', 'delete_queue', q]);
      }
    });

    /** A long-running warrenctl as `user` (at `url`, default the target's), its stderr collected. */
    const startAsUser = (words: readonly string[], url = target.amqpUrl(user, 'pw')) => {
      const child = spawn(process.execPath, [ctlBin, ...target.args, '--url', url, ...words], { env: ctlEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      return { stderr: () => stderr, exited };
    };
    /** close_connection on `user`'s one connection (listed once the broker's statistics show it) */
    const closeUsersConnection = async (reason: string): Promise<void> => {
      const name = await waitFor(
        async () => parseTsv((await ctl(['-q', 'list_connections', 'name', 'user'])).stdout).find((c) => c.user === user)?.name,
        `${user}'s connection listed`,
        { intervalMs: 500 },
      );
      expect((await ctl(['-q', 'close_connection', name, reason])).code).toBe(0);
    };

    it('a consume closed by close_connection prints the broker reason and exits 69', async () => {
      const q = uniqueName('cli-rep-q');
      expect((await ctl(['-q', 'declare_queue', q])).code).toBe(0);
      try {
        const child = startAsUser(['consume', q]);
        await waitFor(() => child.stderr().includes('Consuming from queue'), 'the consume banner');
        // the banner comes before anything else
        expect(child.stderr().startsWith(`Consuming from queue '${q}'`)).toBe(true);
        await closeUsersConnection('maintenance window');
        expect(await child.exited).toBe(69);
        expect(child.stderr()).toMatch(/Error: CONNECTION_FORCED - maintenance window \(reply 320\)\n$/);
      } finally {
        await ctl(['-q', 'delete_queue', q]);
      }
    });

    // amqplib ends a request in flight with 'Channel ended, no reply will be forthcoming' before it reports the
    // connection's close (and a 320 close with no 'error' event at all): the broker's reason must win anyway
    const QUEUE_BIND = [50, 20];
    const BASIC_CONSUME = [60, 20];
    const BASIC_PUBLISH = [60, 40];
    const BASIC_GET = [60, 70];
    const REASON = 'Error: CONNECTION_FORCED - cut short \\(reply 320\\)';
    for (const [what, words, [classId, methodId], tail] of [
      ['consume, waiting for its consume-ok', (q: string) => ['consume', q], BASIC_CONSUME, `${REASON}\\n$`],
      ['consume --exchange, waiting for its bind-ok', () => ['consume', '--exchange', 'amq.topic', '--bind', 'k.#'], QUEUE_BIND, `${REASON}\\n$`],
      ['rpc-call, waiting for its reply consumer', (q: string) => ['rpc-call', q, 'ping'], BASIC_CONSUME, `${REASON}\\n$`],
      ['rpc-call, waiting for its reply', (q: string) => ['rpc-call', q, 'ping'], BASIC_PUBLISH, `${REASON}\\n$`],
      ['get, waiting for its get-ok', (q: string) => ['get', q], BASIC_GET, `${REASON}\\n$`],
      [
        'publish, waiting for its confirm',
        (q: string) => ['publish', '-r', q, 'body'],
        BASIC_PUBLISH,
        `${REASON}; 0 of 1 message was confirmed before that \\(publish the rest from message 1 on\\)\\n$`,
      ],
    ] as const) {
      it(`a close_connection that cuts a request short prints the broker reason and exits 69: ${what}`, async () => {
        const q = uniqueName('cli-rep-cut');
        expect((await ctl(['-q', 'declare_queue', q])).code).toBe(0);
        const url = new URL(target.amqpUrl(user, 'pw'));
        const proxy = await holdingProxy(url.hostname, Number(url.port || 5672), (c, m) => c === classId && m === methodId);
        try {
          url.hostname = '127.0.0.1';
          url.port = String(proxy.port);
          const child = startAsUser(words(q), url.href);
          await proxy.held;
          await closeUsersConnection('cut short');
          expect(await child.exited, child.stderr()).toBe(69);
          expect(child.stderr()).toMatch(new RegExp(`(^|\\n)${tail}`));
        } finally {
          await proxy.close();
          await ctl(['-q', 'delete_queue', q]);
        }
      });
    }

    it('an rpc-serve closed by close_connection prints the broker reason and exits 69', async () => {
      const q = uniqueName('cli-rep-srv');
      try {
        const child = startAsUser(['rpc-serve', q, '--exec', 'cat']);
        await waitFor(() => child.stderr().includes('Serving requests'), 'rpc-serve serving');
        await closeUsersConnection('server moved');
        expect(await child.exited, child.stderr()).toBe(69);
        expect(child.stderr()).toMatch(/\nError: CONNECTION_FORCED - server moved \(reply 320\)\n$/);
      } finally {
        await ctl(['-q', 'delete_queue', q]);
      }
    });
  });
}
