import { defineCommand } from '../src/cli/command.js';
import { CliError, ExitCode } from '../src/cli/exit-codes.js';
import { CONNECTION_OPTIONS } from '../src/cli/messaging/connection.js';
import { withChannel } from '../src/cli/messaging/with-channel.js';

export default defineCommand({
  name: 'delete_exchange',
  aliases: [],
  group: 'messaging',
  summary: 'Delete an exchange (exchange.delete), optionally only if it has no bindings',
  description: 'Deleting a missing exchange succeeds (as on RabbitMQ). Built-in amq.* exchanges cannot be deleted (exit 65 or 77, as the broker refuses).',
  arguments: [{ name: 'exchange', description: 'the exchange to delete', required: true, complete: 'exchanges' }],
  options: [{ flags: '-u, --if-unused', description: 'delete only if no queue or exchange is bound to it' }, ...CONNECTION_OPTIONS],
  async run(ctx, [exchange], options) {
    const name = exchange as string;
    if (name === '') throw new CliError(ExitCode.DATA_ERROR, 'the default exchange cannot be deleted');
    ctx.out.banner(`Deleting exchange '${name}' in vhost '${ctx.vhost}'${options.ifUnused ? ' if unused' : ''} ...`);
    await withChannel(ctx, options, 'delete_exchange', (ch) => ch.deleteExchange(name, { ifUnused: options.ifUnused === true }));
  },
});
