// The broker model root: vhosts, users and permissions, with no sockets or files.
// The server and the management API both drive it.
import type { ChannelCounters } from './message-stats.js';
import type { DefinitionEmitter } from './definition-emitter.js';
import { DirectReplyTo } from './direct-reply-to.js';
import { Limits } from './limits.js';
import { TopicPermissions, type TopicPermission } from './topic-permissions.js';
import { accessRefused } from './errors.js';
import { MemoryMessageStore, type MessageStore } from './store/message-store.js';
import type { MemoryBudget } from './store/memory-budget.js';
import { hashPassword } from '../common/password-hash.js';
import { checkPassword, permits, type AccessKind, type Permission, type User } from './users.js';
import { Vhost } from './vhost.js';

export const DEFAULT_VHOST = '/';
export const DEFAULT_USER = 'guest';

export class Broker {
  readonly vhosts = new Map<string, Vhost>();
  readonly users = new Map<string, User>();
  /** vhost -> user -> permission */
  readonly permissions = new Map<string, Map<string, Permission>>();
  readonly directReplyTo = new DirectReplyTo();
  readonly topicPermissions = new TopicPermissions();
  /** vhost and user limits (set_vhost_limits, set_user_limits) */
  readonly limits = new Limits();

  /** Sets or clears a limit and stores it with its vhost or user record. */
  setLimit(kind: 'vhost' | 'user', owner: string, name: string, value: number | null): boolean {
    const changed = value === null ? this.limits.clear(kind, owner, name) : (this.limits.set(kind, owner, name, value), true);
    if (this.definitions) {
      if (kind === 'vhost') {
        const v = this.vhosts.get(owner);
        if (v) this.definitions.vhost(v);
      } else {
        const u = this.users.get(owner);
        if (u) this.definitions.user(u);
      }
    }
    return changed;
  }
  /** false between stop_app and start_app: no AMQP traffic is served */
  running = true;
  /** RabbitMQ's loopback_users: these users may log in over loopback only (on every listener) */
  loopbackUsers: ReadonlySet<string> = new Set([DEFAULT_USER]);

  /** channels waiting for publishes to become durable before confirming them */
  readonly durabilityWaiters = new Set<{ onDurable(batch: number, failed: boolean): void }>();

  /** told when an AMQP channel closes, so its message counters keep counting for its vhost (the stats sampler) */
  channelClosed: ((channel: { readonly stats: ChannelCounters; readonly connectionId: string }, vhost: string) => void) | null = null;

  /** told about every change to durable definitions (null: nothing is stored) */
  get definitions(): DefinitionEmitter | null {
    return this.emitter;
  }
  set definitions(emitter: DefinitionEmitter | null) {
    this.emitter = emitter;
    if (emitter) emitter.limits = this.limits;
  }
  private emitter: DefinitionEmitter | null = null;

  /** `defaults: false` leaves the broker empty, for loading stored definitions into. */
  constructor(
    readonly store: MessageStore = new MemoryMessageStore(),
    defaults = true,
    /** the heap budget for ready messages; past it, queues spool to disk (null: never) */
    readonly memory: MemoryBudget | null = null,
  ) {
    store.onDurable((batch, failed) => {
      for (const waiter of this.durabilityWaiters) waiter.onDurable(batch, failed);
    });
    if (defaults) this.loadDefaults();
  }

  /** Bytes held by ready and unacknowledged messages, as the memory budget accounts them (0 without one). */
  get accountedMemory(): number {
    return this.memory?.accountedBytes ?? 0;
  }

  /** A virgin broker: user guest/guest (administrator) with full access to vhost '/'. */
  loadDefaults(): void {
    this.addVhost(DEFAULT_VHOST);
    this.putUser(DEFAULT_USER, hashPassword(DEFAULT_USER), ['administrator']);
    this.setPermissions(DEFAULT_VHOST, DEFAULT_USER, '.*', '.*', '.*');
  }

