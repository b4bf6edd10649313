// The protocol alone: codecs, frames, field tables, reply codes. Imports nothing outside src/amqp.
export * from './generated/methods.js';
export { AmqpError, syntaxError, type ErrorScope } from './errors.js';
export { Decimal, MAX_FIELD_NESTING, decodeTable, encodeTable, type FieldTable, type FieldValue } from './field-table.js';
export { FrameParser, FRAME_HEADER_SIZE, FRAME_OVERHEAD, type FrameHandler } from './frame-parser.js';
export { Reader } from './reader.js';
export { decodeMethodFrame, erlangBinary, unknownFrame } from './method-frame.js';
export { Timestamp } from './timestamp.js';
export { Writer } from './writer.js';
export { writeDeliverText } from './deliver-frames.js';

/** "AMQP" 0 0 9 1: the only protocol header this broker speaks. */
export const PROTOCOL_HEADER = Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 1]);

export {
  CONTENT_HEADER_PREFIX,
  contentHeaderPayload,
  HEADERS_UNREAD,
  newPropertyScan,
  PROPERTY_EXPIRATION,
  PROPERTY_PRIORITY,
  PROPERTY_REPLY_TO,
  scanBasicProperties,
  type PropertyScan,
} from './content-header.js';
