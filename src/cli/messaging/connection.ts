// Where the messaging commands connect: a remote node as target.ts resolves it (--url, -N, $WARREN_URL,
// --api-url), else the local daemon's AMQP listener from GET /api/warren/status. amqplib loads lazily.
import { recordHandshakeCloses, takeHandshakeClose } from './handshake-close.js';
import type { ChannelModel, Options } from 'amqplib';
import type { OptionSpec, OptionValues } from '../command.js';
import type { Context } from '../context.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { resolveAmqpTarget } from '../target.js';
import { amqpFailure, closeFailure } from './errors.js';

/** --url, --user and --password-file are global options (target.ts); --password is the messaging commands' own. */
export const CONNECTION_OPTIONS: readonly OptionSpec[] = [
  {
    flags: '--password <password>',
    description:
      'AMQP password (default: --password-file, the -N profile, $WARREN_PASSWORD, else guest for guest); prefer those, a command line is visible in ps',
  },
];

export interface AmqpEndpoint {
  protocol: 'amqp' | 'amqps';
  hostname: string;
  port: number;
  username: string;
  password: string;
  vhost: string;
}

interface Listener {
  protocol?: string;
  host?: string;
  ip_address?: string;
  port?: number;
}

const WILDCARDS = new Set(['0.0.0.0', '::', '', '[::]']);
/** longest wait for the broker's close-ok before the socket is dropped */
const CLOSE_TIMEOUT_MS = 5000;

function str(options: OptionValues, key: string): string | undefined {
  const v = options[key];
  return typeof v === 'string' ? v : undefined;
}

