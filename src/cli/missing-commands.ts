// rabbitmqctl / rabbitmq-queues commands warrenctl does not have: say so, and what to use instead,
// rather than "unknown command".

const CLUSTER = 'cluster membership is changed with rabbitmqctl on the RabbitMQ nodes themselves (a warren node does not cluster)';
const MEMBERS =
  "RabbitMQ 3.10's management API does not offer quorum queue membership changes: run rabbitmq-queues on a cluster node (warrenctl quorum_status shows the members; a warren node is a single member)";

const HINTS: Record<string, string> = {
  purge: 'did you mean purge_queue?',
  shutdown: 'use stop (it stops the node and the process)',
  node_health_check: 'use ping, or status for the details',
  join_cluster: CLUSTER,
  forget_cluster_node: CLUSTER,
  change_cluster_node_type: CLUSTER,
  update_cluster_nodes: CLUSTER,
  rename_cluster_node: CLUSTER,
  set_cluster_name: CLUSTER,
  add_member: MEMBERS,
  delete_member: MEMBERS,
  grow: MEMBERS,
  shrink: MEMBERS,
  sync_queue: 'classic queue mirroring is not part of warren; use quorum queues on a RabbitMQ cluster',
  cancel_sync_queue: 'classic queue mirroring is not part of warren; use quorum queues on a RabbitMQ cluster',
  eval: 'warren runs no Erlang: there is nothing to evaluate',
  rotate_logs: 'warren-server writes one log; rotate it with logrotate (copytruncate)',
  set_parameter: 'runtime parameters (federation, shovel) are not supported by warren; set policies with set_policy',
  clear_parameter: 'runtime parameters are not supported by warren',
  list_parameters: 'runtime parameters are not supported by warren; export_definitions lists vhost limits among them',
  set_operator_policy: 'operator policies are not supported; use set_policy',
  list_operator_policies: 'operator policies are not supported; use list_policies',
  enable_feature_flag: 'warren has no feature flags',
  list_feature_flags: 'warren has no feature flags',
  clear_operator_policy: 'operator policies are not supported; use clear_policy',
  set_global_parameter: 'global runtime parameters are not supported by warren',
  clear_global_parameter: 'global runtime parameters are not supported by warren',
  list_global_parameters: 'global runtime parameters are not supported by warren',
  autocomplete: 'use `warrenctl completion bash` (or zsh) for shell completion',
  await_online_nodes: 'a warren node is a cluster of one: use await_startup',
  wait: 'use await_startup (it waits for the node to answer, up to --timeout)',
  force_boot: 'a warren node waits for no cluster peers at boot: there is nothing to force',
  restart_vhost: 'a warren vhost never stops on its own: there is nothing to restart',
  suspend_listeners: 'use stop_app (it stops the AMQP listener and closes client connections; the daemon keeps answering warrenctl)',
  resume_listeners: 'use start_app',
  delete_shovel: 'shovels are a RabbitMQ plugin, not part of warren (warrenctl migrate creates and removes its own on RabbitMQ)',
  restart_shovel: 'shovels are a RabbitMQ plugin, not part of warren',
  shovel_status: 'shovels are a RabbitMQ plugin, not part of warren (warrenctl migrate reports on its own)',
  force_gc: 'warren runs on Node.js, which collects garbage by itself',
  hipe_compile: 'warren runs no Erlang: there is nothing to compile',
  list_node_auth_attempt_stats: 'warren keeps no authentication attempt statistics; refused logins are in its log',
  schema_info: 'warren has no Mnesia schema; export_definitions shows what it stores',
  list_ciphers: 'warren uses Node.js TLS: `openssl ciphers` lists what it can offer',
  list_hashes: 'warren stores rabbit_password_hashing_sha256 hashes (hash_password prints one), as RabbitMQ does by default',
  encode: 'advanced.config value encryption is not part of warren',
  decode: 'advanced.config value encryption is not part of warren',
  eval_file: 'warren runs no Erlang: there is nothing to evaluate',
  exec: 'warren runs no Erlang: there is nothing to evaluate',
};

/** The hint for a rabbitmqctl command that warrenctl lacks, or undefined. */
export function missingCommandHint(name: string): string | undefined {
  return HINTS[name.replace(/-/g, '_')];
}
