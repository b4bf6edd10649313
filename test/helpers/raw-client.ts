// A bare AMQP 0-9-1 client over a socket, built on the project's own codec, for tests that
// need to send what well-behaved clients never send, or methods amqplib lacks (tx.*).
import { connect, type Socket } from 'node:net';
import {
  Frame,
  FrameParser,
  MethodId,
  PROTOCOL_HEADER,
  Reader,
  Writer,
  decodeBasicProperties,
  decodeMethod,
  defaultsOf,
  writeBasicProperties,
  writeMethod,
  type BasicProperties,
  type Method,
} from '../../src/amqp/index.js';
import { WAIT_DEADLINE_MS, waitFor } from './wait.js';

export interface Received {
  channel: number;
  method: Method;
  properties?: BasicProperties;
  body?: Buffer;
}

export class RawClient {
  readonly received: Received[] = [];
  heartbeats = 0;
  closed = false;
  private readonly reader = new Reader();
  private pendingContent: Received | null = null;
  private readonly parser = new FrameParser((type, channel, buf, start, end) => this.onFrame(type, channel, buf, start, end), 1 << 24);
  private waiters: (() => void)[] = [];

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk) => {
      try {
        this.parser.push(chunk);
      } catch {
        this.raw = Buffer.concat([this.raw, chunk]);
      }
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  /** bytes the parser could not take (e.g. a protocol header sent back) */
  raw = Buffer.alloc(0);

  static async open(port: number): Promise<RawClient> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new RawClient(socket);
  }

  /** Handshake as guest/guest on '/', optionally asking for a heartbeat. */
  static async login(port: number, opts: { heartbeat?: number; user?: string; password?: string; vhost?: string } = {}): Promise<RawClient> {
    const c = await RawClient.open(port);
    c.socket.write(PROTOCOL_HEADER);
    await c.expect(MethodId.CONNECTION_START);
    c.send(0, MethodId.CONNECTION_START_OK, {
      clientProperties: { capabilities: { authentication_failure_close: true, consumer_cancel_notify: true } },
      mechanism: 'PLAIN',
      response: Buffer.from(`\u0000${opts.user ?? 'guest'}\u0000${opts.password ?? 'guest'}`),
      locale: 'en_US',
    });
    const tune = await c.next();
    if (tune.method.id !== MethodId.CONNECTION_TUNE) {
      c.received.unshift(tune); // a refusal: leave it for the caller
      return c;
    }
    const frameMax = (tune.method as { frameMax: number }).frameMax;
    // RabbitMQ drops a client that answers channel_max 0 (unlimited) to its limit: echo the limit.
    const channelMax = (tune.method as { channelMax: number }).channelMax;
    c.send(0, MethodId.CONNECTION_TUNE_OK, { channelMax, frameMax, heartbeat: opts.heartbeat ?? 0 });
    c.send(0, MethodId.CONNECTION_OPEN, { virtualHost: opts.vhost ?? '/' });
    await c.next();
    return c;
  }

  send(channel: number, id: number, fields: Record<string, unknown> = {}): void {
    const w = new Writer();
    writeMethod(w, channel, { ...(defaultsOf(id) as object), ...fields } as unknown as Method);
    for (const chunk of w.take()) this.socket.write(chunk);
  }

  sendBytes(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  publish(channel: number, exchange: string, routingKey: string, body: Buffer, properties: BasicProperties = {}, mandatory = false): void {
    this.send(channel, MethodId.BASIC_PUBLISH, { exchange, routingKey, mandatory });
    const w = new Writer();
    w.begin(Frame.HEADER, channel);
    w.short(60);
    w.short(0);
    w.longlong(body.length);
    writeBasicProperties(w, properties);
    w.end();
    if (body.length > 0) w.frame(Frame.BODY, channel, body);
    for (const chunk of w.take()) this.socket.write(chunk);
  }

  async openChannel(channel: number): Promise<void> {
    this.send(channel, MethodId.CHANNEL_OPEN);
    await this.expect(MethodId.CHANNEL_OPEN_OK);
  }

  /** The next method (with its content, for content methods); throws if the socket closes first. */
  async next(timeoutMs = WAIT_DEADLINE_MS): Promise<Received> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length === 0) {
      if (this.closed) throw new Error('connection closed');
      if (Date.now() > deadline) throw new Error('timed out waiting for a frame');
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return this.received.shift()!;
  }

  async expect(id: number, timeoutMs = WAIT_DEADLINE_MS): Promise<Received> {
    const r = await this.next(timeoutMs);
    if (r.method.id !== id) throw new Error(`expected method 0x${id.toString(16)}, got ${JSON.stringify(r.method)}`);
    return r;
  }

  /** Resolves once the server has closed the socket. */
  async waitClosed(timeoutMs = WAIT_DEADLINE_MS): Promise<void> {
    await waitFor(() => this.closed, 'the server to close the socket', { timeoutMs });
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private onFrame(type: number, channel: number, buf: Buffer, start: number, end: number): void {
    if (type === Frame.METHOD) {
      const method = decodeMethod(this.reader.reset(buf, start, end))!;
      const r: Received = { channel, method };
      if (method.id === MethodId.BASIC_DELIVER || method.id === MethodId.BASIC_GET_OK || method.id === MethodId.BASIC_RETURN) {
        this.pendingContent = r;
      } else {
        this.received.push(r);
      }
    } else if (type === Frame.HEARTBEAT) {
      this.heartbeats++;
    } else if (type === Frame.HEADER && this.pendingContent) {
      this.reader.reset(buf, start, end);
      this.reader.short();
      this.reader.short();
      const size = this.reader.longlong();
      this.pendingContent.properties = decodeBasicProperties(this.reader);
      this.pendingContent.body = Buffer.alloc(0);
      if (size === 0) {
        this.received.push(this.pendingContent);
        this.pendingContent = null;
      }
    } else if (type === Frame.BODY && this.pendingContent) {
      this.pendingContent.body = Buffer.concat([this.pendingContent.body!, buf.subarray(start, end)]);
      this.received.push(this.pendingContent);
      this.pendingContent = null;
    }
  }
}
