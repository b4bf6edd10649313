// The daemon's core: the broker model, the AMQP listener and the live connections,
// plus the node operations (stop_app, start_app, reset) the control socket exposes.
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { AmqpError, ReplyCode } from '../amqp/index.js';
import type { NodeView } from '../api/read-model.js';
import { Broker } from '../broker/broker.js';
import { MESSAGE_MEMORY_ESTIMATE } from '../broker/message.js';
import { Connection } from './connection.js';
import type { ConnectionLimits } from './handshake.js';
import { MAX_MESSAGE_SIZE } from './content-assembler.js';
import type { Logger } from './logger.js';
import { ResourceMonitor, type ResourceLimits } from './resource-monitor.js';
import { serverProperties } from './server-properties.js';
import { peerRefusal, secureServerOptions, TlsServers, type TlsSettings } from './tls.js';

/** An AMQPS listener (RabbitMQ's listeners.ssl with ssl_options). */
export interface TlsListenerOptions {
  settings: TlsSettings;
  /** 0 picks a free port */
  port: number;
  bind: string;
}

export interface ServerOptions {
  port: number;
  bind: string;
  limits: ConnectionLimits;
  log: Logger;
  tls?: TlsListenerOptions;
}

/** The default bind: every IPv6 and IPv4 address, as RabbitMQ's listener on [::]:5672. */
export const ANY_ADDRESS = '::';

function listen(server: Server, port: number, bind: string): Promise<{ host: string; port: number } | null> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, bind, () => {
      server.off('error', reject);
      const addr = server.address();
      resolve(addr && typeof addr === 'object' ? { host: addr.address, port: addr.port } : null);
    });
  });
}

/** The address every listener uses for `bind`: the default '::' is 0.0.0.0 on a host without IPv6. */
export async function effectiveBind(bind: string): Promise<string> {
  if (bind !== ANY_ADDRESS) return bind;
  const probe = createServer();
  try {
    await listen(probe, 0, ANY_ADDRESS);
    return ANY_ADDRESS;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'EAFNOSUPPORT' || code === 'EADDRNOTAVAIL' ? '0.0.0.0' : ANY_ADDRESS;
  } finally {
    if (probe.listening) await new Promise((resolve) => probe.close(resolve));
  }
}

