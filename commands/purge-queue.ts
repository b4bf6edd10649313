import { seg } from '../src/cli/admin-client.js';
import { defineCommand } from '../src/cli/command.js';
import { whenStatus } from '../src/cli/context.js';
import { noSuchQueue } from '../src/cli/lookups.js';

export default defineCommand({
  name: 'purge_queue',
  aliases: [],
  group: 'queues',
  summary: 'Remove all ready messages from a queue in a virtual host (-p)',
  arguments: [{ name: 'queue', description: 'the queue to purge', required: true, complete: 'queues' }],
  options: [],
  async run(ctx, [queue]) {
    const name = queue as string;
    ctx.out.banner(`Purging queue '${name}' in vhost '${ctx.vhost}' ...`);
    await ctx.client
      .delete(`/api/queues/${seg(ctx.vhost)}/${seg(name)}/contents`)
      .catch((e: unknown) => whenStatus(e, [404], () => noSuchQueue(name, ctx.vhost)));
  },
});
