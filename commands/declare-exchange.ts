import { ARGUMENTS } from '../src/amqp/queue-arguments.js';
import { defineCommand } from '../src/cli/command.js';
import { CONNECTION_OPTIONS } from '../src/cli/messaging/connection.js';
import { jsonObjectOption, str } from '../src/cli/messaging/properties.js';
import { withChannel } from '../src/cli/messaging/with-channel.js';

export default defineCommand({
  name: 'declare_exchange',
  aliases: [],
  group: 'messaging',
  summary: 'Declare an exchange over AMQP (exchange.declare)',
  description: 'Succeeds when the exchange already exists with the same properties; different ones exit 65 (PRECONDITION_FAILED).',
  arguments: [{ name: 'exchange', description: 'the exchange name', required: true, complete: 'exchanges' }],
  options: [
    { flags: '--type <type>', description: 'exchange type', defaultValue: 'direct', choices: ['direct', 'fanout', 'topic', 'headers'] },
    { flags: '-d, --durable', description: 'survive a broker restart' },
    { flags: '--auto-delete', description: 'delete the exchange when its last binding goes' },
    { flags: '--internal', description: 'only other exchanges may publish to it' },
    { flags: '--alternate-exchange <name>', description: 'where unroutable messages go (alternate-exchange argument)' },
    {
      flags: '--arguments <json>',
      description: 'exchange arguments as a JSON object',
      complete: { keys: ARGUMENTS.flatMap((a) => (a.on === 'exchange' && a.arg !== null ? [a.arg] : [])) },
    },
    ...CONNECTION_OPTIONS,
  ],
  async run(ctx, [exchange], options) {
    const args = jsonObjectOption(options, 'arguments', '--arguments') ?? {};
    const ae = str(options, 'alternateExchange');
    if (ae !== undefined) args['alternate-exchange'] = ae;
    const type = str(options, 'type') ?? 'direct';
    ctx.out.banner(`Declaring ${type} exchange '${exchange as string}' in vhost '${ctx.vhost}' ...`);
    await withChannel(ctx, options, 'declare_exchange', (ch) =>
      ch.assertExchange(exchange as string, type, {
        durable: options.durable === true,
        autoDelete: options.autoDelete === true,
        internal: options.internal === true,
        arguments: args,
      }),
    );
  },
});
