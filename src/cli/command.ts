// The one shape every commands/<name>.ts exports (DESIGN.md convention 7).
import type { Context } from './context.js';

/**
 * What the completion script offers for an argument or an option's value: names fetched from the daemon, files,
 * fixed words, or the keys of a JSON object argument (completed after the last `"` of the word, so
 * `'{"x-me` becomes `'{"x-message-ttl`).
 */
export type Completion = 'users' | 'vhosts' | 'queues' | 'exchanges' | 'connections' | 'commands' | 'files' | { words: readonly string[] } | { keys: readonly string[] };

export interface ArgumentSpec {
  name: string;
  description: string;
  required: boolean;
  /** takes all remaining words (info items) */
  variadic?: boolean;
  complete?: Completion;
}

export interface OptionSpec {
  /** commander flags, e.g. `-e, --if-empty` or `--description <text>` */
  flags: string;
  description: string;
  defaultValue?: string | boolean;
  /** fixed values, for help, man and completion */
  choices?: readonly string[];
  /** may be given several times (`--header a=1 --header b=2`); the value is then a string[] */
  repeatable?: boolean;
  /** what completion offers for the value (default: the choices, if any) */
  complete?: Completion;
}

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
  /** `args` are the positional words (variadic ones flattened). Returns an exit code, or nothing for 0. */
  run(ctx: Context, args: readonly string[], options: OptionValues): Promise<number | void>;
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
