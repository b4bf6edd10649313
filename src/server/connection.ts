// One AMQP 0-9-1 connection over any duplex stream: the handshake (start, tune, open),
// heartbeats, frame dispatch to channels, error handling and the close handshakes.
import type { Duplex } from 'node:stream';
import {
  AmqpError,
  FRAME_OVERHEAD,
  ClassId,
  Frame,
  FrameParser,
  MethodId,
  PROTOCOL_HEADER,
  Reader,
  ReplyCode,
  Writer,
  decodeMethodFrame,
  erlangBinary,
  unknownFrame,
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
import type { ConnectionView } from '../api/read-model.js';
import type { Broker } from '../broker/broker.js';
import { notAllowed } from '../broker/errors.js';
import { contained, reportFault } from '../broker/faults.js';
import type { Queue } from '../broker/queue.js';
import type { User } from '../broker/users.js';
import type { Vhost } from '../broker/vhost.js';
import { loginAllowed, parseCredentials } from './authentication.js';
import { Channel, type ChannelHost } from './channel.js';
import { admit, negotiateTune, type ConnectionLimits, type PeerInfo, type Phase, type PhaseName, type PhaseOf } from './handshake.js';
import { Heartbeat } from './heartbeat.js';
import type { Logger } from './logger.js';

export interface ConnectionContext {
  broker: Broker;
  limits: ConnectionLimits;
  serverProperties: FieldTable;
  log: Logger;
  /** the connection finished closing (for the server's registry) */
  closed(connection: Connection): void;
  /** why publishers are blocked right now (a resource alarm), or null */
  alarmReason(): string | null;
  /** connections that have completed connection.open */
  openConnections(): number;
}

/** Bytes buffered for the socket above which consumers stop receiving until it drains. */
const HIGH_WATER = 1 << 20;
/** How long to wait for the peer's close-ok before dropping the socket. */
const CLOSE_TIMEOUT_MS = 3000;
/** How long a closed connection's socket may stay half-open waiting for the peer to close it. */
const LINGER_MS = 10_000;

const reader = new Reader();

export class Connection implements ChannelHost, ConnectionView {
  readonly id: string;
  readonly writer = new Writer();
  readonly channels = new Map<number, Channel>();
  /** the channel the last frame was for (see channel()) */
  private lastChannel: Channel | null = null;
  readonly ownedQueues = new Set<Queue>();
  readonly connectedAt = Date.now();
  private phase: Phase = { name: 'header' };
  private readonly parser: FrameParser;
  private headerBytes: Buffer | null = null;
  private flushScheduled = false;
  /** channels with something to do before the next flush (drains, confirms) */
  private readonly dirty = new Set<Channel>();
  backedUp = false;
  authMechanism = '';
  clientProperties: FieldTable = {};
  channelMax = 0;
  frameMax: number = Frame.MIN_SIZE;
  heartbeat = 0;
  recvOctets = 0;
  sendOctets = 0;
  recvFrames = 0;
  /** when the chunk being handled was read (ChannelHost) */
  readAt = Date.now();
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
  /** holdInput() calls not yet released: while any is, no frame is handled */
  private inputHolds = 0;
  /** RabbitMQ blocks only connections that publish */
  hasPublished = false;
  private closeTimer: NodeJS.Timeout | null = null;
  /** runs from accept until connection.open-ok */
  private handshakeTimer: NodeJS.Timeout | null;

  constructor(
    private readonly socket: Duplex,
    readonly peer: PeerInfo,
    private readonly ctx: ConnectionContext,
  ) {
    this.id = `${peer.host}:${peer.port} -> ${peer.localHost}:${peer.localPort}`;
    this.parser = new FrameParser((type, ch, buf, start, end) => this.onFrame(type, ch, buf, start, end), Frame.MIN_SIZE - FRAME_OVERHEAD);
    this.handshakeTimer = setTimeout(
      this.guarded('handshake timeout', () => this.handshakeTimedOut()),
      ctx.limits.handshakeTimeout,
    );
    this.handshakeTimer.unref();
    // Event and timer callbacks: whatever they throw stays with this connection (issue 10).
    socket.on('data', (chunk: Buffer) => {
      try {
        this.onData(chunk);
      } catch (err) {
        reportFault(`connection ${this.id}`, 'receiving', err);
        if (!this.socket.destroyed) this.socket.destroy();
      }
    });
    socket.on(
      'drain',
      this.guarded('resuming deliveries', () => this.onDrain()),
    );
    socket.on(
      'error',
      this.guarded('closing', () => this.teardown()),
    );
    socket.on(
      'close',
      this.guarded('closing', () => this.teardown()),
    );
  }

  /** `fn` with its failures logged for this connection and the socket dropped, never thrown on. */
  private guarded(what: string, fn: () => void): () => void {
    return () => {
      try {
        fn();
      } catch (err) {
        reportFault(`connection ${this.id}`, what, err);
        if (!this.socket.destroyed) this.socket.destroy();
      }
    };
  }

  get broker(): Broker {
    return this.ctx.broker;
  }

  get maxMessageSize(): number {
    return this.ctx.limits.maxMessageSize;
  }

  /** the authenticated user (from connection.tune on), else null */
  get user(): User | null {
    return 'user' in this.phase ? this.phase.user : null;
  }

  /** the vhost connection.open chose, else null */
  get vhost(): Vhost | null {
    return 'vhost' in this.phase ? this.phase.vhost : null;
  }

  get isOpen(): boolean {
    return this.phase.name === 'opened';
  }

  get stateName(): string {
    const name = this.phase.name;
    return name === 'opened' ? 'running' : name === 'closing' || name === 'closed' ? 'closing' : 'starting';
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
    if (this.inputHolds === 0) this.socket.resume();
    this.scheduleFlush();
  }

  /**
   * Stops handling this connection's frames after the current one, until the returned release is called: a
   * basic.get whose message is being read back from disk answers before anything sent after it is handled, without
   * a synchronous read. The frames already received wait in the parser as they are; the socket is paused.
   */
  holdInput(): () => void {
    this.inputHolds++;
    this.parser.stop();
    this.socket.pause();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.inputHolds > 0 || this.phase.name === 'closed') return;
      if (this.blockedReason === null) this.socket.resume();
      try {
        this.parser.resume();
      } catch (err) {
        this.fail(err);
      }
      this.scheduleFlush();
    };
  }

  /** A channel method's continuation after a wait (holdInput), under the method's own error handling. */
  continueMethod(ch: Channel, methodId: number, fn: () => void): void {
    if (this.phase.name !== 'opened' || ch.closing || this.channels.get(ch.number) !== ch) return;
    try {
      try {
        fn();
      } catch (err) {
        this.channelError(ch, err, methodId);
      }
    } catch (err) {
      this.fail(err);
    }
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
    // One clock read per chunk, not one per message in it.
    this.readAt = Date.now();
    this.recvOctets += chunk.length;
    this.heartbeats.received();
    // After a framing error the stream is out of step: the rest is discarded unparsed.
    if (this.phase.name === 'closed' || this.parser.failed) return;
    try {
      if (this.phase.name === 'header') this.onHeaderBytes(chunk);
      else this.parser.push(chunk);
    } catch (err) {
      this.fail(err);
    }
    // Replies go out once every chunk read in this turn of the event loop has been handled.
    this.scheduleFlush();
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
    this.phase = { name: 'start-ok' };
    writeConnectionStart(this.writer, 0, 0, 9, this.ctx.serverProperties, Buffer.from('PLAIN AMQPLAIN'), Buffer.from('en_US'));
    const rest = bytes.subarray(PROTOCOL_HEADER.length);
    if (rest.length > 0) this.parser.push(rest);
  }

  private rejectHeader(): void {
    this.teardown(false);
    this.socket.end(PROTOCOL_HEADER);
  }

  /** RabbitMQ's handshake_timeout: a client that has not opened in time is dropped. */
  private handshakeTimedOut(): void {
    this.handshakeTimer = null;
    const name = this.phase.name;
    // A connection already closing has its own close timer.
    if (name === 'opened' || name === 'closing' || name === 'closed') return;
    this.ctx.log.warn(`closing AMQP connection ${this.id}: handshake timeout (waiting for ${name})`);
    this.socket.destroy();
    this.teardown(false);
  }

  /** The parser's callback: an error here closes the connection but leaves the parser in step. */
  private onFrame(type: number, channel: number, buf: Buffer, start: number, end: number): void {
    try {
      this.handleFrame(type, channel, buf, start, end);
    } catch (err) {
      this.fail(err);
    }
  }

  private handleFrame(type: number, channel: number, buf: Buffer, start: number, end: number): void {
    const phase = this.phase.name;
    if (phase === 'closed') return;
    this.recvFrames++;
    // After connection.close only close and close-ok matter (0-9-1 section 4.2.8 / RabbitMQ).
    if (phase === 'closing' && (type !== Frame.METHOD || channel !== 0)) return;
    switch (type) {
      case Frame.METHOD: {
        // strict: leftover or undecodable argument bytes are a frame error, as in RabbitMQ (issue 16.8)
        const method = decodeMethodFrame(reader, buf, start, end);
        if (!method) throw new AmqpError(ReplyCode.NOT_IMPLEMENTED, `unknown method ${buf.readUInt16BE(start)}.${buf.readUInt16BE(start + 2)}`);
        return channel === 0 ? this.onConnectionMethod(method) : this.onChannelMethod(channel, method);
      }
      case Frame.HEADER:
      case Frame.BODY: {
        // RabbitMQ: content on channel 0 is an unexpected frame, shown with its octets
        if (channel === 0) throw new AmqpError(ReplyCode.UNEXPECTED_FRAME, `type ${type}, all octets = ${erlangBinary(buf.subarray(start, end))}`);
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
        if (end > start) throw unknownFrame(Frame.HEARTBEAT, buf.subarray(start, end));
        return;
      default:
        throw new AmqpError(ReplyCode.FRAME_ERROR, `unknown frame type ${type}`);
    }
  }

  /** The open channel for content frames; null (frame dropped) while it is closing. */
  private openChannel(number: number): Channel | null {
    if (this.phase.name !== 'opened') {
      throw new AmqpError(ReplyCode.UNEXPECTED_FRAME, `frame on channel ${number} before connection.open`);
    }
    const ch = this.channel(number);
    if (!ch) throw new AmqpError(ReplyCode.CHANNEL_ERROR, `expected 'channel.open' on channel ${number}`);
    return ch.closing ? null : ch;
  }

  private onChannelMethod(number: number, m: Method): void {
    const phase = this.phase;
    if (phase.name !== 'opened') throw new AmqpError(ReplyCode.UNEXPECTED_FRAME, `channel ${number} used before connection.open`);
    if (m.id >>> 16 === ClassId.CONNECTION) {
      throw new AmqpError(ReplyCode.COMMAND_INVALID, 'connection methods must be sent on channel 0', m.id >>> 16, m.id & 0xffff);
    }
    const ch = this.channel(number);
    if (m.id === MethodId.CHANNEL_OPEN) {
      // 0-9-1 channel.open: opening an open channel is a connection-level CHANNEL_ERROR.
      if (ch) throw new AmqpError(ReplyCode.CHANNEL_ERROR, `second 'channel.open' seen`, ClassId.CHANNEL, 10);
      // RabbitMQ counts open channels against channel_max (any channel number is accepted).
      if (this.channels.size >= this.channelMax) {
        throw notAllowed(`number of channels opened (${this.channels.size}) has reached the negotiated channel_max (${this.channelMax})`);
      }
      this.broker.limits.checkChannel(phase.user.name);
      this.channels.set(number, new Channel(this, number, phase.user, phase.vhost));
      writeChannelOpenOk(this.writer, number, Buffer.alloc(0));
      return;
    }
    if (!ch) throw new AmqpError(ReplyCode.CHANNEL_ERROR, `expected 'channel.open' on channel ${number}`, m.id >>> 16, m.id & 0xffff);
    if (m.id === MethodId.CHANNEL_CLOSE_OK) {
      if (ch.closing) this.removeChannel(ch);
      return;
    }
    if (m.id === MethodId.CHANNEL_CLOSE) {
      ch.teardown();
      this.removeChannel(ch);
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

  /** The channel with this number: a publish is three frames on one channel, so the last one is kept at hand. */
  private channel(number: number): Channel | undefined {
    const last = this.lastChannel;
    if (last !== null && last.number === number) return last;
    const ch = this.channels.get(number);
    if (ch) this.lastChannel = ch;
    return ch;
  }

  private removeChannel(ch: Channel): void {
    if (this.lastChannel === ch) this.lastChannel = null;
    this.channels.delete(ch.number);
    this.dirty.delete(ch);
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
    try {
      this.connectionMethod(m);
    } catch (err) {
      // As RabbitMQ's reader: a connection method's error names that method (connection.open 10.40, ...).
      throw err instanceof AmqpError && err.classId === 0 ? err.withMethod(m.id >>> 16, m.id & 0xffff) : err;
    }
  }

  private connectionMethod(m: Method): void {
    switch (m.id) {
      case MethodId.CONNECTION_START_OK:
        this.expectPhase('start-ok', m);
        return this.onStartOk(m.mechanism, m.response, m.clientProperties);
      case MethodId.CONNECTION_TUNE_OK:
        return this.onTuneOk(this.expectPhase('tune-ok', m), m.channelMax, m.frameMax, m.heartbeat);
      case MethodId.CONNECTION_OPEN:
        return this.onOpen(this.expectPhase('open', m), m.virtualHost);
      case MethodId.CONNECTION_CLOSE:
        writeConnectionCloseOk(this.writer, 0);
        this.flush();
        this.lingerUntilPeerCloses();
        return;
      case MethodId.CONNECTION_CLOSE_OK:
        if (this.phase.name === 'closing') this.finish();
        return;
      case MethodId.CONNECTION_BLOCKED:
      case MethodId.CONNECTION_UNBLOCKED:
        return;
      case MethodId.CONNECTION_UPDATE_SECRET:
        if (this.phase.name === 'closing') return;
        // RabbitMQ's OAuth token refresh; warren's users have passwords, so there is nothing to swap.
        writeConnectionUpdateSecretOk(this.writer, 0);
        return;
      default:
        if (this.phase.name === 'closing') return;
        // RabbitMQ: a channel-class method on channel 0 is a CHANNEL_ERROR (504)
        if (m.id >>> 16 !== ClassId.CONNECTION) {
          throw new AmqpError(ReplyCode.CHANNEL_ERROR, 'unexpected method in connection state running', m.id >>> 16, m.id & 0xffff);
        }
        throw new AmqpError(ReplyCode.COMMAND_INVALID, `unexpected method on channel 0`, m.id >>> 16, m.id & 0xffff);
    }
  }

  private expectPhase<N extends PhaseName>(expected: N, m: Method): PhaseOf<N> {
    const phase = this.phase;
    if (phase.name !== expected) {
      throw new AmqpError(ReplyCode.COMMAND_INVALID, `unexpected connection method in state ${phase.name}`, m.id >>> 16, m.id & 0xffff);
    }
    return phase as PhaseOf<N>;
  }

  private onStartOk(mechanism: string, response: Buffer, clientProperties: FieldTable): void {
    this.clientProperties = clientProperties;
    this.authMechanism = mechanism;
    const credentials = parseCredentials(mechanism, response);
    const user = credentials && this.broker.authenticate(credentials.user, credentials.password);
    if (!user || !loginAllowed(user, { transport: 'tcp', localAddress: this.peer.localHost, remoteAddress: this.peer.host }, this.broker.loopbackUsers)) {
      this.ctx.log.warn(`login refused for user '${credentials?.user ?? '?'}' from ${this.peer.host} (mechanism ${mechanism})`);
      const err = new AmqpError(ReplyCode.ACCESS_REFUSED, `Login was refused using authentication mechanism ${mechanism}. For details see the broker logfile.`);
      // RabbitMQ's authentication_failure_close: tell clients that understand it, drop the rest.
      if (this.capability('authentication_failure_close')) return this.closeWith(err);
      this.flush();
      this.finish();
      return;
    }
    const { channelMax, frameMax, heartbeat } = this.ctx.limits;
    writeConnectionTune(this.writer, 0, channelMax, frameMax, heartbeat);
    this.phase = { name: 'tune-ok', user };
  }

  private onTuneOk(phase: PhaseOf<'tune-ok'>, channelMax: number, frameMax: number, heartbeat: number): void {
    const tuned = negotiateTune(this.ctx.limits, channelMax, frameMax);
    this.frameMax = tuned.frameMax;
    this.channelMax = tuned.channelMax;
    this.heartbeat = heartbeat;
    this.parser.maxPayload = this.frameMax - FRAME_OVERHEAD;
    this.phase = { name: 'open', user: phase.user };
    this.heartbeats.start(heartbeat);
  }

  private onOpen(phase: PhaseOf<'open'>, vhostName: string): void {
    const { user } = phase;
    const vhost = admit(this.broker, this.ctx.limits, this.ctx.openConnections(), user, vhostName);
    this.broker.limits.checkConnection(vhostName, user.name);
    this.phase = { name: 'opened', user, vhost };
    this.clearHandshakeTimer();
    writeConnectionOpenOk(this.writer, 0, '');
  }

  private clearHandshakeTimer(): void {
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    this.handshakeTimer = null;
  }

  /** Server-initiated close (an error, close_connection, or shutdown). */
  closeWith(err: AmqpError): void {
    if (this.phase.name === 'closing' || this.phase.name === 'closed') return;
    for (const ch of this.channels.values()) ch.teardown();
    this.dirty.clear();
    writeConnectionClose(this.writer, 0, err.replyCode, err.replyText, err.classId, err.methodId);
    this.phase = { name: 'closing', user: this.user, vhost: this.vhost };
    this.flush();
    this.closeTimer = setTimeout(
      this.guarded('closing', () => this.finish()),
      CLOSE_TIMEOUT_MS,
    );
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

  /** A channel has work for the next flush (a queue to drain, confirms to send). */
  markDirty(channel: Channel): void {
    this.dirty.add(channel);
    this.scheduleFlush();
  }

  scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // After the I/O callbacks of this loop turn: chunks read together are answered with one write.
    setImmediate(this.guardedFlush);
  }

  /** flush() from timers and events: a failure closes this connection alone (issue 10). */
  private readonly guardedFlush = (): void => {
    try {
      this.flush();
    } catch (err) {
      this.fault('', 'sending frames', err);
    }
  };

  /** A failure outside any client request (delivery, confirms, flush): logged; this connection alone is closed. */
  fault(where: string, what: string, err: unknown): void {
    reportFault(`connection ${this.id}${where}`, what, err);
    if (this.phase.name === 'closing' || this.phase.name === 'closed') return this.teardown();
    try {
      this.closeWith(new AmqpError(ReplyCode.INTERNAL_ERROR, 'internal error'));
    } catch {
      this.teardown();
    }
  }

  flush(): void {
    this.flushScheduled = false;
    if (this.phase.name === 'closed') return;
    // Only the channels that asked: a connection with 1,000 idle channels costs nothing here.
    for (const ch of this.dirty) {
      this.dirty.delete(ch);
      ch.beforeFlush();
    }
    if (this.writer.isEmpty) return;
    // Whatever the store buffered (acks above all) reaches the kernel before any reply does.
    this.broker.store.writeOut();
    this.heartbeats.sent();
    this.sendWrites++;
    this.sendOctets += this.writer.writeTo(this.socket);
    if (this.socket.writableLength > HIGH_WATER) this.backedUp = true;
  }

  private onDrain(): void {
    if (!this.backedUp) return;
    this.backedUp = false;
    for (const ch of this.channels.values())
      for (const c of ch.consumers.values())
        contained(
          () => c.queue.describe(),
          'delivering',
          () => c.queue.drain(),
        );
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
    if (this.phase.name === 'closed') return;
    this.phase = { name: 'closed', user: this.user, vhost: this.vhost };
    this.heartbeats.stop();
    this.clearHandshakeTimer();
    if (this.closeTimer) clearTimeout(this.closeTimer);
    try {
      for (const ch of this.channels.values()) ch.teardown();
      this.channels.clear();
      this.lastChannel = null;
      this.dirty.clear();
      // Exclusive queues die with the connection that declared them.
      for (const q of this.ownedQueues)
        contained(
          () => q.describe(),
          'deleting an exclusive queue',
          () => this.broker.vhosts.get(q.vhost)?.removeQueue(q),
        );
      this.ownedQueues.clear();
    } finally {
      if (destroySocket && !this.socket.destroyed) this.socket.destroy();
      this.ctx.closed(this);
    }
  }
}
