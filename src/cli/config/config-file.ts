// warrenctl's config file: named nodes (profiles) selected with -N/--node NAME or $WARREN_NODE.
//   $WARREN_CONFIG, else $XDG_CONFIG_HOME/warren/config.toml, else ~/.config/warren/config.toml
// The format is the TOML subset of toml.ts; each node is a table [nodes.NAME] with the keys of NODE_KEYS.
// The file is read only when a profile is asked for (or by `config show`), so plain commands stay fast.
import { readFileSync } from 'node:fs';
import { CliError, ExitCode } from '../exit-codes.js';
import { parseToml, TomlError, type TomlTable } from './toml.js';

export interface NodeProfile {
  name: string;
  api_url?: string;
  url?: string;
  user?: string;
  password?: string;
  password_file?: string;
  vhost?: string;
  ca?: string;
  cert?: string;
  key?: string;
  insecure?: boolean;
}

/** Every key a [nodes.NAME] table may hold, and what it means (for errors and the man page). */
export const NODE_KEYS = {
  api_url:
    'management API URL, http://host:15672 or https://host:15671; several nodes of a cluster as an array ["http://a:15672", "http://b:15672"] (tried in turn)',
  url: 'AMQP URL for the messaging commands, amqp://host:5672 or amqps://host:5671; several nodes as an array (failover)',
  user: 'user name for both (default guest)',
  password_file: 'file whose first line is the password (relative paths are relative to the config file)',
  password: 'the password itself (prefer password_file or WARREN_PASSWORD)',
  vhost: 'virtual host used when -p is not given',
  ca: 'PEM file of the certificate authorities to trust for https:// and amqps://',
  cert: 'PEM client certificate to present',
  key: 'PEM private key of the client certificate',
  insecure: 'true to skip TLS certificate verification (like --insecure)',
} as const;

const STRING_KEYS = ['api_url', 'url', 'user', 'password', 'password_file', 'vhost', 'ca', 'cert', 'key'] as const;
const PATH_KEYS = ['password_file', 'ca', 'cert', 'key'] as const;

export interface ConfigFile {
  path: string;
  /** false when the file does not exist */
  exists: boolean;
  nodes: Map<string, NodeProfile>;
}

export function homeDir(env: NodeJS.ProcessEnv): string {
  return (env.HOME ?? process.env.HOME ?? '.').replace(/\/+$/, '') || '/';
}

export function configPath(env: NodeJS.ProcessEnv): string {
  if (env.WARREN_CONFIG) return env.WARREN_CONFIG;
  const base = env.XDG_CONFIG_HOME ? env.XDG_CONFIG_HOME.replace(/\/+$/, '') : `${homeDir(env)}/.config`;
  return `${base}/warren/config.toml`;
}

/** `~/x` -> `$HOME/x`; relative paths are taken relative to the config file's directory. */
export function expandPath(path: string, env: NodeJS.ProcessEnv, relativeTo?: string): string {
  if (path === '~' || path.startsWith('~/')) return `${homeDir(env)}${path.slice(1)}`;
  if (path.startsWith('/') || relativeTo === undefined) return path;
  const dir = relativeTo.includes('/') ? relativeTo.slice(0, relativeTo.lastIndexOf('/')) || '/' : '.';
  return `${dir}/${path}`;
}

export function loadConfig(env: NodeJS.ProcessEnv): ConfigFile {
  const path = configPath(env);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { path, exists: false, nodes: new Map() };
    throw new CliError(ExitCode.CONFIG, `cannot read the config file ${path}: ${(e as Error).message}`);
  }
  return { path, exists: true, nodes: parseConfig(text, path, env) };
}

export function parseConfig(text: string, path: string, env: NodeJS.ProcessEnv): Map<string, NodeProfile> {
  let doc: TomlTable;
  try {
    doc = parseToml(text);
  } catch (e) {
    if (e instanceof TomlError) throw new CliError(ExitCode.CONFIG, `${path}: ${e.message}`);
    throw e;
  }
  const nodes = new Map<string, NodeProfile>();
  for (const [top, value] of Object.entries(doc)) {
    if (top !== 'nodes' || typeof value !== 'object' || Array.isArray(value))
      throw new CliError(ExitCode.CONFIG, `${path}: unknown setting '${top}' (nodes are tables named [nodes.NAME])`);
    for (const [name, table] of Object.entries(value)) {
      if (typeof table !== 'object' || Array.isArray(table)) throw new CliError(ExitCode.CONFIG, `${path}: nodes.${name} must be a table [nodes.${name}]`);
      nodes.set(name, toProfile(name, table, path, env));
    }
  }
  return nodes;
}

function toProfile(name: string, table: TomlTable, path: string, env: NodeJS.ProcessEnv): NodeProfile {
  const profile: NodeProfile = { name };
  for (const [key, value] of Object.entries(table)) {
    const where = `${path}: nodes.${name}.${key}`;
    if (key === 'insecure') {
      if (typeof value !== 'boolean') throw new CliError(ExitCode.CONFIG, `${where} must be true or false`);
      profile.insecure = value;
    } else if ((key === 'api_url' || key === 'url') && Array.isArray(value)) {
      // several nodes of one cluster: tried in order (failover); kept as the comma-separated list resolve.ts splits
      if (value.length === 0) throw new CliError(ExitCode.CONFIG, `${where} must name at least one URL`);
      profile[key] = value.join(',');
    } else if ((STRING_KEYS as readonly string[]).includes(key)) {
      if (typeof value !== 'string') throw new CliError(ExitCode.CONFIG, `${where} must be a quoted string`);
      const k = key as (typeof STRING_KEYS)[number];
      profile[k] = (PATH_KEYS as readonly string[]).includes(key) ? expandPath(value, env, path) : value;
    } else {
      throw new CliError(ExitCode.CONFIG, `${where}: unknown key (known: ${Object.keys(NODE_KEYS).join(', ')})`);
    }
  }
  return profile;
}
