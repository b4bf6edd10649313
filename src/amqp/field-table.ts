// AMQP field tables and arrays, with the field types RabbitMQ and its clients use
// (RabbitMQ's errata: 's' is a signed 16-bit int, 'l' a signed 64-bit int, 'x' a byte array).
import { syntaxError } from './errors.js';
import { Timestamp } from './timestamp.js';

/** A decimal value: `value` / 10^`scale`. */
export class Decimal {
  constructor(
    readonly scale: number,
    readonly value: number,
  ) {}
}

export type FieldValue = null | boolean | number | bigint | string | Buffer | Timestamp | Decimal | FieldValue[] | FieldTable;

export interface FieldTable {
  [key: string]: FieldValue;
}

/**
 * How many tables and arrays may nest inside a field table. RabbitMQ accepts any depth that fits
 * in a frame (26,000 levels); warren stops at 100, which no client comes near (x-death headers
 * nest 3 deep), so that nothing that handles a value -- comparisons, JSON for the API and the
 * definitions files -- can run out of stack. Deeper is a connection error (the method frame
 * reader answers 501 FRAME_ERROR "cannot decode", as for any arguments it cannot parse).
 */
export const MAX_FIELD_NESTING = 100;

function tooDeep(): never {
  throw syntaxError(`field table nested deeper than ${MAX_FIELD_NESTING} levels`);
}

export function decodeTable(buf: Buffer, start: number, end: number, depth = 0): FieldTable {
  const table: FieldTable = {};
  let pos = start;
  while (pos < end) {
    const keyLen = buf[pos]!;
    pos += 1;
    if (pos + keyLen > end) throw syntaxError('field table key runs past the table');
    const key = buf.toString('utf8', pos, pos + keyLen);
    pos += keyLen;
    const [value, next] = decodeValue(buf, pos, end, depth);
    table[key] = value;
    pos = next;
  }
  return table;
}

function need(pos: number, n: number, end: number): void {
  if (pos + n > end) throw syntaxError('field value runs past the table');
}

function decodeValue(buf: Buffer, at: number, end: number, depth: number): [FieldValue, number] {
  need(at, 1, end);
  const type = buf[at]!;
  let pos = at + 1;
  switch (type) {
    case 0x74 /* t */:
      need(pos, 1, end);
      return [buf[pos] !== 0, pos + 1];
    case 0x62 /* b */:
      need(pos, 1, end);
      return [buf.readInt8(pos), pos + 1];
    case 0x42 /* B */:
      need(pos, 1, end);
      return [buf.readUInt8(pos), pos + 1];
    case 0x73 /* s */:
      need(pos, 2, end);
      return [buf.readInt16BE(pos), pos + 2];
    case 0x75 /* u */:
      need(pos, 2, end);
      return [buf.readUInt16BE(pos), pos + 2];
    case 0x49 /* I */:
      need(pos, 4, end);
      return [buf.readInt32BE(pos), pos + 4];
    case 0x69 /* i */:
      need(pos, 4, end);
      return [buf.readUInt32BE(pos), pos + 4];
    case 0x6c /* l */: {
      need(pos, 8, end);
      const big = buf.readBigInt64BE(pos);
      const small = Number(big);
      return [Number.isSafeInteger(small) ? small : big, pos + 8];
    }
    case 0x66 /* f */:
      need(pos, 4, end);
      return [buf.readFloatBE(pos), pos + 4];
    case 0x64 /* d */:
      need(pos, 8, end);
      return [buf.readDoubleBE(pos), pos + 8];
    case 0x44 /* D */:
      need(pos, 5, end);
      return [new Decimal(buf[pos]!, buf.readInt32BE(pos + 1)), pos + 5];
    case 0x53 /* S */: {
      need(pos, 4, end);
      const len = buf.readUInt32BE(pos);
      pos += 4;
      need(pos, len, end);
      return [buf.toString('utf8', pos, pos + len), pos + len];
    }
    case 0x78 /* x */: {
      need(pos, 4, end);
      const len = buf.readUInt32BE(pos);
      pos += 4;
      need(pos, len, end);
      return [Buffer.from(buf.subarray(pos, pos + len)), pos + len];
    }
    case 0x54 /* T */: {
      need(pos, 8, end);
      return [new Timestamp(buf.readBigUInt64BE(pos)), pos + 8];
    }
    case 0x46 /* F */: {
      need(pos, 4, end);
      const len = buf.readUInt32BE(pos);
      pos += 4;
      need(pos, len, end);
      if (depth >= MAX_FIELD_NESTING) tooDeep();
      return [decodeTable(buf, pos, pos + len, depth + 1), pos + len];
    }
    case 0x41 /* A */: {
      need(pos, 4, end);
      const len = buf.readUInt32BE(pos);
      pos += 4;
      need(pos, len, end);
      if (depth >= MAX_FIELD_NESTING) tooDeep();
      const items: FieldValue[] = [];
      const stop = pos + len;
      while (pos < stop) {
        const [item, next] = decodeValue(buf, pos, stop, depth + 1);
        items.push(item);
        pos = next;
      }
      return [items, stop];
    }
    case 0x56 /* V */:
      return [null, pos];
    default:
      throw syntaxError(`unknown field type '${String.fromCharCode(type)}'`);
  }
}