/** host:port for logs, IPv6 addresses in brackets ([::]:5672). */
export function hostPort(a: { host: string; port: number }): string {
  return `${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
}

/** An IPv4 peer of a dual-stack listener is ::ffff:a.b.c.d; RabbitMQ names it a.b.c.d. */
const plainAddress = (address: string | undefined): string => (address ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');

export const DEFAULT_LIMITS: ConnectionLimits = {
  channelMax: 2047,
  frameMax: 131072,
  heartbeat: 60,
  handshakeTimeout: 10_000,
  maxConnections: Infinity,
  maxMessageSize: MAX_MESSAGE_SIZE,
};

export class WarrenServer implements NodeView {
  readonly connections = new Set<Connection>();
  private listener: Server | null = null;
  private readonly props = serverProperties();
  readonly startedAt = Date.now();
  address: { host: string; port: number } | null = null;

  constructor(
    readonly options: ServerOptions,
    readonly broker: Broker = new Broker(),
  ) {
    this.tls = options.tls ? new TlsServers(options.tls.settings) : null;
    // vhost and user limits count the live, opened connections and their channels
    const opened = (): Connection[] => [...this.connections].filter((c) => c.isOpen);
    broker.limits.counts = {
      vhostConnections: (vhost) => opened().filter((c) => c.vhost?.name === vhost).length,
      userConnections: (user) => opened().filter((c) => c.user?.name === user).length,
      userChannels: (user) => opened().reduce((n, c) => n + (c.user?.name === user ? c.channels.size : 0), 0),
    };
  }

  get log(): Logger {
    return this.options.log;
  }

  get appRunning(): boolean {
    return this.listener !== null;
  }

  /** Starts accepting AMQP (and AMQPS) connections; rejects with the listen error (EADDRINUSE, ...). */
  async startApp(): Promise<void> {
    if (this.listener) return;
    const listener = createServer({ noDelay: true }, (socket) => this.accept(socket));
    this.address = await listen(listener, this.options.port, this.options.bind);
    listener.on('error', (err) => this.onAcceptError(err));
    // Later start_app calls reuse the port first chosen, even when it was 0.
    if (this.address) this.options.port = this.address.port;
    if (this.options.tls) {
      try {
        await this.startTls(this.options.tls);
      } catch (err) {
        await new Promise((resolve) => listener.close(resolve));
        throw err;
      }
    }
    this.listener = listener;
    this.broker.running = true;
  }

  /** The AMQPS listener's address, once listening. */
  tlsAddress: { host: string; port: number } | null = null;
  private tlsListener: TlsServer | null = null;
  /** the daemon's TLS servers, for certificate reloads (null without TLS) */
  readonly tls: TlsServers | null;

  private async startTls(options: TlsListenerOptions): Promise<void> {
    const listener = createTlsServer(secureServerOptions(options.settings, this.options.limits.handshakeTimeout), (socket) => {
      const why = peerRefusal(options.settings, socket);
      if (why) {
        this.log.warn(`AMQPS connection from ${socket.remoteAddress}:${socket.remotePort} refused: ${why}`);
        socket.destroy();
        return;
      }
      this.accept(socket);
    });
    listener.on('tlsClientError', (err, socket) => {
      this.log.warn(`AMQPS handshake with ${socket.remoteAddress}:${socket.remotePort} failed: ${err.message.split('\n')[0]}`);
    });
    this.tlsAddress = await listen(listener, options.port, options.bind);
    listener.on('error', (err) => this.onAcceptError(err));
    if (this.tlsAddress) options.port = this.tlsAddress.port;
    this.tls?.add(listener);
    this.tlsListener = listener;
  }

  /** SIGHUP: re-reads the TLS certificates into the running listeners; open connections stay. */
  reloadTls(): void {
    if (!this.tls) return;
    try {
      this.tls.reload();
      this.log.info('TLS certificates reloaded');
    } catch (err) {
      this.log.error(`TLS certificates not reloaded (the old ones stay in use): ${(err as Error).message}`);
    }
  }

  /** accept() failures since the last successful accept */
  private acceptErrors = 0;

  /**
   * An accept failed (EMFILE/ENFILE: out of file descriptors). Never fatal: logged once per
   * episode, and libuv keeps accepting (shedding what it cannot take) until descriptors free up.
   */
  private onAcceptError(err: NodeJS.ErrnoException): void {
    if (this.acceptErrors++ > 0) return;
    const hint = err.code === 'EMFILE' || err.code === 'ENFILE' ? ' (out of file descriptors: raise ulimit -n, or lower --max-connections)' : '';
    this.log.error(`AMQP listener: cannot accept connections: ${err.message}${hint}; will keep trying`);
  }

  /** Stops serving AMQP: closes the listener and every connection (320), as rabbitmqctl stop_app. */
  async stopApp(reason = 'shutdown'): Promise<void> {
    const listener = this.listener;
    const tlsListener = this.tlsListener;
    this.listener = null;
    this.tlsListener = null;
    this.broker.running = false;
    this.closeAll(reason);
    if (listener) await new Promise<void>((resolve) => listener.close(() => resolve()));
    if (tlsListener) await new Promise<void>((resolve) => tlsListener.close(() => resolve()));
    // Give clients a moment to answer connection.close with close-ok.
    for (let waited = 0; this.connections.size > 0 && waited < 2000; waited += 20) {
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  closeAll(reason: string): void {
    const err = new AmqpError(ReplyCode.CONNECTION_FORCED, `broker forced connection closure with reason '${reason}'`);
    for (const c of this.connections) c.closeWith(err);
  }

  /** rabbitmqctl reset: only while the app is stopped, unless forced. */
  reset(): void {
    this.closeAll('reset');
    this.broker.reset();
  }

  /** Serves one AMQP connection over any duplex stream (tests use this without a port). */
  accept(socket: Socket): Connection {
    if (this.acceptErrors > 0) {
      this.log.info(`AMQP listener: accepting connections again (${this.acceptErrors} failed accepts)`);
      this.acceptErrors = 0;
    }
    socket.setNoDelay(true);
    const connection = new Connection(
      socket,
      {
        host: plainAddress(socket.remoteAddress),
        port: socket.remotePort ?? 0,
        localHost: plainAddress(socket.localAddress),
        localPort: socket.localPort ?? 0,
      },
      {
        broker: this.broker,
        limits: this.options.limits,
        serverProperties: this.props,
        log: this.log,
        closed: (c) => this.connections.delete(c),
        alarmReason: () => this.alarmReason(),
        openConnections: () => {
          let n = 0;
          for (const c of this.connections) if (c.isOpen) n++;
          return n;
        },
      },
    );
    this.connections.add(connection);
    return connection;
  }

  /** Resource alarms (memory, disk); null until monitoring starts. */
  monitor: ResourceMonitor | null = null;

  /** Watches memory and disk against `limits`, blocking publishers while an alarm is raised. */
  startMonitor(limits: ResourceLimits, dataDir: string): void {
    const onChange = (alarms: ReadonlySet<string>): void => {
      if (alarms.size > 0) {
        this.log.warn(`resource alarm raised (${[...alarms].join(', ')}): blocking publishers`);
        const reason = this.alarmReason()!;
        for (const c of this.connections) if (c.blockedReason === null && c.hasPublished) c.block(reason);
      } else {
        this.log.info('resource alarms cleared: unblocking publishers');
        for (const c of this.connections) c.unblock();
      }
    };
    this.monitor = new ResourceMonitor(limits, dataDir, onChange, () => this.accountedMemory());
    this.monitor.start();
  }

  /**
   * Memory the broker accounts for, which falls as soon as queues drain: ready and unacknowledged
   * messages as the memory budget counts them, and bytes queued for client sockets.
   */
  accountedMemory(): number {
    let bytes = 0;
    if (this.broker.memory) bytes = this.broker.accountedMemory;
    else {
      for (const vhost of this.broker.vhosts.values()) {
        for (const q of vhost.queues.values()) bytes += q.readyBytes + q.unackedBytes + (q.messageCount + q.unackedCount) * MESSAGE_MEMORY_ESTIMATE;
      }
    }
    for (const c of this.connections) bytes += c.pendingBytes;
    return bytes;
  }

  alarmReason(): string | null {
    const alarms = this.monitor?.alarms;
    if (!alarms || alarms.size === 0) return null;
    return alarms.has('memory') ? 'low on memory' : 'low on disk';
  }

  findConnection(name: string): Connection | undefined {
    for (const c of this.connections) if (c.id === name) return c;
    return undefined;
  }
}
