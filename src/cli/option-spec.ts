// The description of one command-line option. Its own module (types only, importing nothing) so the option
// tables (global-options.ts, config/target-options.ts) do not depend on command.ts, which depends on the Context.

export interface OptionSpec {
  /** commander flags, e.g. `-e, --if-empty` or `--description <text>` */
  flags: string;
  description: string;
  defaultValue?: string | boolean;
  /** fixed values, for help, man and completion */
  choices?: readonly string[];
  /** may be given several times (`--header a=1 --header b=2`); the value is then a string[] */
  repeatable?: boolean;
}
