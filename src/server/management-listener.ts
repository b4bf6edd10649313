// The management listener on TCP (15672 by default, as RabbitMQ's management plugin): the HTTP API
// with basic auth and RabbitMQ's user-tag authorisation, and the web UI's static files (built by
// `npm run build` into dist/ui, served from this machine: no CDN, works offline).
import { readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { authorise, isManagementUser } from '../api/authorisation.js';
import type { ApiContext } from '../api/context.js';
import { Router } from '../api/router.js';
import type { User } from '../broker/users.js';
import { loginAllowed } from './authentication.js';
import { answerApi, basicCredentials, closeServer, listen, send } from './http-util.js';
import { secureServerOptions, watchPeers, type TlsServers } from './tls.js';

const REALM = 'Basic realm="Warren Management"';
/** dist/src/server/management-listener.js -> dist/ui/ */
export const UI_DIR = fileURLToPath(new URL('../../ui/', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json',
};

/** The UI's files, read once and kept (a few hundred KiB). */
const fileCache = new Map<string, Buffer | null>();

function uiFile(path: string, dir: string): Buffer | null {
  const rel = path === '/' || path === '' ? 'index.html' : path.replace(/^\/+/, '');
  const full = normalize(join(dir, rel));
  if (!full.startsWith(normalize(dir + sep))) return null;
  if (fileCache.has(full)) return fileCache.get(full)!;
  let data: Buffer | null = null;
  try {
    if (statSync(full).isFile()) data = readFileSync(full);
  } catch {
    data = null;
  }
  fileCache.set(full, data);
  return data;
}

function serveUi(req: IncomingMessage, res: ServerResponse, pathname: string, dir: string): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  const data = uiFile(pathname, dir);
  if (!data) {
    const index = uiFile('/', dir);
    if (pathname === '/' || !index) {
      const text = index ? 'Not Found\n' : 'The management UI is not built: run `npm run build`. The HTTP API is under /api/.\n';
      res.writeHead(index ? 404 : 503, { 'content-type': 'text/plain; charset=utf-8' }).end(text);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not Found\n');
    return;
  }
  const type = CONTENT_TYPES[extname(pathname === '/' ? 'index.html' : pathname)] ?? 'application/octet-stream';
  // index.html is small and names the bundle; the bundle is cached by the browser until it changes.
  res.writeHead(200, { 'content-type': type, 'content-length': String(data.length), 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
  res.end(req.method === 'HEAD' ? undefined : data);
}

export interface ManagementServerOptions {
  ctx: ApiContext;
  /** where the built UI lives (default dist/ui) */
  uiDir?: string;
  log: { error(msg: string): void };
  /** serve HTTPS with these TLS settings instead of HTTP */
  tls?: { settings: TlsServers['settings']; handshakeTimeoutMs: number };
}

export function createManagementServer(opts: ManagementServerOptions): Server {
  const { ctx } = opts;
  const broker = ctx.server.broker;
  const uiDir = opts.uiDir ?? UI_DIR;
  const router = new Router(ctx, (req) => authorise(ctx, req, req.user!));

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const head = req.method === 'HEAD';
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith('/api/')) return serveUi(req, res, url.pathname, uiDir);
    const creds = basicCredentials(req.headers.authorization);
    // Without credentials a browser may ask for them; after a failed login form it must not pop a dialog.
    const unauthorised = (reason: string, error = 'not_authorized'): void =>
      send(res, { status: 401, body: { error, reason }, headers: creds === undefined ? { 'www-authenticate': REALM } : {} }, head);
    if (!creds) return unauthorised('Login failed');
    const user: User | null = broker.authenticate(creds.user, creds.password);
    if (!user) return unauthorised('Login failed');
    // RabbitMQ's loopback_users: guest only from this machine, on every listener.
    if (
      !loginAllowed(
        user,
        { transport: 'tcp', localAddress: req.socket.localAddress ?? '', remoteAddress: req.socket.remoteAddress ?? '' },
        broker.loopbackUsers,
      )
    ) {
      ctx.server.log.warn(`HTTP access denied: user '${user.name}' - User can only log in via localhost`);
      return unauthorised('User can only log in via localhost', 'not_authorised');
    }
    if (!isManagementUser(user)) return unauthorised('Not management user', 'not_authorised');
    return answerApi(router, req, res, url, head, user);
  };

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((err: unknown) => {
      opts.log.error(`management listener: ${(err as Error)?.stack ?? String(err)}`);
      if (!res.headersSent) send(res, { status: 500, body: { error: 'internal_error', reason: String(err) } }, false);
      else res.destroy();
    });
  };
  return opts.tls
    ? (createHttpsServer(secureServerOptions(opts.tls.settings, opts.tls.handshakeTimeoutMs), listener) as unknown as Server)
    : createServer(listener);
}

export interface ManagementHttpsOptions {
  ctx: ApiContext;
  port: number;
  bind: string;
  /** the daemon's TLS settings and servers (SIGHUP reloads the certificates of this listener too) */
  tls: TlsServers;
  handshakeTimeoutMs: number;
  log: { error(msg: string): void; warn(msg: string): void };
}

/**
 * The management UI and API over HTTPS (RabbitMQ's management.ssl listener, 15671 by default),
 * with the AMQPS listener's certificate, CA and peer verification; TLS 1.2 and 1.3 only.
 */
export async function startManagementHttps(opts: ManagementHttpsOptions): Promise<{ address: { host: string; port: number }; close(): Promise<void> }> {
  const server = createManagementServer({ ctx: opts.ctx, log: opts.log, tls: { settings: opts.tls.settings, handshakeTimeoutMs: opts.handshakeTimeoutMs } });
  const https = server as unknown as HttpsServer;
  watchPeers(
    https,
    () => opts.tls.settings,
    (socket, why) => opts.log.warn(`HTTPS client ${socket.remoteAddress ?? '?'} refused: ${why}`),
  );
  await listen(server, (cb) => server.listen(opts.port, opts.bind, cb));
  opts.tls.add(https);
  const addr = server.address();
  const address = addr && typeof addr === 'object' ? { host: addr.address, port: addr.port } : { host: opts.bind, port: opts.port };
  return { address, close: () => closeServer(server) };
}
