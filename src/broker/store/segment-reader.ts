// Reading messages back from the disk store's segments, asynchronously (synchronously only for a
// basic.get that finds nothing in memory): runs of consecutive records, walked record by record,
// and single positions, followed through compaction's forwarding entries.
import { closeSync, openSync } from 'node:fs';
import { CONTENT_HEADER_PREFIX, newPropertyScan, Reader, scanBasicProperties } from '../../amqp/index.js';
import { Message, ownContent, TEXT_MAX } from '../message.js';
import { readFully } from './io.js';
import type { HeldPosition, RunPiece, RunRead } from './message-store.js';
import { FRAME, nextIntact, readRecord, RECORD_MARK, RECORD_QUEUE, type PublishRecord } from './records.js';
import { BLOCK, ReadCache } from './read-cache.js';
import { closeReadFd, readAsync, type Relocation, type Segment } from './segment.js';

/** What the reader needs of the store. */
export interface SegmentLocator {
  /** the live segment with this id */
  segment(id: number): Segment | undefined;
  /** a compacted segment's forwarding entries: old offset -> where the record went */
  relocations(id: number): Map<number, Relocation> | undefined;
  /** where the record once at (segment, offset) is now */
  resolve(segment: number, offset: number, length: number): { seg: Segment; offset: number; length: number } | null;
  /** buffered appends reach the kernel (before they are read) */
  writeOut(): void;
  /** a segment's file */
  path(id: number): string;
}

const headerReader = new Reader();
const headerScan = newPropertyScan();

export class SegmentReader {
  constructor(
    private readonly locator: SegmentLocator,
    /** bytes read back, shared by every queue */
    readonly cache = new ReadCache(),
  ) {}

  readRun(piece: RunPiece, sync: boolean, done: (result: RunRead) => void): void {
    this.locator.writeOut(); // records still buffered reach the kernel before they are read
    const seg = this.locator.segment(piece.segment);
    if (!seg) {
      // Compacted: its live records (all of this run) went forward one by one; read them where they are.
      const map = this.locator.relocations(piece.segment);
      const positions: HeldPosition[] = [];
      for (const [offset, r] of map ?? [])
        if (offset >= piece.start && offset < piece.end) positions.push({ segment: piece.segment, offset, length: r.length, durable: piece.durable });
      positions.sort((a, b) => a.offset - b.offset);
      this.read(positions, sync, (messages) => {
        const found = messages.filter((m): m is Message => m !== null);
        done({ messages: found, next: piece.end, bodyBytes: found.reduce((n, m) => n + m.size, 0) });
      });
      return;
    }
    const from = piece.start;
    const attempt = (length: number): void => {
      const parse = (err: Error | null, buf: Buffer): void => {
        if (err) {
          this.readFailed(seg, err.message);
          return done({ messages: [], next: piece.end, bodyBytes: 0 });
        }
        const result = this.parseRun(seg, buf, piece);
        if (typeof result === 'number') attempt(result);
        else done(result);
      };
      this.readBytes(seg, length, from, sync, parse);
    };
    attempt(Math.max(FRAME, Math.min(piece.limit, piece.end) - from));
  }

  /**
   * The messages in the records of `buf` (a run's bytes from its start): whole records only, so
   * the run's next read starts at a record. A number: read this many bytes instead (the first
   * record is longer than what was read).
   */
  private parseRun(seg: Segment, buf: Buffer, piece: RunPiece): RunRead | number {
    const messages: Message[] = [];
    let bodyBytes = 0;
    let pos = 0;
    const runBytes = piece.end - piece.start;
    while (pos < buf.length) {
      const r = readRecord(buf, pos);
      if (r.kind === 'record') {
        if (r.record.type !== RECORD_QUEUE) {
          const m = this.messageOf(
            seg,
            r.record as PublishRecord,
            { segment: piece.segment, offset: piece.start + pos, length: r.next - pos, durable: piece.durable },
            piece.durable,
          );
          if (m) {
            messages.push(m);
            bodyBytes += m.size;
          }
        }
        pos = r.next;
        continue;
      }
      if (r.kind === 'short') {
        // cut by the end of this read: the next read starts here, unless the frame claims more than the run holds
        const framed = buf.length - pos >= FRAME && buf.readUInt32BE(pos) === RECORD_MARK ? FRAME + buf.readUInt32BE(pos + 4) : FRAME;
        if (pos + framed <= runBytes) {
          if (pos === 0) return framed;
          break;
        }
      }
      // damage: find the next intact record by its framing; whatever the run still counts at its end is lost
      const resume = nextIntact(buf, pos + 1);
      this.readFailed(seg, `no intact record at byte ${piece.start + pos}`);
      if (resume === null) {
        // an intact record may begin after this read's end: the next read looks from the next byte on
        pos = buf.length < runBytes ? pos + 1 : buf.length;
        break;
      }
      pos = resume;
    }
    return { messages, next: piece.start + pos, bodyBytes };
  }

