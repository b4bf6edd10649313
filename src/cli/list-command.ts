// The shared body of list_queues, list_exchanges, ...: info-item columns, fetch, banner, print.
import { ApiError } from './admin-client.js';
import { CliError, ExitCode } from './exit-codes.js';
import type { ArgumentSpec, CommandDefinition, CommandGroup, OptionSpec, OptionValues } from './command.js';
import type { Context } from './context.js';
import { apiColumns, type InfoItemSet, parseInfoItems, toRows } from './info-items.js';
import { noSuchVhost } from './lookups.js';

export interface ListCommandSpec {
  name: string;
  summary: string;
  description?: string;
  group?: CommandGroup;
  /** arguments before the info items (list_user_permissions <user>) */
  leading?: readonly ArgumentSpec[];
  items: InfoItemSet;
  /** API path, given the context (vhost-scoped ones use ctx.vhost) */
  path(ctx: Context, leading: readonly string[], options: OptionValues): string;
  /** "Listing queues for vhost / ..." */
  banner(ctx: Context, leading: readonly string[], options: OptionValues): string;
  /** what a 404 on path means, when not a missing vhost */
  notFound?(ctx: Context, leading: readonly string[], options: OptionValues): Error;
  /** a 404 on path means the vhost is missing (exit 65) */
  vhostScoped: boolean;
  options?: readonly OptionSpec[];
  /** what to do with the fetched objects before mapping (filtering, sorting) */
  /** API fields filter() reads, fetched whatever the columns */
  filterFields?: readonly string[];
  filter?(ctx: Context, objects: Record<string, unknown>[], options: OptionValues): Record<string, unknown>[] | Promise<Record<string, unknown>[]>;
}

export function infoItemArgument(items: InfoItemSet): ArgumentSpec {
  return {
    name: 'column',
    description: `info items to show (default: ${items.defaults.join(' ')}); one of: ${Object.keys(items.items).join(', ')}`,
    required: false,
    variadic: true,
    complete: { words: Object.keys(items.items) },
  };
}

export function listCommand(spec: ListCommandSpec): CommandDefinition {
  const def: CommandDefinition = {
    name: spec.name,
    aliases: [],
    group: spec.group ?? 'observe',
    summary: spec.summary,
    arguments: [...(spec.leading ?? []), infoItemArgument(spec.items)],
    options: spec.options ?? [],
    async run(ctx, words, options) {
      const nLeading = spec.leading?.length ?? 0;
      const leading = words.slice(0, nLeading);
      const { columns, unknown } = parseInfoItems(spec.items, words.slice(nLeading));
      if (unknown.length) {
        throw new CliError(ExitCode.USAGE, `info item(s) ${unknown.join(', ')} not supported by ${spec.name}; use: ${Object.keys(spec.items.items).join(' ')}`);
      }
      ctx.out.banner(spec.banner(ctx, leading, options));
      let objects: Record<string, unknown>[];
      try {
        // columns= keeps big lists cheap to serialise and parse (RabbitMQ's advice for large node listings)
        const wanted = apiColumns(spec.items, columns);
        const fields = wanted && spec.filterFields ? [wanted, ...spec.filterFields].join(',') : wanted;
        objects = await ctx.client.get<Record<string, unknown>[]>(spec.path(ctx, leading, options), fields ? { query: { columns: fields } } : {});
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) {
          if (spec.notFound) throw spec.notFound(ctx, leading, options);
          if (spec.vhostScoped) throw noSuchVhost(ctx.vhost);
        }
        throw e;
      }
      if (!Array.isArray(objects)) throw new CliError(ExitCode.SOFTWARE, `unexpected answer from GET ${spec.path(ctx, leading, options)}: not a list`);
      if (spec.filter) objects = await spec.filter(ctx, objects, options);
      await ctx.out.list(columns, toRows(spec.items, columns, objects));
    },
  };
  if (spec.description !== undefined) def.description = spec.description;
  return def;
}
