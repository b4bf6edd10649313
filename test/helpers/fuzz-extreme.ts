// Well-formed AMQP traffic with extreme values, for the fuzz test (issue 10): timestamps over the
// whole 64-bit range, decimals of any scale, tables and arrays nested up to the limit, long strings
// and keys, TTLs and expiries up to RabbitMQ's ceiling, priorities, '#'-heavy topic bindings, and
// messages expiring and overflowing into dead-letter queues. Each stream pipelines batches of frames
// on one connection and synchronises after each batch with basic.recover (never used otherwise);
// a channel the broker closes (a value it refuses) is answered and reopened, as a client would.
import {
  Decimal,
  Frame,
  MAX_FIELD_NESTING,
  MethodId,
  Timestamp,
  Writer,
  defaultsOf,
  writeBasicProperties,
  writeMethod,
  type BasicProperties,
  type FieldTable,
  type FieldValue,
  type Method,
} from '../../src/amqp/index.js';
import { RawClient } from './raw-client.js';

/** RabbitMQ's ceiling for TTLs and expiries (ms). */
const MAX_EXPIRY = 315_360_000_000;

export interface Rng {
  next(): number;
}

export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return {
    next(): number {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

class Gen {
  constructor(private readonly rng: Rng) {}
  next(): number {
    return this.rng.next();
  }
  chance(p: number): boolean {
    return this.rng.next() < p;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.rng.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rng.next() * xs.length)]!;
  }
  u64(): bigint {
    return (BigInt(this.int(0, 0xffffffff)) << 32n) | BigInt(this.int(0, 0xffffffff));
  }
  timestamp(): Timestamp {
    const extremes = [0n, 1n, 8_640_000_000_000n, 8_640_000_000_001n, (1n << 63n) - 1n, 1n << 63n, (1n << 64n) - 1n];
    return new Timestamp(this.chance(0.5) ? this.pick(extremes) : this.u64());
  }
  string(max: number): string {
    const alphabet = ['a', 'Z', '0', '.', '#', '*', ' ', 'é', '中', '\u0000', '\uffff', '😀'];
    const n = this.chance(0.9) ? this.int(0, 24) : this.int(0, max);
    let s = '';
    for (let i = 0; i < n; i++) s += this.pick(alphabet);
    return s;
  }
  /** a table key: ASCII, so it stays within a shortstr's 255 bytes */
  key(): string {
    const n = this.chance(0.05) ? 255 : this.int(0, 12);
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(this.int(0x21, 0x7e));
    return s;
  }
  scalar(): FieldValue {
    switch (this.int(0, 11)) {
      case 0:
        return null;
      case 1:
        return this.chance(0.5);
      case 2:
        return this.pick([0, -1, 127, -128, 32767, -32768, 2 ** 31 - 1, -(2 ** 31), 2 ** 32 - 1]);
      case 3:
        return this.pick([2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n + 1n, -(2n ** 53n) - 1n]);
      case 4:
        return this.pick([NaN, Infinity, -Infinity, -0, 1e308, 5e-324, 0.1]);
      case 5:
        return this.timestamp();
      case 6:
        return new Decimal(this.int(0, 255), this.pick([0, -1, 2 ** 31 - 1, -(2 ** 31), this.int(-1000, 1000)]));
      case 7:
        return this.string(20_000);
      case 8:
        return Buffer.alloc(this.chance(0.9) ? this.int(0, 32) : this.int(0, 20_000), this.int(0, 255));
      case 9:
        return this.pick([MAX_EXPIRY, 3_000_000_000, 2 ** 31, 2 ** 31 - 1]);
      default:
        return this.int(-1e9, 1e9);
    }
  }
  /** a value nested `depth` levels deep (tables and arrays), at most MAX_FIELD_NESTING */
  nested(depth: number): FieldValue {
    let v: FieldValue = this.scalar();
    for (let i = 0; i < depth; i++) v = this.chance(0.5) ? [v] : { [this.key()]: v };
    return v;
  }
  value(depth = 0): FieldValue {
    if (depth < 3 && this.chance(0.15)) return Array.from({ length: this.int(0, 4) }, () => this.value(depth + 1));
    if (depth < 3 && this.chance(0.15)) return this.table(depth + 1);
    // `depth` containers enclose this value already: nest up to exactly the limit, never past it
    const room = MAX_FIELD_NESTING - depth;
    if (this.chance(0.03)) return this.nested(this.pick([room, room - 1, this.int(3, room)]));
    return this.scalar();
  }
  table(depth = 0): FieldTable {
    const t: FieldTable = {};
    for (let i = this.int(0, 5); i > 0; i--) t[this.key()] = this.value(depth);
    return t;
  }
  expiry(): string {
    return String(this.pick([0, 1, this.int(0, 50), 3_000_000_000, MAX_EXPIRY, 2 ** 31, 2 ** 31 - 1]));
  }
  properties(): BasicProperties {
    const p: BasicProperties = {
      contentType: this.string(200).slice(0, 80),
      headers: this.table(),
      deliveryMode: this.pick([1, 2]),
      priority: this.int(0, 255),
      correlationId: this.string(80),
      timestamp: this.timestamp(),
      messageId: this.string(80),
      type: this.string(40),
      appId: this.string(40),
    };
    if (this.chance(0.5)) p.expiration = this.expiry();
    for (const k of Object.keys(p) as (keyof BasicProperties)[]) if (this.chance(0.2)) delete p[k];
    return p;
  }
  topicKey(): string {
    return Array.from({ length: this.int(0, 40) }, () => this.pick(['a', 'b', 'w', ''])).join('.');
  }
  bindingKey(): string {
    return Array.from({ length: this.int(1, 30) }, () => this.pick(['#', '#', '*', 'a', 'b'])).join('.');
  }
}

