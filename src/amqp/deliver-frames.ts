// The hottest output of a broker: basic.deliver with a small message's content header and body.
// The three frames are written in one go: one check for room, then plain byte stores. The bytes
// are exactly those of writeBasicDeliver then two content frames (test/unit/deliver-frames.test.ts).
import { Frame } from './generated/constants.js';
import { MethodId } from './generated/methods.js';
import type { Writer } from './writer.js';

/** shortstr arguments longer than this, or not ASCII, take the general path */
const ASCII_MAX = 64;
/** a body up to this size is copied character by character (cheaper than a call into the encoder) */
const SMALL_BODY = 48;
/** a content header payload up to this long is written by byte stores, not by a second string write */
const SHORT_HEADER = 64;

/** Writes `s` as a shortstr at `p` when it is ASCII; returns the position after it, or -1. */
function asciiShortstr(buf: Buffer, p: number, s: string): number {
  const n = s.length;
  buf[p++] = n;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) return -1;
    buf[p++] = c;
  }
  return p;
}

function putU32(buf: Buffer, p: number, n: number): number {
  buf[p] = n >>> 24;
  buf[p + 1] = n >>> 16;
  buf[p + 2] = n >>> 8;
  buf[p + 3] = n;
  return p + 4;
}

function frameHeader(buf: Buffer, p: number, type: number, channel: number, size: number): number {
  buf[p] = type;
  buf[p + 1] = channel >>> 8;
  buf[p + 2] = channel;
  return putU32(buf, p + 3, size);
}

/**
 * basic.deliver, then the content header and body of a message kept as one latin1 string (header
 * payload then body; see TEXT_MAX in broker/message.ts, which also keeps the body within one frame).
 * Returns false, having written nothing, when a name is long or not ASCII: the caller then uses
 * writeBasicDeliver and the content frames.
 */
export function writeDeliverText(
  w: Writer,
  channel: number,
  consumerTag: string,
  deliveryTag: number,
  redelivered: boolean,
  exchange: string,
  routingKey: string,
  text: string,
  headerSize: number,
): boolean {
  if (consumerTag.length > ASCII_MAX || exchange.length > ASCII_MAX || routingKey.length > ASCII_MAX) return false;
  const bodySize = text.length - headerSize;
  const methodSize = 4 + 1 + consumerTag.length + 8 + 1 + 1 + exchange.length + 1 + routingKey.length;
  w.ensure(8 + methodSize + 8 + headerSize + (bodySize > 0 ? 8 + bodySize : 0));
  const buf = w.buf;
  let p = frameHeader(buf, w.pos, Frame.METHOD, channel, methodSize);
  p = asciiShortstr(buf, putU32(buf, p, MethodId.BASIC_DELIVER), consumerTag);
  if (p < 0) return false;
  p = putU32(buf, putU32(buf, p, Math.floor(deliveryTag / 0x100000000)), deliveryTag >>> 0);
  buf[p] = redelivered ? 1 : 0;
  p = asciiShortstr(buf, p + 1, exchange);
  if (p < 0) return false;
  p = asciiShortstr(buf, p, routingKey);
  if (p < 0) return false;
  buf[p++] = Frame.END;
  p = frameHeader(buf, p, Frame.HEADER, channel, headerSize);
  if (bodySize > SMALL_BODY) {
    // The whole text so that its body lands in place (its header part falls over the header
    // frame's payload, end octet and the body frame's header, all written just below), then the
    // header payload's characters in place.
    const bodyAt = p + headerSize + 8;
    buf.write(text, bodyAt - headerSize, 'latin1');
    // (a short header by plain byte stores: cheaper than a second call into the string writer)
    if (headerSize <= SHORT_HEADER) for (let i = 0; i < headerSize; i++) buf[p + i] = text.charCodeAt(i);
    else buf.write(text, p, headerSize, 'latin1');
    p = frameHeader(buf, p + headerSize + 1, Frame.BODY, channel, bodySize);
    buf[p - 8] = Frame.END; // (the header frame's end octet, before the body frame's header)
    p += bodySize;
    buf[p++] = Frame.END;
  } else {
    for (let i = 0; i < headerSize; i++) buf[p++] = text.charCodeAt(i);
    buf[p++] = Frame.END;
    if (bodySize > 0) {
      p = frameHeader(buf, p, Frame.BODY, channel, bodySize);
      for (let i = headerSize; i < text.length; i++) buf[p++] = text.charCodeAt(i);
      buf[p++] = Frame.END;
    }
  }
  w.pos = p;
  return true;
}
