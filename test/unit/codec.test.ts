import { describe, expect, it } from 'vitest';
import {
  Frame,
  FrameParser,
  MethodId,
  Reader,
  Writer,
  decodeBasicProperties,
  decodeMethod,
  decodeTable,
  defaultsOf,
  writeBasicProperties,
  writeMethod,
  type BasicProperties,
  type Method,
} from '../../src/amqp/index.js';
import { Rand, prng } from './random.js';

function concat(chunks: Buffer[]): Buffer {
  return Buffer.concat(chunks);
}

/** Fields wider than a short (octets are narrower). */
const NUMBER_RANGE: Record<string, number> = {
  deliveryTag: 2 ** 52,
  messageCount: 2 ** 32,
  consumerCount: 2 ** 32,
  frameMax: 2 ** 32,
  prefetchSize: 2 ** 32,
  versionMajor: 256,
  versionMinor: 256,
};

/** Fills every field of a method with a random value of its type. */
function randomMethod(id: number, r: Rand): Method {
  const m = defaultsOf(id) as unknown as Record<string, unknown>;
  for (const key of Object.keys(m)) {
    if (key === 'id') continue;
    const v = m[key];
    if (typeof v === 'boolean') m[key] = r.next() < 0.5;
    else if (typeof v === 'string') m[key] = r.string(40);
    else if (Buffer.isBuffer(v)) m[key] = r.bytes(40);
    else if (typeof v === 'number') m[key] = r.int(NUMBER_RANGE[key] ?? 2 ** 16);
    else m[key] = r.table();
  }
  return m as unknown as Method;
}

interface ParsedFrame {
  type: number;
  channel: number;
  payload: Buffer;
}

function parseAll(bytes: Buffer, splits: number[] = []): ParsedFrame[] {
  const frames: ParsedFrame[] = [];
  const parser = new FrameParser((type, channel, buf, start, end) => {
    frames.push({ type, channel, payload: Buffer.from(buf.subarray(start, end)) });
  }, 1 << 20);
  let at = 0;
  for (const s of [...splits, bytes.length]) {
    parser.push(bytes.subarray(at, s));
    at = s;
  }
  return frames;
}

