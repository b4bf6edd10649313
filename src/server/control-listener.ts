// The management API's listeners: the control socket (a Unix domain socket in the data directory,
// mode 0600, so the file mode is the credential) and the TCP management listener (the API with
// RabbitMQ's user-tag authorisation and the web UI, src/server/management-listener.ts). Both serve
// the same API handlers.
import { chmodSync, existsSync, lstatSync, unlinkSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import type { ApiContext, ApiListenerInfo } from '../api/context.js';
import { Router } from '../api/router.js';
import type { User } from '../broker/users.js';
import { answerApi, basicCredentials, closeServer, listen, send } from './http-util.js';
import { createManagementServer } from './management-listener.js';
import type { WarrenServer } from './server.js';
import type { StatsSampler } from './stats-sampler.js';

export interface ControlListenerOptions {
  server: WarrenServer;
  socketPath: string;
  dataDir: string;
  version: string;
  /** TCP port for the management API and UI; undefined disables the TCP listener */
  apiPort?: number | undefined;
  apiBind: string;
  /** message rates (null: rates_mode none) */
  stats?: StatsSampler | null;
  /** message counters (the sampler, also when not sampling) */
  counters?: StatsSampler | null;
  /** more listeners to report in the overview and status (the Prometheus one) */
  extraListeners?: () => ApiListenerInfo[];
  /** clean shutdown of the daemon, as on SIGTERM */
  stop(): void;
}

export interface ControlListeners {
  readonly apiAddress: { host: string; port: number } | null;
  readonly ctx: ApiContext;
  close(): Promise<void>;
}

const SOCKET_MODE = 0o600;
const PROBE_TIMEOUT_MS = 1000;

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

export async function startControlListeners(opts: ControlListenerOptions): Promise<ControlListeners> {
  let tcpAddress: { host: string; port: number } | null = null;
  const ctx: ApiContext = {
    server: opts.server,
    dataDir: opts.dataDir,
    version: opts.version,
    apiListeners: (): ApiListenerInfo[] => [
      ...(tcpAddress ? [{ protocol: 'http', host: tcpAddress.host, port: tcpAddress.port }] : []),
      ...(opts.extraListeners?.() ?? []),
    ],
    stop: opts.stop,
    stats: opts.stats ?? null,
    counters: opts.counters ?? opts.stats ?? null,
  };
  const router = new Router(ctx);
  const broker = opts.server.broker;

  // The control socket: the file mode is the credential; credentials, when sent, must still be right.
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const head = req.method === 'HEAD';
    const url = new URL(req.url ?? '/', 'http://localhost');
    const creds = basicCredentials(req.headers.authorization);
    let user: User | null = null;
    const loginFailed = (): void => send(res, { status: 401, body: { error: 'not_authorized', reason: 'Login failed' } }, head);
    if (creds === null) return loginFailed();
    if (creds) {
      user = broker.authenticate(creds.user, creds.password);
      if (!user) return loginFailed();
    }
    return answerApi(router, req, res, url, head, user);
  };

  const makeSocketServer = (): Server =>
    createServer((req, res) => {
      handle(req, res).catch((err: unknown) => {
        opts.server.log.error(`management API (socket): ${(err as Error)?.stack ?? String(err)}`);
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
  const socketServer = makeSocketServer();
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
    const s = createManagementServer({ ctx, log: opts.server.log });
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
    ctx,
    async close() {
      await Promise.all([closeServer(socketServer), tcpServer ? closeServer(tcpServer) : Promise.resolve()]);
      unlinkQuietly(opts.socketPath);
    },
  };
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
