import { defineCommand } from '../src/cli/command.js';
import { clearLimits } from '../src/cli/limits.js';

export default defineCommand({
  name: 'clear_user_limits',
  aliases: [],
  group: 'users',
  summary: "Clear one of a user's limits, or all of them",
  arguments: [
    { name: 'username', description: 'an existing user', required: true, complete: 'users' },
    { name: 'limit', description: 'max-connections, max-channels or all', required: true, complete: { words: ['max-connections', 'max-channels', 'all'] } },
  ],
  options: [],
  async run(ctx, [username, limit]) {
    const name = limit as string;
    ctx.out.banner(`Clearing "${name}" limit for user "${username as string}" ...`);
    await clearLimits(ctx, 'user', username as string, name === 'all' ? null : name);
  },
});
