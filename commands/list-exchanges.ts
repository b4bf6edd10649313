import { seg } from '../src/cli/admin-client.js';
import { EXCHANGE_ITEMS } from '../src/cli/info-items.js';
import { listCommand } from '../src/cli/list-command.js';

export default listCommand({
  name: 'list_exchanges',
  summary: 'List exchanges in a virtual host (-p) (default: name type)',
  items: EXCHANGE_ITEMS,
  path: (ctx) => `/api/exchanges/${seg(ctx.vhost)}`,
  banner: (ctx) => `Listing exchanges for vhost ${ctx.vhost} ...`,
  vhostScoped: true,
});
