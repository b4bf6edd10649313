// One segment of the disk message store, as the store keeps it in memory, and the small file
// helpers its parts share (paths, reads that continue after short reads, durable appends).
import { closeSync, fsyncSync, mkdirSync, openSync, read, readSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { AppendFile } from './group-commit.js';
import type { QueueRef } from './message-store.js';
import { FILE_HEADER } from './records.js';
import type { IndexBuilder } from './segment-index.js';
import { closeInBackground, writeAll } from './io.js';

/**
 * Start a new segment past this size; smaller segments free disk sooner. WARREN_SEGMENT_BYTES
 * (read once, at start) sets another size, for tests that need many segments quickly.
 */
export const SEGMENT_BYTES = Number(process.env.WARREN_SEGMENT_BYTES) > 0 ? Number(process.env.WARREN_SEGMENT_BYTES) : 16 * 1024 * 1024;
export const SEGMENT_NAME = /^(\d{10})\.seg$/;
/** where files recovery cannot use are kept (never deleted) */
const DAMAGED_DIR = 'damaged';

export class Segment {
  /** (message, queue) pairs stored here and not yet removed, plus spilled copies still held */
  live = 0;
  /** every (message, queue) pair ever stored here: live / pairs is how much of it is still useful */
  pairs = 0;
  /** spilled copies still held (a segment holding any is not compacted) */
  transientLive = 0;
  /** lowest message id stored here (ids grow with segment ids) */
  firstId = 0;
  acks: AppendFile | null = null;
  /** the index data of its records, gathered while it is the current segment (written when it is sealed) */
  index: IndexBuilder | null = null;
  /** bytes in its file, for a segment recovered from an earlier run (else its file's size counts) */
  size = 0;
  /** for reading messages back (opened on first use) */
  readFd = -1;
  /** asynchronous reads in flight on readFd (compaction waits for them, and a deleted segment closes it after them) */
  reading = 0;
  /** deleted while reads were in flight: readFd is closed when the last one ends */
  dropped = false;
  /** queue key -> the number this segment's records use for it */
  readonly numbers = new Map<string, number>();

  constructor(
    readonly id: number,
    readonly file: AppendFile | null,
  ) {}
}

/** Where a live record of a compacted segment went. */
export interface Relocation {
  segment: number;
  offset: number;
  /** the copy's length (a moved record is longer than the original: it names its origin) */
  length: number;
  /** queues still holding the old position */
  holders: number;
}

export type StoreFile = 'seg' | 'acks' | 'idx';

export function segmentPath(dir: string, id: number, ext: StoreFile): string {
  return join(dir, `${String(id).padStart(10, '0')}.${ext}`);
}

/** Keeps a file recovery cannot use in `dir`/damaged/, never deleting it; returns where it went. */
export function keepAside(dir: string, path: string): string {
  const aside = join(dir, DAMAGED_DIR);
  mkdirSync(aside, { recursive: true, mode: 0o700 });
  const to = join(aside, `${path.slice(dir.length + 1)}.${Date.now()}`);
  renameSync(path, to);
  return to;
}

/** Reads `buf.length` bytes at `position`, continuing after short reads. */
export function readAsync(fd: number, buf: Buffer, position: number, done: (err: Error | null) => void): void {
  let got = 0;
  const next = (): void => {
    read(fd, buf, got, buf.length - got, position + got, (err, n) => {
      if (err) return done(err);
      if (n === 0) return done(new Error('file ended early'));
      got += n;
      if (got < buf.length) next();
      else done(null);
    });
  };
  next();
}

export function refOf(key: string): QueueRef {
  const cut = key.indexOf('\u0000');
  return { vhost: key.slice(0, cut), name: key.slice(cut + 1) };
}

/** How many record marks lie in [from, to): about how many records a damaged stretch held. */
export function countMarks(buf: Buffer, from: number, to: number): number {
  let n = 0;
  for (let pos = from; pos < to;) {
    const at = buf.indexOf(MARK, pos);
    if (at < 0 || at >= to) break;
    n++;
    pos = at + 1;
  }
  return Math.max(1, n);
}

const MARK = Buffer.from([0x57, 0x52, 0x4e, 0x31]); // RECORD_MARK's bytes

/** The first bytes of a file (its header, if it has one). */
export function readHead(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(FILE_HEADER);
    const n = readSync(fd, buf, 0, FILE_HEADER, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** Appends and fsyncs at once (recovery, before anything else runs). */
export function appendDurably(path: string, chunks: Buffer[]): void {
  const fd = openSync(path, 'a', 0o600);
  try {
    writeAll(fd, chunks);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Closes a segment's shared read descriptor (once no read is in flight on it). */
export function closeReadFd(seg: Segment): void {
  if (seg.readFd >= 0) closeInBackground(seg.readFd);
  seg.readFd = -1;
}
