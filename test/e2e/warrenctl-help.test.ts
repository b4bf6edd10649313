// Help, version and completion: through main(argv, io) in-process for every command, and once through the
// real launcher (bin/warrenctl), which is what needs a process: exit codes and streams of a real run.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ARGUMENTS, POLICY_KEYS } from '../../src/amqp/queue-arguments.js';
import { REGISTRY } from '../../src/cli/registry.js';
import { ctlMain } from '../helpers/ctl-main.js';
import { runCtl } from './ctl.js';

const visible = REGISTRY.filter((e) => !e.hidden).map((e) => e.name);

describe('warrenctl help, version and completion', () => {
  it('through bin/warrenctl: help on stdout with 0, no arguments prints it on stderr with 64, --version', async () => {
    const help = await runCtl(['help']);
    expect(help.code).toBe(0);
    for (const name of visible) expect(help.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    const bare = await runCtl([]);
    expect(bare.code).toBe(64);
    expect(bare.stdout).toBe('');
    expect(bare.stderr).toContain('Usage: warrenctl');
    const v = await runCtl(['--version']);
    expect(v).toMatchObject({ code: 0, stderr: '' });
    expect(v.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('help lists every command; no arguments prints it on stderr with 64', async () => {
    const help = await ctlMain(['help']);
    expect(help.code).toBe(0);
    for (const name of visible) expect(help.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    const bare = await ctlMain([]);
    expect(bare.code).toBe(64);
    expect(bare.stdout).toBe('');
    expect(bare.stderr).toBe(help.stdout);
  });

  it.each(visible)('%s: --help and help <command> exit 0 with its usage', async (name) => {
    const a = await ctlMain([name, '--help']);
    expect(a.code).toBe(0);
    expect(a.stdout).toContain(`Usage: warrenctl [global options] ${name}`);
    const b = await ctlMain(['help', name.replace(/_/g, '-')]);
    expect(b.code).toBe(0);
    expect(b.stdout).toBe(a.stdout);
  });

  it('version', async () => {
    const v = await ctlMain(['version']);
    expect(v).toMatchObject({ code: 0, stderr: '' });
    expect(v.stdout).toMatch(/^\d+\.\d+\.\d+/);
    expect((await ctlMain(['--version'])).stdout).toBe(v.stdout);
  });

  it('bash completion offers x-arguments and policy keys from the one argument table (src/amqp/queue-arguments.ts)', async () => {
    const script = (await ctlMain(['completion', 'bash'])).stdout;
    // the generated function, run by a real bash with the words a user typed
    const complete = (...words: string[]): string[] => {
      const r = spawnSync(
        'bash',
        ['-c', `${script}\nCOMP_WORDS=("$@"); COMP_CWORD=$((\${#COMP_WORDS[@]}-1)); _warrenctl; printf '%s\\n' "\${COMPREPLY[@]}"`, 'bash', ...words],
        { encoding: 'utf8' },
      );
      expect(r.status).toBe(0);
      return r.stdout.split('\n').filter((l) => l !== '');
    };
    const queueArgs = ARGUMENTS.filter((a) => a.on === 'queue' && a.arg !== null).map((a) => a.arg!);
    expect(complete('warrenctl', 'declare_queue', 'q', '--arguments', `'{"x-`).sort()).toEqual(queueArgs.map((a) => `'{"${a}"`).sort());
    expect(complete('warrenctl', 'declare_queue', 'q', '--arguments', `'{"x-max-l`)).toEqual([`'{"x-max-length"`, `'{"x-max-length-bytes"`]);
    expect(complete('warrenctl', 'declare_exchange', 'x', '--arguments', '{"')).toEqual(['{"alternate-exchange"']);
    // set_policy's definition: the policy keys, and not the declare-only arguments RabbitMQ refuses in a policy
    const keys = complete('warrenctl', 'set_policy', 'p', '^q', `'{"`);
    expect(keys.sort()).toEqual(POLICY_KEYS.map((k) => `'{"${k}"`).sort());
    expect(keys).not.toContain(`'{"max-priority"`);
    // an option's fixed values
    expect(complete('warrenctl', 'set_policy', '--apply-to', '')).toEqual(['queues', 'exchanges', 'all']);
  });

  it('completion scripts for bash and zsh; other shells are a usage error', async () => {
    const bash = await ctlMain(['completion', 'bash']);
    expect(bash.code).toBe(0);
    expect(bash.stdout).toContain('complete -F _warrenctl warrenctl');
    const zsh = await ctlMain(['completion', 'zsh']);
    expect(zsh.stdout.startsWith('#compdef warrenctl')).toBe(true);
    expect((await ctlMain(['completion', 'fish'])).code).toBe(64);
    expect((await ctlMain(['completion'])).code).toBe(64);
  });
});
