import { ApiError, seg } from '../src/cli/admin-client.js';
import { defineCommand } from '../src/cli/command.js';
import { requireUser, requireVhost } from '../src/cli/lookups.js';

export default defineCommand({
  name: 'clear_permissions',
  aliases: [],
  group: 'access',
  summary: "Remove a user's permissions in a virtual host (-p)",
  arguments: [{ name: 'username', description: 'an existing user', required: true, complete: 'users' }],
  options: [],
  async run(ctx, [username]) {
    const user = username as string;
    ctx.out.banner(`Clearing permissions for user "${user}" in vhost "${ctx.vhost}" ...`);
    try {
      await ctx.client.delete(`/api/permissions/${seg(ctx.vhost)}/${seg(user)}`);
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) throw e;
      // 404: a missing vhost (65) or user (67); both present means there was nothing to clear
      await requireVhost(ctx, ctx.vhost);
      await requireUser(ctx, user);
    }
  },
});
