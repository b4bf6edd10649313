// The daemon's core: the broker model, the AMQP listener and the live connections,
// plus the node operations (stop_app, start_app, reset) the control socket exposes.
import { createServer, type Server, type Socket } from 'node:net';
import { AmqpError, ReplyCode } from '../amqp/index.js';
import { Broker } from '../broker/broker.js';
import { MESSAGE_MEMORY_ESTIMATE } from '../broker/message.js';
import { Connection, type ConnectionLimits } from './connection.js';
import type { Logger } from './logger.js';
import { ResourceMonitor, type ResourceLimits } from './resource-monitor.js';
import { serverProperties } from './server-properties.js';

export interface ServerOptions {
  port: number;
  bind: string;
  limits: ConnectionLimits;
  log: Logger;
}


export const DEFAULT_LIMITS: ConnectionLimits = { channelMax: 2047, frameMax: 131072, heartbeat: 60, handshakeTimeout: 10_000 };

export class WarrenServer {
  readonly connections = new Set<Connection>();
  private listener: Server | null = null;
  private readonly props = serverProperties();
  readonly startedAt = Date.now();
  address: { host: string; port: number } | null = null;

  constructor(
    readonly options: ServerOptions,
    readonly broker: Broker = new Broker(),
  ) {}

  get log(): Logger {
    return this.options.log;
  }

  get appRunning(): boolean {
    return this.listener !== null;
  }

  /** Starts accepting AMQP connections; rejects with the listen error (EADDRINUSE, ...). */
  async startApp(): Promise<void> {
    if (this.listener) return;
    const listener = createServer({ noDelay: true }, (socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(this.options.port, this.options.bind, () => {
        listener.off('error', reject);
        resolve();
      });
    });
    listener.on('error', (err) => this.log.error(`AMQP listener: ${err.message}`));
    const addr = listener.address();
    if (addr && typeof addr === 'object') this.address = { host: addr.address, port: addr.port };
    // Later start_app calls reuse the port first chosen, even when it was 0.
    if (this.address) this.options.port = this.address.port;
    this.listener = listener;
    this.broker.running = true;
  }

  /** Stops serving AMQP: closes the listener and every connection (320), as rabbitmqctl stop_app. */
  async stopApp(reason = 'shutdown'): Promise<void> {
    const listener = this.listener;
    this.listener = null;
    this.broker.running = false;
    this.closeAll(reason);
    if (listener) await new Promise<void>((resolve) => listener.close(() => resolve()));
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
    socket.setNoDelay(true);
    const connection = new Connection(
      socket,
      {
        host: socket.remoteAddress ?? '',
        port: socket.remotePort ?? 0,
        localHost: socket.localAddress ?? '',
        localPort: socket.localPort ?? 0,
      },
      {
        broker: this.broker,
        limits: this.options.limits,
        serverProperties: this.props,
        log: this.log,
        closed: (c) => this.connections.delete(c),
        alarmReason: () => this.alarmReason(),
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
   * Memory the broker accounts for, which falls as soon as queues drain: messages held in memory
   * (ready ones as the memory budget counts them, unacknowledged ones with the same per-message
   * overhead) and bytes queued for client sockets.
   */
  accountedMemory(): number {
    const budget = this.broker.memory;
    let bytes = 0;
    for (const vhost of this.broker.vhosts.values()) {
      for (const q of vhost.queues.values()) {
        bytes += q.unackedBytes + q.unackedCount * MESSAGE_MEMORY_ESTIMATE;
        if (!budget) bytes += q.readyBytes + q.messageCount * MESSAGE_MEMORY_ESTIMATE;
      }
    }
    if (budget) bytes += budget.used;
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