  read(positions: readonly HeldPosition[], sync: boolean, done: (messages: (Message | null)[]) => void): void {
    this.locator.writeOut(); // records still buffered reach the kernel before they are read
    const messages: (Message | null)[] = new Array<Message | null>(positions.length).fill(null);
    // Consecutive records of one segment are read with one call.
    const runs: { seg: Segment; start: number; end: number; first: number; count: number }[] = [];
    const at: number[] = []; // where each position's record is now (compaction may have moved it)
    positions.forEach((p, i) => {
      const where = this.locator.resolve(p.segment, p.offset, p.length);
      at.push(where ? where.offset : -1);
      if (!where) return;
      const last = runs[runs.length - 1];
      if (last && last.seg === where.seg && last.end === where.offset && last.first + last.count === i) {
        last.end += where.length;
        last.count++;
        return;
      }
      runs.push({ seg: where.seg, start: where.offset, end: where.offset + where.length, first: i, count: 1 });
    });
    let pending = runs.length;
    if (pending === 0) return done(messages);
    const parse = (run: (typeof runs)[number], buf: Buffer | null): void => {
      for (let i = run.first; i < run.first + run.count; i++) {
        const p = positions[i]!;
        messages[i] = buf ? this.messageAt(run.seg, buf, at[i]! - run.start, p, p.durable) : null;
      }
    };
    for (const run of runs) {
      this.readBytes(run.seg, run.end - run.start, run.start, sync, (err, buf) => {
        if (err) this.readFailed(run.seg, err.message);
        parse(run, err ? null : buf);
        if (--pending === 0) done(messages);
      });
    }
  }

  /**
   * Reads `length` bytes of `seg` at `position` (at once when `sync`, else asynchronously),
   * through the read cache: whole blocks found there are not read again, and whole blocks read
   * are kept there.
   */
  private readBytes(seg: Segment, length: number, position: number, sync: boolean, done: (err: Error | null, buf: Buffer) => void): void {
    const end = position + length;
    const first = Math.floor(position / BLOCK);
    const last = Math.floor((end - 1) / BLOCK);
    const written = seg.file ? seg.file.size - seg.file.pendingBytes : seg.size;
    const cache = this.cache;
    const held: (Buffer | undefined)[] = [];
    let firstMissing = -1;
    let lastMissing = -1;
    for (let b = first; b <= last; b++) {
      const block = cache.get(seg.id, b, Math.min(end, (b + 1) * BLOCK) - b * BLOCK);
      held.push(block);
      if (!block) {
        if (firstMissing < 0) firstMissing = b;
        lastMissing = b;
      }
    }
    // The output: cached blocks, and what is read (whole blocks from the first missing one to the
    // last, as far as the file is written), which is kept for the next reader.
    const start = firstMissing < 0 ? 0 : firstMissing * BLOCK;
    const stop = firstMissing < 0 ? 0 : Math.max(Math.min(end, (lastMissing + 1) * BLOCK), Math.min((lastMissing + 1) * BLOCK, written));
    const raw = Buffer.allocUnsafe(stop - start);
    const assemble = (): Buffer => {
      if (firstMissing === first && lastMissing === last && start <= position && stop >= end) return raw.subarray(position - start, end - start);
      const out = Buffer.allocUnsafe(length);
      for (let b = first; b <= last; b++) {
        const blockStart = b * BLOCK;
        const from = Math.max(position, blockStart);
        const to = Math.min(end, blockStart + BLOCK);
        const block = held[b - first];
        if (block) block.copy(out, from - position, from - blockStart, to - blockStart);
        else raw.copy(out, from - position, from - start, to - start);
      }
      return out;
    };
    if (firstMissing < 0) return done(null, assemble());
    // another reader is bringing the first missing block in: read again once it has (from the cache)
    if (!sync && cache.waitFor(seg.id, firstMissing, () => this.readBytes(seg, length, position, false, done))) return;
    const fill = (err: Error | null): void => {
      if (err) return done(err, raw);
      cache.diskReads++;
      cache.diskBytes += raw.length;
      for (let b = firstMissing; b <= lastMissing; b++) {
        const at = (b - firstMissing) * BLOCK;
        // (as far as the file is written: the rest of a block may still be on its way)
        const upTo = Math.min(at + BLOCK, raw.length, written - start);
        if (!held[b - first] && upTo > at) cache.put(seg.id, b, raw.subarray(at, upTo));
      }
      done(null, assemble());
    };
    let fd: number;
    try {
      fd = this.readFdOf(seg);
    } catch (err) {
      return fill(this.readAgain(seg, raw, start, err as Error));
    }
    if (sync) {
      cache.syncReads++;
      try {
        readFully(fd, raw, start);
      } catch (err) {
        return fill(this.readAgain(seg, raw, start, err as Error));
      }
      return fill(null);
    }
    seg.reading++;
    cache.reading(seg.id, firstMissing, lastMissing);
    readAsync(fd, raw, start, (err) => {
      if (--seg.reading === 0 && seg.dropped) closeReadFd(seg);
      try {
        fill(err && this.readAgain(seg, raw, start, err));
      } finally {
        cache.readEnded(seg.id, firstMissing, lastMissing);
      }
    });
  }

