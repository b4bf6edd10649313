// Options every command accepts, anywhere on the line (as rabbitmqctl's global switches).
import type { OptionSpec } from './option-spec.js';
import { FORMATTERS } from './output/format.js';
import { TARGET_OPTIONS, type TargetOptionValues } from './config/target-options.js';

export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  { flags: '-p, --vhost <vhost>', description: 'virtual host to act on (default /, or the vhost of the -N node)' },
  { flags: '-q, --quiet', description: 'suppress informational banners' },
  { flags: '-s, --silent', description: 'like --quiet, and also drop the table header line' },
  { flags: '--no-table-headers', description: 'do not print the header line of lists' },
  { flags: '--no-truncate', description: 'on a terminal, show long table cells whole instead of cutting them to the terminal width' },
  { flags: '--formatter <format>', description: 'output format: table (default on a terminal), tsv (default otherwise), json or csv', choices: FORMATTERS },
  { flags: '-t, --timeout <seconds>', description: 'give up after this many seconds (exit 75)' },
  { flags: '--data-dir <dir>', description: 'data directory of the local warren-server (default $WARREN_DATA_DIR, else ~/.local/share/warren)' },
  { flags: '--socket <path>', description: 'control socket of the local warren-server (default <data-dir>/warren.sock)' },
  ...TARGET_OPTIONS,
  { flags: '--no-color', description: 'no colours (also when NO_COLOR is set or output is not a terminal)' },
  { flags: '-y, --yes', description: 'do not ask for confirmation' },
];

/** Global options that take a value (to find the command word in argv without parsing). */
export const VALUE_FLAGS: ReadonlySet<string> = new Set(
  GLOBAL_OPTIONS.filter((o) => o.flags.includes('<')).flatMap((o) => o.flags.split(/[ ,]+/).filter((f) => f.startsWith('-'))),
);

/** As parsed: flags that were not given are undefined (negatable ones default to true). */
export interface GlobalOptions extends TargetOptionValues {
  vhost?: string;
  quiet?: boolean;
  silent?: boolean;
  tableHeaders: boolean;
  /** false with --no-truncate */
  truncate?: boolean;
  formatter?: string;
  timeout?: string;
  dataDir?: string;
  socket?: string;
  color: boolean;
  yes?: boolean;
}
