import { defineCommand } from '../src/cli/command.js';

export default defineCommand({
  name: 'rebalance',
  aliases: [],
  group: 'queues',
  summary: 'Spread quorum queue leaders evenly over the running cluster nodes (as rabbitmq-queues rebalance)',
  description:
    'On RabbitMQ: POST /api/rebalance/queues, which starts the rebalance on the cluster and returns at once; list_queues name leader shows the result. A warren node is a single node: nothing moves.',
  arguments: [],
  options: [],
  async run(ctx) {
    if (await ctx.isWarren()) {
      ctx.out.banner('A warren node is a cluster of one: every queue leader is already on it; nothing to rebalance');
      if (ctx.out.isJson) ctx.out.json({ message: 'nothing to rebalance on a single node' });
      return;
    }
    ctx.out.banner(`Rebalancing queue leaders on the cluster at ${ctx.client.describe()} ...`);
    await ctx.client.post('/api/rebalance/queues');
    if (ctx.out.isJson) ctx.out.json({ message: 'rebalance started' });
  },
});
