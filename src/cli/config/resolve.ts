// Which target a command talks to, and with which credentials and TLS files. Pure and synchronous:
// nothing is prompted or read here except the config file (and only when a profile is named).
//
// Precedence, per setting: command-line flag > the -N/--node profile > environment variable > default.
//   node      --node, $WARREN_NODE
//   API URL   --api-url, profile api_url, $WARREN_API_URL, else derived from the AMQP URL (same host, 15672/15671)
//   AMQP URL  --url, profile url, $WARREN_URL, else derived from the API URL (same host, 5672/5671)
//   user      --user, profile user, $WARREN_USER, the user in a URL, else guest (password guest)
//   password  --password-file, profile password_file, profile password, $WARREN_PASSWORD, else a prompt on a terminal
//   A URL that carries user:password@ uses those for itself.
//   Several nodes of one cluster: --api-url / --url given more than once, a comma-separated list (flag or
//   variable), or an array in the profile. The first is used until it does not answer; then the next (failover).
// With neither URL nor node the target is the local daemon (--socket, --data-dir, $WARREN_DATA_DIR); --socket or
// --data-dir also make the environment variables above be ignored.
import { CliError, ExitCode } from '../exit-codes.js';
import type { GlobalOptions } from '../global-options.js';
import { configPath, loadConfig, type NodeProfile } from './config-file.js';

export const SOCKET_NAME = 'warren.sock';

export const DEFAULT_PORTS = { 'http:': 15672, 'https:': 15671, 'amqp:': 5672, 'amqps:': 5671 } as const;

export type TargetGlobals = Pick<
  GlobalOptions,
  'apiUrl' | 'socket' | 'dataDir' | 'url' | 'node' | 'user' | 'passwordFile' | 'tlsCa' | 'tlsCert' | 'tlsKey' | 'insecure' | 'vhost'
>;

export interface TlsSettings {
  /** PEM files */
  ca?: string;
  cert?: string;
  key?: string;
  /** skip certificate verification */
  insecure: boolean;
}

export type PasswordSource = { from: 'value'; value: string; where: string } | { from: 'file'; file: string; where: string } | { from: 'prompt' };

export interface Credential {
  user: string;
  userFrom: string;
  password: PasswordSource;
}

export interface LocalTarget {
  kind: 'local';
  dataDir: string;
  socketPath: string;
  /** the --data-dir given, for the "start it with" hint */
  dataDirHint?: string;
}

export interface RemoteTarget {
  kind: 'remote';
  node?: NodeProfile;
  configPath: string;
  /** without user info; the credentials are in apiCredential. The first of apiUrls. */
  apiUrl: URL;
  /** every node's API URL, in the order they are tried (one entry unless several nodes were named) */
  apiUrls: URL[];
  apiUrlFrom: string;
  apiCredential: Credential;
  amqpUrl: URL;
  /** every node's AMQP URL, in the order they are tried */
  amqpUrls: URL[];
  amqpUrlFrom: string;
  amqpCredential: Credential;
  /** default vhost (profile), when -p is not given */
  vhost?: string;
  tls: TlsSettings;
}

export type ResolvedTarget = LocalTarget | RemoteTarget;

// node:os and node:path are not imported: they cost ~2 ms of start-up, and HOME is always set in practice
export function defaultDataDir(env: NodeJS.ProcessEnv): string {
  if (env.WARREN_DATA_DIR) return env.WARREN_DATA_DIR;
  const home = env.HOME ?? process.env.HOME ?? '.';
  return `${home.replace(/\/+$/, '')}/.local/share/warren`;
}

function pick<T>(...candidates: [T | undefined, string][]): [T, string] | undefined {
  for (const c of candidates) if (c[0] !== undefined && c[0] !== '') return c as [T, string];
  return undefined;
}

