import { seg } from '../src/cli/admin-client.js';
import { defineCommand } from '../src/cli/command.js';
import { requireUser, requireVhost } from '../src/cli/lookups.js';

export default defineCommand({
  name: 'set_permissions',
  aliases: [],
  group: 'access',
  summary: "Set a user's configure, write and read permissions in a virtual host (-p)",
  description: 'Each permission is a regular expression matched against resource names; ".*" grants everything, "" nothing.',
  arguments: [
    { name: 'username', description: 'an existing user', required: true, complete: 'users' },
    { name: 'conf', description: 'configure regular expression (declare/delete)', required: true },
    { name: 'write', description: 'write regular expression (publish, bind to)', required: true },
    { name: 'read', description: 'read regular expression (consume, get, bind from)', required: true },
  ],
  options: [],
  async run(ctx, [username, configure, write, read]) {
    const user = username as string;
    await requireVhost(ctx, ctx.vhost);
    await requireUser(ctx, user);
    ctx.out.banner(`Setting permissions for user "${user}" in vhost "${ctx.vhost}" ...`);
    // patterns are PCRE: the server (warren or RabbitMQ) judges them and its refusal exits 65
    await ctx.client.put(`/api/permissions/${seg(ctx.vhost)}/${seg(user)}`, { json: { configure, write, read } });
  },
});
