import { seg } from '../src/cli/admin-client.js';
import { defineCommand } from '../src/cli/command.js';

const KINDS = ['users', 'vhosts', 'queues', 'exchanges', 'connections', 'commands'] as const;

/** Called by the completion scripts: names one per line, nothing (and exit 0) when the daemon cannot answer. */
export default defineCommand({
  name: '__complete',
  aliases: [],
  group: 'help',
  summary: 'Print names for shell completion (used by the completion scripts)',
  hidden: true,
  arguments: [{ name: 'kind', description: KINDS.join(', '), required: true }],
  options: [],
  async run(ctx, [kind], _options, commands) {
    let names: string[] = [];
    try {
      switch (kind) {
        case 'commands':
          names = commands.visible().map((e) => e.name);
          break;
        case 'users':
          names = (await ctx.client.get<{ name: string }[]>('/api/users')).map((u) => u.name);
          break;
        case 'vhosts':
          names = (await ctx.client.get<{ name: string }[]>('/api/vhosts')).map((v) => v.name);
          break;
        case 'queues':
          names = (await ctx.client.get<{ name: string }[]>(`/api/queues/${seg(ctx.vhost)}`)).map((q) => q.name);
          break;
        case 'exchanges':
          names = (await ctx.client.get<{ name: string }[]>(`/api/exchanges/${seg(ctx.vhost)}`)).map((x) => x.name).filter((n) => n !== '');
          break;
        case 'connections':
          names = (await ctx.client.get<{ name: string }[]>('/api/connections')).map((c) => c.name);
          break;
        default:
          names = [];
      }
    } catch {
      names = [];
    }
    if (names.length) ctx.out.raw(`${names.join('\n')}\n`);
  },
});
