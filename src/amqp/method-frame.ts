// Decoding a method frame's payload strictly, answering malformed ones as RabbitMQ 3.10 does:
// a payload too short for its class and method ids, arguments that cannot be decoded, and bytes
// left over after the arguments are all FRAME_ERROR (501), the latter two attributed to the method.
import { AmqpError } from './errors.js';
import { Frame, ReplyCode, decodeMethod, type Method } from './generated/methods.js';
import type { Reader } from './reader.js';

/** Erlang's rendering of a binary, as RabbitMQ's reply texts show one: <<"abc">> or <<0,1,2>>. */
export function erlangBinary(bytes: Buffer): string {
  const shown = bytes.subarray(0, 250);
  const printable = shown.length > 0 && shown.every((b) => b >= 0x20 && b <= 0x7e);
  if (printable) return `<<"${shown.toString('latin1').replace(/["\\]/g, '\\$&')}">>`;
  return `<<${[...shown].join(',')}>>`;
}

/** A frame RabbitMQ cannot even classify: `type N, all octets = <<...>>: unknown_frame`. */
export function unknownFrame(type: number, payload: Buffer): AmqpError {
  return new AmqpError(ReplyCode.FRAME_ERROR, `type ${type}, all octets = ${erlangBinary(payload)}: unknown_frame`);
}

/**
 * The method in buf[start, end); null for an unknown class or method (the caller answers 540).
 * Per-message methods (basic.publish, basic.ack, ...) come in a reused object: handle them at once.
 */
export function decodeMethodFrame(reader: Reader, buf: Buffer, start: number, end: number): Method | null {
  if (end - start < 4) throw unknownFrame(Frame.METHOD, buf.subarray(start, end));
  let method: Method | null;
  try {
    method = decodeMethod(reader.reset(buf, start, end), true);
  } catch (err) {
    if (!(err instanceof AmqpError) || err.replyCode !== ReplyCode.SYNTAX_ERROR) throw err;
    // running out of bytes is RabbitMQ's plain "cannot decode"; our finer reasons are kept
    const detail = err.message.replace(/^SYNTAX_ERROR - /, '');
    throw cannotDecode(buf, start, end, detail === 'method frame is shorter than its arguments' ? undefined : detail);
  }
  if (method && reader.pos !== end) throw cannotDecode(buf, start, end);
  return method;
}

/** FRAME_ERROR attributed to the method in buf[start, end) (built only on failure: no per-frame closure). */
function cannotDecode(buf: Buffer, start: number, end: number, detail?: string): AmqpError {
  const text = detail ? `cannot decode: ${detail}` : `cannot decode ${erlangBinary(buf.subarray(start + 4, end))}`;
  return new AmqpError(ReplyCode.FRAME_ERROR, text, buf.readUInt16BE(start), buf.readUInt16BE(start + 2));
}
