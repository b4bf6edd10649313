import { VHOST_ITEMS } from '../src/cli/info-items.js';
import { listCommand } from '../src/cli/list-command.js';

export default listCommand({
  name: 'list_vhosts',
  group: 'vhosts',
  summary: 'List virtual hosts',
  items: VHOST_ITEMS,
  path: () => '/api/vhosts',
  banner: () => 'Listing vhosts ...',
  vhostScoped: false,
});