export function resolveTarget(g: TargetGlobals, env: NodeJS.ProcessEnv): ResolvedTarget {
  const explicitLocal = g.socket !== undefined || g.dataDir !== undefined;
  const fromEnv = (name: string): [string | undefined, string] => [explicitLocal ? undefined : env[name] || undefined, `$${name}`];
  const nodeChoice = pick<string>([g.node, '--node'], fromEnv('WARREN_NODE'));
  let node: NodeProfile | undefined;
  const path = configPath(env);
  if (nodeChoice) {
    const config = loadConfig(env);
    if (!config.exists) throw new CliError(ExitCode.CONFIG, `node '${nodeChoice[0]}' (${nodeChoice[1]}) needs the config file ${path}, which does not exist`);
    node = config.nodes.get(nodeChoice[0]);
    if (!node) {
      const known = [...config.nodes.keys()];
      throw new CliError(
        ExitCode.CONFIG,
        `no node '${nodeChoice[0]}' in ${path}${known.length ? ` (known: ${known.join(', ')})` : ' (it defines no [nodes.NAME] tables)'}`,
      );
    }
  }
  const inNode = `node '${node?.name ?? ''}' in ${path}`;
  const apiText = pick<string>([joinFlag(g.apiUrl), '--api-url'], [node?.api_url, inNode], fromEnv('WARREN_API_URL'));
  const amqpText = pick<string>([joinFlag(g.url), '--url'], [node?.url, inNode], fromEnv('WARREN_URL'));

  if (!apiText && !amqpText) {
    if (node) throw new CliError(ExitCode.CONFIG, `${inNode} has neither api_url nor url`);
    const dataDir = g.dataDir ?? defaultDataDir(env);
    const local: LocalTarget = { kind: 'local', dataDir, socketPath: g.socket ?? `${dataDir.replace(/\/+$/, '') || '/'}/${SOCKET_NAME}` };
    if (g.dataDir !== undefined) local.dataDirHint = g.dataDir;
    return local;
  }

  const apis = apiText ? splitList(apiText[0]).map((t) => parseUrl(t, apiText[1], ['http:', 'https:'], 'http://user:pass@host:15672')) : undefined;
  const amqps = amqpText ? splitList(amqpText[0]).map((t) => parseUrl(t, amqpText[1], ['amqp:', 'amqps:'], 'amqp://user:pass@host:5672')) : undefined;
  const api = apis?.[0];
  const amqp = amqps?.[0];
  const apiUrls = apis ?? (amqps as URL[]).map((u) => derive(u, u.protocol === 'amqps:' ? 'https:' : 'http:'));
  const amqpUrls = amqps ?? apiUrls.map((u) => derive(u, u.protocol === 'https:' ? 'amqps:' : 'amqp:'));
  const apiUrl = apiUrls[0] as URL;
  const amqpUrl = amqpUrls[0] as URL;

  const fallback = passwordFor(g, env, explicitLocal, node, inNode);
  const apiOwn = ownCredential(api, apiText?.[1], fallback);
  const amqpOwn = ownCredential(amqp, amqpText?.[1], fallback);
  const common = commonCredential(g, env, explicitLocal, node, inNode, fallback, apiOwn ?? amqpOwn);
  const tls: TlsSettings = { insecure: g.insecure === true || node?.insecure === true };
  const ca = pick<string>([g.tlsCa, '--tls-ca'], [node?.ca, inNode]);
  const cert = pick<string>([g.tlsCert, '--tls-cert'], [node?.cert, inNode]);
  const key = pick<string>([g.tlsKey, '--tls-key'], [node?.key, inNode]);
  if (ca) tls.ca = ca[0];
  if (cert) tls.cert = cert[0];
  if (key) tls.key = key[0];
  if ((tls.cert === undefined) !== (tls.key === undefined))
    throw new CliError(ExitCode.USAGE, 'a client certificate needs both --tls-cert and --tls-key (or cert and key in the profile)');

  const target: RemoteTarget = {
    kind: 'remote',
    configPath: path,
    apiUrl: strip(apiUrl),
    apiUrls: apiUrls.map(strip),
    apiUrlFrom: apiText ? apiText[1] : 'derived from the AMQP URL',
    apiCredential: apiOwn ?? common,
    amqpUrl: strip(amqpUrl),
    amqpUrls: amqpUrls.map(strip),
    amqpUrlFrom: amqpText ? amqpText[1] : 'derived from the API URL',
    amqpCredential: amqpOwn ?? common,
    tls,
  };
  if (node) target.node = node;
  if (node?.vhost !== undefined) target.vhost = node.vhost;
  return target;
}

