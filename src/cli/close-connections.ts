// close_all_connections and close_all_user_connections: list, then DELETE each with the reason header.
import { ApiError, seg } from './admin-client.js';
import type { OptionValues } from './command.js';
import type { Context } from './context.js';
import { CliError, ExitCode } from './exit-codes.js';

export interface ApiConnection {
  name: string;
  vhost?: string;
  user?: string;
}

/** Closes the matching connections; prints how many (a banner) and returns the count. */
export async function closeConnections(ctx: Context, explanation: string, which: (c: ApiConnection) => boolean, options: OptionValues): Promise<number> {
  const limitText = typeof options['limit'] === 'string' ? options['limit'] : undefined;
  const limit = limitText === undefined ? Infinity : Number(limitText);
  if (limitText !== undefined && (!/^\d+$/.test(limitText) || limit < 1))
    throw new CliError(ExitCode.USAGE, `invalid --limit '${limitText}': expected a whole number from 1`);
  const all = await ctx.client.get<ApiConnection[]>('/api/connections', { query: { columns: 'name,vhost,user' } });
  const chosen = all.filter(which).slice(0, limit);
  let closed = 0;
  for (const c of chosen) {
    try {
      await ctx.client.delete(`/api/connections/${seg(c.name)}`, { headers: { 'x-reason': explanation } });
      closed++;
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) throw e; // gone meanwhile
    }
  }
  ctx.out.banner(`Closed ${closed} connection${closed === 1 ? '' : 's'}`);
  if (ctx.out.isJson) ctx.out.json({ closed });
  return closed;
}
