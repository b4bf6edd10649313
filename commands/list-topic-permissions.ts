import { seg } from '../src/cli/admin-client.js';
import { TOPIC_PERMISSION_ITEMS } from '../src/cli/info-items.js';
import { listCommand } from '../src/cli/list-command.js';

export default listCommand({
  name: 'list_topic_permissions',
  group: 'access',
  summary: 'List the topic permissions of every user in a virtual host (-p)',
  items: TOPIC_PERMISSION_ITEMS,
  path: (ctx) => `/api/vhosts/${seg(ctx.vhost)}/topic-permissions`,
  banner: (ctx) => `Listing topic permissions for vhost "${ctx.vhost}" ...`,
  vhostScoped: true,
});
