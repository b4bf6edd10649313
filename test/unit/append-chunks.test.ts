// The store's write path encodes records straight into a per-file chunk (GroupCommit.reserve)
// and computes small checksums in JavaScript: what reaches the file must be exactly the records
// in the order they were made, whatever the interleaving of appends, reservations and write-outs.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { contentHeaderPayload } from '../../src/amqp/index.js';
import { Message } from '../../src/broker/message.js';
import { AppendFile, GroupCommit } from '../../src/broker/store/group-commit.js';
import { prng } from './random.js';
import { bufferContent, crcOf, encodePublish, publishSize, RECORD_PUBLISH, writePublish } from '../../src/broker/store/records.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'warren-chunks-'));
  dirs.push(dir);
  return join(dir, 'f');
}

describe('crcOf', () => {
  it('gives zlib crc32 values at every length from 0 to 600 and at odd offsets', () => {
    const next = prng(7);
    const buf = Buffer.alloc(1024);
    for (let i = 0; i < buf.length; i++) buf[i] = Math.floor(next() * 256);
    for (let len = 0; len <= 600; len++) {
      const start = len % 13;
      expect(crcOf(buf, start, start + len)).toBe(crc32(buf.subarray(start, start + len)));
    }
  });
});

describe('records encoded into chunks', () => {
  it('reach the file whole and in order across chunk ends, plain appends and write-outs at random points', async () => {
    const path = tempFile();
    const commit = new GroupCommit();
    const file = new AppendFile(path);
    const expected: Buffer[] = [];
    const next = prng(42);
    for (let i = 0; i < 5000; i++) {
      const roll = next();
      if (roll < 0.1) {
        // a plain append (its own buffer) between reserved ones
        const bytes = Buffer.from(`plain ${i};`);
        commit.append(file, bytes);
        expected.push(bytes);
      } else {
        // sizes from a few bytes to more than a chunk (256 KiB), mostly small
        const n = roll > 0.999 ? 300_000 : 1 + Math.floor(next() * 400);
        const at = commit.reserve(file, n, next() < 0.5);
        const bytes = Buffer.alloc(n, i & 0xff);
        if (n >= 4) bytes.writeUInt32BE(i, 0);
        bytes.copy(file.chunk, at);
        expected.push(bytes);
      }
      if (next() < 0.05) commit.writeOut();
    }
    await commit.drain();
    commit.retire(file);
    await commit.drain();
    const want = Buffer.concat(expected);
    expect(file.size).toBe(want.length);
    expect(readFileSync(path).equals(want)).toBe(true);
  });

  it('a message written from its text (a small one) or its buffers gives the same record bytes as encodePublish', () => {
    // short and long (over 64 bytes) content headers: a small message's header is written two ways
    const shapes = [
      { deliveryMode: 2, contentType: 'text/plain' },
      { deliveryMode: 2, contentType: 'text/plain', correlationId: 'c'.repeat(60), headers: { trace: 'x'.repeat(40) } },
    ];
    for (const [body, properties] of [Buffer.from('hello'), Buffer.alloc(0), Buffer.alloc(5000, 7)].flatMap((b) => shapes.map((p) => [b, p] as const))) {
      const header = contentHeaderPayload(body.length, properties);
      const m = new Message('amq.direct', 'rk', properties, header, body);
      const want = encodePublish(9, m.arrival, [0, 3], 'amq.direct', 'rk', header, body);
      const size = publishSize(RECORD_PUBLISH, 2, 'amq.direct', 'rk', m);
      const buf = Buffer.alloc(size + 10, 0xee);
      writePublish(buf, 5, size, RECORD_PUBLISH, 0, 9, m.arrival, [0, 3], 'amq.direct', 'rk', m);
      expect(buf.subarray(5, 5 + size).equals(want)).toBe(true);
      expect(buf.subarray(0, 5).equals(Buffer.alloc(5, 0xee))).toBe(true);
      expect(buf.subarray(5 + size).equals(Buffer.alloc(5, 0xee))).toBe(true);
      expect(want.equals(encodePublish(9, m.arrival, [0, 3], 'amq.direct', 'rk', header, body))).toBe(true);
      expect(publishSize(RECORD_PUBLISH, 2, 'amq.direct', 'rk', bufferContent(header, body))).toBe(size);
    }
  });
});

describe('sync rounds', () => {
  it('overlap (a round starts while an earlier fsync runs), yet every batch settles once, in order, after its bytes are in the file', async () => {
    const commit = new GroupCommit();
    const files = [new AppendFile(tempFile()), new AppendFile(tempFile()), new AppendFile(tempFile())];
    const settled: number[] = [];
    /** batch -> bytes each file held when the batch was closed */
    const sizesAt = new Map<number, number[]>();
    commit.onDurable((batch, failed) => {
      expect(failed).toBe(false);
      settled.push(batch);
      // what the batch covers is on disk now
      const want = sizesAt.get(batch);
      if (want) files.forEach((f, i) => expect(readFileSync(f.path).length).toBeGreaterThanOrEqual(want[i]!));
    });
    let overlapped = 0;
    const next = prng(3);
    for (let i = 0; i < 300; i++) {
      const file = files[Math.floor(next() * files.length)]!;
      // big enough that an fdatasync takes real time
      const n = 16 * 1024 + Math.floor(next() * 64 * 1024);
      const at = commit.reserve(file, n, true);
      file.chunk.fill(i & 0xff, at, at + n);
      sizesAt.set(
        commit.currentBatch,
        files.map((f) => f.size),
      );
      // two rounds in the kernel at once: the open batch is 3 past the settled one
      if (commit.currentBatch - commit.durableBatch >= 3) overlapped++;
      await new Promise((r) => setImmediate(r));
    }
    await commit.drain();
    for (const f of files) commit.retire(f);
    await commit.drain();
    expect(overlapped).toBeGreaterThan(0);
    expect(settled).toEqual(Array.from({ length: settled.length }, (_, k) => k + 1));
    expect(settled.at(-1)).toBe(commit.durableBatch);
  });
});

describe('retiring a file', () => {
  it('closes its descriptor once however often it is retired (closes run later, on the thread pool, where a second one could close a file opened meanwhile under the same number)', async () => {
    const commit = new GroupCommit();
    const file = new AppendFile(tempFile());
    commit.retire(file);
    commit.retire(file);
    expect((commit as unknown as { toClose: AppendFile[] }).toClose).toEqual([file]);
    await commit.drain();
    expect((commit as unknown as { toClose: AppendFile[] }).toClose).toEqual([]);
  });
});
