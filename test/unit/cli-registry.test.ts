// The registry, the command modules, help, the man page and the completion scripts agree.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type CommandDefinition, hyphenated } from '../../src/cli/command.js';
import { bashCompletion, zshCompletion } from '../../src/cli/completion.js';
import { GLOBAL_OPTIONS } from '../../src/cli/global-options.js';
import { commandHelp, generalHelp } from '../../src/cli/help.js';
import { main } from '../../src/cli/main.js';
import { manPage } from '../../src/cli/man-page.js';
import { entryWords, findEntry, REGISTRY, visibleEntries } from '../../src/cli/registry.js';
import { VERSION } from '../../src/common/version.js';

const REQUIRED = [
  'add_user',
  'delete_user',
  'change_password',
  'clear_password',
  'authenticate_user',
  'set_user_tags',
  'list_users',
  'hash_password',
  'add_vhost',
  'delete_vhost',
  'list_vhosts',
  'set_permissions',
  'clear_permissions',
  'list_permissions',
  'list_user_permissions',
  'list_queues',
  'list_exchanges',
  'list_bindings',
  'list_connections',
  'list_channels',
  'list_consumers',
  'purge_queue',
  'delete_queue',
  'close_connection',
  'status',
  'ping',
  'await_startup',
  'stop_app',
  'start_app',
  'reset',
  'force_reset',
  'stop',
  'export_definitions',
  'import_definitions',
  'help',
  'version',
  'completion',
];

const defs = new Map<string, CommandDefinition>();
for (const entry of REGISTRY) defs.set(entry.name, (await entry.load()).default);
const visible = visibleEntries().map((e) => defs.get(e.name) as CommandDefinition);
const aliasMap = new Map(REGISTRY.map((e) => [e.name, e.aliases ?? []]));
const man = readFileSync(new URL('../../man/warrenctl.8', import.meta.url), 'utf8');

/** Runs warrenctl in-process with captured output. */
async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io = {
    stdout: { write: (s: string) => ((out += s), true), isTTY: false },
    stderr: { write: (s: string) => ((err += s), true), isTTY: false },
    stdin: process.stdin,
    env: {},
  };
  const code = await main(argv, io);
  return { code, out, err };
}

const help = (await run(['help'])).out;
const bash = (await run(['completion', 'bash'])).out;
const zsh = (await run(['completion', 'zsh'])).out;
const roffName = (n: string): string => n.replace(/-/g, '\\-');

describe('command registry', () => {
  it('registers every command issue 4 asks for', () => {
    for (const name of REQUIRED) expect(findEntry(name)?.name, name).toBe(name);
  });

  it('has unique names and alias words', () => {
    const words = REGISTRY.flatMap(entryWords);
    expect(new Set(words).size).toBe(words.length);
  });

  it.each(REGISTRY.map((e) => [e.name, e] as const))('%s: module metadata matches the registry', (name, entry) => {
    const def = defs.get(name) as CommandDefinition;
    expect(def.name).toBe(name);
    expect([...def.aliases]).toEqual([...(entry.aliases ?? [])]);
    expect(Boolean(def.hidden)).toBe(Boolean(entry.hidden));
    expect(def.summary.length).toBeGreaterThan(0);
    expect(typeof def.run).toBe('function');
    // variadic only last, required arguments before optional ones
    const args = def.arguments;
    args.forEach((a, i) => {
      if (a.variadic) expect(i).toBe(args.length - 1);
      if (a.required && i > 0) expect(args[i - 1]?.required).toBe(true);
    });
  });

  it('accepts hyphenated aliases', () => {
    expect(findEntry('add-user')?.name).toBe('add_user');
    expect(findEntry('list-user-permissions')?.name).toBe('list_user_permissions');
    expect(findEntry('nope')).toBeUndefined();
  });
});

describe('documentation and completion cover every command', () => {
  it.each(visible.map((d) => [d.name, d] as const))('%s is in the man page, help and completion scripts', (name, def) => {
    expect(man).toContain(`\\fB${roffName(name)}\\fR`);
    expect(help).toMatch(new RegExp(`^  ${name} `, 'm'));
    expect(bash).toMatch(new RegExp(`[ "]${name}[ "]`));
    expect(bash).toContain(name.includes('_') ? `${name}|${hyphenated(name)}` : `    ${name}`);
    expect(zsh).toContain(`'${name}:`);
    for (const option of def.options) {
      for (const word of option.flags.split(/[ ,]+/).filter((w) => w.startsWith('-'))) {
        expect(man, `${name} ${word}`).toContain(roffName(word));
        expect(bash, `${name} ${word}`).toContain(word);
        expect(commandHelp(def)).toContain(word);
      }
    }
  });

  it('documents every global option in the man page, help and completion', () => {
    for (const option of GLOBAL_OPTIONS) {
      for (const word of option.flags.split(/[ ,]+/).filter((w) => w.startsWith('-'))) {
        expect(man).toContain(roffName(word));
        expect(help).toContain(word);
        expect(bash).toContain(word);
        expect(zsh).toContain(word);
      }
    }
  });

  it('keeps man/warrenctl.8 in sync with the registry (regenerate with src/cli/man-page.ts)', () => {
    expect(man).toBe(manPage(visible, VERSION));
  });

  it('generates the same texts in-process as the functions do', () => {
    expect(help).toBe(generalHelp(visible));
    expect(bash).toBe(bashCompletion(visible, GLOBAL_OPTIONS, aliasMap));
    expect(zsh).toBe(zshCompletion(visible, GLOBAL_OPTIONS, aliasMap));
  });

  it('does not list the hidden __complete command', () => {
    expect(help).not.toContain('__complete');
    expect(man).not.toContain('__complete');
  });

  it('completion asks the daemon for names through __complete', () => {
    expect(bash).toContain('__complete');
    expect(zsh).toContain('__complete');
    expect(bash).toContain('complete -F _warrenctl warrenctl');
    expect(zsh.startsWith('#compdef warrenctl')).toBe(true);
  });
});

describe('module boundaries', () => {
  const root = new URL('../../', import.meta.url);
  const files = [
    ...readdirSync(new URL('src/cli/', root), { recursive: true }).map((f) => `src/cli/${String(f)}`),
    ...readdirSync(new URL('commands/', root)).map((f) => `commands/${f}`),
  ].filter((f) => f.endsWith('.ts'));
  const staticImports = (file: string): string[] =>
    [...readFileSync(new URL(file, root), 'utf8').matchAll(/^import (?!type )[^;]*? from '([^']+)';/gms)].map((m) => m[1] as string);

  it('cli and commands never import the broker, the server or the API handlers', () => {
    // src/amqp (the protocol alone) is allowed, as DESIGN.md's one-way imports say.
    for (const file of files) {
      for (const spec of staticImports(file)) expect(`${file} -> ${spec}`).not.toMatch(/src\/(broker|server|api)\/|\.\.\/(broker|server|api)\//);
    }
  });

  it('heavy packages are loaded lazily: chalk/cli-table3 only in output/table.ts, commander only in parse.ts, inquirer/amqplib never statically', () => {
    const allowed: Record<string, string[]> = {
      chalk: ['src/cli/output/table.ts'],
      'cli-table3': ['src/cli/output/table.ts'],
      commander: ['src/cli/parse.ts'],
      inquirer: [],
      amqplib: [],
    };
    for (const file of files) {
      for (const spec of staticImports(file)) {
        if (spec in allowed) expect(allowed[spec], `${file} imports ${spec}`).toContain(file);
      }
    }
  });
});
