import { defineCommand } from '../src/cli/command.js';
import { parseLimits, setLimits } from '../src/cli/limits.js';

export default defineCommand({
  name: 'set_user_limits',
  aliases: [],
  group: 'users',
  summary: 'Set limits of a user: max-connections, max-channels (negative: no limit)',
  description: 'The limits are a JSON object, e.g. \'{"max-connections": 10, "max-channels": 100}\'.',
  arguments: [
    { name: 'username', description: 'an existing user', required: true, complete: 'users' },
    { name: 'definition', description: 'the limits as a JSON object', required: true },
  ],
  options: [],
  async run(ctx, [username, definition]) {
    const limits = parseLimits(definition as string);
    ctx.out.banner(`Setting user limits to "${definition as string}" for user "${username as string}" ...`);
    await setLimits(ctx, 'user', username as string, limits);
  },
});
