import { CONNECTION_ITEMS } from '../src/cli/info-items.js';
import { listCommand } from '../src/cli/list-command.js';

export default listCommand({
  name: 'list_connections',
  summary: 'List AMQP connections (all virtual hosts) (default: user peer_host peer_port state)',
  items: CONNECTION_ITEMS,
  path: () => '/api/connections',
  banner: () => 'Listing connections ...',
  vhostScoped: false,
});
