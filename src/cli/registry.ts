// Every warrenctl subcommand: names and loaders only, so dispatch imports just the one module it runs.
// The metadata (summary, arguments, options) lives in each commands/<name>.ts; a unit test checks both agree.
import type { CommandCatalog, CommandDefinition, CommandEntry } from './command.js';

export const REGISTRY: readonly CommandEntry[] = [
  // users
  { name: 'add_user', load: () => import('../../commands/add-user.js') },
  { name: 'delete_user', load: () => import('../../commands/delete-user.js') },
  { name: 'change_password', load: () => import('../../commands/change-password.js') },
  { name: 'clear_password', load: () => import('../../commands/clear-password.js') },
  { name: 'authenticate_user', load: () => import('../../commands/authenticate-user.js') },
  { name: 'set_user_tags', load: () => import('../../commands/set-user-tags.js') },
  { name: 'list_users', load: () => import('../../commands/list-users.js') },
  { name: 'hash_password', load: () => import('../../commands/hash-password.js') },
  { name: 'set_user_limits', load: () => import('../../commands/set-user-limits.js') },
  { name: 'clear_user_limits', load: () => import('../../commands/clear-user-limits.js') },
  { name: 'list_user_limits', load: () => import('../../commands/list-user-limits.js') },
  // vhosts
  { name: 'add_vhost', load: () => import('../../commands/add-vhost.js') },
  { name: 'delete_vhost', load: () => import('../../commands/delete-vhost.js') },
  { name: 'list_vhosts', load: () => import('../../commands/list-vhosts.js') },
  { name: 'set_vhost_tags', load: () => import('../../commands/set-vhost-tags.js') },
  { name: 'set_vhost_limits', load: () => import('../../commands/set-vhost-limits.js') },
  { name: 'clear_vhost_limits', load: () => import('../../commands/clear-vhost-limits.js') },
  { name: 'list_vhost_limits', load: () => import('../../commands/list-vhost-limits.js') },
  // access
  { name: 'set_permissions', load: () => import('../../commands/set-permissions.js') },
  { name: 'clear_permissions', load: () => import('../../commands/clear-permissions.js') },
  { name: 'list_permissions', load: () => import('../../commands/list-permissions.js') },
  { name: 'list_user_permissions', load: () => import('../../commands/list-user-permissions.js') },
  { name: 'set_topic_permissions', load: () => import('../../commands/set-topic-permissions.js') },
  { name: 'clear_topic_permissions', load: () => import('../../commands/clear-topic-permissions.js') },
  { name: 'list_topic_permissions', load: () => import('../../commands/list-topic-permissions.js') },
  { name: 'list_user_topic_permissions', load: () => import('../../commands/list-user-topic-permissions.js') },
  // observe
  { name: 'list_queues', load: () => import('../../commands/list-queues.js') },
  { name: 'list_exchanges', load: () => import('../../commands/list-exchanges.js') },
  { name: 'list_bindings', load: () => import('../../commands/list-bindings.js') },
  { name: 'list_connections', load: () => import('../../commands/list-connections.js') },
  { name: 'list_channels', load: () => import('../../commands/list-channels.js') },
  { name: 'list_consumers', load: () => import('../../commands/list-consumers.js') },
  { name: 'list_unresponsive_queues', load: () => import('../../commands/list-unresponsive-queues.js') },
  // queues and connections
  { name: 'quorum_status', load: () => import('../../commands/quorum-status.js') },
  { name: 'rebalance', load: () => import('../../commands/rebalance.js') },
  { name: 'purge_queue', load: () => import('../../commands/purge-queue.js') },
  { name: 'delete_queue', load: () => import('../../commands/delete-queue.js') },
  { name: 'close_connection', load: () => import('../../commands/close-connection.js') },
  { name: 'close_all_connections', load: () => import('../../commands/close-all-connections.js') },
  { name: 'close_all_user_connections', load: () => import('../../commands/close-all-user-connections.js') },
  // messaging (AMQP)
  { name: 'publish', load: () => import('../../commands/publish.js') },
  { name: 'consume', load: () => import('../../commands/consume.js') },
  { name: 'get', load: () => import('../../commands/get.js') },
  { name: 'rpc-call', aliases: ['rpc_call'], load: () => import('../../commands/rpc-call.js') },
  { name: 'rpc-serve', aliases: ['rpc_serve'], load: () => import('../../commands/rpc-serve.js') },
  { name: 'declare_queue', load: () => import('../../commands/declare-queue.js') },
  { name: 'declare_exchange', load: () => import('../../commands/declare-exchange.js') },
  { name: 'bind_queue', load: () => import('../../commands/bind-queue.js') },
  { name: 'unbind_queue', load: () => import('../../commands/unbind-queue.js') },
  { name: 'delete_exchange', load: () => import('../../commands/delete-exchange.js') },
  // policies
  { name: 'set_policy', load: () => import('../../commands/set-policy.js') },
  { name: 'clear_policy', load: () => import('../../commands/clear-policy.js') },
  { name: 'list_policies', load: () => import('../../commands/list-policies.js') },
  // node
  { name: 'cluster_status', load: () => import('../../commands/cluster-status.js') },
  { name: 'status', load: () => import('../../commands/status.js') },
  { name: 'environment', load: () => import('../../commands/environment.js') },
  { name: 'report', load: () => import('../../commands/report.js') },
  { name: 'set_log_level', load: () => import('../../commands/set-log-level.js') },
  { name: 'ping', load: () => import('../../commands/ping.js') },
  { name: 'await_startup', load: () => import('../../commands/await-startup.js') },
  { name: 'stop_app', load: () => import('../../commands/stop-app.js') },
  { name: 'start_app', load: () => import('../../commands/start-app.js') },
  { name: 'reset', load: () => import('../../commands/reset.js') },
  { name: 'force_reset', load: () => import('../../commands/force-reset.js') },
  { name: 'trace_on', load: () => import('../../commands/trace-on.js') },
  { name: 'trace_off', load: () => import('../../commands/trace-off.js') },
  { name: 'stop', aliases: ['shutdown'], load: () => import('../../commands/stop.js') },
  { name: 'set_vm_memory_high_watermark', load: () => import('../../commands/set-vm-memory-high-watermark.js') },
  { name: 'set_disk_free_limit', load: () => import('../../commands/set-disk-free-limit.js') },
  // definitions
  { name: 'export_definitions', load: () => import('../../commands/export-definitions.js') },
  { name: 'import_definitions', load: () => import('../../commands/import-definitions.js') },
  { name: 'migrate', load: () => import('../../commands/migrate.js') },
  // help
  { name: 'help', load: () => import('../../commands/help.js') },
  { name: 'version', load: () => import('../../commands/version.js') },
  { name: 'config', load: () => import('../../commands/config.js') },
  { name: 'completion', aliases: ['autocomplete'], load: () => import('../../commands/completion.js') },
  { name: '__complete', hidden: true, load: () => import('../../commands/complete.js') },
];

