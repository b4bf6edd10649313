// The management API's listeners: the control socket (a Unix domain socket in the data directory,
// mode 0600, so the file mode is the credential) and an optional TCP listener that requires HTTP
// basic auth of a user tagged administrator. Both serve the same router.
import { chmodSync, existsSync, lstatSync, unlinkSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import type { ApiContext, ApiListenerInfo } from '../api/context.js';
import type { ApiReply, ApiRequest } from '../api/http.js';
import { Router } from '../api/router.js';
import type { User } from '../broker/users.js';
import { loginAllowed, type LoginEndpoint } from './authentication.js';
import type { WarrenServer } from './server.js';

export interface ControlListenerOptions {
  server: WarrenServer;
  socketPath: string;
  dataDir: string;
  version: string;
  /** TCP port for the API; undefined disables the TCP listener */
  apiPort?: number | undefined;
  apiBind: string;
  /** clean shutdown of the daemon, as on SIGTERM */
  stop(): void;
}

export interface ControlListeners {
  readonly apiAddress: { host: string; port: number } | null;
  close(): Promise<void>;
}

/** Bodies beyond this are refused (definitions files are far smaller). */
const MAX_BODY_BYTES = 64 * 1024 * 1024;
const SOCKET_MODE = 0o600;
const PROBE_TIMEOUT_MS = 1000;
const REALM = 'Basic realm="Warren Management"';

type Kind = 'socket' | 'tcp';

/** True if something accepts connections on the socket path (another live daemon). */
function socketIsLive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(path);
    const done = (live: boolean): void => {
      probe.destroy();
      resolve(live);
    };
    probe.setTimeout(PROBE_TIMEOUT_MS, () => done(true));
    probe.once('connect', () => done(true));
    probe.once('error', () => done(false));
  });
}

function basicCredentials(header: string | undefined): { user: string; password: string } | null | undefined {
  if (!header) return undefined;
  const m = /^Basic\s+(\S+)\s*$/i.exec(header);
  if (!m) return null;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function loginEndpoint(kind: Kind, req: IncomingMessage): LoginEndpoint {
  if (kind === 'socket') return { transport: 'unix' };
  return { transport: 'tcp', localAddress: req.socket.localAddress ?? '', remoteAddress: req.socket.remoteAddress ?? '' };
}

function send(res: ServerResponse, reply: ApiReply, head: boolean): void {
  const headers: Record<string, string> = { 'cache-control': 'no-cache', ...reply.headers };
  let payload: Buffer | null = null;
  if (reply.body !== undefined) {
    payload = Buffer.from(JSON.stringify(reply.body), 'utf8');
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(payload.length);
  } else if (reply.status !== 204) {
    headers['content-length'] = '0';
  }
  res.writeHead(reply.status, headers);
  if (reply.after) res.once('finish', reply.after);
  res.end(payload && !head ? payload : undefined);
}

function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve(null);
        req.destroy();
        return;
      }
      parts.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

/** "/api/queues/%2F/q1" -> ["queues", "/", "q1"]; null when not under /api/ or badly encoded. */
function apiSegments(rawPath: string): string[] | null {
  if (!rawPath.startsWith('/api/')) return null;
  const raw = rawPath.slice('/api/'.length).split('/');
  if (raw.length > 1 && raw[raw.length - 1] === '') raw.pop();
  try {
    return raw.map((s) => decodeURIComponent(s));
  } catch {
    return null;
  }
}

