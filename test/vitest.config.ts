import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Files run in parallel: every test starts its own warren-server on port 0 with its own data directory, and
// names what it creates on the shared RabbitMQ uniquely, so files share nothing. Most of a file's time is spent
// waiting (for processes, sockets, RabbitMQ's statistics), so more workers than cores pays off; WARREN_TEST_WORKERS
// overrides. Timeouts are generous on purpose: tests wait for conditions (test/helpers/wait.ts), never for a
// fixed time, so a slow machine makes them slower, not red.
const workers = Number(process.env.WARREN_TEST_WORKERS ?? Math.max(4, availableParallelism() * 2));

export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['test/**/*.test.ts'],
    // Every warren-server a test starts (with the helper or not) takes free ports for its management and
    // metrics listeners, so none collides with the RabbitMQ on 15672 or with another test's daemon.
    env: { WARREN_API_PORT: '0', WARREN_API_TLS_PORT: '0', WARREN_METRICS_PORT: '0' },
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // A worker process runs file after file, keeping the modules it loaded: 90 process starts and module loads
    // fewer (measured: npm test 234 s -> 196 s, CPU 315 s -> 265 s, on two cores the suite keeps busy). Files
    // share nothing but those modules; what a test changes globally (timers, fs, the fault sink) it restores.
    isolate: false,
    fileParallelism: true,
    maxWorkers: workers,
    // the slowest files first, so the tail of a run is not one long file started last
    sequence: { shuffle: false },
  },
});
