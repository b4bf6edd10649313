import { defineCommand } from '../src/cli/command.js';
import { updateVhost } from '../src/cli/vhost-update.js';

export default defineCommand({
  name: 'trace_on',
  aliases: [],
  group: 'node',
  summary: 'Start the firehose in a virtual host (-p): publishes and deliveries are copied to amq.rabbitmq.trace',
  description:
    'While tracing is on, every message published in the vhost is copied to its amq.rabbitmq.trace topic exchange with the routing key publish.<exchange>, and every delivery with deliver.<queue>; headers say who published or received it and where it went (exchange_name, routing_keys, properties, node, vhost, connection, channel, user, routed_queues, redelivered). Bind a queue to amq.rabbitmq.trace with "#" to see them. Tracing is node state, as with rabbitmqctl: it is off after a restart, and on a RabbitMQ cluster it applies to the node answering the management API (the vhost\'s tracing field, which this command sets). A missing vhost exits 65.',
  arguments: [],
  options: [],
  async run(ctx) {
    ctx.out.banner(`Starting tracing for vhost "${ctx.vhost}" ...`);
    await updateVhost(ctx, ctx.vhost, { tracing: true });
    ctx.out.line(`Trace enabled for vhost ${ctx.vhost}`);
  },
});
