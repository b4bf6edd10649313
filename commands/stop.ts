import { AdminClient, formatSeconds } from '../src/cli/admin-client.js';
import { CliError, ExitCode } from '../src/cli/exit-codes.js';
import { defineCommand } from '../src/cli/command.js';

const DEFAULT_WAIT_MS = 30_000;

export default defineCommand({
  name: 'stop',
  aliases: ['shutdown'],
  group: 'node',
  summary: 'Stop the warren-server daemon and wait until it has exited',
  arguments: [],
  options: [],
  warrenOnly: { rabbitmqEquivalent: 'rabbitmqctl stop' },
  async run(ctx) {
    ctx.out.banner(`Stopping warren-server at ${ctx.client.describe()} ...`);
    await ctx.client.post('/api/warren/stop');
    const waitMs = ctx.timeoutMs ?? DEFAULT_WAIT_MS;
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      try {
        await new AdminClient(ctx.client.transport, 1_000).request('GET', '/api/warren/status');
      } catch (e) {
        if (e instanceof CliError && e.exitCode === ExitCode.UNAVAILABLE) return; // gone
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new CliError(ExitCode.TEMP_FAIL, `warren-server still answers ${formatSeconds(waitMs)} after stop`);
  },
});
