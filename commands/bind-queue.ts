import { defineCommand } from '../src/cli/command.js';
import { CONNECTION_OPTIONS } from '../src/cli/messaging/connection.js';
import { jsonObjectOption } from '../src/cli/messaging/properties.js';
import { withChannel } from '../src/cli/messaging/with-channel.js';

export default defineCommand({
  name: 'bind_queue',
  aliases: [],
  group: 'messaging',
  summary: 'Bind a queue to an exchange with a routing key (queue.bind)',
  description: 'A missing queue or exchange exits 65. For a headers exchange give the match in --arguments, e.g. \'{"x-match": "all", "format": "pdf"}\'.',
  arguments: [
    { name: 'queue', description: 'the queue', required: true, complete: 'queues' },
    { name: 'exchange', description: 'the exchange', required: true, complete: 'exchanges' },
    { name: 'routing_key', description: 'binding key (default "")', required: false },
  ],
  options: [{ flags: '--arguments <json>', description: 'binding arguments as a JSON object' }, ...CONNECTION_OPTIONS],
  async run(ctx, [queue, exchange, key], options) {
    const args = jsonObjectOption(options, 'arguments', '--arguments');
    ctx.out.banner(`Binding queue '${queue as string}' to exchange '${exchange as string}' with routing key '${key ?? ''}' in vhost '${ctx.vhost}' ...`);
    await withChannel(ctx, options, 'bind_queue', (ch) => ch.bindQueue(queue as string, exchange as string, key ?? '', args));
  },
});
