import { readFile } from 'node:fs/promises';
import { ApiError } from '../src/cli/admin-client.js';
import { CliError, ExitCode } from '../src/cli/exit-codes.js';
import { defineCommand } from '../src/cli/command.js';
import type { Context } from '../src/cli/context.js';
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
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a JSON object');
    } catch (e) {
      throw new CliError(ExitCode.DATA_ERROR, `${source === '-' ? 'standard input' : source} is not a definitions file: ${(e as Error).message}`);
    }
    ctx.out.banner(source === '-' ? 'Importing definitions from standard input ...' : `Importing definitions from file "${source}" ...`);
    const skipped = await danglingBindings(ctx, parsed as Definitions);
    try {
      await ctx.client.post('/api/definitions', { rawBody: text });
    } catch (e) {
      if (e instanceof ApiError && e.status === 400)
        throw new CliError(ExitCode.DATA_ERROR, `definitions refused (nothing was imported): ${e.reason || e.error}`);
      throw e;
    }
    // stderr, also with --quiet: the broker skipped these without a word (RabbitMQ answers 204 too)
    for (const w of skipped) ctx.io.stderr.write(`warning: ${w}\n`);
  },
});

type Item = Record<string, unknown>;
interface Definitions {
  exchanges?: Item[];
  queues?: Item[];
  bindings?: Item[];
}

const name = (i: Item, key: string): string => (typeof i[key] === 'string' ? (i[key] as string) : '');
const key = (vhost: string, n: string): string => `${vhost}\u0000${n}`;

/** Bindings whose source exchange or destination is neither in the file nor on the node: the broker skips them. */
async function danglingBindings(ctx: Context, defs: Definitions): Promise<string[]> {
  const bindings = Array.isArray(defs.bindings) ? defs.bindings : [];
  if (bindings.length === 0) return [];
  const [exchanges, queues] = await Promise.all([
    ctx.client.get<Item[]>('/api/exchanges?columns=name,vhost'),
    ctx.client.get<Item[]>('/api/queues?columns=name,vhost'),
  ]);
  const have = { exchange: new Set<string>(), queue: new Set<string>() };
  for (const x of [...exchanges, ...(Array.isArray(defs.exchanges) ? defs.exchanges : [])]) have.exchange.add(key(name(x, 'vhost'), name(x, 'name')));
  for (const q of [...queues, ...(Array.isArray(defs.queues) ? defs.queues : [])]) have.queue.add(key(name(q, 'vhost'), name(q, 'name')));
  const out: string[] = [];
  for (const b of bindings) {
    const vhost = name(b, 'vhost');
    const source = name(b, 'source');
    const kind = b['destination_type'] === 'exchange' ? 'exchange' : 'queue';
    const destination = name(b, 'destination');
    const what = `binding from exchange '${source}' to ${kind} '${destination}' in vhost '${vhost}'`;
    if (!have.exchange.has(key(vhost, source))) out.push(`skipped the ${what}: exchange '${source}' does not exist`);
    else if (!have[kind].has(key(vhost, destination))) out.push(`skipped the ${what}: ${kind} '${destination}' does not exist`);
  }
  return out;
}
