import { defineCommand } from '../src/cli/command.js';
import { flattenEnvironment, PARTIAL_ENVIRONMENT, rabbitmqEnvironment, warrenEnvironment } from '../src/cli/node-environment.js';

export default defineCommand({
  name: 'environment',
  aliases: [],
  group: 'node',
  summary: "Show the node's configuration (listeners, limits, log level, tracing, ...), by application as rabbitmqctl does",
  description:
    "Grouped and named as rabbitmqctl environment shows RabbitMQ's application environment (rabbit.heartbeat, rabbit.frame_max, rabbit.tcp_listeners, rabbit.trace_vhosts, rabbitmq_management.listener, ...); warren's own settings are under warren. On warren, every effective setting of the daemon. On RabbitMQ, the part of the environment its management API exposes (listeners, memory and disk limits, tracing, logs, plugins, auth mechanisms), with a note on stderr: rabbitmqctl environment on the node shows the rest. --formatter json prints the nested object; the other formats one application.key per line.",
  arguments: [],
  options: [],
  async run(ctx) {
    const warren = await ctx.isWarren();
    // the note first: the banner is the last line before the output (report heads its section with it)
    if (!warren) ctx.out.banner(`Note: ${PARTIAL_ENVIRONMENT}`);
    ctx.out.banner(`Application environment of node at ${ctx.client.describe()} ...`);
    const env = warren ? await warrenEnvironment(ctx.client) : await rabbitmqEnvironment(ctx.client);
    if (ctx.out.isJson) ctx.out.json(env);
    else await ctx.out.object(flattenEnvironment(env));
  },
});
