// A lock shared by every test process on this machine (a directory made atomically in the temp folder), for the
// few tests that must use fixed names on the shared RabbitMQ (the pika seed programs declare 'hello',
// 'task_queue', ... and cannot be told otherwise): two runs of them at once, from two worktrees or two
// helpers, would delete each other's queues. A lock whose holder has died is taken over.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './wait.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the named lock (waiting up to `timeoutMs` for its holder) and returns its release. */
export async function machineLock(name: string, timeoutMs = 15 * 60_000): Promise<() => void> {
  const dir = join(tmpdir(), `warren-test-lock-${name}`);
  const owner = join(dir, 'pid');
  await waitFor(
    () => {
      try {
        mkdirSync(dir);
        writeFileSync(owner, String(process.pid));
        return true;
      } catch {
        let pid = NaN;
        try {
          pid = Number(readFileSync(owner, 'utf8'));
        } catch {
          // being created or released right now: try again
        }
        if (Number.isInteger(pid) && pid > 0 && !alive(pid)) rmSync(dir, { recursive: true, force: true });
        return false;
      }
    },
    `the machine-wide test lock '${name}'`,
    { timeoutMs, intervalMs: 200 },
  );
  return () => rmSync(dir, { recursive: true, force: true });
}