/** Growable byte sink the table encoder writes into. */
export interface ByteSink {
  ensure(n: number): void;
  buf: Buffer;
  pos: number;
  /** total distance ensure() has moved written bytes back; a length offset taken earlier shifts by its growth */
  readonly moved: number;
}

export function encodeTable(w: ByteSink, table: FieldTable | undefined): void {
  w.ensure(4);
  const lenAt = w.pos;
  const moved = w.moved;
  w.pos += 4;
  if (table) {
    for (const key of Object.keys(table)) {
      const value = table[key];
      if (value === undefined) continue;
      // A key is a shortstr: at most 255 bytes. A key decoded from invalid UTF-8 (RabbitMQ accepts
      // those) grew when its bytes became U+FFFD; it is cut at a character boundary, never letting
      // the length octet wrap and corrupt the frame.
      w.ensure(256);
      const keyLen = w.buf.write(key, w.pos + 1, 255, 'utf8');
      w.buf[w.pos] = keyLen;
      w.pos += 1 + keyLen;
      encodeValue(w, value);
    }
  }
  // nested values may have made ensure() move the bytes: the length field moved with them
  const at = lenAt - (w.moved - moved);
  w.buf.writeUInt32BE(w.pos - at - 4, at);
}

function encodeValue(w: ByteSink, value: FieldValue): void {
  if (value === null) {
    w.ensure(1);
    w.buf[w.pos++] = 0x56;
  } else if (typeof value === 'boolean') {
    w.ensure(2);
    w.buf[w.pos++] = 0x74;
    w.buf[w.pos++] = value ? 1 : 0;
  } else if (typeof value === 'number') {
    encodeNumber(w, value);
  } else if (typeof value === 'bigint') {
    w.ensure(9);
    w.buf[w.pos++] = 0x6c;
    w.pos = w.buf.writeBigInt64BE(value, w.pos);
  } else if (typeof value === 'string') {
    const len = Buffer.byteLength(value);
    w.ensure(5 + len);
    w.buf[w.pos++] = 0x53;
    w.pos = w.buf.writeUInt32BE(len, w.pos);
    w.pos += w.buf.write(value, w.pos, 'utf8');
  } else if (Buffer.isBuffer(value)) {
    w.ensure(5 + value.length);
    w.buf[w.pos++] = 0x78;
    w.pos = w.buf.writeUInt32BE(value.length, w.pos);
    w.pos += value.copy(w.buf, w.pos);
  } else if (value instanceof Timestamp) {
    w.ensure(9);
    w.buf[w.pos++] = 0x54;
    w.pos = w.buf.writeBigUInt64BE(value.seconds, w.pos);
  } else if (value instanceof Decimal) {
    w.ensure(6);
    w.buf[w.pos++] = 0x44;
    w.buf[w.pos++] = value.scale;
    w.pos = w.buf.writeInt32BE(value.value, w.pos);
  } else if (Array.isArray(value)) {
    w.ensure(5);
    w.buf[w.pos++] = 0x41;
    const lenAt = w.pos;
    const moved = w.moved;
    w.pos += 4;
    for (const item of value) encodeValue(w, item);
    const at = lenAt - (w.moved - moved);
    w.buf.writeUInt32BE(w.pos - at - 4, at);
  } else {
    w.ensure(1);
    w.buf[w.pos++] = 0x46;
    encodeTable(w, value);
  }
}

function encodeNumber(w: ByteSink, value: number): void {
  w.ensure(9);
  if (Number.isInteger(value) && value >= -0x80000000 && value <= 0x7fffffff) {
    w.buf[w.pos++] = 0x49;
    w.pos = w.buf.writeInt32BE(value, w.pos);
  } else if (Number.isSafeInteger(value)) {
    w.buf[w.pos++] = 0x6c;
    w.pos = w.buf.writeBigInt64BE(BigInt(value), w.pos);
  } else {
    w.buf[w.pos++] = 0x64;
    w.pos = w.buf.writeDoubleBE(value, w.pos);
  }
}
