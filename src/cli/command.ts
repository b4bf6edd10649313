// The one shape every commands/<name>.ts exports (DESIGN.md convention 7).
import type { Context } from './context.js';
import type { Completion, OptionSpec } from './option-spec.js';

export interface ArgumentSpec {
  name: string;
  description: string;
  required: boolean;
  /** takes all remaining words (info items) */
  variadic?: boolean;
  complete?: Completion;
}

export type { Completion, OptionSpec } from './option-spec.js';

export type CommandGroup = 'users' | 'vhosts' | 'access' | 'observe' | 'queues' | 'connections' | 'messaging' | 'policies' | 'node' | 'definitions' | 'help';

export type OptionValues = Record<string, string | boolean | string[] | undefined>;

export interface CommandDefinition {
  name: string;
  /** extra aliases; the hyphenated form (add-user) is always accepted */
  aliases: readonly string[];
  group: CommandGroup;
  summary: string;
  /** longer text for `help <command>` and the man page */
  description?: string;
  arguments: readonly ArgumentSpec[];
  options: readonly OptionSpec[];
  /** warren-only node command: refused with exit 69 on RabbitMQ, naming the rabbitmqctl equivalent */
  warrenOnly?: { rabbitmqEquivalent: string };
  hidden?: boolean;
  /**
   * `args` are the positional words (variadic ones flattened); `commands` is the registry, for the commands that
   * list commands (help, completion, __complete). Returns an exit code, or nothing for 0.
   */
  run(ctx: Context, args: readonly string[], options: OptionValues, commands: CommandCatalog): Promise<number | void>;
}

/** A command as the registry knows it before loading it: the words that select it and its loader. */
export interface CommandEntry {
  name: string;
  /** extra aliases besides the hyphenated form */
  aliases?: readonly string[];
  hidden?: boolean;
  load(): Promise<{ default: CommandDefinition }>;
}

/**
 * The registry (registry.ts) as commands see it. main passes it to run(), so the commands that list commands
 * do not import the registry, which imports them.
 */
export interface CommandCatalog {
  /** every command, hidden ones too */
  readonly entries: readonly CommandEntry[];
  /** the entry a word (name, hyphenated name or alias) selects */
  find(word: string): CommandEntry | undefined;
  /** the commands help and completion show */
  visible(): CommandEntry[];
  loadAll(includeHidden?: boolean): Promise<CommandDefinition[]>;
}

export function defineCommand(def: CommandDefinition): CommandDefinition {
  return def;
}

/** `add_user` -> `add-user` */
export function hyphenated(name: string): string {
  return name.replace(/_/g, '-');
}

/** The usage line's argument part: `<username> [<password>]`, `[<column> ...]`. */
export function argumentUsage(args: readonly ArgumentSpec[]): string {
  return args
    .map((a) => {
      const core = `<${a.name}>${a.variadic ? ' ...' : ''}`;
      return a.required ? core : `[${core}]`;
    })
    .join(' ');
}
