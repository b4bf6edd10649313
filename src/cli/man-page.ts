// man/warrenctl.8, generated from the registry and the command definitions (so every command and option
// is documented). Regenerate: node -e "import('./dist/src/cli/man-page.js').then(async (m) => process.stdout.write(await m.renderManPage()))" > man/warrenctl.8
// A unit test renders it again and diffs against the committed file.
import { argumentUsage, type CommandDefinition, type CommandGroup, hyphenated, type OptionSpec } from './command.js';
import { GLOBAL_OPTIONS } from './global-options.js';
import { GROUP_TITLES } from './help.js';
import { loadAll, REGISTRY } from './registry.js';
import { VERSION } from '../common/version.js';
import { CONFIG_EXIT_STATUS, TARGET_ENVIRONMENT, TARGET_FILES, TARGETS_SECTION } from './config/man-section.js';

/** Escapes text for roff: backslashes, hyphens (as \-), and a leading dot or quote. */
export function roff(text: string): string {
  const escaped = text.replace(/\\/g, '\\e').replace(/-/g, '\\-');
  return /^[.']/.test(escaped) ? `\\&${escaped}` : escaped;
}

function optionHeading(o: OptionSpec): string {
  const m = /^(.*?)(?:\s+<([^>]+)>)?$/.exec(o.flags);
  const names = (m?.[1] ?? o.flags)
    .split(/,\s*/)
    .map((n) => `\\fB${roff(n)}\\fR`)
    .join(', ');
  return m?.[2] ? `${names} \\fI${roff(m[2])}\\fR` : names;
}

function optionText(o: OptionSpec): string {
  let text = roff(o.description);
  if (o.choices) text += ` (${o.choices.map(roff).join(', ')})`;
  if (o.defaultValue !== undefined && o.defaultValue !== false) text += `; default ${roff(String(o.defaultValue))}`;
  return `${text}.`;
}

function commandSection(def: CommandDefinition, extraAliases: readonly string[]): string[] {
  const args = argumentUsage(def.arguments)
    .replace(/<([^>]+)>/g, (_, n: string) => `\\fI${roff(n)}\\fR`)
    .replace(/\.\.\./g, '\\&...');
  const own = def.options.length ? ' [\\fIoptions\\fR]' : '';
  const lines = ['.TP', `\\fB${roff(def.name)}\\fR${own}${args ? ` ${args}` : ''}`, `${roff(def.summary)}.`];
  if (def.description) lines.push(roff(def.description));
  const aliases = [hyphenated(def.name), ...def.aliases, ...extraAliases].filter((a, i, all) => a !== def.name && all.indexOf(a) === i);
  if (aliases.length) lines.push(`Aliases: ${aliases.map((a) => `\\fB${roff(a)}\\fR`).join(', ')}.`);
  if (def.warrenOnly) lines.push(`Warren only: against RabbitMQ it exits 69; use \\fB${roff(def.warrenOnly.rabbitmqEquivalent)}\\fR there.`);
  if (def.arguments.length || def.options.length) {
    lines.push('.RS');
    for (const a of def.arguments) lines.push('.TP', `\\fI${roff(a.name)}\\fR`, `${roff(a.description)}${a.required ? '' : ' (optional)'}.`);
    for (const o of def.options) lines.push('.TP', optionHeading(o), optionText(o));
    lines.push('.RE');
  }
  return lines;
}

export function manPage(defs: readonly CommandDefinition[], version: string): string {
  const aliases = new Map(REGISTRY.map((e) => [e.name, e.aliases ?? []]));
  const out: string[] = [
    '.\\" Generated from warrenctl\'s command registry by src/cli/man-page.ts; do not edit by hand.',
    `.TH WARRENCTL 8 "" "warren ${roff(version)}" "Warren Manual"`,
    '.SH NAME',
    'warrenctl \\- administer a warren\\-server daemon or a RabbitMQ node',
    '.SH SYNOPSIS',
    '.B warrenctl',
    '[\\fIglobal options\\fR] \\fIcommand\\fR [\\fIcommand options\\fR] [\\fIarguments\\fR]',
    '.SH DESCRIPTION',
    '\\fBwarrenctl\\fR is a \\fBrabbitmqctl\\fR(8)\\-style command\\-line tool. It talks to the local \\fBwarren\\-server\\fR(8) over its',
    'control socket (\\fIdata\\-dir\\fR/warren.sock, mode 0600), which serves the RabbitMQ management HTTP API, or, with',
    "\\fB\\-\\-api\\-url\\fR, to the management HTTP API of a RabbitMQ node (or of warren's TCP API listener). The same commands,",
    'output formats and exit codes work on both targets; the node commands that the RabbitMQ API lacks',
    '(\\fBstop_app\\fR, \\fBstart_app\\fR, \\fBreset\\fR, \\fBforce_reset\\fR, \\fBstop\\fR) exit 69 there.',
    '.PP',
    'Global options may appear before or after the command. Commands are also accepted in hyphenated form',
    "(\\fBadd\\-user\\fR for \\fBadd_user\\fR). \\fBwarrenctl help\\fR \\fIcommand\\fR or \\fBwarrenctl\\fR \\fIcommand\\fR \\fB\\-\\-help\\fR shows a command's usage.",
    '.SH GLOBAL OPTIONS',
  ];
  for (const o of GLOBAL_OPTIONS) out.push('.TP', optionHeading(o), optionText(o));
  out.push('.TP', '\\fB\\-h\\fR, \\fB\\-\\-help\\fR', 'Show help (for the command, when one is given).');
  out.push('.TP', '\\fB\\-V\\fR, \\fB\\-\\-version\\fR', 'Print the version.');
  out.push('.SH COMMANDS');
  for (const group of Object.keys(GROUP_TITLES) as CommandGroup[]) {
    const inGroup = defs.filter((d) => d.group === group && !d.hidden);
    if (!inGroup.length) continue;
    out.push(`.SS ${roff(GROUP_TITLES[group])}`);
    for (const d of inGroup) out.push(...commandSection(d, aliases.get(d.name) ?? []));
  }
  out.push(
    ...TARGETS_SECTION,
    '.SH OUTPUT',
    'Results go to standard output; banners (such as "Listing queues for vhost / ...") and errors go to standard error,',
    'so standard output always parses. Lists are printed as a table on a terminal, as tab\\-separated values with a header',
    'line otherwise (as \\fBrabbitmqctl\\fR), or as JSON or CSV with \\fB\\-\\-formatter\\fR. \\fB\\-q\\fR drops banners; \\fB\\-s\\fR also drops the',
    'header line. Colours are used only on a terminal, and never with \\fB\\-\\-no\\-color\\fR or when \\fBNO_COLOR\\fR is set.',
    '.PP',
    "The list commands take \\fBrabbitmqctl\\fR's info items as column arguments, for example",
    '\\fBwarrenctl list_queues name messages consumers\\fR; unknown items exit 64.',
    '.SH EXIT STATUS',
    'Exit codes follow sysexits(3), as \\fBrabbitmqctl\\fR:',
    '.TP',
    '.B 0',
    'Success.',
    '.TP',
    '.B 2',
    '\\fBget\\fR: the queue was empty (as \\fBamqp\\-get\\fR).',
    '.TP',
    '.B 64',
    'Usage error: unknown command, wrong number of arguments, unknown option or info item.',
    '.TP',
    '.B 65',
    'Data error: missing virtual host or queue, bad argument, a value or pattern the broker refused (\\fBValidation failed\\fR), a definitions file refused (nothing is imported), an unroutable \\fB\\-\\-mandatory\\fR message, wrong password in \\fBauthenticate_user\\fR.',
    '.TP',
    '.B 67',
    'No such user (\\fBdelete_user\\fR, \\fBset_user_tags\\fR, \\fBchange_password\\fR, ...).',
    '.TP',
    '.B 69',
    'Unavailable: the daemon is not running or unreachable, its app is stopped, the connection was closed by the broker (\\fBclose_connection\\fR), a vhost or user limit is reached, or the command is not supported on this target.',
    '.TP',
    '.B 70',
    'Internal error; also \\fBadd_user\\fR for an existing user and \\fBreset\\fR while the app is running, as \\fBrabbitmqctl\\fR 3.10.',
    '.TP',
    '.B 75',
    'Timeout (\\fB\\-t\\fR, \\fBrpc\\-call\\fR without a reply), a cancelled confirmation, or messages the broker nacked (\\fBpublish\\fR).',
    '.TP',
    '.B 77',
    'Refused: the management API refused the credentials (HTTP 401), the AMQP broker refused the login (ACCESS_REFUSED) or access to the virtual host.',
    ...CONFIG_EXIT_STATUS,
    '.SH ENVIRONMENT',
    '.TP',
    '.B WARREN_DATA_DIR',
    'Data directory of the local daemon, when \\fB\\-\\-data\\-dir\\fR is not given (default ~/.local/share/warren).',
    ...TARGET_ENVIRONMENT,
    '.TP',
    '.B NO_COLOR',
    'Disables colours.',
    '.SH FILES',
    '.TP',
    '.I ~/.local/share/warren/warren.sock',
    'The control socket of the local daemon.',
    ...TARGET_FILES,
    '.SH EXAMPLES',
    '.nf',
    'warrenctl add_user app s3cret',
    'warrenctl set_user_tags app administrator',
    'warrenctl set_permissions \\-p / app ".*" ".*" ".*"',
    'warrenctl list_queues name messages consumers',
    'warrenctl \\-\\-formatter json list_users',
    'warrenctl stop_app && warrenctl reset; warrenctl start_app',
    'seq 1000 | warrenctl publish \\-\\-lines \\-r jobs',
    'warrenctl consume jobs \\-\\-count 3 \\-\\-formatter json',
    'warrenctl rpc\\-serve rpc_queue \\-\\-exec \\(aqtr a\\-z A\\-Z\\(aq & warrenctl rpc\\-call rpc_queue hello',
    'warrenctl set_policy \\-\\-apply\\-to queues cap "^jobs$" \\(aq{"max\\-length": 100}\\(aq',
    'warrenctl export_definitions defs.json',
    'warrenctl \\-\\-api\\-url http://guest:guest@rabbit:15672 import_definitions defs.json',
    'source <(warrenctl completion bash)',
    '.fi',
    '.SH SEE ALSO',
    '\\fBwarren\\-server\\fR(8), \\fBrabbitmqctl\\fR(8), \\fBrabbitmqadmin\\fR(1)',
    '',
  );
  return out.join('\n');
}

export async function renderManPage(): Promise<string> {
  return manPage(await loadAll(), VERSION);
}
