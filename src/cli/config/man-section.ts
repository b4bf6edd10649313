// The man page's text about targets, profiles, credentials and TLS (man-page.ts places these roff lines).
import { NODE_KEYS } from './config-file.js';

const r = (text: string): string => text.replace(/\\/g, '\\e').replace(/-/g, '\\-');

export const TARGETS_SECTION: readonly string[] = [
  '.SH TARGETS',
  'Without \\fB\\-\\-api\\-url\\fR, \\fB\\-\\-url\\fR or \\fB\\-N\\fR, \\fBwarrenctl\\fR talks to the local daemon over its control socket.',
  "With them it talks to a RabbitMQ node (or warren's TCP API listener): admin commands over the management HTTP API,",
  'messaging commands over AMQP. When only one of the two URLs is known, the other is derived: same host, port 15672 for',
  'http://, 15671 for https://, 5672 for amqp://, 5671 for amqps://. \\fBwarrenctl config show\\fR prints the effective target.',
  '.PP',
  'Each setting is taken from the first of: a command\\-line flag; the node named by \\fB\\-N\\fR/\\fB\\-\\-node\\fR (or \\fBWARREN_NODE\\fR) in the',
  'config file; an environment variable; the default. \\fB\\-\\-socket\\fR or \\fB\\-\\-data\\-dir\\fR select the local daemon and make the',
  'environment variables be ignored.',
  '.SS Credentials',
  "The user is \\fB\\-\\-user\\fR, the profile's \\fBuser\\fR, \\fBWARREN_USER\\fR, the user in a URL, else \\fBguest\\fR (with password guest).",
  "The password is read from \\fB\\-\\-password\\-file\\fR, the profile's \\fBpassword_file\\fR or \\fBpassword\\fR, or \\fBWARREN_PASSWORD\\fR;",
  'without any, \\fBwarrenctl\\fR asks for it on a terminal (never with \\fB\\-\\-yes\\fR) and exits 64 otherwise. None of these put the',
  'password on the command line, where \\fBps\\fR(1) shows it. A URL with \\fIuser\\fR:\\fIpassword\\fR@ uses those for itself.',
  '.SS TLS',
  "\\fBhttps://\\fR and \\fBamqps://\\fR verify the server's certificate against the system CAs, or the PEM file of \\fB\\-\\-tls\\-ca\\fR",
  '(\\fBca\\fR in a profile); \\fB\\-\\-tls\\-cert\\fR and \\fB\\-\\-tls\\-key\\fR present a client certificate. \\fB\\-\\-insecure\\fR',
  '(\\fBinsecure = true\\fR) skips verification, and is never the default. A certificate that cannot be verified, a refused',
  'handshake or an unreadable file exits 78 with one line that says which.',
  '.SS Config file',
  'A TOML file, \\fBWARREN_CONFIG\\fR or ~/.config/warren/config.toml (\\fBXDG_CONFIG_HOME\\fR is honoured), read only when a',
  'node is named. Each node is a table \\fB[nodes.\\fR\\fIname\\fR\\fB]\\fR; the subset understood is comments, tables, and',
  '\\fIkey\\fR = "string", \'literal string\', integer, true or false. Keys:',
  ...Object.entries(NODE_KEYS).flatMap(([key, text]) => ['.TP', `.B ${r(key)}`, `${r(text[0]?.toUpperCase() ?? '')}${r(text.slice(1))}.`]),
  '.PP',
  '.nf',
  '[nodes.prod]',
  'api_url = "https://rabbit1.example.net:15671"',
  'url = "amqps://rabbit1.example.net:5671"',
  'user = "ops"',
  'password_file = "~/.config/warren/prod.password"',
  'vhost = "orders"',
  'ca = "/etc/ssl/certs/rabbit\\-ca.pem"',
  '',
  '[nodes.dev]',
  'api_url = "http://127.0.0.1:15672"',
  '.fi',
  '.PP',
  'Then \\fBwarrenctl \\-N prod list_queues\\fR lists the queues of vhost orders on that node.',
];

export const TARGET_ENVIRONMENT: readonly string[] = [
  '.TP',
  '.B WARREN_API_URL',
  'Management API URL of a RabbitMQ node, used when neither \\fB\\-\\-api\\-url\\fR nor a profile gives one.',
  '.TP',
  '.B WARREN_URL',
  'AMQP URL of a RabbitMQ node, used when neither \\fB\\-\\-url\\fR nor a profile gives one.',
  '.TP',
  '.B WARREN_NODE',
  'Name of the config file node to use when \\fB\\-N\\fR is not given.',
  '.TP',
  '.B WARREN_USER',
  'User name for a RabbitMQ target (see TARGETS).',
  '.TP',
  '.B WARREN_PASSWORD',
  'Password for a RabbitMQ target; kept out of the command line.',
  '.TP',
  '.B WARREN_CONFIG',
  'Path of the config file (default ~/.config/warren/config.toml).',
];

export const TARGET_FILES: readonly string[] = ['.TP', '.I ~/.config/warren/config.toml', 'Named nodes for \\fB\\-N\\fR (see TARGETS).'];

export const CONFIG_EXIT_STATUS: readonly string[] = [
  '.TP',
  '.B 78',
  'Configuration error: bad config file or unknown node, unreadable TLS or password file, a TLS certificate that cannot be verified.',
];
