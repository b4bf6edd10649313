import { seg } from '../src/cli/admin-client.js';
import { CliError, ExitCode } from '../src/cli/exit-codes.js';
import { defineCommand } from '../src/cli/command.js';
import { whenStatus } from '../src/cli/context.js';

export default defineCommand({
  name: 'close_connection',
  aliases: [],
  group: 'connections',
  summary: 'Close a client connection, giving the client an explanation',
  description: 'The connection name is the name info item of list_connections (e.g. "127.0.0.1:50000 -> 127.0.0.1:5672").',
  arguments: [
    { name: 'connection', description: 'connection name, as list_connections name shows it', required: true, complete: 'connections' },
    { name: 'explanation', description: 'reason sent to the client in connection.close', required: true },
  ],
  options: [],
  async run(ctx, [connection, explanation]) {
    const name = connection as string;
    ctx.out.banner(`Closing connection "${name}", reason: ${explanation as string}...`);
    await ctx.client
      .delete(`/api/connections/${seg(name)}`, { headers: { 'x-reason': explanation as string } })
      .catch((e: unknown) => whenStatus(e, [404], () => new CliError(ExitCode.DATA_ERROR, `connection '${name}' does not exist`)));
  },
});
