// Argument and existence checks that give rabbitmqctl's exit codes: bad data or missing vhost 65, missing user 67.
import { ApiError, seg } from './admin-client.js';
import { CliError, ExitCode } from './exit-codes.js';
import type { Context } from './context.js';

export interface ApiUser {
  name: string;
  password_hash?: string;
  hashing_algorithm?: string;
  tags?: string | string[];
}

export function noSuchVhost(vhost: string): CliError {
  return new CliError(ExitCode.DATA_ERROR, `virtual host '${vhost}' does not exist`);
}

export function noSuchUser(user: string): CliError {
  return new CliError(ExitCode.NO_USER, `user '${user}' does not exist`);
}

export async function getUser(ctx: Context, name: string): Promise<ApiUser | undefined> {
  try {
    return await ctx.client.get<ApiUser>(`/api/users/${seg(name)}`);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return undefined;
    throw e;
  }
}

export async function requireUser(ctx: Context, name: string): Promise<ApiUser> {
  const user = await getUser(ctx, name);
  if (!user) throw noSuchUser(name);
  return user;
}

export async function requireVhost(ctx: Context, vhost: string): Promise<void> {
  try {
    await ctx.client.get(`/api/vhosts/${seg(vhost)}`);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) throw noSuchVhost(vhost);
    throw e;
  }
}

/** Tags as a list, whichever form the API used (RabbitMQ < 3.9 and PUT bodies use "a,b"). */
export function tagList(tags: string | string[] | undefined): string[] {
  if (tags === undefined) return [];
  if (Array.isArray(tags)) return tags;
  return tags
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
}

export function noSuchQueue(queue: string, vhost: string): CliError {
  return new CliError(ExitCode.DATA_ERROR, `queue '${queue}' in vhost '${vhost}' does not exist`);
}

/** `{"password_hash": ..}` plus tags: rewrites a user while keeping its password (a PUT without either clears it). */
export function keepPassword(user: ApiUser): Record<string, string> {
  return {
    password_hash: user.password_hash ?? '',
    hashing_algorithm: user.hashing_algorithm ?? 'rabbit_password_hashing_sha256',
  };
}
