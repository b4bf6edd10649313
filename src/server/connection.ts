// One AMQP 0-9-1 connection over any duplex stream: the handshake (start, tune, open),
// heartbeats, frame dispatch to channels, error handling and the close handshakes.
import type { Duplex } from 'node:stream';
import {
  AmqpError,
  ClassId,
  Frame,
  FrameParser,
  MethodId,
  PROTOCOL_HEADER,
  Reader,
  ReplyCode,
  Writer,
  decodeMethod,
  type FieldTable,
  type Method,
  writeChannelClose,
  writeChannelCloseOk,
  writeChannelOpenOk,
  writeConnectionClose,
  writeConnectionCloseOk,
  writeConnectionOpenOk,
  writeConnectionStart,
  writeConnectionTune,
  writeConnectionBlocked,
  writeConnectionUpdateSecretOk,
  writeConnectionUnblocked,
} from '../amqp/index.js';
import type { Broker } from '../broker/broker.js';
import { notAllowed } from '../broker/errors.js';
import { contained, reportFault } from '../broker/faults.js';
import type { Queue } from '../broker/queue.js';
import type { User } from '../broker/users.js';
import type { Vhost } from '../broker/vhost.js';
import { loginAllowed, parseCredentials } from './authentication.js';
import { Channel, type ChannelHost } from './channel.js';
import { Heartbeat } from './heartbeat.js';
import type { Logger } from './logger.js';

export interface ConnectionLimits {
  channelMax: number;
  frameMax: number;
  /** seconds; 0 disables */
  heartbeat: number;
}

export interface ConnectionContext {
  broker: Broker;
  limits: ConnectionLimits;
  serverProperties: FieldTable;
  log: Logger;
  /** the connection finished closing (for the server's registry) */
  closed(connection: Connection): void;
  /** why publishers are blocked right now (a resource alarm), or null */
  alarmReason(): string | null;
}

export interface PeerInfo {
  host: string;
  port: number;
  localHost: string;
  localPort: number;
}

type State = 'header' | 'start-ok' | 'tune-ok' | 'open' | 'opened' | 'closing' | 'closed';

/** Bytes buffered for the socket above which consumers stop receiving until it drains. */
const HIGH_WATER = 1 << 20;
/** How long to wait for the peer's close-ok before dropping the socket. */
const CLOSE_TIMEOUT_MS = 3000;
/** How long a closed connection's socket may stay half-open waiting for the peer to close it. */
const LINGER_MS = 10_000;

const reader = new Reader();

