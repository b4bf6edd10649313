import { seg } from '../src/cli/admin-client.js';
import { CONSUMER_ITEMS } from '../src/cli/info-items.js';
import { listCommand } from '../src/cli/list-command.js';

export default listCommand({
  name: 'list_consumers',
  summary: 'List consumers in a virtual host (-p)',
  description: 'The channel_pid item shows the channel name, as the management API has no Erlang pids.',
  items: CONSUMER_ITEMS,
  path: (ctx) => `/api/consumers/${seg(ctx.vhost)}`,
  banner: (ctx) => `Listing consumers in vhost ${ctx.vhost} ...`,
  vhostScoped: true,
});
