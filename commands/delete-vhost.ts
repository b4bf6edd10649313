import { seg } from '../src/cli/admin-client.js';
import { defineCommand } from '../src/cli/command.js';
import { whenStatus } from '../src/cli/context.js';
import { noSuchVhost } from '../src/cli/lookups.js';

export default defineCommand({
  name: 'delete_vhost',
  aliases: [],
  group: 'vhosts',
  summary: 'Delete a virtual host with all its exchanges, queues, bindings and permissions',
  arguments: [{ name: 'vhost', description: 'the virtual host to delete', required: true, complete: 'vhosts' }],
  options: [],
  async run(ctx, [vhost]) {
    const name = vhost as string;
    ctx.out.banner(`Deleting vhost "${name}" ...`);
    await ctx.client.delete(`/api/vhosts/${seg(name)}`).catch((e: unknown) => whenStatus(e, [404], () => noSuchVhost(name)));
  },
});
