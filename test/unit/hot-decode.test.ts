// The per-message decode path (issue 13): ASCII shortstrs come from a small cache of recent
// byte runs, and basic.publish / basic.ack / basic.nack / basic.reject decode into one reused
// object per kind when the caller asks for it. Both must give exactly what a fresh decode gives.
import { describe, expect, it } from 'vitest';
import { AmqpError, MethodId, Reader, Writer, decodeMethod, writeBasicAck, writeBasicPublish, type BasicPublish } from '../../src/amqp/index.js';

function field(bytes: Buffer): Reader {
  const buf = Buffer.concat([Buffer.from([0xaa, bytes.length]), bytes, Buffer.from([0xbb])]);
  return new Reader().reset(buf, 1, buf.length - 1);
}

function payload(write: (w: Writer) => void): Buffer {
  const w = new Writer();
  write(w);
  const frame = Buffer.concat(w.take());
  return frame.subarray(7, frame.length - 1); // the method payload, without frame header and end octet
}

describe('shortstr cache', () => {
  it('returns the right string for byte runs that differ in one byte, length or position', () => {
    const seen = new Map<string, string>();
    // many similar names: they collide in the 64-slot cache again and again
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 500; i++) {
        for (const s of [`bench-${i}`, `bench-${i}x`, `q.${i}.a`, `q.${i}.b`, 'x'.repeat(i % 256)]) {
          expect(field(Buffer.from(s)).shortstr()).toBe(s);
          expect(field(Buffer.from(s)).shortstrUtf8()).toBe(s);
          seen.set(s, s);
        }
      }
    }
    expect(seen.size).toBeGreaterThan(1000);
  });

  it('never serves a cached ASCII string for non-ASCII bytes, and still refuses malformed UTF-8', () => {
    expect(field(Buffer.from('abc')).shortstrUtf8()).toBe('abc');
    // same length, first and last byte as "abc": a malformed middle byte must not hit the cache
    const bad = Buffer.from([0x61, 0xff, 0x63]);
    expect(() => field(bad).shortstrUtf8()).toThrow(AmqpError);
    expect(field(bad).shortstr()).toBe('a\ufffdc'); // content methods skip the check, as before
    expect(() => field(bad).shortstrUtf8()).toThrow(/Malformed UTF-8 in shortstr/);
    expect(field(Buffer.from('aéc')).shortstrUtf8()).toBe('aéc');
    expect(field(Buffer.from('abc')).shortstr()).toBe('abc');
  });

  it('reads from the right offset inside a larger buffer', () => {
    const buf = Buffer.from([3, 0x61, 0x62, 0x63, 3, 0x61, 0x62, 0x64, 0]);
    const r = new Reader().reset(buf, 0, buf.length);
    expect([r.shortstr(), r.shortstr(), r.shortstr()]).toEqual(['abc', 'abd', '']);
    expect(r.pos).toBe(buf.length);
  });
});

describe('reused method objects', () => {
  const pub1 = payload((w) => writeBasicPublish(w, 1, 0, 'x1', 'key-1', true, false));
  const pub2 = payload((w) => writeBasicPublish(w, 1, 0, 'x2', 'key-2', false, false));

  it('decode basic.publish into one object with reuse, fresh objects without', () => {
    const r = new Reader();
    const a = decodeMethod(r.reset(pub1, 0, pub1.length), true) as BasicPublish;
    expect(a).toEqual({ id: MethodId.BASIC_PUBLISH, ticket: 0, exchange: 'x1', routingKey: 'key-1', mandatory: true, immediate: false });
    const b = decodeMethod(r.reset(pub2, 0, pub2.length), true) as BasicPublish;
    expect(b).toBe(a);
    expect(b).toEqual({ id: MethodId.BASIC_PUBLISH, ticket: 0, exchange: 'x2', routingKey: 'key-2', mandatory: false, immediate: false });
    const c = decodeMethod(r.reset(pub1, 0, pub1.length));
    const d = decodeMethod(r.reset(pub2, 0, pub2.length));
    expect(c).not.toBe(d);
    expect(c).toEqual({ id: MethodId.BASIC_PUBLISH, ticket: 0, exchange: 'x1', routingKey: 'key-1', mandatory: true, immediate: false });
  });

  it('decode basic.ack with reuse exactly as without', () => {
    const ack = payload((w) => writeBasicAck(w, 1, 2 ** 40 + 7, true));
    const r = new Reader();
    const fresh = decodeMethod(r.reset(ack, 0, ack.length));
    const reused = decodeMethod(r.reset(ack, 0, ack.length), true);
    expect(reused).toEqual(fresh);
    expect(decodeMethod(r.reset(ack, 0, ack.length), true)).toBe(reused);
  });
});
