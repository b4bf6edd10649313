import { seg } from '../src/cli/admin-client.js';
import { USER_TOPIC_PERMISSION_ITEMS } from '../src/cli/info-items.js';
import { listCommand } from '../src/cli/list-command.js';
import { noSuchUser } from '../src/cli/lookups.js';

export default listCommand({
  name: 'list_user_topic_permissions',
  group: 'access',
  summary: "List a user's topic permissions in every virtual host",
  leading: [{ name: 'username', description: 'an existing user', required: true, complete: 'users' }],
  items: USER_TOPIC_PERMISSION_ITEMS,
  path: (_ctx, [user]) => `/api/users/${seg(user as string)}/topic-permissions`,
  banner: (_ctx, [user]) => `Listing topic permissions for user "${user as string}" ...`,
  notFound: (_ctx, [user]) => noSuchUser(user as string),
  vhostScoped: false,
});