/** Content-header payload, or null when the properties do not fit one frame. */
function headerPayload(bodySize: number, p: BasicProperties, frameMax: number): Buffer | null {
  const w = new Writer();
  w.short(60);
  w.short(0);
  w.longlong(bodySize);
  writeBasicProperties(w, p);
  const bytes = Buffer.concat(w.take());
  return bytes.length <= frameMax - 8 ? bytes : null;
}

export interface StreamResult {
  frames: number;
  batches: number;
  channelErrors: string[];
}

/**
 * One connection of extreme traffic: `frames` frames or more, in batches, on channel 1.
 * Durable queues fz-<n>-ttl (short TTL, dead-lettering into fz-<n>-dlx) and fz-<n>-long
 * (x-expires and x-message-ttl of 3,000,000,000) stay behind for the restart check.
 */
export async function extremeStream(port: number, n: number, seed: number, frames: number, log?: (line: string) => void): Promise<StreamResult> {
  const g = new Gen(mulberry32(seed));
  const c = await RawClient.login(port);
  const frameMax = 131072;
  const out: StreamResult = { frames: 0, batches: 0, channelErrors: [] };
  const send = (w: Writer): void => {
    for (const chunk of w.take()) c.sendBytes(chunk);
  };
  const method = (w: Writer, id: number, fields: Record<string, unknown>): void => {
    writeMethod(w, 1, { ...(defaultsOf(id) as object), ...fields } as unknown as Method);
    out.frames++;
  };
  const publish = (w: Writer, exchange: string, routingKey: string): void => {
    let props = g.properties();
    const body = Buffer.alloc(g.chance(0.95) ? g.int(0, 256) : g.int(0, 3 * frameMax), g.int(0, 255));
    let header = headerPayload(body.length, props, frameMax);
    while (!header) {
      props = g.properties();
      header = headerPayload(body.length, props, frameMax);
    }
    method(w, MethodId.BASIC_PUBLISH, { exchange, routingKey, mandatory: g.chance(0.2) });
    w.frame(Frame.HEADER, 1, header);
    out.frames++;
    for (let at = 0; at < body.length; at += frameMax - 8) {
      w.frame(Frame.BODY, 1, body.subarray(at, Math.min(body.length, at + frameMax - 8)));
      out.frames++;
    }
  };
  /** Waits for the batch's basic.recover-ok; a closed channel is answered and reopened. */
  const sync = async (): Promise<void> => {
    for (;;) {
      const r = await c.next(120_000);
      if (r.method.id === MethodId.BASIC_RECOVER_OK) return;
      if (r.method.id === MethodId.CONNECTION_CLOSE) throw new Error(`stream ${n}: connection closed: ${JSON.stringify(r.method)}`);
      if (r.method.id === MethodId.CHANNEL_CLOSE) {
        out.channelErrors.push((r.method as { replyText: string }).replyText);
        c.send(1, MethodId.CHANNEL_CLOSE_OK);
        await c.openChannel(1);
        return;
      }
    }
  };

  await c.openChannel(1);
  const dlx = `fz-${n}-dlx`;
  const ttl = `fz-${n}-ttl`;
  const long = `fz-${n}-long`;
  const setup = new Writer();
  method(setup, MethodId.QUEUE_DECLARE, { queue: dlx, durable: true, arguments: { 'x-max-length': 200 } });
  method(setup, MethodId.QUEUE_DECLARE, {
    queue: ttl,
    durable: true,
    arguments: { 'x-message-ttl': 20, 'x-max-length': 50, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': dlx },
  });
  method(setup, MethodId.QUEUE_DECLARE, {
    queue: long,
    durable: true,
    arguments: { 'x-expires': 3_000_000_000, 'x-message-ttl': 3_000_000_000, 'x-max-length': 100 },
  });
  method(setup, MethodId.BASIC_RECOVER, { requeue: true });
  send(setup);
  await sync();

  const queueArgs = new Map<number, FieldTable>();
  // a bounded pool of binding keys ('#'-heavy, up to 30 words), so the trie stays a fixed size
  const bindingKeys = [Array.from({ length: 30 }, () => '#').join('.'), ...Array.from({ length: 63 }, () => g.bindingKey())];
  while (out.frames < frames) {
    const w = new Writer();
    const target = out.frames + 200;
    while (out.frames < target) {
      const roll = g.next();
      if (roll < 0.55) publish(w, '', g.pick([ttl, ttl, long, dlx, `fz-${n}-nowhere`]));
      else if (roll < 0.7) publish(w, 'amq.topic', g.topicKey());
      else if (roll < 0.78) {
        // 50 names, each always declared with the same (random) arguments, so redeclaring is
        // equivalent and the fan-out of '#' bindings stays bounded
        const k = g.int(0, 49);
        const queue = `fz-${n}-q${k}`;
        let args = queueArgs.get(k);
        if (!args) {
          args = { 'x-max-length': g.int(0, 100), ...g.table() };
          if (g.chance(0.5)) args['x-expires'] = g.pick([1, 3_000_000_000, MAX_EXPIRY]);
          if (g.chance(0.5)) args['x-message-ttl'] = g.pick([0, 5, 3_000_000_000, MAX_EXPIRY]);
          if (g.chance(0.3)) args['x-max-priority'] = g.pick([1, 10, g.int(0, 255), 255]);
          if (g.chance(0.3)) args['x-dead-letter-exchange'] = '';
          queueArgs.set(k, args);
        }
        method(w, MethodId.QUEUE_DECLARE, { queue, exclusive: true, arguments: args });
        if (g.chance(0.5)) method(w, MethodId.QUEUE_BIND, { queue, exchange: 'amq.topic', routingKey: g.pick(bindingKeys), arguments: {} });
      } else if (roll < 0.85) method(w, MethodId.BASIC_GET, { queue: g.pick([ttl, dlx, long]), noAck: true });
      else if (roll < 0.9) method(w, MethodId.BASIC_QOS, { prefetchCount: g.int(0, 65535), global: g.chance(0.5) });
      else if (roll < 0.95) method(w, MethodId.EXCHANGE_DECLARE, { exchange: `fz-${n}-x${g.int(0, 9)}`, type: 'topic', arguments: { note: g.value() } });
      else method(w, MethodId.QUEUE_DECLARE, { queue: long, passive: true });
    }
    method(w, MethodId.BASIC_RECOVER, { requeue: true });
    const t = Date.now();
    send(w);
    await sync();
    out.batches++;
    log?.(`stream ${n} batch ${out.batches}: ${out.frames} frames, sync ${Date.now() - t} ms`);
    c.received.length = 0;
  }
  c.send(0, MethodId.CONNECTION_CLOSE, { replyCode: 200, replyText: 'done' });
  await c.waitClosed(60_000).catch(() => c.close());
  return out;
}
