// A small message whose header and single body frame arrive in one chunk is made into its string
// straight from that chunk (issue 13: no gathering copy, no view per message): the header payload
// is moved up over the body frame's own frame header. Whatever the chunking, every message must
// come out with the same header and body, and the frames after it in the chunk must be untouched.
import { describe, expect, it } from 'vitest';
import { contentHeaderPayload, Frame, FrameParser, writeBasicPublish, Writer, type BasicProperties } from '../../src/amqp/index.js';
import { Message } from '../../src/broker/message.js';
import { ContentAssembler } from '../../src/server/content-assembler.js';
import { prng } from './random.js';

interface Sent {
  header: Buffer;
  body: Buffer;
}

/** publish frames for each message, with bodies split into frames of at most `frameBody` bytes */
function publishStream(messages: Sent[], frameBody: number): Buffer {
  const w = new Writer();
  for (const m of messages) {
    writeBasicPublish(w, 1, 0, 'ex', 'key', false, false);
    w.frame(Frame.HEADER, 1, m.header);
    for (let at = 0; at < m.body.length; at += frameBody) w.frame(Frame.BODY, 1, m.body.subarray(at, at + frameBody));
  }
  return Buffer.concat(w.take());
}

/** what a channel does with the frames: one message per header and its body frames */
function receive(stream: Buffer, cuts: number[], assembler = new ContentAssembler()): Message[] {
  const out: Message[] = [];
  const parser = new FrameParser((type, _channel, buf, start, end) => {
    let c = null;
    if (type === Frame.HEADER) c = assembler.begin(buf, start, end);
    else if (type === Frame.BODY) c = assembler.body(buf, start, end);
    if (c) out.push(Message.published('ex', 'key', c, 1));
  }, 1 << 20);
  let from = 0;
  for (const cut of [...cuts, stream.length]) {
    // each chunk a buffer of its own, as the socket gives them
    parser.push(Buffer.from(stream.subarray(from, cut)));
    from = cut;
  }
  return out;
}

function messagesOf(next: () => number, n: number): Sent[] {
  const sent: Sent[] = [];
  for (let i = 0; i < n; i++) {
    const props: BasicProperties =
      i % 3 === 0 ? {} : { contentType: 'text/plain', deliveryMode: 2, correlationId: 'c'.repeat(i % 90), headers: i % 3 === 2 ? { n: i } : {} };
    const size = [0, 1, 7, 100, 1000, 2000, 5000][i % 7]!;
    const body = Buffer.alloc(size);
    for (let k = 0; k < size; k++) body[k] = Math.floor(next() * 256);
    sent.push({ header: contentHeaderPayload(size, props), body });
  }
  return sent;
}

function expectSame(got: Message[], sent: Sent[]): void {
  expect(got.length).toBe(sent.length);
  for (let i = 0; i < sent.length; i++) {
    expect(got[i]!.header.equals(sent[i]!.header)).toBe(true);
    expect(got[i]!.body.equals(sent[i]!.body)).toBe(true);
  }
}

describe('small messages made from the chunk they arrived in', () => {
  it('come out the same as sent, and leave the frames after them intact, in one chunk', () => {
    const sent = messagesOf(prng(5), 140);
    const assembler = new ContentAssembler();
    expectSame(receive(publishStream(sent, 1 << 20), [], assembler), sent);
    // every small one with a body was made in place (the header, single body frame and both in the chunk)
    const small = sent.filter((m) => m.body.length > 0 && m.header.length + m.body.length <= 2048).length;
    expect(assembler.inPlace).toBe(small);
  });

  it('come out the same whatever the chunking, and with bodies in several frames', () => {
    const next = prng(6);
    const sent = messagesOf(next, 70);
    for (const frameBody of [1 << 20, 64, 1]) {
      const stream = publishStream(sent, frameBody);
      for (let round = 0; round < 30; round++) {
        const cuts: number[] = [];
        for (let at = Math.floor(next() * 300); at < stream.length; at += 1 + Math.floor(next() * 700)) cuts.push(at);
        expectSame(receive(stream, cuts), sent);
      }
    }
  });

  it('come out the same when the chunk is cut at every byte around one message', () => {
    const sent = messagesOf(prng(7), 4).filter((m) => m.body.length === 100 || m.body.length === 7);
    const stream = publishStream(sent, 1 << 20);
    for (let cut = 1; cut < stream.length; cut++) expectSame(receive(stream, [cut]), sent);
  });
});

