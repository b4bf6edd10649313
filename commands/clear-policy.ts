import { ApiError, seg } from '../src/cli/admin-client.js';
import { defineCommand } from '../src/cli/command.js';
import { CliError, ExitCode } from '../src/cli/exit-codes.js';
import { requireVhost } from '../src/cli/lookups.js';

export default defineCommand({
  name: 'clear_policy',
  aliases: [],
  group: 'policies',
  summary: 'Remove a policy from a virtual host (-p); the objects it matched lose its settings',
  arguments: [{ name: 'name', description: 'the policy name', required: true }],
  options: [],
  async run(ctx, [name]) {
    const policy = name as string;
    ctx.out.banner(`Clearing policy "${policy}" on vhost "${ctx.vhost}" ...`);
    try {
      await ctx.client.delete(`/api/policies/${seg(ctx.vhost)}/${seg(policy)}`);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) {
        await requireVhost(ctx, ctx.vhost);
        throw new CliError(ExitCode.DATA_ERROR, `policy '${policy}' in vhost '${ctx.vhost}' does not exist`);
      }
      throw e;
    }
  },
});
