import { seg } from '../src/cli/admin-client.js';
import { BINDING_ITEMS } from '../src/cli/info-items.js';
import { listCommand } from '../src/cli/list-command.js';

export default listCommand({
  name: 'list_bindings',
  summary: 'List bindings in a virtual host (-p)',
  items: BINDING_ITEMS,
  path: (ctx) => `/api/bindings/${seg(ctx.vhost)}`,
  banner: (ctx) => `Listing bindings for vhost ${ctx.vhost}...`,
  vhostScoped: true,
});
