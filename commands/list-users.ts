import { USER_ITEMS } from '../src/cli/info-items.js';
import { listCommand } from '../src/cli/list-command.js';

export default listCommand({
  name: 'list_users',
  group: 'users',
  summary: 'List users and their tags',
  items: USER_ITEMS,
  path: () => '/api/users',
  banner: () => 'Listing users ...',
  vhostScoped: false,
});
