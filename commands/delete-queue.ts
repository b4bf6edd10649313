import { ApiError, seg } from '../src/cli/admin-client.js';
import { CliError, ExitCode } from '../src/cli/exit-codes.js';
import { defineCommand } from '../src/cli/command.js';
import { whenStatus } from '../src/cli/context.js';
import { noSuchQueue } from '../src/cli/lookups.js';

export default defineCommand({
  name: 'delete_queue',
  aliases: [],
  group: 'queues',
  summary: 'Delete a queue in a virtual host (-p), optionally only if it is empty or unused',
  arguments: [{ name: 'queue', description: 'the queue to delete', required: true, complete: 'queues' }],
  options: [
    { flags: '-e, --if-empty', description: 'delete only if the queue has no messages' },
    { flags: '-u, --if-unused', description: 'delete only if the queue has no consumers' },
  ],
  async run(ctx, [queue], options) {
    const name = queue as string;
    const path = `/api/queues/${seg(ctx.vhost)}/${seg(name)}`;
    const conditions = [options.ifEmpty ? 'if queue is empty' : '', options.ifUnused ? 'if queue is unused' : ''].filter(Boolean);
    ctx.out.banner(`Deleting queue '${name}' on vhost '${ctx.vhost}'${conditions.length ? ` ${conditions.join(' and ')}` : ''} ...`);
    const before = await ctx.client.get<{ messages?: number }>(path).catch((e: unknown) => whenStatus(e, [404], () => noSuchQueue(name, ctx.vhost)));
    const query: Record<string, string> = {};
    if (options.ifEmpty) query['if-empty'] = 'true';
    if (options.ifUnused) query['if-unused'] = 'true';
    try {
      await ctx.client.delete(path, { query });
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) throw noSuchQueue(name, ctx.vhost);
      if (e instanceof ApiError && e.status === 400) {
        throw new CliError(ExitCode.DATA_ERROR, `queue '${name}' in vhost '${ctx.vhost}' was not deleted: ${e.reason || e.error}`);
      }
      throw e;
    }
    ctx.out.line(`Queue was successfully deleted with ${before.messages ?? 0} messages`, {
      result: 'ok',
      message: 'Queue was successfully deleted',
      messages: before.messages ?? 0,
    });
  },
});