/** All the words that select an entry: its name, the hyphenated form, extra aliases. */
export function entryWords(entry: CommandEntry): string[] {
  const words = new Set([entry.name, entry.name.replace(/_/g, '-'), ...(entry.aliases ?? [])]);
  return [...words];
}

export function findEntry(word: string): CommandEntry | undefined {
  return REGISTRY.find((e) => entryWords(e).includes(word));
}

export function visibleEntries(): CommandEntry[] {
  return REGISTRY.filter((e) => !e.hidden);
}

export async function loadAll(includeHidden = false): Promise<CommandDefinition[]> {
  const entries = includeHidden ? REGISTRY : visibleEntries();
  return Promise.all(entries.map(async (e) => (await e.load()).default));
}

/** The registry as run() hands it to commands (help, completion, __complete). */
export const COMMANDS: CommandCatalog = { entries: REGISTRY, find: findEntry, visible: visibleEntries, loadAll };

/** The closest command names, for "did you mean". */
export function suggest(word: string): string[] {
  const w = word.replace(/-/g, '_');
  return visibleEntries()
    .map((e) => e.name)
    .map((name) => ({ name, d: distance(w, name) }))
    .filter((x) => x.d <= Math.max(2, Math.floor(w.length / 3)))
    .sort((a, b) => a.d - b.d)
    .slice(0, 3)
    .map((x) => x.name);
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] as number;
      row[j] = Math.min((row[j] as number) + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length] as number;
}
