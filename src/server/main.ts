// warren-server: parses options, starts the broker in the foreground (or detached), and
// shuts down cleanly on SIGTERM/SIGINT.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_LOOPBACK_USERS, parseLoopbackUsers } from './authentication.js';
import { startControlListeners, type ControlListeners } from './control-listener.js';
import { dataPaths, DataDirUnsafe, defaultDataDir, ensureDataDir, PRIVATE_UMASK, tightenModes, type DataPaths } from './data-dir.js';
import { StoreFormatError } from '../broker/store/message-store.js';
import { DEFAULT_MEMORY_BUDGET_MIB, openDiskBroker, type RecoveredBroker } from './storage.js';
import { DataDirLocked, lockDataDir } from './data-lock.js';
import { consoleLogger } from './logger.js';
import { setFaultSink } from '../broker/faults.js';
import { defaultLimits } from './resource-monitor.js';
import { ANY_ADDRESS, DEFAULT_LIMITS, effectiveBind, hostPort, WarrenServer, type TlsListenerOptions } from './server.js';
import { secureContextOptions, type TlsSettings } from './tls.js';
import { VERSION } from '../common/version.js';
import { startMetricsListener, type MetricsListener } from './metrics-listener.js';
import { startManagementHttps } from './management-listener.js';
import { DEFAULT_STATS_INTERVAL_MS, StatsSampler } from './stats-sampler.js';

const DEFAULT_MANAGEMENT_PORT = 15672;
/** RabbitMQ's management.ssl.port */
const DEFAULT_MANAGEMENT_TLS_PORT = 15671;
const DEFAULT_METRICS_PORT = 15692;

const MIB = 1024 * 1024;
const EX_USAGE = 64;
const EX_UNAVAILABLE = 69;
const EX_SOFTWARE = 70;
const EX_CONFIG = 78;

interface Options {
  port: number;
  bind: string;
  dataDir: string;
  detached: boolean;
  pidFile?: string;
  heartbeat: number;
  frameMax: number;
  channelMax: number;
  handshakeTimeout: number;
  maxConnections?: number;
  maxMessageSize: number;
  quiet: boolean;
  memoryBudget: number;
  memoryHighWatermark?: number;
  diskFreeLimit: number;
  /** management API and UI over TCP (the control socket is always served); false: --no-management */
  management: boolean;
  apiPort: number;
  /** HTTPS management listener, served when --tls-cert/--tls-key are given */
  apiTlsPort: number;
  apiBind?: string;
  /** Prometheus metrics; false: --no-metrics */
  metrics: boolean;
  metricsPort: number;
  statsInterval: number;
  ratesMode: 'basic' | 'none';
  loopbackUsers: Set<string>;
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
  tlsPort: number;
  tlsVerify: 'peer' | 'none';
  tlsFailIfNoPeerCert: boolean;
}

function integer(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    return n;
  };
}

function ratesMode(value: string): 'basic' | 'none' {
  if (value !== 'basic' && value !== 'none') throw new InvalidArgumentError('expected basic or none');
  return value;
}

function tlsVerify(value: string): 'peer' | 'none' {
  if (value === 'peer' || value === 'verify_peer') return 'peer';
  if (value === 'none' || value === 'verify_none') return 'none';
  throw new InvalidArgumentError("expected 'peer' or 'none'");
}

