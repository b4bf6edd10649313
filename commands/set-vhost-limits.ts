import { defineCommand } from '../src/cli/command.js';
import { parseLimits, setLimits } from '../src/cli/limits.js';

export default defineCommand({
  name: 'set_vhost_limits',
  aliases: [],
  group: 'vhosts',
  summary: 'Set limits of a virtual host (-p): max-connections, max-queues (negative: no limit)',
  description:
    'The limits are a JSON object, e.g. \'{"max-connections": 64, "max-queues": 1000}\'. A connection or queue past a limit is refused by the broker (warren and RabbitMQ alike).',
  arguments: [{ name: 'definition', description: 'the limits as a JSON object', required: true }],
  options: [],
  async run(ctx, [definition]) {
    const limits = parseLimits(definition as string);
    ctx.out.banner(`Applying limits to vhost "${ctx.vhost}" ...`);
    await setLimits(ctx, 'vhost', ctx.vhost, limits);
  },
});
