// trace_on and trace_off (commands/trace-on.ts, trace-off.ts): one definition, switched by `on`.
import { type CommandDefinition, defineCommand } from './command.js';
import { updateVhost } from './vhost-update.js';

const DESCRIPTION =
  'While tracing is on, every message published in the vhost is copied to its amq.rabbitmq.trace topic exchange with the routing key publish.<exchange>, and every delivery with deliver.<queue>; headers say who published or received it and where it went (exchange_name, routing_keys, properties, node, vhost, connection, channel, user, routed_queues, redelivered). Bind a queue to amq.rabbitmq.trace with "#" to see them. Publishes and gets through the management API are traced too. Tracing is node state, as with rabbitmqctl: it is off after a restart, and on a RabbitMQ cluster it applies to the node answering the management API (the vhost\'s tracing field, which this command sets). A missing vhost exits 65.';

export function traceCommand(on: boolean): CommandDefinition {
  return defineCommand({
    name: on ? 'trace_on' : 'trace_off',
    aliases: [],
    group: 'node',
    summary: on
      ? 'Start the firehose in a virtual host (-p): publishes and deliveries are copied to amq.rabbitmq.trace'
      : 'Stop the firehose in a virtual host (-p)',
    description: DESCRIPTION,
    arguments: [],
    options: [],
    async run(ctx) {
      ctx.out.banner(`${on ? 'Starting' : 'Stopping'} tracing for vhost "${ctx.vhost}" ...`);
      await updateVhost(ctx, ctx.vhost, { tracing: on });
      ctx.out.line(`Trace ${on ? 'enabled' : 'disabled'} for vhost ${ctx.vhost}`);
    },
  });
}
