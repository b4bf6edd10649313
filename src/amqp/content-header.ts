// Builds a content-header frame payload, for messages whose properties the broker rewrites.
import { ClassId, writeBasicProperties, type BasicProperties } from './generated/methods.js';
import { Writer } from './writer.js';

export function contentHeaderPayload(bodySize: number, properties: BasicProperties): Buffer {
  const w = new Writer();
  w.short(ClassId.BASIC);
  w.short(0); // weight
  w.longlong(bodySize);
  writeBasicProperties(w, properties);
  return Buffer.concat(w.take());
}
