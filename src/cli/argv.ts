// The command line without commander on the hot path: splitArgv finds the command word (so only that
// command's module is imported), fastParse parses well-formed lines (see its comment).
import type { CommandDefinition, OptionSpec, OptionValues } from './command.js';
import { GLOBAL_OPTIONS, VALUE_FLAGS, type GlobalOptions } from './global-options.js';
import type { ParsedLine } from './parse.js';

export interface SplitArgv {
  /** the command word as typed, if any */
  command?: string;
  /** everything else, in order (global options may come before or after the command) */
  rest: string[];
  /** -h/--help seen before any `--` */
  help: boolean;
  /** -V/--version seen before the command */
  version: boolean;
}

export function splitArgv(argv: readonly string[]): SplitArgv {
  const rest: string[] = [];
  let command: string | undefined;
  let help = false;
  let version = false;
  let literal = false;
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] as string;
    if (literal) {
      if (command === undefined) command = word;
      else rest.push(word);
      continue;
    }
    if (word === '--') {
      literal = true;
      rest.push(word);
      continue;
    }
    if (word === '-h' || word === '--help') {
      help = true;
      continue;
    }
    if ((word === '-V' || word === '--version') && command === undefined) {
      version = true;
      continue;
    }
    if (word.startsWith('-') && word.length > 1) {
      rest.push(word);
      if (VALUE_FLAGS.has(word) && i + 1 < argv.length) rest.push(argv[++i] as string);
      continue;
    }
    if (command === undefined) command = word;
    else rest.push(word);
  }
  const out: SplitArgv = { rest, help, version };
  if (command !== undefined) out.command = command;
  return out;
}

// A commander-free parser for well-formed command lines, so the common case does not load commander
// (~10 ms). It understands exactly the option grammar the definitions use (boolean flags, `--no-x`,
// `<value>` options as `--opt v`, `--opt=v`, `-o v`) and returns undefined for anything else (unknown or
// bundled options, wrong argument counts, bad choices, ...); parse.ts then runs commander, which
// produces the authoritative result or usage error. A unit test checks both parsers agree.
interface FlagInfo {
  key: string;
  takesValue: boolean;
  /** value stored when the flag is given without a value */
  flagValue: boolean;
  spec: OptionSpec;
  global: boolean;
}

function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

function describe(spec: OptionSpec, global: boolean): { words: string[]; info: FlagInfo } {
  const words = spec.flags.split(/[ ,]+/).filter((w) => w.startsWith('-'));
  const long = words.find((w) => w.startsWith('--')) ?? (words[0] as string);
  const negated = long.startsWith('--no-');
  const key = camel(long.replace(/^--(no-)?/, ''));
  return { words, info: { key, takesValue: spec.flags.includes('<'), flagValue: !negated, spec, global } };
}

export function fastParse(def: CommandDefinition, words: readonly string[]): ParsedLine | undefined {
  const flags = new Map<string, FlagInfo>();
  const globals: Record<string, string | boolean | string[] | undefined> = {};
  const options: OptionValues = {};
  const register = (spec: OptionSpec, global: boolean): void => {
    const { words: names, info } = describe(spec, global);
    for (const n of names) flags.set(n, info);
    const target = global ? globals : options;
    const initial = spec.defaultValue ?? (info.flagValue ? undefined : true);
    target[info.key] = initial;
  };
  for (const spec of GLOBAL_OPTIONS) register(spec, true);
  for (const spec of def.options) register(spec, false);

  const positional: string[] = [];
  let literal = false;
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    if (literal || word === '-' || !word.startsWith('-')) {
      positional.push(word);
      continue;
    }
    if (word === '--') {
      literal = true;
      continue;
    }
    let name = word;
    let inline: string | undefined;
    const eq = word.indexOf('=');
    if (word.startsWith('--') && eq > 0) {
      name = word.slice(0, eq);
      inline = word.slice(eq + 1);
    }
    const info = flags.get(name);
    if (!info) return undefined; // unknown option, bundled short flags, -p/value glued: let commander decide
    const target = info.global ? globals : options;
    if (!info.takesValue) {
      if (inline !== undefined) return undefined;
      target[info.key] = info.flagValue;
      continue;
    }
    let value = inline;
    if (value === undefined) {
      if (i + 1 >= words.length) return undefined;
      value = words[++i] as string;
    }
    if (info.spec.choices && !info.spec.choices.includes(value)) return undefined;
    if (info.spec.repeatable) {
      const previous = target[info.key];
      target[info.key] = [...(Array.isArray(previous) ? previous : []), value];
    } else target[info.key] = value;
  }

  const required = def.arguments.filter((a) => a.required).length;
  const variadic = def.arguments.some((a) => a.variadic);
  if (positional.length < required) return undefined;
  if (!variadic && positional.length > def.arguments.length) return undefined;
  return { globals: globals as unknown as GlobalOptions, args: positional, options };
}
