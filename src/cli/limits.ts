// set/clear/list_vhost_limits and set/clear/list_user_limits share this: a JSON object of limits,
// sent one key at a time as RabbitMQ's API takes them (PUT /api/{vhost,user}-limits/{owner}/{name}).
import { ApiError, seg } from './admin-client.js';
import type { Context } from './context.js';
import { CliError, ExitCode } from './exit-codes.js';
import { noSuchVhost, requireUser } from './lookups.js';

export type LimitKind = 'vhost' | 'user';

const missing = (kind: LimitKind, owner: string): CliError =>
  kind === 'vhost' ? noSuchVhost(owner) : new CliError(ExitCode.NO_USER, `user '${owner}' does not exist`);

export function parseLimits(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new CliError(ExitCode.DATA_ERROR, `the limits are not valid JSON: ${(e as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new CliError(ExitCode.DATA_ERROR, 'the limits must be a JSON object, e.g. \'{"max-connections": 64}\'');
  }
  return value as Record<string, unknown>;
}

async function call(kind: LimitKind, owner: string, fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) throw missing(kind, owner);
    if (e instanceof ApiError && e.status === 400) throw new CliError(ExitCode.DATA_ERROR, `limit refused: ${e.reason || e.error}`);
    throw e;
  }
}

export async function setLimits(ctx: Context, kind: LimitKind, owner: string, limits: Record<string, unknown>): Promise<void> {
  // RabbitMQ answers 400 for a missing user: check first, for exit 67
  if (kind === 'user') await requireUser(ctx, owner);
  for (const [name, value] of Object.entries(limits)) {
    await call(kind, owner, () => ctx.client.put(`/api/${kind}-limits/${seg(owner)}/${seg(name)}`, { json: { value } }));
  }
}

export async function currentLimits(ctx: Context, kind: LimitKind, owner: string): Promise<Record<string, number>> {
  let rows: { value?: Record<string, number> }[] = [];
  await call(kind, owner, async () => (rows = await ctx.client.get(`/api/${kind}-limits/${seg(owner)}`)));
  return rows[0]?.value ?? {};
}

/** Clears `name`, or every limit when it is null ('all'). */
export async function clearLimits(ctx: Context, kind: LimitKind, owner: string, name: string | null): Promise<void> {
  const names = name === null ? Object.keys(await currentLimits(ctx, kind, owner)) : [name];
  for (const n of names) await call(kind, owner, () => ctx.client.delete(`/api/${kind}-limits/${seg(owner)}/${seg(n)}`));
}