export async function startControlListeners(opts: ControlListenerOptions): Promise<ControlListeners> {
  let tcpAddress: { host: string; port: number } | null = null;
  const ctx: ApiContext = {
    server: opts.server,
    dataDir: opts.dataDir,
    version: opts.version,
    apiListeners: (): ApiListenerInfo[] => (tcpAddress ? [{ protocol: 'http', host: tcpAddress.host, port: tcpAddress.port }] : []),
    stop: opts.stop,
  };
  const router = new Router(ctx);
  const broker = opts.server.broker;

  const handle = async (kind: Kind, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const head = req.method === 'HEAD';
    const url = new URL(req.url ?? '/', 'http://localhost');
    const unauthorised = (reason: string, error = 'not_authorized'): void =>
      send(res, { status: 401, body: { error, reason }, headers: kind === 'tcp' ? { 'www-authenticate': REALM } : {} }, head);

    // The socket's file mode is its credential; credentials, when sent, must still be right.
    const creds = basicCredentials(req.headers.authorization);
    let user: User | null = null;
    if (creds === null) return unauthorised('Login failed');
    if (creds) {
      user = broker.authenticate(creds.user, creds.password);
      if (!user) return unauthorised('Login failed');
      // The same login rule as on AMQP: loopback users (guest) only over loopback (RabbitMQ's text).
      if (!loginAllowed(user, loginEndpoint(kind, req), broker.loopbackUsers)) {
        opts.server.log.warn(`HTTP access denied: user '${user.name}' - User can only log in via localhost`);
        return unauthorised('User can only log in via localhost', 'not_authorised');
      }
    }
    if (kind === 'tcp') {
      if (!user) return unauthorised('Login failed');
      if (!user.tags.includes('administrator')) return unauthorised('Not administrator user', 'not_authorised');
    }
    const segments = apiSegments(url.pathname);
    if (!segments) return send(res, { status: 404, body: { error: 'Object Not Found', reason: 'Not Found' } }, head);
    const body = await readBody(req);
    if (body === null) return send(res, { status: 413, body: { error: 'bad_request', reason: 'request body too large' } }, head);
    const apiReq: ApiRequest = {
      method: head ? 'GET' : (req.method ?? 'GET'),
      segments,
      params: {},
      query: url.searchParams,
      headers: req.headers,
      body,
      user,
    };
    send(res, await router.handle(apiReq), head);
  };

  const makeServer = (kind: Kind): Server =>
    createServer((req, res) => {
      handle(kind, req, res).catch((err: unknown) => {
        opts.server.log.error(`management API (${kind}): ${(err as Error)?.stack ?? String(err)}`);
        if (!res.headersSent) send(res, { status: 500, body: { error: 'internal_error', reason: String(err) } }, false);
        else res.destroy();
      });
    });

  // Never clobber a live daemon's socket; a stale file from a crash is removed.
  if (existsSync(opts.socketPath)) {
    if (await socketIsLive(opts.socketPath)) {
      throw new Error(`another warren-server is serving the control socket ${opts.socketPath}`);
    }
    if (lstatSync(opts.socketPath).isSocket()) unlinkSync(opts.socketPath);
    else throw new Error(`${opts.socketPath} exists and is not a socket`);
  }
  const socketServer = makeServer('socket');
  // Created with mode 0600 from the start (umask), then chmod for good measure.
  const previousUmask = process.umask(0o177);
  try {
    await listen(socketServer, (cb) => socketServer.listen(opts.socketPath, cb));
  } finally {
    process.umask(previousUmask);
  }
  chmodSync(opts.socketPath, SOCKET_MODE);

  let tcpServer: Server | null = null;
  if (opts.apiPort !== undefined) {
    const s = makeServer('tcp');
    try {
      await listen(s, (cb) => s.listen(opts.apiPort, opts.apiBind, cb));
    } catch (err) {
      await closeServer(socketServer);
      unlinkQuietly(opts.socketPath);
      throw err;
    }
    tcpServer = s;
    const addr = s.address();
    if (addr && typeof addr === 'object') tcpAddress = { host: addr.address, port: addr.port };
  }

  return {
    get apiAddress() {
      return tcpAddress;
    },
    async close() {
      await Promise.all([closeServer(socketServer), tcpServer ? closeServer(tcpServer) : Promise.resolve()]);
      unlinkQuietly(opts.socketPath);
    },
  };
}

function listen(server: Server, start: (cb: () => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    start(() => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
