// The one way tests wait: poll a condition until a generous deadline, never sleep a fixed time and
// hope. The deadline is long on purpose (a busy CI machine can be 10x slower than a laptop); a test
// that passes waits only as long as its condition takes.
import { setTimeout as delay } from 'node:timers/promises';

/** Default deadline for waitFor; override per call for conditions known to take long. */
export const WAIT_DEADLINE_MS = Number(process.env.WARREN_TEST_WAIT_MS ?? 60_000);

export interface WaitOptions {
  /** give up after this many ms (default WAIT_DEADLINE_MS) */
  timeoutMs?: number;
  /** poll interval in ms (default 20) */
  intervalMs?: number;
}

/**
 * Polls `get` until it returns something other than `false`/`undefined` and returns that value.
 * Errors thrown by `get` count as "not yet" (the last one is reported on timeout).
 */
export async function waitFor<T>(get: () => Promise<T | false | undefined> | T | false | undefined, what: string, options: WaitOptions = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? WAIT_DEADLINE_MS);
  const interval = options.intervalMs ?? 20;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await get();
      if (v !== false && v !== undefined) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out waiting for ${what}${why}`);
    }
    await delay(interval);
  }
}
