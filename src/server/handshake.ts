// The AMQP 0-9-1 connection handshake (section 4.2.3): what each step establishes, and the
// checks of tune-ok and open, as RabbitMQ makes them. The connection drives the steps.
import { AmqpError, Frame, ReplyCode } from '../amqp/index.js';
import type { Broker } from '../broker/broker.js';
import { notAllowed } from '../broker/errors.js';
import type { User } from '../broker/users.js';
import type { Vhost } from '../broker/vhost.js';

export interface ConnectionLimits {
  channelMax: number;
  frameMax: number;
  /** seconds; 0 disables */
  heartbeat: number;
  /** ms from accept to connection.open-ok; a client slower than this is dropped (RabbitMQ's handshake_timeout) */
  handshakeTimeout: number;
  /** most open connections on this node (RabbitMQ's connection_max); Infinity: no limit */
  maxConnections: number;
  /** largest message body accepted, in bytes (RabbitMQ's max_message_size) */
  maxMessageSize: number;
}

export interface PeerInfo {
  host: string;
  port: number;
  localHost: string;
  localPort: number;
}

/**
 * Where a connection is, with what each step has established: the authenticated user from
 * tune-ok on, the vhost once opened. Closing and closed keep whatever was reached, for listings.
 */
export type Phase =
  | { readonly name: 'header' }
  | { readonly name: 'start-ok' }
  | { readonly name: 'tune-ok'; readonly user: User }
  | { readonly name: 'open'; readonly user: User }
  | { readonly name: 'opened'; readonly user: User; readonly vhost: Vhost }
  | { readonly name: 'closing'; readonly user: User | null; readonly vhost: Vhost | null }
  | { readonly name: 'closed'; readonly user: User | null; readonly vhost: Vhost | null };
export type PhaseName = Phase['name'];
export type PhaseOf<N extends PhaseName> = Extract<Phase, { name: N }>;

/** connection.tune-ok: the client's frame_max and channel_max within ours (0: ours). */
export function negotiateTune(limits: ConnectionLimits, channelMax: number, frameMax: number): { channelMax: number; frameMax: number } {
  if (frameMax !== 0 && frameMax < Frame.MIN_SIZE) {
    throw new AmqpError(ReplyCode.NOT_ALLOWED, `frame_max=${frameMax} < ${Frame.MIN_SIZE} min size`);
  }
  if (frameMax > limits.frameMax) {
    throw new AmqpError(ReplyCode.NOT_ALLOWED, `frame_max=${frameMax} > ${limits.frameMax} max size`);
  }
  return {
    frameMax: frameMax === 0 ? limits.frameMax : frameMax,
    channelMax: channelMax === 0 || channelMax > limits.channelMax ? limits.channelMax : channelMax,
  };
}

/** connection.open: the node's connection limit, then the vhost and the user's access to it (530 each). */
export function admit(broker: Broker, limits: ConnectionLimits, openConnections: number, user: User, vhostName: string): Vhost {
  const max = limits.maxConnections;
  if (openConnections >= max) throw notAllowed(`connection refused: node connection limit (${max}) is reached`);
  const vhost = broker.vhosts.get(vhostName);
  if (!vhost) throw notAllowed(`vhost ${vhostName} not found`);
  if (!broker.permission(vhostName, user.name)) {
    throw notAllowed(`access to vhost '${vhostName}' refused for user '${user.name}'`);
  }
  return vhost;
}
