// The description of one command-line option and of what completion offers for it. Its own module (types only, importing nothing) so the option
// tables (global-options.ts, config/target-options.ts) do not depend on command.ts, which depends on the Context.

/**
 * What the completion script offers for an argument or an option's value: names fetched from the daemon, files,
 * fixed words, or the keys of a JSON object argument (completed after the last `"` of the word, so
 * `'{"x-me` becomes `'{"x-message-ttl`).
 */
export type Completion =
  'users' | 'vhosts' | 'queues' | 'exchanges' | 'connections' | 'commands' | 'files' | { words: readonly string[] } | { keys: readonly string[] };

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
