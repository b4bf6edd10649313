import { ApiError, seg } from '../src/cli/admin-client.js';
import { defineCommand } from '../src/cli/command.js';
import { requireUser, requireVhost } from '../src/cli/lookups.js';

export default defineCommand({
  name: 'clear_topic_permissions',
  aliases: [],
  group: 'access',
  summary: "Remove a user's topic permissions in a virtual host (-p), on one exchange or all",
  arguments: [
    { name: 'username', description: 'an existing user', required: true, complete: 'users' },
    { name: 'exchange', description: 'only this exchange (default: all)', required: false, complete: 'exchanges' },
  ],
  options: [],
  async run(ctx, [username, exchange]) {
    const user = username as string;
    ctx.out.banner(`Clearing topic permissions${exchange ? ` on "${exchange}"` : ''} for user "${user}" in vhost "${ctx.vhost}" ...`);
    const path = `/api/topic-permissions/${seg(ctx.vhost)}/${seg(user)}`;
    try {
      // The management API deletes a user's topic permissions in a vhost all at once, so clearing
      // one exchange's means deleting them all and putting the others back (works on RabbitMQ too).
      const others = exchange
        ? ((await ctx.client.get(path)) as { exchange: string; write: string; read: string }[]).filter((p) => p.exchange !== exchange)
        : [];
      await ctx.client.delete(path);
      for (const p of others) await ctx.client.put(path, { json: { exchange: p.exchange, write: p.write, read: p.read } });
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) throw e;
      // 404: a missing vhost (65) or user (67); both present means there was nothing to clear
      await requireVhost(ctx, ctx.vhost);
      await requireUser(ctx, user);
    }
  },
});
