import { seg } from '../src/cli/admin-client.js';
import { PERMISSION_ITEMS } from '../src/cli/info-items.js';
import { listCommand } from '../src/cli/list-command.js';

export default listCommand({
  name: 'list_permissions',
  group: 'access',
  summary: 'List the permissions of every user in a virtual host (-p)',
  items: PERMISSION_ITEMS,
  path: (ctx) => `/api/vhosts/${seg(ctx.vhost)}/permissions`,
  banner: (ctx) => `Listing permissions for vhost "${ctx.vhost}" ...`,
  vhostScoped: true,
});
