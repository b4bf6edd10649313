// Where the admin client talks to: --api-url > --socket/--data-dir > $WARREN_API_URL > $WARREN_DATA_DIR > ~/.local/share/warren.
import type { Transport } from './admin-client.js';
import { CliError, ExitCode } from './exit-codes.js';
import type { GlobalOptions } from './global-options.js';

export const SOCKET_NAME = 'warren.sock';

// node:os and node:path are not imported: they cost ~2 ms of start-up, and HOME is always set in practice
export function defaultDataDir(env: NodeJS.ProcessEnv): string {
  if (env.WARREN_DATA_DIR) return env.WARREN_DATA_DIR;
  const home = env.HOME ?? process.env.HOME ?? '.';
  return `${home.replace(/\/+$/, '')}/.local/share/warren`;
}

export function resolveTransport(g: Pick<GlobalOptions, 'apiUrl' | 'socket' | 'dataDir'>, env: NodeJS.ProcessEnv): Transport {
  const explicitLocal = g.socket !== undefined || g.dataDir !== undefined;
  const apiUrl = g.apiUrl ?? (explicitLocal ? undefined : env.WARREN_API_URL || undefined);
  if (apiUrl !== undefined) return { kind: 'tcp', url: parseApiUrl(apiUrl) };
  const dataDir = g.dataDir ?? defaultDataDir(env);
  const transport: Transport = { kind: 'unix', socketPath: g.socket ?? `${dataDir.replace(/\/+$/, '') || '/'}/${SOCKET_NAME}` };
  if (g.dataDir !== undefined) transport.dataDirHint = g.dataDir;
  return transport;
}

export function parseApiUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CliError(ExitCode.USAGE, `invalid --api-url '${text}': expected http://user:pass@host:15672`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliError(ExitCode.USAGE, `invalid --api-url '${text}': only http:// and https:// are supported`);
  }
  return url;
}
