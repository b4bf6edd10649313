// Delivery writes a message's header and body frames straight from where the message keeps them
// (issue 13): a range of its content buffer (frameFrom) or of its latin1 string (frameText). Every
// size, also across the writer's arena boundaries, reads back as the same frames and bytes.
import { describe, expect, it } from 'vitest';
import { Frame, FrameParser, Writer } from '../../src/amqp/index.js';
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
