import { writeFile } from 'node:fs/promises';
import { CliError, ExitCode } from '../src/cli/exit-codes.js';
import { defineCommand } from '../src/cli/command.js';

export default defineCommand({
  name: 'export_definitions',
  aliases: [],
  group: 'definitions',
  summary: 'Write users, vhosts, permissions, exchanges, queues, bindings and policies as RabbitMQ definitions JSON',
  description:
    'The file imports into RabbitMQ (rabbitmqctl import_definitions, or the management UI) and into warren. "-" or no argument writes to standard output.',
  arguments: [{ name: 'file', description: 'where to write, or - for standard output (default)', required: false, complete: 'files' }],
  options: [],
  async run(ctx, [file]) {
    const target = file ?? '-';
    ctx.out.banner(target === '-' ? 'Exporting definitions to standard output ...' : `Exporting definitions to file "${target}" ...`);
    const definitions = await ctx.client.get('/api/definitions');
    const text = `${JSON.stringify(definitions, null, 2)}\n`;
    if (target === '-') {
      ctx.out.raw(text);
      return;
    }
    try {
      await writeFile(target, text, { mode: 0o600 });
    } catch (e) {
      throw new CliError(ExitCode.DATA_ERROR, `cannot write ${target}: ${(e as Error).message}`);
    }
  },
});