/** The AMQPS listener asked for, after checking the options and that the files can be read. */
function tlsListener(opts: Options): TlsListenerOptions | undefined {
  const given = opts.tlsCert !== undefined || opts.tlsKey !== undefined;
  if (!given) {
    if (opts.tlsCa !== undefined || opts.tlsVerify === 'peer' || opts.tlsFailIfNoPeerCert) {
      process.stderr.write('error: --tls-ca, --tls-verify and --tls-fail-if-no-peer-cert need --tls-cert and --tls-key\n');
      process.exit(EX_USAGE);
    }
    return undefined;
  }
  if (opts.tlsCert === undefined || opts.tlsKey === undefined) {
    process.stderr.write('error: --tls-cert and --tls-key go together\n');
    process.exit(EX_USAGE);
  }
  const settings: TlsSettings = { certFile: opts.tlsCert, keyFile: opts.tlsKey, verify: opts.tlsVerify, failIfNoPeerCert: opts.tlsFailIfNoPeerCert };
  if (opts.tlsCa !== undefined) settings.caFile = opts.tlsCa;
  try {
    createSecureContext(secureContextOptions(settings));
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message.split('\n')[0]}\n`);
    process.exit(EX_CONFIG);
  }
  return { settings, port: opts.tlsPort, bind: opts.bind };
}

function parseArgs(argv: string[]): Options {
  const program = new Command('warren-server')
    .description('Warren: an AMQP 0-9-1 message broker')
    .version(VERSION, '-V, --version')
    .option('--port <port>', 'AMQP port (0 picks a free one)', integer(0, 65535), 5672)
    .option('--bind <address>', 'address to listen on (:: is every IPv6 and IPv4 address, as RabbitMQ; 0.0.0.0 where IPv6 is off)', ANY_ADDRESS)
    .addOption(new Option('--data-dir <dir>', 'data directory').default(defaultDataDir(), '$WARREN_DATA_DIR, else ~/.local/share/warren'))
    .option('--detached', 'run in the background; the pid goes to the pid file', false)
    .option('--pid-file <file>', 'pid file (default <data-dir>/warren.pid)')
    .option('--heartbeat <seconds>', 'heartbeat interval offered to clients (0 disables)', integer(0, 65535), DEFAULT_LIMITS.heartbeat)
    .option('--frame-max <bytes>', 'largest frame accepted', integer(4096, 1 << 24), DEFAULT_LIMITS.frameMax)
    .option('--channel-max <n>', 'most channels per connection', integer(1, 65535), DEFAULT_LIMITS.channelMax)
    .option(
      '--handshake-timeout <ms>',
      "drop clients that have not finished the AMQP handshake in this time (RabbitMQ's handshake_timeout)",
      integer(1, 2 ** 31 - 1),
      DEFAULT_LIMITS.handshakeTimeout,
    )
    .option(
      '--max-connections <n>',
      "most open AMQP connections; more are refused with 530 (RabbitMQ's connection_max; default no limit)",
      integer(0, 2 ** 31 - 1),
    )
    .option(
      '--max-message-size <bytes>',
      "largest message accepted; larger publishes are refused with 406 (RabbitMQ's max_message_size)",
      integer(1, 512 * MIB),
      DEFAULT_LIMITS.maxMessageSize,
    )
    .option('--tls-cert <file>', 'serve AMQPS with this certificate (PEM; with --tls-key)')
    .option('--tls-key <file>', 'private key of --tls-cert (PEM)')
    .option('--tls-ca <file>', 'CA bundle client certificates are checked against (PEM)')
    .option('--tls-port <port>', 'AMQPS port', integer(0, 65535), 5671)
    .option('--tls-verify <mode>', "'peer' asks for a client certificate and checks it, 'none' does not (RabbitMQ's verify)", tlsVerify, 'none')
    .option('--tls-fail-if-no-peer-cert', 'with --tls-verify peer, refuse clients without a certificate', false)
    .option(
      '--loopback-users <names>',
      'users who may log in over loopback only, on every listener (comma-separated, or none)',
      parseLoopbackUsers,
      new Set(DEFAULT_LOOPBACK_USERS),
    )
    .addOption(
      new Option('--api-port <port>', 'management web UI and HTTP API port (0 picks a free one)')
        .argParser(integer(0, 65535))
        .default(DEFAULT_MANAGEMENT_PORT)
        .env('WARREN_API_PORT'),
    )
    .addOption(
      new Option('--api-tls-port <port>', 'with --tls-cert/--tls-key: management web UI and HTTP API over HTTPS on this port (0 picks a free one)')
        .argParser(integer(0, 65535))
        .default(DEFAULT_MANAGEMENT_TLS_PORT)
        .env('WARREN_API_TLS_PORT'),
    )
    .option('--api-bind <address>', 'address for the management listener (default: the --bind address)')
    .option('--no-management', 'do not serve the management UI and API over TCP (the control socket stays)')
    .addOption(
      new Option('--metrics-port <port>', 'Prometheus metrics port, GET /metrics (0 picks a free one)')
        .argParser(integer(0, 65535))
        .default(DEFAULT_METRICS_PORT)
        .env('WARREN_METRICS_PORT'),
    )
    .option('--no-metrics', 'do not serve Prometheus metrics')
    .option(
      '--stats-interval <ms>',
      'how often message rates are sampled (RabbitMQ collect_statistics_interval)',
      integer(100, 3_600_000),
      DEFAULT_STATS_INTERVAL_MS,
    )
    .option('--rates-mode <mode>', 'message rates in the management API: basic or none', ratesMode, 'basic')
    .option('--memory-budget <MiB>', 'memory for ready messages before queues spool to disk', integer(1, 1 << 20), DEFAULT_MEMORY_BUDGET_MIB)
    .option('--memory-high-watermark <MiB>', 'block publishers above this resident memory (default 40% of RAM)', integer(1, 1 << 30))
    .option('--disk-free-limit <MiB>', 'block publishers when the data directory has less free disk', integer(0, 1 << 30), 50)
    .option('-q, --quiet', 'log warnings and errors only', false)
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : EX_USAGE))
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  program.parse(argv);
  return program.opts<Options>();
}

/** How long --detached waits for the background daemon's listener (recovery of a large store, a busy machine). */
const DETACH_WAIT_MS = 120_000;

/** Re-runs this program in the background with the log going to the data directory. */
async function detach(paths: DataPaths, argv: string[]): Promise<never> {
  const log = openSync(paths.logFile, 'a', 0o600);
  const args = argv.slice(1).filter((a) => a !== '--detached');
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  const started = Date.now();
  // Wait until the child reports its listener (or dies), so scripts can connect right after.
  while (Date.now() - started < DETACH_WAIT_MS) {
    await new Promise((r) => setTimeout(r, 100));
    if (child.exitCode !== null) {
      process.stderr.write(`warren-server failed to start (exit ${child.exitCode}); see ${paths.logFile}\n`);
      process.exit(child.exitCode || EX_SOFTWARE);
    }
    const text = readFileSync(paths.logFile, 'utf8');
    if (text.includes(`pid ${child.pid} `) && text.lastIndexOf('AMQP listener on') > text.lastIndexOf(`pid ${child.pid} `)) {
      process.stdout.write(`warren-server started in the background, pid ${child.pid}; log: ${paths.logFile}\n`);
      child.unref();
      process.exit(0);
    }
  }
  process.stderr.write(`warren-server did not report a listener within ${DETACH_WAIT_MS / 1000} s; see ${paths.logFile}\n`);
  process.exit(EX_UNAVAILABLE);
}

export async function main(argv: string[] = process.argv): Promise<void> {
  const opts = parseArgs(argv);
  opts.bind = await effectiveBind(opts.bind);
  const tls = tlsListener(opts);
  const paths = dataPaths(opts.dataDir);
  if (opts.pidFile) paths.pidFile = opts.pidFile;
  // Everything the daemon creates (definitions with password hashes, segments, log, pid) is private.
  process.umask(PRIVATE_UMASK);
  // The control socket's trust is the data directory's: refuse one that others could change.
  try {
    ensureDataDir(paths);
  } catch (err) {
    const reason = err instanceof DataDirUnsafe ? err.message : `cannot create data directory ${paths.dir}: ${(err as Error).message}`;
    process.stderr.write(`error: ${reason}\n`);
    process.exit(EX_CONFIG);
  }
  if (opts.detached) await detach(paths, argv);

  const log = consoleLogger(opts.quiet);
  setFaultSink(log.error);
  log.info(`Warren ${VERSION} (AMQP 0-9-1 broker) starting, pid ${process.pid} on Node.js ${process.version}`);
  log.info(`data directory: ${paths.dir}`);
  let unlock: () => void;
  let storage: RecoveredBroker;
  try {
    unlock = lockDataDir(paths.dir);
    // Files an older warren left readable by others (password hashes among them) become private.
    const tightened = tightenModes(paths.dir);
    if (tightened > 0) log.warn(`made ${tightened} files and directories in the data directory private (mode 0600/0700): others could read them`);
    storage = openDiskBroker(paths.dir, opts.memoryBudget * MIB);
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    process.exit(err instanceof DataDirLocked ? EX_UNAVAILABLE : err instanceof StoreFormatError ? EX_CONFIG : EX_SOFTWARE);
  }
  for (const line of storage.report) (line.startsWith('damage:') ? log.warn : log.info)(line);
  storage.broker.loopbackUsers = opts.loopbackUsers;
  const server = new WarrenServer(
    {
      port: opts.port,
      bind: opts.bind,
      limits: {
        heartbeat: opts.heartbeat,
        frameMax: opts.frameMax,
        channelMax: opts.channelMax,
        handshakeTimeout: opts.handshakeTimeout,
        maxConnections: opts.maxConnections ?? Infinity,
        maxMessageSize: opts.maxMessageSize,
      },
      log,
      ...(tls ? { tls } : {}),
    },
    storage.broker,
  );
  try {
    await server.startApp();
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const tlsPort = tls !== undefined && (e as { port?: number }).port === tls.port && tls.port !== opts.port;
    const [flag, port] = tlsPort ? ['--tls-port', tls.port] : ['--port', opts.port];
    if (e.code === 'EADDRINUSE') {
      process.stderr.write(`error: ${hostPort({ host: opts.bind, port })} is already in use (is another broker running?). Use ${flag} to pick another.\n`);
    } else {
      process.stderr.write(`error: cannot listen on ${hostPort({ host: opts.bind, port })}: ${e.message}\n`);
    }
    unlock();
    process.exit(EX_UNAVAILABLE);
  }
  writeFileSync(paths.pidFile, `${process.pid}\n`, { mode: 0o600 });
  const limits = defaultLimits();
  if (opts.memoryHighWatermark !== undefined) limits.memoryHighWatermark = opts.memoryHighWatermark * MIB;
  limits.diskFreeLimit = opts.diskFreeLimit * MIB;
  server.startMonitor(limits, paths.dir);
  // A store that cannot write (a full disk, a failed fsync) raises the disk alarm until it can again.
  storage.broker.store.onFault((reason) => {
    if (reason) log.warn(reason);
    else log.info('message store writes to disk again');
    if (server.monitor) {
      server.monitor.storeFault = reason;
      server.monitor.check();
    }
  });

  const counters = new StatsSampler(server, opts.statsInterval);
  const stats = opts.ratesMode === 'basic' ? counters : null;
  stats?.start();
  let stopping = false;
  let control: ControlListeners | null = null;
  let metrics: MetricsListener | null = null;
  let apiTls: Awaited<ReturnType<typeof startManagementHttps>> | null = null;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal} received, shutting down`);
    await server.stopApp('shutdown');
    stats?.stop();
    await apiTls?.close();
    await control?.close();
    await apiTls?.close();
    await metrics?.close();
    await storage.close();
    rmSync(paths.pidFile, { force: true });
    unlock();
    log.info('stopped');
    process.exit(0);
  };
  // The management API: the control socket always, the TCP listener (UI and API) unless --no-management.
  const apiBind = opts.apiBind ?? opts.bind;
  let failing = 'management API';
  try {
    control = await startControlListeners({
      server,
      socketPath: paths.socket,
      dataDir: paths.dir,
      version: VERSION,
      apiPort: opts.management ? opts.apiPort : undefined,
      apiBind,
      stats,
      counters,
      extraListeners: () => (metrics ? [{ protocol: 'http/prometheus', host: metrics.address.host, port: metrics.address.port }] : []),
      stop: () => void shutdown('stop request'),
    });
    failing = 'management API (HTTPS)';
    if (opts.management && server.tls) {
      apiTls = await startManagementHttps({
        ctx: control.ctx,
        port: opts.apiTlsPort,
        bind: apiBind,
        tls: server.tls,
        handshakeTimeoutMs: opts.handshakeTimeout,
        log,
      });
    }
    failing = 'Prometheus metrics';
    if (opts.metrics) metrics = await startMetricsListener({ ctx: control.ctx, port: opts.metricsPort, bind: apiBind, log });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const [port, flag] =
      failing === 'management API'
        ? [opts.apiPort, '--api-port N, or --no-management']
        : failing === 'management API (HTTPS)'
          ? [opts.apiTlsPort, '--api-tls-port N, or --no-management']
          : [opts.metricsPort, '--metrics-port N, or --no-metrics'];
    if (e.code === 'EADDRINUSE')
      process.stderr.write(`error: ${hostPort({ host: apiBind, port })} (${failing}) is already in use (is RabbitMQ running?). Use ${flag}.\n`);
    else process.stderr.write(`error: cannot serve the ${failing}: ${e.message}\n`);
    stats?.stop();
    await control?.close();
    await server.stopApp('shutdown');
    await storage.close();
    rmSync(paths.pidFile, { force: true });
    unlock();
    process.exit(EX_UNAVAILABLE);
  }
  // Before the listener lines: whoever waits for them may signal at once (and must get a clean stop).
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  log.info(`control socket on ${paths.socket}`);
  // "management API listener on HOST:PORT" stays as it was (scripts and tests read it); the URL is for people.
  if (control.apiAddress)
    log.info(`management API listener on ${control.apiAddress.host}:${control.apiAddress.port}, web UI on ${httpUrl(control.apiAddress)}`);
  if (apiTls) log.info(`management API HTTPS listener on ${hostPort(apiTls.address)}, web UI on https://${hostPort(apiTls.address)}/`);
  if (metrics) log.info(`Prometheus metrics on ${httpUrl(metrics.address)}metrics`);
  if (server.tlsAddress) log.info(`AMQPS listener on ${hostPort(server.tlsAddress)}`);
  log.info(`AMQP listener on ${hostPort(server.address!)}`);
  // SIGHUP re-reads the TLS certificates (renewed ones) without dropping connections.
  process.on('SIGHUP', () => server.reloadTls());
}

function httpUrl(a: { host: string; port: number }): string {
  const host = a.host === '0.0.0.0' || a.host === '::' ? 'localhost' : a.host.includes(':') ? `[${a.host}]` : a.host;
  return `http://${host}:${a.port}/`;
}
