import { ARGUMENTS } from '../src/amqp/queue-arguments.js';
import { defineCommand } from '../src/cli/command.js';
import { CONNECTION_OPTIONS } from '../src/cli/messaging/connection.js';
import { intOption, jsonObjectOption } from '../src/cli/messaging/properties.js';
import { withChannel } from '../src/cli/messaging/with-channel.js';

export default defineCommand({
  name: 'declare_queue',
  aliases: [],
  group: 'messaging',
  summary: 'Declare a queue over AMQP (queue.declare) and print its name; "" lets the broker name it',
  description:
    'Succeeds when the queue already exists with the same properties; different ones exit 65 (PRECONDITION_FAILED). Queue arguments: --arguments as JSON, e.g. \'{"x-max-length": 1000, "x-message-ttl": 60000}\', and --max-priority. An --exclusive queue is deleted when the command exits, so it is only useful for testing.',
  arguments: [{ name: 'queue', description: 'the queue name ("" for a server-named queue)', required: true, complete: 'queues' }],
  options: [
    { flags: '-d, --durable', description: 'survive a broker restart' },
    { flags: '--auto-delete', description: 'delete the queue when its last consumer goes' },
    { flags: '--exclusive', description: 'exclusive to this connection (deleted when warrenctl exits)' },
    {
      flags: '--type <type>',
      description: 'queue type (x-queue-type): classic, quorum (durable; on warren a durable classic queue) or stream (RabbitMQ only)',
      choices: ['classic', 'quorum', 'stream'],
    },
    { flags: '--max-priority <1-255>', description: 'make it a priority queue (x-max-priority)' },
    {
      flags: '--arguments <json>',
      description: 'queue arguments as a JSON object (x-max-length, x-message-ttl, x-dead-letter-exchange, x-queue-type, ...)',
      complete: { keys: ARGUMENTS.flatMap((a) => (a.on === 'queue' && a.arg !== null ? [a.arg] : [])) },
    },
    ...CONNECTION_OPTIONS,
  ],
  async run(ctx, [queue], options) {
    const args = jsonObjectOption(options, 'arguments', '--arguments') ?? {};
    const maxPriority = intOption(options, 'maxPriority', '--max-priority', { min: 1, max: 255 });
    if (maxPriority !== undefined) args['x-max-priority'] = maxPriority;
    const type = typeof options.type === 'string' ? options.type : undefined;
    if (type !== undefined) args['x-queue-type'] = type;
    // quorum and stream queues are durable by definition: --type implies --durable
    const durable = options.durable === true || type === 'quorum' || type === 'stream';
    ctx.out.banner(`Declaring queue '${queue as string}' in vhost '${ctx.vhost}' ...`);
    const ok = await withChannel(ctx, options, 'declare_queue', (ch) =>
      ch.assertQueue(queue as string, { durable, autoDelete: options.autoDelete === true, exclusive: options.exclusive === true, arguments: args }),
    );
    ctx.out.line(ok.queue, { name: ok.queue, vhost: ctx.vhost, messages: ok.messageCount, consumers: ok.consumerCount });
  },
});
