// Where a message keeps its bytes (issue 13): a small content as one latin1 string of its own
// (no ArrayBuffer per message, and nothing it was given stays referenced, so a view into a socket
// chunk or a shared pool pins nothing); a large one in the buffers given. Every byte value reads
// back unchanged either way.
import { describe, expect, it } from 'vitest';
import { Message, TEXT_MAX } from '../../src/broker/message.js';

function bytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

describe('Message content', () => {
  it('keeps a small content as text of its own, not the (large) buffer its views came from', () => {
    const chunk = Buffer.alloc(64 * 1024);
    bytes(300, 7).copy(chunk, 1000);
    const header = chunk.subarray(1000, 1040);
    const body = chunk.subarray(1040, 1300);
    const m = new Message('', 'q', {}, header, body);
    expect(m.text).not.toBeNull();
    expect(m.headerBytes.buffer).not.toBe(chunk.buffer);
    expect(m.bodyBytes.buffer).not.toBe(chunk.buffer);
    expect(m.headerSize).toBe(40);
    expect(m.size).toBe(260);
    expect(m.header.equals(header)).toBe(true);
    expect(m.body.equals(body)).toBe(true);
  });

  it('reads every byte value back, small (text) and large (buffers)', () => {
    for (const size of [0, 1, 255, 256, TEXT_MAX - 20, TEXT_MAX - 19, 5000]) {
      const header = bytes(20, 3);
      const body = bytes(size, size);
      const m = new Message('x', 'k', {}, header, body);
      expect(m.text === null).toBe(20 + size > TEXT_MAX);
      expect(m.header.equals(header)).toBe(true);
      expect(m.body.equals(body)).toBe(true);
      expect(m.size).toBe(size);
    }
  });

  it('gives back the arrival time it was made with (kept relative to the process start), recent or long ago', () => {
    for (const t of [Date.now(), Date.now() - 1, 0, 1_000_000_000_000, Date.now() + 40 * 24 * 3600 * 1000]) {
      expect(new Message('', 'q', {}, Buffer.alloc(14), Buffer.alloc(1), t).arrival).toBe(t);
    }
  });
});
