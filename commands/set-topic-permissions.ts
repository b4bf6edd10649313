import { seg } from '../src/cli/admin-client.js';
import { defineCommand } from '../src/cli/command.js';
import { requireUser, requireVhost } from '../src/cli/lookups.js';

export default defineCommand({
  name: 'set_topic_permissions',
  aliases: [],
  group: 'access',
  summary: "Set a user's topic permissions on a topic exchange in a virtual host (-p)",
  description:
    'The regular expressions are matched against routing keys: write when publishing to the exchange, read when binding from it. {username} and {vhost} are replaced by the user and vhost names. Where none is set, every routing key is allowed.',
  arguments: [
    { name: 'username', description: 'an existing user', required: true, complete: 'users' },
    { name: 'exchange', description: 'a topic exchange', required: true, complete: 'exchanges' },
    { name: 'write', description: 'write regular expression (routing keys it may publish with)', required: true },
    { name: 'read', description: 'read regular expression (binding keys it may bind with)', required: true },
  ],
  options: [],
  async run(ctx, [username, exchange, write, read]) {
    const user = username as string;
    await requireVhost(ctx, ctx.vhost);
    await requireUser(ctx, user);
    ctx.out.banner(`Setting topic permissions on "${exchange as string}" for user "${user}" in vhost "${ctx.vhost}" ...`);
    // patterns are PCRE: the server (warren or RabbitMQ) judges them and its refusal exits 65
    await ctx.client.put(`/api/topic-permissions/${seg(ctx.vhost)}/${seg(user)}`, { json: { exchange, write, read } });
  },
});
