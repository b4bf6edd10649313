// RabbitMQ's topic permissions: per user, vhost and topic exchange, regular expressions over
// routing keys for publishing (write) and binding (read). Where none is set, access is allowed.
import { accessRefused } from './errors.js';
import { permits } from './users.js';

export interface TopicPermission {
  user: string;
  vhost: string;
  exchange: string;
  write: string;
  read: string;
}

export class TopicPermissions {
  /** vhost -> user -> exchange -> permission */
  private readonly byVhost = new Map<string, Map<string, Map<string, TopicPermission>>>();

  get size(): number {
    return this.byVhost.size;
  }

  all(): TopicPermission[] {
    const out: TopicPermission[] = [];
    for (const users of this.byVhost.values()) for (const exchanges of users.values()) for (const p of exchanges.values()) out.push(p);
    return out;
  }

  set(p: TopicPermission): void {
    let users = this.byVhost.get(p.vhost);
    if (!users) this.byVhost.set(p.vhost, (users = new Map()));
    let exchanges = users.get(p.user);
    if (!exchanges) users.set(p.user, (exchanges = new Map()));
    exchanges.set(p.exchange, p);
  }

  /** Removes one exchange's permission, or (exchange null) all of the user's in the vhost. */
  clear(vhost: string, user: string, exchange: string | null): TopicPermission[] {
    const exchanges = this.byVhost.get(vhost)?.get(user);
    if (!exchanges) return [];
    const removed = exchange === null ? [...exchanges.values()] : [exchanges.get(exchange)].filter((p): p is TopicPermission => p !== undefined);
    for (const p of removed) exchanges.delete(p.exchange);
    if (exchanges.size === 0) this.byVhost.get(vhost)?.delete(user);
    if (this.byVhost.get(vhost)?.size === 0) this.byVhost.delete(vhost);
    return removed;
  }

  forgetVhost(vhost: string): void {
    this.byVhost.delete(vhost);
  }

  forgetUser(user: string): void {
    for (const [vhost, users] of this.byVhost) {
      users.delete(user);
      if (users.size === 0) this.byVhost.delete(vhost);
    }
  }

  /** Throws 403 unless `user` may publish (write) or bind (read) `routingKey` on the topic exchange. */
  check(vhost: string, user: string, exchange: string, kind: 'write' | 'read', routingKey: string): void {
    const p = this.byVhost.get(vhost)?.get(user)?.get(exchange);
    if (!p) return;
    // RabbitMQ expands {username} and {vhost} in topic permission patterns.
    const pattern = p[kind].replaceAll('{username}', escapeRegExp(user)).replaceAll('{vhost}', escapeRegExp(vhost));
    if (!permits(pattern, routingKey)) {
      throw accessRefused(`access to topic '${routingKey}' in exchange '${exchange}' in vhost '${vhost}' refused for user '${user}'`);
    }
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