export class Connection implements ChannelHost {
  readonly id: string;
  readonly writer = new Writer();
  readonly channels = new Map<number, Channel>();
  readonly ownedQueues = new Set<Queue>();
  readonly connectedAt = Date.now();
  private state: State = 'header';
  private readonly parser: FrameParser;
  private headerBytes: Buffer | null = null;
  private flushScheduled = false;
  backedUp = false;
  user!: User;
  vhost!: Vhost;
  authMechanism = '';
  clientProperties: FieldTable = {};
  channelMax = 0;
  frameMax: number = Frame.MIN_SIZE;
  heartbeat = 0;
  recvOctets = 0;
  sendOctets = 0;
  recvFrames = 0;
  sendWrites = 0;
  private readonly heartbeats = new Heartbeat(
    () => {
      this.writer.heartbeat();
      this.guardedFlush();
    },
    (seconds) => {
      this.ctx.log.warn(`missed heartbeats from client ${this.id}, timeout: ${seconds}s`);
      this.socket.destroy();
    },
    () => this.blockedReason !== null,
  );
  /** set while a resource alarm blocks this publishing connection */
  blockedReason: string | null = null;
  /** RabbitMQ blocks only connections that publish */
  hasPublished = false;
  private closeTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly socket: Duplex,
    readonly peer: PeerInfo,
    private readonly ctx: ConnectionContext,
  ) {
    this.id = `${peer.host}:${peer.port} -> ${peer.localHost}:${peer.localPort}`;
    this.parser = new FrameParser((type, ch, buf, start, end) => this.onFrame(type, ch, buf, start, end), Frame.MIN_SIZE - 8);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.onDrain());
    socket.on('error', () => this.teardown());
    socket.on('close', () => this.teardown());
  }

  get broker(): Broker {
    return this.ctx.broker;
  }

  get isOpen(): boolean {
    return this.state === 'opened';
  }

  get stateName(): string {
    return this.state === 'opened' ? 'running' : this.state === 'closing' || this.state === 'closed' ? 'closing' : 'starting';
  }

  /** Called by a channel on basic.publish: while an alarm is raised, publishers are blocked. */
  onPublish(): void {
    this.hasPublished = true;
    const reason = this.ctx.alarmReason();
    if (reason !== null && this.blockedReason === null) this.block(reason);
  }

  /** Stops reading this connection (after the current chunk) and tells a client that understands it. */
  block(reason: string): void {
    this.blockedReason = reason;
    if (this.capability('connection.blocked')) writeConnectionBlocked(this.writer, 0, reason);
    this.socket.pause();
    this.scheduleFlush();
  }

  unblock(): void {
    if (this.blockedReason === null) return;
    this.blockedReason = null;
    if (this.capability('connection.blocked')) writeConnectionUnblocked(this.writer, 0);
    this.heartbeats.received();
    this.socket.resume();
    this.scheduleFlush();
  }

  /** bytes queued for the socket and not yet sent */
  get pendingBytes(): number {
    return this.socket.writableLength;
  }

  get consumerCancelNotify(): boolean {
    return this.capability('consumer_cancel_notify');
  }

  private capability(name: string): boolean {
    const caps = this.clientProperties['capabilities'];
    return typeof caps === 'object' && caps !== null && !Array.isArray(caps) && (caps as FieldTable)[name] === true;
  }

  private onData(chunk: Buffer): void {
    this.recvOctets += chunk.length;
    this.heartbeats.received();
    try {
      if (this.state === 'header') this.onHeaderBytes(chunk);
      else if (this.state !== 'closed') this.parser.push(chunk);
    } catch (err) {
      this.fail(err);
    }
    this.guardedFlush();
  }

  /** 0-9-1 section 4.2.2: a bad protocol header gets ours back, then the socket closes. */
  private onHeaderBytes(chunk: Buffer): void {
    const bytes = this.headerBytes ? Buffer.concat([this.headerBytes, chunk]) : chunk;
    if (bytes.length < PROTOCOL_HEADER.length) {
      if (!PROTOCOL_HEADER.subarray(0, bytes.length).equals(bytes)) return this.rejectHeader();
      this.headerBytes = bytes;
      return;
    }
    this.headerBytes = null;
    if (!bytes.subarray(0, PROTOCOL_HEADER.length).equals(PROTOCOL_HEADER)) return this.rejectHeader();
    this.state = 'start-ok';
    writeConnectionStart(this.writer, 0, 0, 9, this.ctx.serverProperties, Buffer.from('PLAIN AMQPLAIN'), Buffer.from('en_US'));
    const rest = bytes.subarray(PROTOCOL_HEADER.length);
    if (rest.length > 0) this.parser.push(rest);
  }

  private rejectHeader(): void {
    this.state = 'closed';
    this.socket.end(PROTOCOL_HEADER);
  }

  private onFrame(type: number, channel: number, buf: Buffer, start: number, end: number): void {
    if (this.state === 'closed') return;
    this.recvFrames++;
    switch (type) {
      case Frame.METHOD: {
        const method = decodeMethod(reader.reset(buf, start, end));
        if (!method) throw new AmqpError(ReplyCode.NOT_IMPLEMENTED, `unknown method ${buf.readUInt16BE(start)}.${buf.readUInt16BE(start + 2)}`);
        return channel === 0 ? this.onConnectionMethod(method) : this.onChannelMethod(channel, method);
      }
      case Frame.HEADER:
      case Frame.BODY: {
        const ch = this.openChannel(channel);
        if (!ch) return;
        try {
          if (type === Frame.HEADER) ch.handleHeader(buf, start, end);
          else ch.handleBody(buf, start, end);
        } catch (err) {
          this.channelError(ch, err, MethodId.BASIC_PUBLISH);
        }
        return;
      }
      case Frame.HEARTBEAT:
        if (channel !== 0) throw new AmqpError(ReplyCode.UNEXPECTED_FRAME, 'heartbeat frame on a non-zero channel');
        return;
      default:
        throw new AmqpError(ReplyCode.FRAME_ERROR, `unknown frame type ${type}`);
    }
  }

  /** The open channel for content frames; null (frame dropped) while it is closing. */
  private openChannel(number: number): Channel | null {
    if (this.state !== 'opened') {
      if (this.state === 'closing') return null;
      throw new AmqpError(ReplyCode.UNEXPECTED_FRAME, `frame on channel ${number} before connection.open`);
    }
    const ch = this.channels.get(number);
    if (!ch) throw new AmqpError(ReplyCode.CHANNEL_ERROR, `expected 'channel.open' on channel ${number}`);
    return ch.closing ? null : ch;
  }

  private onChannelMethod(number: number, m: Method): void {
    if (this.state === 'closing') return;
    if (this.state !== 'opened') throw new AmqpError(ReplyCode.UNEXPECTED_FRAME, `channel ${number} used before connection.open`);
    if (m.id >>> 16 === ClassId.CONNECTION) {
      throw new AmqpError(ReplyCode.COMMAND_INVALID, 'connection methods must be sent on channel 0', m.id >>> 16, m.id & 0xffff);
    }
    const ch = this.channels.get(number);
    if (m.id === MethodId.CHANNEL_OPEN) {
      // 0-9-1 channel.open: opening an open channel is a connection-level CHANNEL_ERROR.
      if (ch) throw new AmqpError(ReplyCode.CHANNEL_ERROR, `second 'channel.open' seen`, ClassId.CHANNEL, 10);
      if (number > this.channelMax) throw new AmqpError(ReplyCode.CHANNEL_ERROR, `channel ${number} is above channel_max ${this.channelMax}`, ClassId.CHANNEL, 10);
      this.channels.set(number, new Channel(this, number));
      writeChannelOpenOk(this.writer, number, Buffer.alloc(0));
      return;
    }
    if (!ch) throw new AmqpError(ReplyCode.CHANNEL_ERROR, `expected 'channel.open' on channel ${number}`, m.id >>> 16, m.id & 0xffff);
    if (m.id === MethodId.CHANNEL_CLOSE_OK) {
      if (ch.closing) this.channels.delete(number);
      return;
    }
    if (m.id === MethodId.CHANNEL_CLOSE) {
      ch.teardown();
      this.channels.delete(number);
      writeChannelCloseOk(this.writer, number);
      return;
    }
    // 0-9-1 channel.close: after sending close, discard everything but close/close-ok.
    if (ch.closing) return;
    try {
      ch.handleMethod(m);
    } catch (err) {
      this.channelError(ch, err, m.id);
    }
  }

  private channelError(ch: Channel, err: unknown, methodId: number): void {
    if (!(err instanceof AmqpError) || err.scope === 'connection') {
      throw err instanceof AmqpError ? err.withMethod(methodId >>> 16, methodId & 0xffff) : err;
    }
    const e = err.withMethod(methodId >>> 16, methodId & 0xffff);
    ch.teardown();
    writeChannelClose(this.writer, ch.number, e.replyCode, e.replyText, e.classId, e.methodId);
  }

  private onConnectionMethod(m: Method): void {
    switch (m.id) {
      case MethodId.CONNECTION_START_OK:
        this.expectState('start-ok', m);
        return this.onStartOk(m.mechanism, m.response, m.clientProperties);
      case MethodId.CONNECTION_TUNE_OK:
        this.expectState('tune-ok', m);
        return this.onTuneOk(m.channelMax, m.frameMax, m.heartbeat);
      case MethodId.CONNECTION_OPEN:
        this.expectState('open', m);
        return this.onOpen(m.virtualHost);
      case MethodId.CONNECTION_CLOSE:
        writeConnectionCloseOk(this.writer, 0);
        this.flush();
        this.lingerUntilPeerCloses();
        return;
      case MethodId.CONNECTION_CLOSE_OK:
        if (this.state === 'closing') this.finish();
        return;
      case MethodId.CONNECTION_BLOCKED:
      case MethodId.CONNECTION_UNBLOCKED:
        return;
      case MethodId.CONNECTION_UPDATE_SECRET:
        // RabbitMQ's OAuth token refresh; warren's users have passwords, so there is nothing to swap.
        writeConnectionUpdateSecretOk(this.writer, 0);
        return;
      default:
        if (this.state === 'closing') return;
        throw new AmqpError(ReplyCode.COMMAND_INVALID, `unexpected method on channel 0`, m.id >>> 16, m.id & 0xffff);
    }
  }

  private expectState(expected: State, m: Method): void {
    if (this.state !== expected) {
      throw new AmqpError(ReplyCode.COMMAND_INVALID, `unexpected connection method in state ${this.state}`, m.id >>> 16, m.id & 0xffff);
    }
  }

  private onStartOk(mechanism: string, response: Buffer, clientProperties: FieldTable): void {
    this.clientProperties = clientProperties;
    this.authMechanism = mechanism;
    const credentials = parseCredentials(mechanism, response);
    const user = credentials && this.broker.authenticate(credentials.user, credentials.password);
    if (!user || !loginAllowed(user, this.peer.host)) {
      this.ctx.log.warn(`login refused for user '${credentials?.user ?? '?'}' from ${this.peer.host} (mechanism ${mechanism})`);
      const err = new AmqpError(
        ReplyCode.ACCESS_REFUSED,
        `Login was refused using authentication mechanism ${mechanism}. For details see the broker logfile.`,
      );
      // RabbitMQ's authentication_failure_close: tell clients that understand it, drop the rest.
      if (this.capability('authentication_failure_close')) return this.closeWith(err);
      this.flush();
      this.finish();
      return;
    }
    this.user = user;
    const { channelMax, frameMax, heartbeat } = this.ctx.limits;
    writeConnectionTune(this.writer, 0, channelMax, frameMax, heartbeat);
    this.state = 'tune-ok';
  }

  private onTuneOk(channelMax: number, frameMax: number, heartbeat: number): void {
    const limits = this.ctx.limits;
    if (frameMax !== 0 && frameMax < Frame.MIN_SIZE) {
      throw new AmqpError(ReplyCode.NOT_ALLOWED, `frame_max=${frameMax} < ${Frame.MIN_SIZE} min size`);
    }
    if (frameMax > limits.frameMax) {
      throw new AmqpError(ReplyCode.NOT_ALLOWED, `frame_max=${frameMax} > ${limits.frameMax} max size`);
    }
    this.frameMax = frameMax === 0 ? limits.frameMax : frameMax;
    this.channelMax = channelMax === 0 || channelMax > limits.channelMax ? limits.channelMax : channelMax;
    this.heartbeat = heartbeat;
    this.parser.maxPayload = this.frameMax - 8;
    this.state = 'open';
    this.heartbeats.start(heartbeat);
  }

  private onOpen(vhostName: string): void {
    const vhost = this.broker.vhosts.get(vhostName);
    if (!vhost) throw notAllowed(`vhost ${vhostName} not found`);
    if (!this.broker.permission(vhostName, this.user.name)) {
      throw notAllowed(`access to vhost '${vhostName}' refused for user '${this.user.name}'`);
    }
    this.vhost = vhost;
    this.state = 'opened';
    writeConnectionOpenOk(this.writer, 0, '');
  }

  /** Server-initiated close (an error, close_connection, or shutdown). */
  closeWith(err: AmqpError): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    for (const ch of this.channels.values()) ch.teardown();
    writeConnectionClose(this.writer, 0, err.replyCode, err.replyText, err.classId, err.methodId);
    this.state = 'closing';
    this.flush();
    this.closeTimer = setTimeout(() => this.finish(), CLOSE_TIMEOUT_MS);
    this.closeTimer.unref();
  }

  private fail(err: unknown): void {
    if (err instanceof AmqpError) {
      this.closeWith(err);
      return;
    }
    this.ctx.log.error(`internal error on connection ${this.id}: ${(err as Error)?.stack ?? String(err)}`);
    this.closeWith(new AmqpError(ReplyCode.INTERNAL_ERROR, 'internal error'));
  }

  scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    process.nextTick(() => this.guardedFlush());
  }

  /** flush() from timers and events: a failure closes this connection alone (issue 10). */
  private guardedFlush(): void {
    try {
      this.flush();
    } catch (err) {
      this.fault('', 'sending frames', err);
    }
  }

  /** A failure outside any client request (delivery, confirms, flush): logged; this connection alone is closed. */
  fault(where: string, what: string, err: unknown): void {
    reportFault(`connection ${this.id}${where}`, what, err);
    if (this.state === 'closing' || this.state === 'closed') return this.teardown();
    try {
      this.closeWith(new AmqpError(ReplyCode.INTERNAL_ERROR, 'internal error'));
    } catch {
      this.teardown();
    }
  }

  flush(): void {
    this.flushScheduled = false;
    if (this.state === 'closed') return;
    for (const ch of this.channels.values()) ch.beforeFlush();
    if (this.writer.isEmpty) return;
    // Whatever the store buffered (acks above all) reaches the kernel before any reply does.
    this.broker.store.writeOut();
    const chunks = this.writer.take();
    this.heartbeats.sent();
    const socket = this.socket as Duplex & { cork?: () => void; uncork?: () => void };
    socket.cork?.();
    this.sendWrites++;
    for (const chunk of chunks) {
      this.sendOctets += chunk.length;
      socket.write(chunk);
    }
    socket.uncork?.();
    if (socket.writableLength > HIGH_WATER) this.backedUp = true;
  }

  private onDrain(): void {
    if (!this.backedUp) return;
    this.backedUp = false;
    for (const ch of this.channels.values()) for (const c of ch.consumers.values()) contained(() => c.queue.describe(), 'delivering', () => c.queue.drain());
    this.guardedFlush();
  }

  /**
   * After a close handshake. As RabbitMQ does, the socket stays open and readable (whatever the
   * peer still sends is discarded) until the peer closes it, so a client with writes in flight
   * sees a clean close rather than a reset; a peer that never closes is dropped later.
   */
  private lingerUntilPeerCloses(): void {
    this.socket.resume();
    this.destroyLater();
    this.teardown(false);
  }

  /** A peer that never closes its side is dropped after a while. */
  private destroyLater(): void {
    const linger = setTimeout(() => this.socket.destroy(), LINGER_MS);
    linger.unref();
    this.socket.once('close', () => clearTimeout(linger));
  }

  /** Ends the socket after a close we started (the peer answered close-ok, or never will). */
  private finish(): void {
    // end() rather than destroy(): frames still queued for the socket (the close) get out first.
    this.socket.end();
    this.destroyLater();
    this.teardown(false);
  }

  /** Releases everything the connection held; safe to call more than once. */
  private teardown(destroySocket = true): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.heartbeats.stop();
    if (this.closeTimer) clearTimeout(this.closeTimer);
    for (const ch of this.channels.values()) ch.teardown();
    this.channels.clear();
    // Exclusive queues die with the connection that declared them.
    for (const q of this.ownedQueues) this.broker.vhosts.get(q.vhost)?.removeQueue(q);
    this.ownedQueues.clear();
    if (destroySocket && !this.socket.destroyed) this.socket.destroy();
    this.ctx.closed(this);
  }
}
