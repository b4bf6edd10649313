// The UTF-8 check on shortstrs of methods without content (issue 10 point 15): what passes and
// what is refused with RabbitMQ's 501, straight on the reader.
import { describe, expect, it } from 'vitest';
import { AmqpError, Reader, ReplyCode } from '../../src/amqp/index.js';

function read(bytes: number[]): string {
  const buf = Buffer.from([0xaa, bytes.length, ...bytes, 0xbb]); // guard bytes around the field
  const r = new Reader().reset(buf, 1, buf.length - 1);
  const s = r.shortstrUtf8();
  expect(r.pos).toBe(buf.length - 1);
  return s;
}

function refusal(bytes: number[]): unknown {
  try {
    read(bytes);
    return 'accepted';
  } catch (err) {
    return err instanceof AmqpError ? `${err.replyCode} ${err.message} ${err.scope}` : err;
  }
}

describe('shortstrUtf8', () => {
  it('reads ASCII and well-formed UTF-8 as they are', () => {
    expect(read([])).toBe('');
    expect(read([...Buffer.from('orders.eu-west')])).toBe('orders.eu-west');
    expect(read([...Buffer.from('q-é✓😀')])).toBe('q-é✓😀');
    expect(read([0x00, 0x7f])).toBe('\u0000\u007f');
    expect(read([0xef, 0xbf, 0xbe, 0xf4, 0x8f, 0xbf, 0xbf])).toBe('\ufffe\u{10ffff}');
    expect(read([...Buffer.from('a\ufffdb')])).toBe('a\ufffdb'); // a real U+FFFD is valid UTF-8
  });

  it('refuses malformed UTF-8 with a connection-level 501, as RabbitMQ', () => {
    const expected = `${ReplyCode.FRAME_ERROR} FRAME_ERROR - Malformed UTF-8 in shortstr connection`;
    for (const bytes of [
      [0xff],
      [0x61, 0x80],
      [0xc0, 0xaf],
      [0xc1, 0xbf],
      [0xe2, 0x82],
      [0xe0, 0x80, 0xaf],
      [0xf0, 0x80, 0x80, 0xaf],
      [0xf8, 0x88, 0x80, 0x80, 0x80],
    ]) {
      expect(refusal(bytes), Buffer.from(bytes).toString('hex')).toBe(expected);
    }
  });

  it('also refuses what a JavaScript string cannot hold distinctly: surrogates and code points past U+10FFFF', () => {
    expect(refusal([0xed, 0xa0, 0x80])).toMatch(/Malformed UTF-8/);
    expect(refusal([0xf4, 0x90, 0x80, 0x80])).toMatch(/Malformed UTF-8/);
  });
});
