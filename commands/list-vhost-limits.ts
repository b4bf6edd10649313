import { seg } from '../src/cli/admin-client.js';
import { listCommand } from '../src/cli/list-command.js';

export default listCommand({
  name: 'list_vhost_limits',
  group: 'vhosts',
  summary: 'List the limits of a virtual host (-p), or of every one with --global: vhost limits',
  items: { items: { vhost: (o) => o.vhost, limits: (o) => o.value }, defaults: ['vhost', 'limits'], fields: { limits: ['value'] } },
  options: [{ flags: '--global', description: 'the limits of every virtual host' }],
  path: (ctx, _leading, options) => (options['global'] === true ? '/api/vhost-limits' : `/api/vhost-limits/${seg(ctx.vhost)}`),
  banner: (ctx, _leading, options) => (options['global'] === true ? 'Listing limits for all vhosts ...' : `Listing limits for vhost "${ctx.vhost}" ...`),
  vhostScoped: true,
});
