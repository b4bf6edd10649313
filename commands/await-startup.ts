import { AdminClient, formatSeconds } from '../src/cli/admin-client.js';
import { CliError, ExitCode } from '../src/cli/exit-codes.js';
import { defineCommand } from '../src/cli/command.js';
import type { NodeStatus } from '../src/cli/node-status.js';

const DEFAULT_TIMEOUT_MS = 300_000; // rabbitmqctl await_startup's default
const POLL_MS = 100;
const PER_TRY_MS = 2_000;

export default defineCommand({
  name: 'await_startup',
  aliases: [],
  group: 'node',
  summary: 'Wait until the daemon answers and its app is running (-t seconds, default 300; exit 75 on timeout)',
  arguments: [],
  options: [],
  async run(ctx) {
    const timeoutMs = ctx.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    const transport = ctx.client.transport;
    ctx.out.banner(`Waiting for the ${ctx.client.describe()} to start ...`);
    let last = 'no answer yet';
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      const client = new AdminClient(transport, Math.max(1, Math.min(PER_TRY_MS, left)));
      try {
        const warren = await client.request('GET', '/api/warren/status');
        if (warren.status === 200) {
          if ((warren.body as NodeStatus).app_running) return;
          last = 'the warren application is stopped';
        } else {
          const overview = await client.request('GET', '/api/overview');
          if (overview.status === 200) return;
          last = `HTTP ${overview.status}`;
        }
      } catch (e) {
        if (!(e instanceof CliError)) throw e;
        if (e.exitCode === ExitCode.NO_PERMISSION) throw e;
        last = e.message;
      }
      await new Promise((r) => setTimeout(r, Math.min(POLL_MS, Math.max(0, deadline - Date.now()))));
    }
    throw new CliError(ExitCode.TEMP_FAIL, `timed out after ${formatSeconds(timeoutMs)} waiting for startup (${last})`);
  },
});
