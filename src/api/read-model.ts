// The daemon as the management API sees it: its connections, their channels and consumers, the
// resource monitor and the node operations (stop_app, start_app, reset). src/server implements these
// interfaces (WarrenServer, Connection, Channel, ChannelConsumer, ResourceMonitor) and hands itself
// to the API in its ApiContext, so the API depends on this file and never on src/server.
import type { AmqpError, FieldTable } from '../amqp/index.js';
import type { Broker } from '../broker/broker.js';
import type { Consumer } from '../broker/consumer.js';
import type { ChannelCounters } from '../broker/message-stats.js';
import type { Queue } from '../broker/queue.js';
import type { User } from '../broker/users.js';
import type { Vhost } from '../broker/vhost.js';

/** A basic.consume subscription (GET /api/consumers). */
export interface ConsumerView extends Consumer {
  readonly queue: Queue;
  /** per-consumer prefetch; 0 = unlimited */
  readonly prefetch: number;
}

/** An open channel (GET /api/channels). */
export interface ChannelView {
  readonly number: number;
  /** channel.close sent or received: no longer listed */
  readonly closing: boolean;
  readonly consumers: ReadonlyMap<string, ConsumerView>;
  readonly stats: ChannelCounters;
  readonly flowActive: boolean;
  readonly unackedCount: number;
  readonly unconfirmedCount: number;
  /** basic.qos global=false / global=true */
  readonly consumerPrefetch: number;
  readonly channelPrefetch: number;
  readonly confirmMode: boolean;
  readonly txMode: boolean;
}

/** Both ends of a connection's socket. */
export interface PeerView {
  readonly host: string;
  readonly port: number;
  readonly localHost: string;
  readonly localPort: number;
}

/** An AMQP connection (GET /api/connections), and the one thing the API does to it: close it. */
export interface ConnectionView {
  /** "peer:port -> local:port", the connection's name in the API */
  readonly id: string;
  readonly peer: PeerView;
  /** null until authenticated / until connection.open */
  readonly user: User | null;
  readonly vhost: Vhost | null;
  readonly isOpen: boolean;
  /** RabbitMQ's state: starting, running, closing */
  readonly stateName: string;
  readonly channels: ReadonlyMap<number, ChannelView>;
  readonly authMechanism: string;
  readonly clientProperties: FieldTable;
  readonly heartbeat: number;
  readonly frameMax: number;
  readonly channelMax: number;
  readonly recvOctets: number;
  readonly recvFrames: number;
  readonly sendOctets: number;
  readonly sendWrites: number;
  /** bytes written to the socket and not yet flushed */
  readonly pendingBytes: number;
  /** ms since the epoch */
  readonly connectedAt: number;
  /** connection.close with the error's code and text (management API closes: 320 CONNECTION_FORCED) */
  closeWith(err: AmqpError): void;
}

/** The memory and disk alarms and their limits (set_vm_memory_high_watermark, set_disk_free_limit). */
export interface MonitorView {
  readonly alarms: ReadonlySet<string>;
  readonly limits: { readonly memoryHighWatermark: number; readonly diskFreeLimit: number };
  readonly memoryUsed: number;
  readonly diskFree: number;
  update(limits: Partial<{ memoryHighWatermark: number; diskFreeLimit: number }>): void;
}

export interface LogView {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** the least severe level written (absent: info) */
  readonly level?: string;
  /** changes `level` at run time (warrenctl set_log_level); false for an unknown level name */
  setLevel?(name: string): boolean;
}

/** The listeners' and connections' configuration, as rabbitmqctl environment shows it. */
export interface NodeSettingsView {
  readonly port: number;
  readonly bind: string;
  readonly limits: {
    readonly channelMax: number;
    readonly frameMax: number;
    readonly heartbeat: number;
    readonly handshakeTimeout: number;
    readonly maxConnections: number;
    readonly maxMessageSize: number;
  };
  readonly tls?: {
    readonly port: number;
    readonly bind: string;
    readonly settings: {
      readonly certFile: string;
      readonly keyFile: string;
      readonly caFile?: string;
      readonly verify: 'peer' | 'none';
      readonly failIfNoPeerCert: boolean;
    };
  };
}

/** The node: its broker model, live connections, AMQP listener and life cycle. */
export interface NodeView {
  readonly broker: Broker;
  readonly connections: ReadonlySet<ConnectionView>;
  findConnection(name: string): ConnectionView | undefined;
  /** ms since the epoch */
  readonly startedAt: number;
  /** whether AMQP is served (false after stop_app) */
  readonly appRunning: boolean;
  /** the AMQP listener's address once listening */
  readonly address: { readonly host: string; readonly port: number } | null;
  /** the AMQPS listener's address, when there is one */
  readonly tlsAddress: { readonly host: string; readonly port: number } | null;
  readonly options: NodeSettingsView;
  /** null until resource monitoring starts */
  readonly monitor: MonitorView | null;
  readonly log: LogView;
  stopApp(reason?: string): Promise<void>;
  startApp(): Promise<void>;
  reset(): void;
}
