// writeDeliverText writes basic.deliver and a small message's two content frames in one go
// (issue 13). Its bytes must be exactly those of the generated writeBasicDeliver followed by the
// header and body frames, for every body size, every name, and wherever the writer's arena ends;
// names it cannot take (long, or not ASCII) leave the writer untouched.
import { describe, expect, it } from 'vitest';
import { Frame, Writer, writeBasicDeliver, writeDeliverText } from '../../src/amqp/index.js';
import { prng } from './random.js';

function generic(w: Writer, ch: number, tag: string, dtag: number, redelivered: boolean, ex: string, rk: string, text: string, headerSize: number): void {
  writeBasicDeliver(w, ch, tag, dtag, redelivered, ex, rk);
  w.frameText(Frame.HEADER, ch, text, 0, headerSize);
  if (text.length > headerSize) w.frameText(Frame.BODY, ch, text, headerSize, text.length);
}

const bytes = (w: Writer): Buffer => Buffer.concat(w.take());

describe('writeDeliverText', () => {
  it('gives the same bytes as writeBasicDeliver and two content frames, for bodies of 0 to 2,000 bytes', () => {
    const random = prng(77);
    // small arenas, so the three frames keep landing on an arena's end
    const fast = new Writer(200);
    const slow = new Writer(200);
    for (let k = 0; k < 600; k++) {
      // headers of 14 to 133 bytes: written by byte stores up to 64, by the string writer above
      const headerSize = 14 + Math.floor(random() * 120);
      const bodySize = k < 100 ? k : Math.floor(random() * 2000);
      let text = '';
      for (let i = 0; i < headerSize + bodySize; i++) text += String.fromCharCode(Math.floor(random() * 256));
      const ch = 1 + Math.floor(random() * 65535);
      const tag = `amq.ctag-${k}`;
      const dtag = k % 3 === 0 ? 2 ** 40 + k : k + 1;
      const ex = k % 2 ? '' : 'amq.direct';
      const rk = `queue-${'x'.repeat(k % 50)}`;
      expect(writeDeliverText(fast, ch, tag, dtag, k % 5 === 0, ex, rk, text, headerSize)).toBe(true);
      generic(slow, ch, tag, dtag, k % 5 === 0, ex, rk, text, headerSize);
      expect(bytes(fast).equals(bytes(slow))).toBe(true);
    }
  });

  it('writes nothing and returns false for a name it cannot take, so the general path writes it', () => {
    const w = new Writer(256);
    const text = 'h'.repeat(20) + 'body';
    for (const [tag, ex, rk] of [
      ['ctag', 'amq.direct', 'clé'],
      ['ćtag', '', 'q'],
      ['ctag', 'é', 'q'],
      ['c'.repeat(200), '', 'q'],
      ['ctag', '', 'r'.repeat(65)],
    ] as const) {
      expect(writeDeliverText(w, 1, tag, 1, false, ex, rk, text, 20)).toBe(false);
      expect(w.isEmpty).toBe(true);
    }
  });
});
