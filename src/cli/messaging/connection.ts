// Where the messaging commands connect: a remote node as target.ts resolves it (--url, -N, $WARREN_URL,
// --api-url), else the local daemon's AMQP listener from GET /api/warren/status. amqplib loads lazily.
import type { ChannelModel, Options } from 'amqplib';
import type { OptionSpec, OptionValues } from '../command.js';
import type { Context } from '../context.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { resolveAmqpTarget } from '../target.js';
import { amqpFailure } from './errors.js';

/** --url, --user and --password-file are global options (target.ts); --password is the messaging commands' own. */
export const CONNECTION_OPTIONS: readonly OptionSpec[] = [
  { flags: '--password <password>', description: 'AMQP password (default: --password-file, the -N profile, $WARREN_PASSWORD, else guest for guest); prefer those, a command line is visible in ps' },
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
      throw new CliError(ExitCode.DATA_ERROR, `cannot read the password file ${ctx.globals.passwordFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
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
  amqplib ??= import('amqplib').then((m) => ((m as unknown as { default?: Amqp }).default ?? m) as Amqp);
  return amqplib;
}

export interface Connection {
  model: ChannelModel;
  /** where, with the password masked */
  describe: string;
  vhost: string;
  /** closes the connection, ignoring errors */
  close(): Promise<void>;
}

/** Connects, mapping failures to exit codes: unreachable 69, refused credentials 77, missing vhost 65, timeout 75. */
export async function openConnection(ctx: Context, options: OptionValues, purpose: string): Promise<Connection> {
  const override = str(options, 'password');
  const io = override === undefined ? ctx.io : { ...ctx.io, env: { ...ctx.io.env, WARREN_PASSWORD: override } };
  const remote = await resolveAmqpTarget({ globals: ctx.globals, io, yes: ctx.yes });
  const amqp = await loadAmqplib();
  const timeoutMs = ctx.timeoutMs ?? 15_000;
  const socketOptions = { timeout: timeoutMs, clientProperties: { connection_name: `warrenctl ${purpose}` } };
  let target: string | Options.Connect;
  let info: { endpoint: string; user: string; vhost: string };
  if (remote) {
    target = withHeartbeat(remote.url);
    Object.assign(socketOptions, remote.socketOptions);
    const u = new URL(remote.url);
    info = { endpoint: remote.display, user: decodeURIComponent(u.username), vhost: remote.vhost };
  } else {
    const e = await localEndpoint(ctx, options);
    target = { protocol: e.protocol, hostname: e.hostname, port: e.port, username: e.username, password: e.password, vhost: e.vhost, heartbeat: 30 };
    info = { endpoint: describeEndpoint(e), user: e.username, vhost: e.vhost };
  }
  let model: ChannelModel;
  try {
    model = await amqp.connect(target, socketOptions);
  } catch (e) {
    throw amqpFailure(e, { ...info, connecting: true, timeoutMs });
  }
  model.on('error', () => {});
  let closed = false;
  model.on('close', () => (closed = true));
  return {
    model,
    describe: info.endpoint,
    vhost: info.vhost,
    async close() {
      if (closed) return;
      closed = true;
      await model.close().catch(() => {});
    },
  };
}

function withHeartbeat(url: string): string {
  const u = new URL(url);
  if (!u.searchParams.has('heartbeat')) u.searchParams.set('heartbeat', '30');
  return u.href;
}
