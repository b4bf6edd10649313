// A queue's overflow on disk: when the broker's memory budget for ready messages is used up,
// new messages go to the end of this file instead of the heap, and come back in chunks as the
// queue drains. Order is kept: everything spooled is younger than everything in memory.
import { closeSync, ftruncateSync, openSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { decodeBasicProperties, Reader } from '../../amqp/index.js';
import { Message } from '../message.js';
import { readFully, writePending } from './io.js';
import type { MessageStore } from './message-store.js';
import { encodePublish, readRecord, RECORD_PUBLISH } from './records.js';

const READ_CHUNK = 1 << 20;
const WRITE_BATCH = 256 * 1024;
const headerReader = new Reader();

/** The broker-wide budget for message bytes held in memory by ready messages. */
export class MemoryBudget {
  used = 0;

  constructor(
    readonly limit: number,
    readonly spoolDir: string,
  ) {}

  /** Rough heap cost of a ready message beyond its body: objects, slices, the queue slot. */
  static cost(message: Message): number {
    return message.size + message.header.length + 700;
  }

  get exceeded(): boolean {
    return this.used > this.limit;
  }
}

export class Spool {
  private fd = -1;
  private path = '';
  private pending: Buffer[] = [];
  private writePos = 0;
  private readPos = 0;
  /** bytes written to the file so far (writePos counts pending ones too) */
  private fileEnd = 0;
  /** messages spooled and not yet read back */
  length = 0;

  constructor(
    private readonly dir: string,
    private readonly store: MessageStore | null,
  ) {}

  append(message: Message): void {
    if (this.fd < 0) {
      this.path = join(this.dir, `${randomBytes(8).toString('hex')}.spool`);
      this.fd = openSync(this.path, 'w+', 0o600);
    }
    const record = encodePublish(message.stored?.id ?? 0, message.arrival, [], message.exchange, message.routingKey, message.header, message.body);
    this.pending.push(record);
    this.writePos += record.length;
    this.length++;
    // Written out in batches: pending records are heap, which the spool exists to avoid.
    if (this.writePos - this.fileEnd >= WRITE_BATCH) this.flushWrites();
  }

  /** Reads back up to about a megabyte of messages, oldest first. */
  readChunk(): Message[] {
    this.flushWrites();
    const out: Message[] = [];
    if (this.length === 0) return out;
    let buf: Buffer;
    if (this.readPos >= this.fileEnd) {
      // Everything on file was read and the rest could not be written (a full disk): take it from memory.
      buf = Buffer.concat(this.pending);
      this.pending = [];
      this.fileEnd = this.writePos;
    } else {
      buf = Buffer.allocUnsafe(Math.min(READ_CHUNK, this.fileEnd - this.readPos));
      readFully(this.fd, buf, this.readPos);
    }
    let pos = 0;
    for (;;) {
      const r = readRecord(buf, pos);
      if (r.kind !== 'record') {
        // A record bigger than the chunk: read exactly it (once it is all on file).
        if (out.length === 0 && r.kind === 'torn') {
          const len = buf.readUInt32BE(0) + 8;
          if (this.readPos + len > this.fileEnd) break;
          buf = Buffer.allocUnsafe(len);
          readFully(this.fd, buf, this.readPos);
          continue;
        }
        break;
      }
      const rec = r.record;
      if (rec.type !== RECORD_PUBLISH) break;
      const properties = decodeBasicProperties(headerReader.reset(rec.header, 12, rec.header.length));
      const message = new Message(rec.exchange, rec.routingKey, properties, rec.header, rec.body, rec.arrival);
      if (rec.id !== 0) this.store?.reattach(message, rec.id);
      out.push(message);
      pos = r.next;
    }
    this.readPos += pos;
    this.length -= out.length;
    if (this.length === 0) this.reset();
    return out;
  }

  close(): void {
    if (this.fd >= 0) {
      closeSync(this.fd);
      rmSync(this.path, { force: true });
    }
    this.fd = -1;
    this.pending = [];
    this.length = 0;
    this.writePos = this.readPos = this.fileEnd = 0;
  }

  /** Writes pending records; on a full disk what is unwritten stays in memory (and is read from there). */
  private flushWrites(): boolean {
    if (this.pending.length === 0) return true;
    try {
      this.fileEnd += writePending(this.fd, this.pending, this.fileEnd);
      return true;
    } catch {
      this.fileEnd = this.writePos - this.pending.reduce((n, b) => n + b.length, 0);
      return false;
    }
  }

  /** An emptied spool starts again at the beginning of its file. */
  private reset(): void {
    this.pending = [];
    ftruncateSync(this.fd, 0);
    this.writePos = this.readPos = this.fileEnd = 0;
  }
}
