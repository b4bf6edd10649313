import { readFile } from 'node:fs/promises';
import { ApiError } from '../src/cli/admin-client.js';
import { CliError, ExitCode } from '../src/cli/exit-codes.js';
import { defineCommand } from '../src/cli/command.js';
import { readStdin } from '../src/cli/prompt.js';

export default defineCommand({
  name: 'import_definitions',
  aliases: [],
  group: 'definitions',
  summary: 'Load RabbitMQ definitions JSON (from export_definitions or RabbitMQ) into the node',
  description: 'Reads the file, or standard input when it is "-" or omitted. Existing objects are kept; objects in the file are created or updated.',
  arguments: [{ name: 'file', description: 'definitions file, or - for standard input (default)', required: false, complete: 'files' }],
  options: [],
  async run(ctx, [file]) {
    const source = file ?? '-';
    let text: string;
    try {
      text = source === '-' ? await readStdin(ctx.io) : await readFile(source, 'utf8');
    } catch (e) {
      throw new CliError(ExitCode.DATA_ERROR, `cannot read ${source}: ${(e as Error).message}`);
    }
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a JSON object');
    } catch (e) {
      throw new CliError(ExitCode.DATA_ERROR, `${source === '-' ? 'standard input' : source} is not a definitions file: ${(e as Error).message}`);
    }
    ctx.out.banner(source === '-' ? 'Importing definitions from standard input ...' : `Importing definitions from file "${source}" ...`);
    try {
      await ctx.client.post('/api/definitions', { rawBody: text });
    } catch (e) {
      if (e instanceof ApiError && e.status === 400) throw new CliError(ExitCode.DATA_ERROR, `definitions refused: ${e.reason || e.error}`);
      throw e;
    }
  },
});
