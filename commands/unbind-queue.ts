import { defineCommand } from '../src/cli/command.js';
import { CONNECTION_OPTIONS } from '../src/cli/messaging/connection.js';
import { jsonObjectOption } from '../src/cli/messaging/properties.js';
import { withChannel } from '../src/cli/messaging/with-channel.js';

export default defineCommand({
  name: 'unbind_queue',
  aliases: [],
  group: 'messaging',
  summary: 'Remove a binding between a queue and an exchange (queue.unbind)',
  description:
    'Give the same routing key and arguments as when binding. A missing queue or exchange exits 65; a missing binding is not an error (as RabbitMQ).',
  arguments: [
    { name: 'queue', description: 'the queue', required: true, complete: 'queues' },
    { name: 'exchange', description: 'the exchange', required: true, complete: 'exchanges' },
    { name: 'routing_key', description: 'binding key (default "")', required: false },
  ],
  options: [{ flags: '--arguments <json>', description: 'binding arguments as a JSON object' }, ...CONNECTION_OPTIONS],
  async run(ctx, [queue, exchange, key], options) {
    const args = jsonObjectOption(options, 'arguments', '--arguments');
    ctx.out.banner(`Unbinding queue '${queue as string}' from exchange '${exchange as string}' with routing key '${key ?? ''}' in vhost '${ctx.vhost}' ...`);
    await withChannel(ctx, options, 'unbind_queue', (ch) => ch.unbindQueue(queue as string, exchange as string, key ?? '', args));
  },
});