describe('method codec', () => {
  const ids = Object.values(MethodId);

  it('covers every method of connection, channel, exchange, queue, basic, confirm and tx', () => {
    const classes = new Set(ids.map((id) => id >>> 16));
    expect([...classes].sort((a, b) => a - b)).toEqual([10, 20, 30, 40, 50, 60, 85, 90]);
    expect(ids.length).toBeGreaterThanOrEqual(60);
  });

  it('round-trips random values for every method', () => {
    const seed = 20261122;
    const r = new Rand(prng(seed));
    for (let round = 0; round < 30; round++) {
      for (const id of ids) {
        const m = randomMethod(id, r);
        const w = new Writer();
        writeMethod(w, 7, m);
        const [frame] = parseAll(concat(w.take()));
        expect(frame!.type).toBe(Frame.METHOD);
        expect(frame!.channel).toBe(7);
        const decoded = decodeMethod(new Reader().reset(frame!.payload, 0, frame!.payload.length));
        expect(decoded, `method 0x${id.toString(16)} seed ${seed}`).toEqual(m);
      }
    }
  });

  it('round-trips all 14 basic properties, including nested tables, arrays, decimals and timestamps', () => {
    const r = new Rand(prng(7));
    for (let i = 0; i < 200; i++) {
      const p: BasicProperties = {
        contentType: r.string(10),
        contentEncoding: r.string(10),
        headers: r.table(),
        deliveryMode: 1 + r.int(2),
        priority: r.int(10),
        correlationId: r.string(30),
        replyTo: r.string(30),
        expiration: String(r.int(100000)),
        messageId: r.string(30),
        timestamp: r.timestamp(),
        type: r.string(10),
        userId: r.string(10),
        appId: r.string(10),
        clusterId: r.string(10),
      };
      // drop a random subset so the flag bits vary
      for (const k of Object.keys(p) as (keyof BasicProperties)[]) if (r.next() < 0.3) delete p[k];
      const w = new Writer();
      writeBasicProperties(w, p);
      const bytes = concat(w.take());
      expect(decodeBasicProperties(new Reader().reset(bytes, 0, bytes.length))).toEqual(p);
    }
  });

  it('encodes a table correctly when the writer reallocates after passing a large body by reference', () => {
    // A large body is handed on by reference (the writer seals its buffer); a table written next
    // that outgrows the buffer makes ensure() move the bytes: the table lengths must move too.
    const r = new Rand(prng(11));
    for (let i = 0; i < 50; i++) {
      const w = new Writer();
      w.frame(Frame.BODY, 1, Buffer.alloc(10_000 + r.int(60_000), 1));
      const headers = { big: 'x'.repeat(30_000 + r.int(100_000)), nested: [r.table(), [r.table()]], more: r.table() };
      w.begin(Frame.HEADER, 1);
      w.short(60);
      w.short(0);
      w.longlong(0);
      writeBasicProperties(w, { headers });
      w.end();
      const frames = parseAll(concat(w.take()));
      const header = frames[1]!.payload;
      expect(decodeBasicProperties(new Reader().reset(header, 12, header.length)).headers).toEqual(headers);
    }
  });

  it('re-encodes a table whose keys were not UTF-8 into a well-formed table (keys stay shortstrs)', () => {
    // 255 bytes of 0xff decode to 255 U+FFFD (765 bytes): the length octet must not wrap
    const key = Buffer.alloc(255, 0xff);
    const entry = Buffer.concat([Buffer.from([key.length]), key, Buffer.from('t'), Buffer.from([1]), Buffer.from([1, 0x61, 0x74, 0])]);
    const decoded = decodeTable(entry, 0, entry.length);
    const w = new Writer();
    w.table(decoded);
    const bytes = concat(w.take());
    const again = decodeTable(bytes, 4, bytes.length);
    expect(again['a']).toBe(false);
    expect(Object.keys(again)).toHaveLength(2);
    for (const k of Object.keys(again)) expect(Buffer.byteLength(k)).toBeLessThanOrEqual(255);
  });

  it('rejects truncated method payloads with a syntax error instead of throwing RangeError', () => {
    const w = new Writer();
    writeMethod(w, 1, { ...(defaultsOf(MethodId.QUEUE_DECLARE) as Method), queue: 'abc' } as Method);
    const payload = parseAll(concat(w.take()))[0]!.payload;
    for (let cut = 4; cut < payload.length; cut++) {
      expect(() => decodeMethod(new Reader().reset(payload, 0, cut))).toThrow(/SYNTAX_ERROR/);
    }
  });
});

describe('frame parser', () => {
  function sampleStream(): Buffer {
    const w = new Writer();
    const r = new Rand(prng(99));
    for (const id of Object.values(MethodId).slice(0, 25)) writeMethod(w, r.int(100), randomMethod(id, r));
    w.frame(Frame.HEADER, 3, Buffer.from('header-bytes'));
    w.frame(Frame.BODY, 3, Buffer.alloc(300, 1));
    w.heartbeat();
    return concat(w.take());
  }

  const show = (frames: ParsedFrame[]): string => frames.map((f) => `${f.type}/${f.channel}/${f.payload.toString('hex')}`).join('\n');

  it('parses the same frames however the stream is split into chunks', () => {
    const bytes = sampleStream();
    const whole = show(parseAll(bytes));
    expect(parseAll(bytes).length).toBe(28);
    for (let at = 1; at < bytes.length; at++) {
      if (show(parseAll(bytes, [at])) !== whole) expect.fail(`split at byte ${at} parsed differently`);
    }
    const r = new Rand(prng(5));
    for (let i = 0; i < 200; i++) {
      const splits = Array.from({ length: 1 + r.int(20) }, () => r.int(bytes.length)).sort((a, b) => a - b);
      expect(show(parseAll(bytes, splits))).toBe(whole);
    }
    // one byte at a time
    expect(
      show(
        parseAll(
          bytes,
          Array.from({ length: bytes.length - 1 }, (_, i) => i + 1),
        ),
      ),
    ).toBe(whole);
  });

  it('refuses a frame larger than frame_max and a bad frame-end octet', () => {
    const big = Buffer.alloc(20);
    big.writeUInt8(Frame.BODY, 0);
    big.writeUInt32BE(0x7fffffff, 3);
    const parser = new FrameParser(() => {}, 4088);
    expect(() => parser.push(big)).toThrow(/FRAME_ERROR/);
    const w = new Writer();
    w.heartbeat();
    const hb = concat(w.take());
    hb[hb.length - 1] = 0;
    expect(() => new FrameParser(() => {}, 4088).push(hb)).toThrow(/FRAME_ERROR/);
  });
});
