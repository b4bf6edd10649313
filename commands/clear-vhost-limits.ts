import { defineCommand } from '../src/cli/command.js';
import { clearLimits } from '../src/cli/limits.js';

export default defineCommand({
  name: 'clear_vhost_limits',
  aliases: [],
  group: 'vhosts',
  summary: 'Clear every limit of a virtual host (-p)',
  arguments: [],
  options: [],
  async run(ctx) {
    ctx.out.banner(`Clearing limits for vhost "${ctx.vhost}" ...`);
    await clearLimits(ctx, 'vhost', ctx.vhost, null);
  },
});