  /**
   * A read of a segment failed (an I/O error, not damage): tries once more on a descriptor of its
   * own, and only then gives up (null: read). A read simply skipped would leave the message stored
   * while its queue forgets it: it would come back at the next start, long after everything around
   * it was consumed.
   */
  private readAgain(seg: Segment, buf: Buffer, start: number, err: Error): Error | null {
    if (this.locator.segment(seg.id) !== seg) return err; // deleted: nobody holds what was being read
    const code = (err as NodeJS.ErrnoException).code;
    // The shared descriptor is not (or no longer) this segment's file: forget it without closing a
    // number someone else may hold now.
    if (code === 'EBADF' || code === 'ESPIPE') seg.readFd = -1;
    let fd = -1;
    try {
      fd = openSync(this.locator.path(seg.id), 'r');
      readFully(fd, buf, start);
      return null;
    } catch (again) {
      return new Error(`${err.message}; again: ${(again as Error).message}`);
    } finally {
      if (fd >= 0) closeSync(fd);
    }
  }

  /** The message in the record at `at` of `buf` (which is its segment from `offset` on). */
  private messageAt(seg: Segment, buf: Buffer, at: number, position: HeldPosition, durable: boolean): Message | null {
    const r = readRecord(buf, at);
    if (r.kind !== 'record' || r.record.type === RECORD_QUEUE) {
      this.readFailed(seg, `no intact record at byte ${position.offset}`);
      return null;
    }
    return this.messageOf(seg, r.record as PublishRecord, position, durable);
  }

  /** The message in a publish record read (and checked) at `position`. */
  private messageOf(seg: Segment, record: PublishRecord, position: HeldPosition, durable: boolean): Message | null {
    const offset = position.offset;
    // The properties are decoded when first asked for (a delivery sends the header as stored): only
    // their framing is checked here, and a headers table, checked when the message was published, is
    // stepped over. Reading back a message with large headers costs no more than one without.
    const scan = headerScan;
    try {
      headerReader.reset(record.header, CONTENT_HEADER_PREFIX, record.header.length);
      scanBasicProperties(headerReader, scan, true);
      if (headerReader.pos !== record.header.length) throw new Error(`${record.header.length - headerReader.pos} bytes after the properties`);
    } catch (err) {
      this.readFailed(seg, `message ${record.id} at byte ${offset} has unreadable properties (${(err as Error).message})`);
      return null;
    }
    // A small content becomes a string of its own in the Message (nothing of the read buffer is kept); a larger one is copied out of it.
    const small = record.header.length + record.body.length <= TEXT_MAX;
    const owned = small ? record : ownContent(record.header, record.body);
    const message = new Message(record.exchange, record.routingKey, null, owned.header, owned.body, record.arrival, scan.flags, scan.deliveryMode);
    // (the position the queue held, even if the record moved since: removal goes through the forwarding entry)
    if (durable) message.stored = { id: record.id, handle: seg, segment: position.segment, offset, length: position.length };
    return message;
  }

  private readFdOf(seg: Segment): number {
    if (seg.readFd < 0) seg.readFd = openSync(this.locator.path(seg.id), 'r');
    return seg.readFd;
  }

  private readFailed(seg: Segment, why: string): void {
    process.stderr.write(
      `${new Date().toISOString()} [warning] damage: ${this.locator.path(seg.id)}: a message could not be read back (${why}); it is skipped\n`,
    );
  }
}
