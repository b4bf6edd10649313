// Delivery writes a message's header and body frames straight from where the message keeps them
// (issue 13): a range of its content buffer (frameFrom) or of its latin1 string (frameText). Every
// size, also across the writer's arena boundaries, reads back as the same frames and bytes.
import { describe, expect, it } from 'vitest';
import { decodeTable, encodeTable, Frame, FrameParser, Reader, writeBasicAck, writeDeliverText, writeQueueDeclare, Writer } from '../../src/amqp/index.js';
import { prng } from './random.js';

interface Seen {
  type: number;
  channel: number;
  payload: Buffer;
}

function parseAll(chunks: Buffer[]): Seen[] {
  const seen: Seen[] = [];
  const parser = new FrameParser((type, channel, buf, start, end) => seen.push({ type, channel, payload: Buffer.from(buf.subarray(start, end)) }), 1 << 20);
  for (const c of chunks) parser.push(c);
  return seen;
}

describe('Writer frames from a content range or a latin1 string', () => {
  it('writes each payload exactly, whatever its size and wherever the arena ends', () => {
    const random = prng(1313);
    // a small arena, so frames keep landing on its boundary
    const w = new Writer(128);
    const expected: Seen[] = [];
    const content = Buffer.alloc(9000);
    for (let i = 0; i < content.length; i++) content[i] = Math.floor(random() * 256);
    const text = content.toString('latin1');
    for (let k = 0; k < 400; k++) {
      const size = [0, 1, 63, 64, 65, 100, 300, 4096, 4097, 6000][k % 10]!;
      const start = Math.floor(random() * (content.length - size));
      const channel = 1 + (k % 3);
      const type = k % 2 === 0 ? Frame.HEADER : Frame.BODY;
      if (k % 4 < 2) w.frameFrom(type, channel, content, start, start + size);
      else if (size <= 2048) w.frameText(type, channel, text, start, start + size);
      else continue;
      expected.push({ type, channel, payload: Buffer.from(content.subarray(start, start + size)) });
    }
    const seen = parseAll(w.take());
    expect(seen.length).toBe(expected.length);
    for (let i = 0; i < seen.length; i++) {
      expect(seen[i]!.type).toBe(expected[i]!.type);
      expect(seen[i]!.channel).toBe(expected[i]!.channel);
      expect(seen[i]!.payload.equals(expected[i]!.payload)).toBe(true);
    }
  });
});

describe('Writer arenas', () => {
  // Method frames (with tables), whole frames from content ranges and strings, deliveries, frames
  // around payloads passed by reference, heartbeats: as one stream, in any arena size.
  function writeMixed(w: Writer, seed: number): void {
    const random = prng(seed);
    const content = Buffer.alloc(6000);
    for (let i = 0; i < content.length; i++) content[i] = Math.floor(random() * 256);
    const text = content.subarray(0, 2000).toString('latin1');
    for (let k = 0; k < 600; k++) {
      const channel = 1 + (k % 5);
      switch (k % 7) {
        case 0:
          writeQueueDeclare(w, channel, 0, `q-${k}`, false, true, false, false, false, {
            'x-max-length': k,
            'x-note': 'n'.repeat(k % 300),
            nested: { a: [1, 'b', k] },
          });
          break;
        case 1:
          w.frameFrom(Frame.BODY, channel, content, k % 100, (k % 100) + (k % 3 === 0 ? 5000 : k % 200));
          break;
        case 2:
          w.frameText(Frame.HEADER, channel, text, k % 50, (k % 50) + (k % 400));
          break;
        case 3:
          expect(writeDeliverText(w, channel, `ctag-${k}`, k, k % 2 === 0, 'amq.direct', `key-${k}`, text.slice(0, 20 + (k % 300)), 20)).toBe(true);
          break;
        case 4:
          w.frame(Frame.BODY, channel, content.subarray(0, k % 2 === 0 ? 4500 : 700));
          break;
        case 5:
          w.heartbeat();
          break;
        default:
          writeBasicAck(w, channel, k, k % 2 === 0);
      }
    }
  }

  it('gives the same bytes whatever the arena size, and moves only a frame open at an arena end', () => {
    const reference = new Writer(1 << 24);
    writeMixed(reference, 77);
    const expected = Buffer.concat(reference.take());
    expect(reference.arenas).toBe(1);
    for (const arena of [64, 128, 500, 4096, 65536]) {
      const w = new Writer(arena);
      writeMixed(w, 77);
      const out = Buffer.concat(w.take());
      expect(out.equals(expected)).toBe(true);
      expect(parseAll([out]).length).toBeGreaterThan(600);
      // what was moved is at most one open frame per new arena (method frames here are under 700 bytes)
      expect(w.bytesMoved).toBeLessThanOrEqual((w.arenas - 1) * 700);
    }
  });

  it('hands out a flush of many deliveries without copying any of it again', () => {
    const w = new Writer();
    const text = Buffer.alloc(120, 7).toString('latin1');
    for (let i = 1; i <= 2000; i++) writeDeliverText(w, 1, 'amq.ctag-1', i, false, '', 'bench-queue', text, 20);
    const chunks = w.take();
    expect(w.arenas).toBeGreaterThan(4);
    expect(w.bytesMoved).toBe(0);
    expect(parseAll(chunks).length).toBe(6000);
  });

  it('keeps a content header payload whole when it outgrows its arena (a writer not used for frames)', () => {
    const w = new Writer(64, false);
    w.short(60);
    w.short(0);
    w.longlong(5);
    encodeTable(w, { big: 'x'.repeat(500), n: 1 });
    const out = w.copyOut();
    const r = new Reader().reset(out, 0, out.length);
    expect([r.short(), r.short(), r.longlong()]).toEqual([60, 0, 5]);
    expect(out.readUInt32BE(12)).toBe(out.length - 16);
    expect(decodeTable(out, 16, out.length)).toEqual({ big: 'x'.repeat(500), n: 1 });
  });
});
