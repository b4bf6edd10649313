// Builds a content-header frame payload, for messages whose properties the broker rewrites.
import { ClassId, writeBasicProperties, type BasicProperties } from './generated/methods.js';
import { Writer } from './writer.js';

/** A small scratch writer: each payload is copied out at its exact size, so it is reused. */
const scratch = new Writer(1024);

/** class id (short), weight (short), body size (longlong): the bytes before the property flags */
export const CONTENT_HEADER_PREFIX = 2 + 2 + 8;

export function contentHeaderPayload(bodySize: number, properties: BasicProperties): Buffer {
  const w = scratch;
  try {
    w.short(ClassId.BASIC);
    w.short(0); // weight
    w.longlong(bodySize);
    writeBasicProperties(w, properties);
  } catch (err) {
    // Nothing of a failed encoding may leak into the next payload.
    w.discard();
    throw err;
  }
  return w.copyOut();
}
