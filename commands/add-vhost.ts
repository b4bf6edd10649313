import { seg } from '../src/cli/admin-client.js';
import { defineCommand } from '../src/cli/command.js';

export default defineCommand({
  name: 'add_vhost',
  aliases: [],
  group: 'vhosts',
  summary: 'Create a virtual host',
  arguments: [{ name: 'vhost', description: 'name of the virtual host', required: true }],
  options: [
    { flags: '--description <text>', description: 'a description of the virtual host' },
    { flags: '--tags <tags>', description: 'comma-separated tags' },
    {
      flags: '--default-queue-type <type>',
      description: 'queue type for queues declared without x-queue-type (classic, quorum, stream)',
      choices: ['classic', 'quorum', 'stream'],
    },
  ],
  async run(ctx, [vhost], options) {
    const name = vhost as string;
    const body: Record<string, string> = {};
    if (typeof options.description === 'string') body.description = options.description;
    if (typeof options.tags === 'string') body.tags = options.tags;
    if (typeof options.defaultQueueType === 'string') body.default_queue_type = options.defaultQueueType;
    ctx.out.banner(`Adding vhost "${name}" ...`);
    await ctx.client.put(`/api/vhosts/${seg(name)}`, { json: body });
  },
});
