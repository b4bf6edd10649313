import { seg } from '../src/cli/admin-client.js';
import type { InfoItemSet } from '../src/cli/info-items.js';
import { listCommand } from '../src/cli/list-command.js';

const POLICY_ITEMS: InfoItemSet = {
  items: {
    vhost: (o) => o.vhost,
    name: (o) => o.name,
    pattern: (o) => o.pattern,
    'apply-to': (o) => o['apply-to'],
    definition: (o) => o.definition,
    priority: (o) => o.priority,
  },
  defaults: ['vhost', 'name', 'pattern', 'apply-to', 'definition', 'priority'],
};

export default listCommand({
  name: 'list_policies',
  group: 'policies',
  summary: 'List the policies of a virtual host (-p): vhost name pattern apply-to definition priority',
  items: POLICY_ITEMS,
  path: (ctx) => `/api/policies/${seg(ctx.vhost)}`,
  banner: (ctx) => `Listing policies for vhost "${ctx.vhost}" ...`,
  vhostScoped: true,
});