/** The local daemon's endpoint: its AMQP listener, guest/guest unless --user/--password/$WARREN_USER/$WARREN_PASSWORD. */
export async function localEndpoint(ctx: Context, options: OptionValues): Promise<AmqpEndpoint> {
  const endpoint = await endpointFromApi(ctx);
  const env = ctx.io.env;
  const user = ctx.globals.user ?? (env.WARREN_USER || undefined);
  let password = str(options, 'password') ?? (env.WARREN_PASSWORD || undefined);
  if (password === undefined && ctx.globals.passwordFile !== undefined) {
    const { readFile } = await import('node:fs/promises');
    const { firstLine } = await import('../prompt.js');
    try {
      password = firstLine(await readFile(ctx.globals.passwordFile, 'utf8'));
    } catch (e) {
      throw new CliError(
        ExitCode.DATA_ERROR,
        `cannot read the password file ${ctx.globals.passwordFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
  }
  if (user !== undefined) endpoint.username = user;
  if (password !== undefined) endpoint.password = password;
  else if (endpoint.username !== 'guest') {
    throw new CliError(ExitCode.USAGE, `no password for user '${endpoint.username}': use $WARREN_PASSWORD, --password-file FILE or --password`);
  }
  return endpoint;
}

async function endpointFromApi(ctx: Context): Promise<AmqpEndpoint> {
  const status = await ctx.client.get<{ listeners?: Listener[] }>('/api/warren/status');
  const amqp = (status.listeners ?? []).find((l) => l.protocol === 'amqp');
  if (!amqp || typeof amqp.port !== 'number') {
    throw new CliError(ExitCode.UNAVAILABLE, 'the local warren-server has no AMQP listener (its app is stopped?); start it with: warrenctl start_app');
  }
  const host = amqp.host ?? amqp.ip_address ?? '';
  // a wildcard listener is reached over loopback
  const hostname = WILDCARDS.has(host) ? '127.0.0.1' : host.replace(/^\[|\]$/g, '');
  return { protocol: 'amqp', hostname, port: amqp.port, username: 'guest', password: 'guest', vhost: ctx.vhost };
}

export function describeEndpoint(e: AmqpEndpoint): string {
  const host = e.hostname.includes(':') ? `[${e.hostname}]` : e.hostname;
  return `${e.protocol}://${e.username}@${host}:${e.port}/${encodeURIComponent(e.vhost)}`;
}

export type Amqp = typeof import('amqplib');

let amqplib: Promise<Amqp> | undefined;
export function loadAmqplib(): Promise<Amqp> {
  amqplib ??= import('amqplib').then((m) => {
    recordHandshakeCloses();
    return ((m as unknown as { default?: Amqp }).default ?? m) as Amqp;
  });
  return amqplib;
}

export interface Connection {
  model: ChannelModel;
  /** where, with the password masked */
  describe: string;
  vhost: string;
  /** how many nodes this connection may use (more than one: --url given several times, or a profile naming a cluster) */
  nodes: number;
  /** closes the connection, ignoring errors */
  close(): Promise<void>;
  /**
   * After the connection to a node was lost: connects to the next node that answers (round robin, for up to
   * FAILOVER_DEADLINE_MS or --timeout if longer), replacing `model` and `describe`. Throws 69 when none does.
   */
  failover(): Promise<void>;
  /**
   * The failure to report for `e`: when amqplib only says a channel ended because the broker closed the
   * connection, the broker's reason (reply code and text) instead.
   */
  failure(e: unknown): Promise<CliError>;
  /**
   * Why the connection ended when the broker or the network ended it (the broker's connection.close, a socket
   * error), else undefined. Waits a turn for it when the connection has not said yet: amqplib closes the
   * channels first and reports the connection's close after them.
   */
  closeReason(): Promise<unknown>;
}

/** Without --timeout, connecting gives up after this long (a node that accepts but never answers): exit 75. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
/** How long publish and consume keep trying the other nodes after theirs stopped. */
export const FAILOVER_DEADLINE_MS = 120_000;

interface Candidate {
  target: string | Options.Connect;
  socketOptions: Record<string, unknown>;
  info: { endpoint: string; user: string; vhost: string };
}

/** Connects, mapping failures to exit codes: unreachable 69, refused credentials 77, missing vhost 65, timeout 75. */
export async function openConnection(ctx: Context, options: OptionValues, purpose: string): Promise<Connection> {
  const override = str(options, 'password');
  const io = override === undefined ? ctx.io : { ...ctx.io, env: { ...ctx.io.env, WARREN_PASSWORD: override } };
  const remote = await resolveAmqpTarget({ globals: ctx.globals, io, yes: ctx.yes });
  const amqp = await loadAmqplib();
  const timeoutMs = ctx.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const base = { timeout: timeoutMs, clientProperties: { connection_name: `warrenctl ${purpose}` } };
  const candidates: Candidate[] = [];
  if (remote) {
    const u0 = new URL(remote.url);
    for (const alt of remote.alternates.length ? remote.alternates : [{ url: remote.url, display: remote.display }]) {
      const u = new URL(alt.url);
      const socketOptions: Record<string, unknown> = { ...base, ...remote.socketOptions };
      if (u.protocol === 'amqps:') socketOptions.servername = u.hostname.replace(/^\[|\]$/g, '');
      candidates.push({
        target: withHeartbeat(alt.url),
        socketOptions,
        info: { endpoint: alt.display, user: decodeURIComponent(u0.username), vhost: remote.vhost },
      });
    }
  } else {
    const e = await localEndpoint(ctx, options);
    candidates.push({
      target: { protocol: e.protocol, hostname: e.hostname, port: e.port, username: e.username, password: e.password, vhost: e.vhost, heartbeat: 30 },
      socketOptions: base,
      info: { endpoint: describeEndpoint(e), user: e.username, vhost: e.vhost },
    });
  }

  const attempt = async (c: Candidate): Promise<ChannelModel> => {
    try {
      takeHandshakeClose(); // forget an earlier attempt's
      return await amqp.connect(c.target, c.socketOptions);
    } catch (e) {
      throw connectFailure(e, c, timeoutMs);
    }
  };
  /** unreachable or not answering: another node may do */
  const isNodeDown = (e: unknown): boolean => e instanceof CliError && (e.exitCode === ExitCode.UNAVAILABLE || e.exitCode === ExitCode.TEMP_FAIL);

  let current = 0;
  let model: ChannelModel | undefined;
  const failures: CliError[] = [];
  for (let i = 0; i < candidates.length && !model; i++) {
    try {
      model = await attempt(candidates[i] as Candidate);
      current = i;
    } catch (e) {
      if (candidates.length === 1 || !isNodeDown(e)) throw e;
      failures.push(e as CliError);
    }
  }
  if (!model) throw noneAnswered(failures, candidates.length);

  let closed = false;
  let closeError: unknown;
  const watch = (m: ChannelModel): void => {
    m.on('error', (e: unknown) => {
      if (m === conn.model) closeError = e;
    });
    // A close the broker started with a reply code that amqplib counts as not fatal (320 CONNECTION_FORCED: an
    // operator's close_connection, a node shutting down) comes with 'close' alone, not 'error': keep its reason, so
    // a request it cut short reports it rather than amqplib's 'Channel ended, no reply will be forthcoming'.
    m.on('close', (e?: unknown) => {
      if (m !== conn.model) return;
      closed = true;
      if (e !== undefined && closeError === undefined) closeError = e;
    });
  };
  const conn: Connection = {
    model,
    describe: (candidates[current] as Candidate).info.endpoint,
    vhost: (candidates[current] as Candidate).info.vhost,
    nodes: candidates.length,
    async close() {
      if (closed) return;
      closed = true;
      // A broker that blocked this connection (a resource alarm) does not read it, so its close-ok may never
      // come: past the timeout the command goes on without it. The socket is dropped either way, so nothing left
      // open keeps the process alive.
      const m = conn.model;
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.min(ctx.timeoutMs ?? CLOSE_TIMEOUT_MS, CLOSE_TIMEOUT_MS))));
      await Promise.race([m.close().catch(() => {}), gaveUp]);
      clearTimeout(timer);
      (m as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
    },
    async failure(e) {
      const generic =
        !(e instanceof CliError) &&
        typeof (e as { code?: unknown })?.code !== 'number' &&
        /Channel ended|Connection closed|Socket closed|channel closed/i.test(String((e as Error)?.message));
      const why = generic ? await conn.closeReason() : undefined;
      return amqpFailure(why ?? e);
    },
    async closeReason() {
      if (closeError === undefined) await new Promise((r) => setImmediate(r));
      return closeError;
    },
    async failover() {
      const lost = conn.describe;
      const windowMs = Math.max(FAILOVER_DEADLINE_MS, ctx.timeoutMs ?? 0);
      const deadline = Date.now() + windowMs;
      const seen: CliError[] = [];
      for (let k = 1; ; k++) {
        const index = (current + k) % candidates.length;
        try {
          const m = await attempt(candidates[index] as Candidate);
          watch(m);
          current = index;
          conn.model = m;
          conn.describe = (candidates[index] as Candidate).info.endpoint;
          closed = false;
          closeError = undefined;
          return;
        } catch (e) {
          if (!isNodeDown(e)) throw e;
          seen.push(e as CliError);
        }
        if (Date.now() >= deadline)
          throw new CliError(
            ExitCode.UNAVAILABLE,
            `lost the connection to ${lost}, and no node answered within ${windowMs / 1000} s: ${seen
              .slice(-candidates.length)
              .map((f) => f.message)
              .join('; ')}`,
          );
        // a whole round failed: the cluster may be restarting a node; wait a little before the next round
        if (k % candidates.length === 0) await new Promise((r) => setTimeout(r, 1000));
      }
    },
  };
  watch(model);
  return conn;
}

function connectFailure(e: unknown, c: Candidate, timeoutMs: number): CliError {
  // amqplib's connect timeout is `Error('connect ETIMEDOUT')`: a node that accepted but never answered
  if (e instanceof Error && /\bETIMEDOUT\b/.test(e.message)) {
    return new CliError(
      ExitCode.TEMP_FAIL,
      `timed out after ${timeoutMs / 1000} s connecting to the AMQP broker at ${c.info.endpoint}: no answer (--timeout to wait longer)`,
    );
  }
  const close = takeHandshakeClose();
  if (close && e instanceof Error && /ConnectionClose/.test(e.message)) return closeFailure(close.code, close.text, c.info.vhost, c.info.user);
  return amqpFailure(e, { ...c.info, connecting: true, timeoutMs });
}

function noneAnswered(failures: CliError[], n: number): CliError {
  const code = failures.every((f) => f.exitCode === ExitCode.TEMP_FAIL) ? ExitCode.TEMP_FAIL : ExitCode.UNAVAILABLE;
  return new CliError(code, `none of the ${n} nodes answered: ${failures.map((f) => f.message).join('; ')}`);
}

function withHeartbeat(url: string): string {
  const u = new URL(url);
  if (!u.searchParams.has('heartbeat')) u.searchParams.set('heartbeat', '30');
  return u.href;
}
