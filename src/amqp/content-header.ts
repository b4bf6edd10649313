// Builds a content-header frame payload, for messages whose properties the broker rewrites.
import { ClassId, writeBasicProperties, type BasicProperties } from './generated/methods.js';
import type { Reader } from './reader.js';
import { Writer } from './writer.js';

/** A small scratch writer: each payload is copied out at its exact size, so it is reused. */
const scratch = new Writer(1024, false);

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

/** Property flag bits (0-9-1 basic class) that the scan and a not-yet-decoded message look at. */
export const PROPERTY_HEADERS = 8192;
export const PROPERTY_DELIVERY_MODE = 4096;
export const PROPERTY_PRIORITY = 2048;
export const PROPERTY_REPLY_TO = 512;
export const PROPERTY_EXPIRATION = 256;
export const PROPERTY_USER_ID = 16;

/** What the broker reads of a content header's properties when it does not decode them all. */
export interface PropertyScan {
  /** the property flags word */
  flags: number;
  deliveryMode: number | undefined;
  expiration: string | undefined;
  userId: string | undefined;
}

/** A PropertyScan to fill (each reader keeps one and reuses it). */
export function newPropertyScan(): PropertyScan {
  return { flags: 0, deliveryMode: undefined, expiration: undefined, userId: undefined };
}

/**
 * Set in a PropertyScan's `flags` (above the 16 bits of the property flags word) when a scan with
 * `skipHeaders` passed over a non-empty headers table.
 */
export const HEADERS_UNREAD = 0x10000;

/**
 * Reads the basic properties at the reader's position (after the prefix) without building them,
 * checking them as decodeBasicProperties would and leaving the reader after them, into `scan`.
 * Returns false, with the reader back where it was, when the headers table is not empty: such a
 * message is decoded whole at once (the broker routes on its headers, and a malformed table is a
 * frame error now, not later). With `skipHeaders` (a message read back from the store, routed and
 * checked long ago) the table is skipped instead, and HEADERS_UNREAD set in `scan.flags`.
 * Allocates nothing for a message without expiration or user-id.
 */
export function scanBasicProperties(r: Reader, scan: PropertyScan, skipHeaders = false): boolean {
  const from = r.pos;
  const flags = r.short();
  for (let more = flags; (more & 1) !== 0;) more = r.short();
  scan.flags = flags;
  scan.deliveryMode = scan.expiration = scan.userId = undefined;
  if ((flags & 32768) !== 0) r.skipShortstr();
  if ((flags & 16384) !== 0) r.skipShortstr();
  if ((flags & PROPERTY_HEADERS) !== 0) {
    const length = r.long();
    if (length !== 0) {
      if (!skipHeaders) {
        r.pos = from;
        return false;
      }
      // (a stored message's headers were checked when it was published: only their length is read)
      r.skip(length);
      scan.flags |= HEADERS_UNREAD;
    }
  }
  if ((flags & PROPERTY_DELIVERY_MODE) !== 0) scan.deliveryMode = r.octet();
  if ((flags & PROPERTY_PRIORITY) !== 0) r.octet();
  if ((flags & 1024) !== 0) r.skipShortstr();
  if ((flags & PROPERTY_REPLY_TO) !== 0) r.skipShortstr();
  if ((flags & PROPERTY_EXPIRATION) !== 0) scan.expiration = r.shortstr();
  if ((flags & 128) !== 0) r.skipShortstr();
  if ((flags & 64) !== 0) r.skip(8);
  if ((flags & 32) !== 0) r.skipShortstr();
  if ((flags & PROPERTY_USER_ID) !== 0) scan.userId = r.shortstr();
  if ((flags & 8) !== 0) r.skipShortstr();
  if ((flags & 4) !== 0) r.skipShortstr();
  return true;
}
