// Commander wiring for one command: global options + the command's own options and arguments.
// The action only captures what commander parsed; all logic is in the command's run().
import { Command, CommanderError, Option } from 'commander';
import { CliError, ExitCode } from './exit-codes.js';
import type { CommandDefinition, OptionSpec, OptionValues } from './command.js';
import { GLOBAL_OPTIONS, type GlobalOptions } from './global-options.js';

export interface ParsedLine {
  globals: GlobalOptions;
  args: string[];
  options: OptionValues;
}

function toOption(spec: OptionSpec): Option {
  const option = new Option(spec.flags, spec.description);
  if (spec.defaultValue !== undefined) option.default(spec.defaultValue);
  if (spec.choices) option.choices(spec.choices);
  if (spec.repeatable) option.argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]);
  return option;
}

export function parseCommandLine(def: CommandDefinition, words: readonly string[]): ParsedLine {
  const cmd = new Command(def.name)
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} })
    .helpOption(false)
    .allowExcessArguments(false)
    .allowUnknownOption(false);
  const globalKeys = GLOBAL_OPTIONS.map((spec) => {
    const option = toOption(spec);
    cmd.addOption(option);
    return option.attributeName();
  });
  const ownKeys = def.options.map((spec) => {
    const option = toOption(spec);
    cmd.addOption(option);
    return option.attributeName();
  });
  for (const a of def.arguments) cmd.argument(a.required ? `<${a.name}${a.variadic ? '...' : ''}>` : `[${a.name}${a.variadic ? '...' : ''}]`, a.description);

  let captured: unknown[] = [];
  cmd.action((...values: unknown[]) => {
    captured = values.slice(0, def.arguments.length);
  });
  try {
    cmd.parse([...words], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      throw new CliError(ExitCode.USAGE, `${e.message.replace(/^error: /, '')} (usage: warrenctl ${def.name} --help)`);
    }
    throw e;
  }
  const all = cmd.opts<Record<string, string | boolean | string[] | undefined>>();
  const globals: Record<string, unknown> = {};
  for (const k of globalKeys) globals[k] = all[k];
  const options: OptionValues = {};
  for (const k of ownKeys) options[k] = all[k];
  const args = captured.flatMap((v) => (v === undefined ? [] : Array.isArray(v) ? (v as string[]) : [v as string]));
  return { globals: globals as unknown as GlobalOptions, args, options };
}
