// Help, version and completion through the real launcher (no daemon needed).
import { describe, expect, it } from 'vitest';
import { REGISTRY } from '../../src/cli/registry.js';
import { runCtl } from './ctl.js';

const visible = REGISTRY.filter((e) => !e.hidden).map((e) => e.name);

describe('warrenctl help, version and completion', () => {
  it('help lists every command; no arguments prints it on stderr with 64', async () => {
    const help = await runCtl(['help']);
    expect(help.code).toBe(0);
    for (const name of visible) expect(help.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    const bare = await runCtl([]);
    expect(bare.code).toBe(64);
    expect(bare.stdout).toBe('');
    expect(bare.stderr).toContain('Usage: warrenctl');
  });

  it.each(visible)('%s: --help and help <command> exit 0 with its usage', async (name) => {
    const a = await runCtl([name, '--help']);
    expect(a.code).toBe(0);
    expect(a.stdout).toContain(`Usage: warrenctl [global options] ${name}`);
    const b = await runCtl(['help', name.replace(/_/g, '-')]);
    expect(b.stdout).toBe(a.stdout);
  });

  it('version', async () => {
    const v = await runCtl(['version']);
    expect(v).toMatchObject({ code: 0, stderr: '' });
    expect(v.stdout).toMatch(/^\d+\.\d+\.\d+/);
    expect((await runCtl(['--version'])).stdout).toBe(v.stdout);
  });

  it('completion scripts for bash and zsh; other shells are a usage error', async () => {
    const bash = await runCtl(['completion', 'bash']);
    expect(bash.code).toBe(0);
    expect(bash.stdout).toContain('complete -F _warrenctl warrenctl');
    const zsh = await runCtl(['completion', 'zsh']);
    expect(zsh.stdout.startsWith('#compdef warrenctl')).toBe(true);
    expect((await runCtl(['completion', 'fish'])).code).toBe(64);
    expect((await runCtl(['completion'])).code).toBe(64);
  });
});
