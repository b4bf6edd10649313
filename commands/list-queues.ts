import { seg } from '../src/cli/admin-client.js';
import { QUEUE_ITEMS } from '../src/cli/info-items.js';
import { listCommand } from '../src/cli/list-command.js';

export default listCommand({
  name: 'list_queues',
  summary: 'List queues in a virtual host (-p) with the chosen info items (default: name messages)',
  description: 'Message counts come from the management API; RabbitMQ refreshes them every few seconds, warren at once.',
  items: QUEUE_ITEMS,
  path: (ctx) => `/api/queues/${seg(ctx.vhost)}`,
  banner: (ctx) => `Listing queues for vhost ${ctx.vhost} ...`,
  vhostScoped: true,
});
