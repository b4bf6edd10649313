// Virtual host limits (max-connections, max-queues) and user limits (max-connections, max-channels),
// as RabbitMQ's set_vhost_limits / set_user_limits, with its reply texts when one is reached.
// A negative value means no limit (RabbitMQ's convention); 0 refuses everything.
import { notAllowed, preconditionFailed } from './errors.js';

export const VHOST_LIMITS = ['max-connections', 'max-queues'] as const;
export const USER_LIMITS = ['max-connections', 'max-channels'] as const;

export type LimitTable = Record<string, number>;

/** What the server counts for the checks (live connections and channels). */
export interface LiveCounts {
  vhostConnections(vhost: string): number;
  userConnections(user: string): number;
  userChannels(user: string): number;
}

export class Limits {
  readonly vhosts = new Map<string, LimitTable>();
  readonly users = new Map<string, LimitTable>();
  counts: LiveCounts | null = null;

  /** Sets one limit; returns the RabbitMQ validation text when it is refused. */
  static validate(kind: 'vhost' | 'user', name: string, value: unknown): string | null {
    const known: readonly string[] = kind === 'vhost' ? VHOST_LIMITS : USER_LIMITS;
    if (!known.includes(name)) return `Unrecognised terms [{<<"${name}">>,${JSON.stringify(value)}}] in limits`;
    if (typeof value !== 'number' || !Number.isInteger(value))
      return `${name} should be a number, actually was ${typeof value === 'string' ? `<<"${value}">>` : JSON.stringify(value)}`;
    return null;
  }

  set(kind: 'vhost' | 'user', owner: string, name: string, value: number): void {
    const map = kind === 'vhost' ? this.vhosts : this.users;
    map.set(owner, { ...(map.get(owner) ?? {}), [name]: value });
  }

  clear(kind: 'vhost' | 'user', owner: string, name: string | null): boolean {
    const map = kind === 'vhost' ? this.vhosts : this.users;
    const table = map.get(owner);
    if (!table) return false;
    if (name === null) return map.delete(owner);
    if (!(name in table)) return false;
    const { [name]: _gone, ...rest } = table;
    if (Object.keys(rest).length === 0) map.delete(owner);
    else map.set(owner, rest);
    return true;
  }

  private limit(kind: 'vhost' | 'user', owner: string, name: string): number | null {
    const v = (kind === 'vhost' ? this.vhosts : this.users).get(owner)?.[name];
    return v === undefined || v < 0 ? null : v;
  }

  /** connection.open: the vhost's and the user's connection limits (the opening one not yet counted). */
  checkConnection(vhost: string, user: string): void {
    if (!this.counts) return;
    const v = this.limit('vhost', vhost, 'max-connections');
    if (v !== null && this.counts.vhostConnections(vhost) >= v) {
      throw notAllowed(`access to vhost '${vhost}' refused for user '${user}': connection limit (${v}) is reached`);
    }
    const u = this.limit('user', user, 'max-connections');
    if (u !== null && this.counts.userConnections(user) >= u) {
      throw notAllowed(`connection refused for user '${user}': user connection limit (${u}) is reached`);
    }
  }

  /** channel.open: the user's channel limit (the opening one not yet counted). */
  checkChannel(user: string): void {
    const u = this.limit('user', user, 'max-channels');
    if (u !== null && this.counts && this.counts.userChannels(user) >= u) {
      throw notAllowed(`number of channels opened for user '${user}' has reached the maximum allowed user limit of (${u})`);
    }
  }

  /** queue.declare of a new queue: the vhost's queue limit. */
  checkQueue(vhost: string, queue: string, queues: number): void {
    const v = this.limit('vhost', vhost, 'max-queues');
    if (v !== null && queues >= v) throw preconditionFailed(`cannot declare queue '${queue}': queue limit in vhost '${vhost}' (${v}) is reached`);
  }

  forgetVhost(vhost: string): void {
    this.vhosts.delete(vhost);
  }

  forgetUser(user: string): void {
    this.users.delete(user);
  }
}