/** --url given several times arrives as an array (repeatable flag) */
function joinFlag(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

/** `a, b` -> [a, b]; empty entries are dropped */
export function splitList(text: string): string[] {
  const parts = text
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  return parts.length ? parts : [text];
}

function parseUrl(text: string, from: string, protocols: readonly string[], example: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CliError(
      from.startsWith('--') ? ExitCode.USAGE : ExitCode.CONFIG,
      `invalid ${from === '--url' || from === '--api-url' ? from : `URL from ${from}`} '${maskUrlText(text)}': expected ${example}`,
    );
  }
  if (!protocols.includes(url.protocol)) {
    throw new CliError(
      from.startsWith('--') ? ExitCode.USAGE : ExitCode.CONFIG,
      `invalid URL '${maskUrlText(text)}' from ${from}: only ${protocols.map((p) => `${p}//`).join(' and ')} are supported`,
    );
  }
  return url;
}

/** Same host, the other protocol's default port. */
function derive(from: URL, protocol: keyof typeof DEFAULT_PORTS): URL {
  const url = new URL(`${protocol}//${from.host}`);
  url.port = String(DEFAULT_PORTS[protocol]);
  return url;
}

function strip(url: URL): URL {
  const u = new URL(url.href);
  u.username = '';
  u.password = '';
  return u;
}

/** user:password@ in a URL; a user without a password takes the password from the usual sources. */
function ownCredential(url: URL | undefined, from: string | undefined, fallback: PasswordSource): Credential | undefined {
  if (!url?.username) return undefined;
  const where = `the user info of the URL from ${from}`;
  const password: PasswordSource = url.password ? { from: 'value', value: decodeURIComponent(url.password), where } : fallback;
  return { user: decodeURIComponent(url.username), userFrom: where, password };
}

function commonCredential(
  g: TargetGlobals,
  env: NodeJS.ProcessEnv,
  explicitLocal: boolean,
  node: NodeProfile | undefined,
  inNode: string,
  password: PasswordSource,
  fromUrl: Credential | undefined,
): Credential {
  const envUser = explicitLocal ? undefined : env.WARREN_USER || undefined;
  const chosen = pick<string>([g.user, '--user'], [node?.user, inNode], [envUser, '$WARREN_USER']);
  if (chosen) return { user: chosen[0], userFrom: chosen[1], password };
  // no user anywhere else: a user given in one of the URLs serves both, else RabbitMQ's default guest/guest
  if (fromUrl) return fromUrl;
  return { user: 'guest', userFrom: 'default', password: password.from === 'prompt' ? { from: 'value', value: 'guest', where: 'default' } : password };
}

function passwordFor(g: TargetGlobals, env: NodeJS.ProcessEnv, explicitLocal: boolean, node: NodeProfile | undefined, inNode: string): PasswordSource {
  if (g.passwordFile) return { from: 'file', file: g.passwordFile, where: '--password-file' };
  if (node?.password_file) return { from: 'file', file: node.password_file, where: `password_file of ${inNode}` };
  if (node?.password !== undefined) return { from: 'value', value: node.password, where: `password of ${inNode}` };
  const envPassword = explicitLocal ? undefined : env.WARREN_PASSWORD;
  if (envPassword !== undefined && envPassword !== '') return { from: 'value', value: envPassword, where: '$WARREN_PASSWORD' };
  return { from: 'prompt' };
}

/** A URL for messages: the password (if any) as ***. */
export function maskUrl(url: URL): string {
  const u = new URL(url.href);
  if (u.password) u.password = '***';
  return u.href.replace(/\/$/, '');
}

export function maskUrlText(text: string): string {
  return text.replace(/^([a-z]+:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
}