describe('what the assembler keeps of a chunk', () => {
  const header = contentHeaderPayload(100, { contentType: 'text/plain' });
  const body = Buffer.alloc(100, 9);

  function frames(write: (w: Writer) => void): Buffer {
    const w = new Writer();
    write(w);
    return Buffer.concat(w.take());
  }

  it('holds the chunk from the header only when the whole body frame follows in it', () => {
    const together = frames((w) => {
      w.frame(Frame.HEADER, 1, header);
      w.frame(Frame.BODY, 1, body);
    });
    const a = new ContentAssembler();
    const seen: string[] = [];
    const parser = new FrameParser((type, _ch, buf, start, end) => {
      if (type === Frame.HEADER) {
        a.begin(buf, start, end);
        seen.push(`header holds=${a.holdsChunk}`);
      } else {
        const c = a.body(buf, start, end);
        seen.push(`body done=${c !== null} holds=${a.holdsChunk}`);
      }
    }, 1 << 20);
    // (a copy: the in-place path writes over the chunk's frame bytes, as it may with a socket chunk)
    parser.push(Buffer.from(together));
    // the body in a later chunk: nothing of the first chunk is kept meanwhile (a client that never sends it pins nothing)
    parser.push(together.subarray(0, header.length + 8 + 3));
    parser.push(together.subarray(header.length + 8 + 3));
    expect(seen).toEqual(['header holds=true', 'body done=true holds=false', 'header holds=false', 'body done=true holds=false']);
    expect(a.inPlace).toBe(1);
  });

  it('gathers the header after all when the body frame is handed over in another buffer', () => {
    const chunk = frames((w) => {
      w.frame(Frame.HEADER, 1, header);
      w.frame(Frame.BODY, 1, body);
    });
    const a = new ContentAssembler();
    // the header frame's payload sits at 7; its body frame follows whole in the chunk
    expect(a.begin(chunk, 7, 7 + header.length)).toBeNull();
    expect(a.holdsChunk).toBe(true);
    const c = a.body(Buffer.from(body), 0, body.length)!;
    expect(a.inPlace).toBe(0);
    const m = Message.published('', 'k', c, 1);
    expect(m.header.equals(header)).toBe(true);
    expect(m.body.equals(body)).toBe(true);
  });

  it('does not take another channel’s frames for its body (interleaved channels)', () => {
    const stream = frames((w) => {
      w.frame(Frame.HEADER, 1, header);
      w.frame(Frame.HEADER, 2, header);
      w.frame(Frame.BODY, 1, body);
      w.frame(Frame.BODY, 2, Buffer.alloc(100, 7));
    });
    const assemblers = [new ContentAssembler(), new ContentAssembler(), new ContentAssembler()];
    const got: Message[] = [];
    const holds: boolean[] = [];
    new FrameParser((type, ch, buf, start, end) => {
      const a = assemblers[ch]!;
      if (type === Frame.HEADER) {
        a.begin(buf, start, end);
        holds.push(a.holdsChunk);
      } else {
        const c = a.body(buf, start, end);
        if (c) got.push(Message.published('', String(ch), c, 1));
      }
    }, 1 << 20).push(stream);
    expect(holds).toEqual([false, false]);
    expect(got.map((m) => [m.routingKey, m.header.equals(header), m.body[0]])).toEqual([
      ['1', true, 9],
      ['2', true, 7],
    ]);
  });
});