  /** Forgets everything (rabbitmqctl reset), then recreates the defaults. */
  reset(): void {
    for (const vhost of [...this.vhosts.values()]) this.deleteVhost(vhost.name);
    for (const name of [...this.users.keys()]) this.deleteUser(name);
    this.loadDefaults();
  }

  addVhost(name: string, description = '', tags: string[] = []): Vhost {
    let vhost = this.vhosts.get(name);
    if (!vhost) {
      vhost = new Vhost(name, description, tags, this);
      this.vhosts.set(name, vhost);
      this.definitions?.vhost(vhost);
    }
    return vhost;
  }

  deleteVhost(name: string): boolean {
    const vhost = this.vhosts.get(name);
    if (!vhost) return false;
    this.vhosts.delete(name);
    for (const q of [...vhost.queues.values()]) vhost.removeQueue(q);
    this.permissions.delete(name);
    this.topicPermissions.forgetVhost(name);
    this.limits.forgetVhost(name);
    this.definitions?.vhostDeleted(name);
    return true;
  }

  putUser(name: string, passwordHash: string, tags: string[]): User {
    const user: User = { name, passwordHash, tags };
    this.users.set(name, user);
    this.definitions?.user(user);
    return user;
  }

  deleteUser(name: string): boolean {
    if (!this.users.delete(name)) return false;
    for (const perVhost of this.permissions.values()) perVhost.delete(name);
    this.topicPermissions.forgetUser(name);
    this.limits.forgetUser(name);
    this.definitions?.userDeleted(name);
    return true;
  }

  /** The user if the password is right, else null. */
  authenticate(name: string, password: string): User | null {
    const user = this.users.get(name);
    return user && checkPassword(user, password) ? user : null;
  }

  setPermissions(vhost: string, user: string, configure: string, write: string, read: string): void {
    let perVhost = this.permissions.get(vhost);
    if (!perVhost) this.permissions.set(vhost, (perVhost = new Map()));
    const permission = { user, vhost, configure, write, read };
    perVhost.set(user, permission);
    this.definitions?.permission(permission);
  }

  clearPermissions(vhost: string, user: string): boolean {
    const removed = this.permissions.get(vhost)?.delete(user) ?? false;
    if (removed) this.definitions?.permissionDeleted(vhost, user);
    return removed;
  }

  setTopicPermission(p: TopicPermission): void {
    this.topicPermissions.set(p);
    this.definitions?.topicPermission(p);
  }

  /** Clears one exchange's topic permission, or all of the user's in the vhost; returns whether any existed. */
  clearTopicPermissions(vhost: string, user: string, exchange: string | null): boolean {
    const removed = this.topicPermissions.clear(vhost, user, exchange);
    for (const p of removed) this.definitions?.topicPermissionDeleted(p);
    return removed.length > 0;
  }

  /** Topic authorisation for publishing to (write) or binding from (read) a topic exchange. */
  checkTopicAccess(vhost: string, user: string, exchange: { name: string; type: string }, kind: 'write' | 'read', routingKey: string): void {
    if (exchange.type === 'topic' && this.topicPermissions.size > 0) this.topicPermissions.check(vhost, user, exchange.name, kind, routingKey);
  }

  permission(vhost: string, user: string): Permission | undefined {
    return this.permissions.get(vhost)?.get(user);
  }

  /** Throws 403 unless `user` may do `kind` on the named resource. */
  checkAccess(vhost: string, user: string, kind: AccessKind, resource: 'queue' | 'exchange', name: string): void {
    const perm = this.permission(vhost, user);
    // RabbitMQ checks the default exchange under the name amq.default.
    const shown = resource === 'exchange' && name === '' ? 'amq.default' : name;
    if (!perm || !permits(perm[kind], shown)) {
      throw accessRefused(`access to ${resource} '${shown}' in vhost '${vhost}' refused for user '${user}'`);
    }
  }
}
