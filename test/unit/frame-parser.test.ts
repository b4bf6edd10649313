// The frame parser reads frames in place: only frames split across chunks are copied, and
// after a framing error the rest of the input is discarded unparsed.
import { describe, expect, it } from 'vitest';
import { FRAME_OVERHEAD, Frame, FrameParser, Writer } from '../../src/amqp/index.js';
import { Rand, prng } from './random.js';

interface Stream {
  bytes: Buffer;
  /** [start, end) of each frame in bytes */
  frames: [number, number][];
}

/** Frames of mixed sizes (heartbeats, small methods-sized, 1 KB, near frame_max, 3 x 64 KiB). */
function mixedStream(r: Rand, count: number): Stream {
  const w = new Writer();
  const frames: [number, number][] = [];
  let at = 0;
  const sizes = [0, 5, 40, 300, 1024, 4000, 4096, 20_000, 65_536, 131_064];
  for (let i = 0; i < count; i++) {
    const size = sizes[r.int(sizes.length)]!;
    if (size === 0) w.heartbeat();
    else {
      const payload = Buffer.alloc(size);
      for (let j = 0; j < size; j += 97) payload[j] = r.int(256);
      w.frame(r.next() < 0.5 ? Frame.BODY : Frame.HEADER, r.int(65536), payload);
    }
    frames.push([at, at + size + FRAME_OVERHEAD]);
    at += size + FRAME_OVERHEAD;
  }
  return { bytes: Buffer.concat(w.take()), frames };
}

function parse(bytes: Buffer, splits: number[]): { shown: string[]; parser: FrameParser } {
  const shown: string[] = [];
  const parser = new FrameParser((type, channel, buf, start, end) => {
    shown.push(`${type}/${channel}/${end - start}/${buf.subarray(start, end).toString('base64')}`);
  }, 131_064);
  let at = 0;
  for (const s of [...splits, bytes.length]) {
    parser.push(bytes.subarray(at, s));
    at = s;
  }
  return { shown, parser };
}

/** Chunk boundaries of random sizes, 1 byte to 128 KiB, as socket reads give. */
function randomSplits(r: Rand, length: number): number[] {
  const splits: number[] = [];
  for (let at = 0; ;) {
    const kind = r.int(4);
    at += 1 + (kind === 0 ? r.int(16) : kind === 1 ? r.int(2000) : kind === 2 ? r.int(65_536) : r.int(131_072));
    if (at >= length) return splits;
    splits.push(at);
  }
}

describe('frame parser: in place', () => {
  it('parses a stream of mixed frame sizes in random chunk sizes exactly as in one chunk', () => {
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const r = new Rand(prng(seed));
      const { bytes, frames } = mixedStream(r, 300);
      const whole = parse(bytes, []);
      expect(whole.shown.length).toBe(frames.length);
      expect(whole.parser.bytesCopied).toBe(0);
      const split = parse(bytes, randomSplits(r, bytes.length));
      if (split.shown.join('\n') !== whole.shown.join('\n')) expect.fail(`seed ${seed}: split parse differs from the one-chunk parse`);
    }
  });

  it('copies only the frames split across chunks, never whole chunks', () => {
    for (const seed of [11, 12, 13, 14]) {
      const r = new Rand(prng(seed));
      const { bytes, frames } = mixedStream(r, 400);
      const splits = randomSplits(r, bytes.length);
      // Exactly the bytes of every frame a chunk boundary falls inside of, each frame once.
      let expected = 0;
      let s = 0;
      for (const [start, end] of frames) {
        while (s < splits.length && splits[s]! <= start) s++;
        if (s < splits.length && splits[s]! < end) expected += end - start;
      }
      const { parser } = parse(bytes, splits);
      expect(parser.bytesCopied).toBe(expected);
      expect(parser.bytesCopied).toBeLessThan(bytes.length);
    }
    // 1 KB frames in 64 KiB reads (the case): at most one frame per read is copied.
    const w = new Writer();
    for (let i = 0; i < 1000; i++) w.frame(Frame.BODY, 1, Buffer.alloc(1016, i));
    const bytes = Buffer.concat(w.take());
    const splits = Array.from({ length: Math.floor(bytes.length / 65_536) }, (_, i) => (i + 1) * 65_536);
    const { shown, parser } = parse(bytes, splits);
    expect(shown.length).toBe(1000);
    expect(parser.bytesCopied).toBeLessThanOrEqual(splits.length * 1024);
  });

  it('after a framing error, discards everything pushed later without parsing or copying it', () => {
    const frames: number[] = [];
    const parser = new FrameParser((type) => frames.push(type), 4088);
    // A header split after 3 bytes whose size turns out to be over frame_max.
    parser.push(Buffer.from([Frame.METHOD, 0, 0]));
    expect(() => parser.push(Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]))).toThrow(/FRAME_ERROR/);
    expect(parser.failed).toBe(true);
    const copied = parser.bytesCopied;
    const w = new Writer();
    w.heartbeat();
    const heartbeat = Buffer.concat(w.take());
    for (let i = 0; i < 1000; i++) {
      parser.push(Buffer.alloc(4096, 0xce));
      parser.push(heartbeat);
    }
    expect(parser.bytesCopied).toBe(copied);
    expect(frames).toEqual([]);
  });
});

describe('frame parser: stop and resume', () => {
  it('stopped inside a frame handler, keeps every later frame (and chunk) until resume, then parses them in order', () => {
    for (const seed of [21, 22, 23, 24]) {
      const r = new Rand(prng(seed));
      const { bytes } = mixedStream(r, 300);
      const whole = parse(bytes, []).shown;
      const splits = randomSplits(r, bytes.length);
      const shown: string[] = [];
      let stopped = false;
      const parser = new FrameParser((type, channel, buf, start, end) => {
        expect(stopped, 'a frame handled while stopped').toBe(false);
        shown.push(`${type}/${channel}/${end - start}/${buf.subarray(start, end).toString('base64')}`);
        // about one frame in ten stops the parser, as a basic.get waiting for the disk does
        if (r.next() < 0.1) {
          parser.stop();
          stopped = true;
        }
      }, 131_064);
      let at = 0;
      for (const s of [...splits, bytes.length]) {
        parser.push(bytes.subarray(at, s));
        at = s;
        // resume at some chunk boundaries only, so that stops span several chunks
        while (stopped && r.next() < 0.5) {
          stopped = false;
          parser.resume();
        }
      }
      while (stopped) {
        stopped = false;
        parser.resume();
      }
      if (shown.join('\n') !== whole.join('\n')) expect.fail(`seed ${seed}: frames differ from the one-chunk parse`);
      // what waited was kept as views of the chunks: no more copied than without stops
      expect(parser.bytesCopied).toBe(parse(bytes, splits).parser.bytesCopied);
    }
  });
});

describe('writer: reused output buffers', () => {
  it('hands out frames without a new buffer per take, and earlier output stays intact', () => {
    const w = new Writer();
    const taken: Buffer[] = [];
    for (let i = 0; i < 2000; i++) {
      w.frame(Frame.BODY, 1, Buffer.alloc(20, i));
      taken.push(...w.take());
    }
    // 2,000 takes of 28 bytes: one arena, not 2,000.
    expect(w.arenas).toBe(1);
    taken.forEach((b, i) => expect(b.subarray(7, 27)).toEqual(Buffer.alloc(20, i)));
  });
});
