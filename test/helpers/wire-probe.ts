// A bare AMQP 0-9-1 client for tables of cases run against warren and RabbitMQ alike: logs in as
// any well-behaved client does (channel_max and frame_max as the server tuned them; RabbitMQ refuses
// a channel_max of 0), then sends exact bytes and reports how the broker answered.
import { connect, type Socket } from 'node:net';
import { Frame, FrameParser, MethodId, PROTOCOL_HEADER, Reader, Writer, decodeMethod, defaultsOf, writeMethod, type Method } from '../../src/amqp/index.js';

export interface Target {
  name: string;
  host: string;
  port: number;
  user: string;
  password: string;
}

export function targetFromUrl(name: string, url: string): Target {
  const u = new URL(url);
  return {
    name,
    host: u.hostname,
    port: Number(u.port || 5672),
    user: decodeURIComponent(u.username || 'guest'),
    password: decodeURIComponent(u.password || 'guest'),
  };
}

interface Got {
  method?: Method;
  type: number;
  channel: number;
}

export class WireProbe {
  private readonly frames: Got[] = [];
  private closed = false;
  private waiters: (() => void)[] = [];
  private readonly reader = new Reader();
  private readonly parser = new FrameParser((type, channel, buf, start, end) => {
    let method: Method | undefined;
    if (type === Frame.METHOD) method = decodeMethod(this.reader.reset(buf, start, end)) ?? undefined;
    this.frames.push({ type, channel, ...(method ? { method } : {}) });
    this.wake();
  }, 1 << 24);

  private constructor(private readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      try {
        this.parser.push(d);
      } catch {
        this.closed = true;
      }
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  static async login(t: Target, vhost = '/'): Promise<WireProbe> {
    const socket = connect(t.port, t.host);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const p = new WireProbe(socket);
    socket.write(PROTOCOL_HEADER);
    await p.expect(MethodId.CONNECTION_START);
    p.send(0, MethodId.CONNECTION_START_OK, {
      clientProperties: {},
      mechanism: 'PLAIN',
      response: Buffer.from(`\u0000${t.user}\u0000${t.password}`),
      locale: 'en_US',
    });
    const tune = (await p.expect(MethodId.CONNECTION_TUNE)) as { channelMax: number; frameMax: number };
    p.send(0, MethodId.CONNECTION_TUNE_OK, { channelMax: tune.channelMax, frameMax: tune.frameMax, heartbeat: 0 });
    p.send(0, MethodId.CONNECTION_OPEN, { virtualHost: vhost });
    await p.expect(MethodId.CONNECTION_OPEN_OK);
    p.send(1, MethodId.CHANNEL_OPEN);
    await p.expect(MethodId.CHANNEL_OPEN_OK);
    return p;
  }

  send(channel: number, id: number, fields: Record<string, unknown> = {}): void {
    const w = new Writer();
    writeMethod(w, channel, { ...(defaultsOf(id) as object), ...fields } as unknown as Method);
    for (const chunk of w.take()) this.socket.write(chunk);
  }

  bytes(b: Buffer): void {
    this.socket.write(b);
  }

  /** The next method frame; throws when the socket closes or nothing comes within the deadline. */
  async nextMethod(timeoutMs = 30_000): Promise<Method> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.frames.findIndex((f) => f.method);
      if (i >= 0) return this.frames.splice(0, i + 1)[i]!.method!;
      if (this.closed) throw new Error('socket closed');
      if (Date.now() > deadline) throw new Error('no reply');
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  async expect(id: number): Promise<Method> {
    const m = await this.nextMethod();
    if (m.id !== id) throw new Error(`expected method ${id >>> 16}.${id & 0xffff}, got ${JSON.stringify(m)}`);
    return m;
  }

  /**
   * How the broker answered what was sent: 'accepted' (a basic.qos probe sent after it was answered),
   * 'connection CODE CLASS.METHOD', 'channel CODE CLASS.METHOD', or 'socket closed'.
   */
  async outcome(): Promise<{ outcome: string; text: string }> {
    this.send(1, MethodId.BASIC_QOS, { prefetchCount: 0 });
    for (;;) {
      let m: Method;
      try {
        m = await this.nextMethod();
      } catch (err) {
        return { outcome: (err as Error).message, text: '' };
      }
      if (m.id === MethodId.BASIC_QOS_OK) return { outcome: 'accepted', text: '' };
      if (m.id === MethodId.CONNECTION_CLOSE || m.id === MethodId.CHANNEL_CLOSE) {
        const c = m as unknown as { replyCode: number; replyText: string; classId: number; methodId: number };
        this.send(m.id === MethodId.CONNECTION_CLOSE ? 0 : 1, m.id === MethodId.CONNECTION_CLOSE ? MethodId.CONNECTION_CLOSE_OK : MethodId.CHANNEL_CLOSE_OK);
        const scope = m.id === MethodId.CONNECTION_CLOSE ? 'connection' : 'channel';
        return { outcome: `${scope} ${c.replyCode} ${c.classId}.${c.methodId}`, text: c.replyText };
      }
    }
  }

  close(): void {
    this.socket.destroy();
  }
}
