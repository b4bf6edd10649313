import { CHANNEL_ITEMS } from '../src/cli/info-items.js';
import { listCommand } from '../src/cli/list-command.js';

export default listCommand({
  name: 'list_channels',
  summary: 'List channels (all virtual hosts) (default: pid user consumer_count messages_unacknowledged)',
  description: 'The pid item shows the channel name, as the management API has no Erlang pids.',
  items: CHANNEL_ITEMS,
  path: () => '/api/channels',
  banner: () => 'Listing channels ...',
  vhostScoped: false,
});
