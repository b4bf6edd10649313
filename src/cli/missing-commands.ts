// rabbitmqctl / rabbitmq-queues commands warrenctl does not have: say so, and what to use instead,
// rather than "unknown command".

const CLUSTER = 'cluster membership is changed with rabbitmqctl on the RabbitMQ nodes themselves (a warren node does not cluster)';
const MEMBERS = "RabbitMQ 3.10's management API does not offer quorum queue membership changes: run rabbitmq-queues on a cluster node (warrenctl quorum_status shows the members; a warren node is a single member)";

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
};

/** The hint for a rabbitmqctl command that warrenctl lacks, or undefined. */
export function missingCommandHint(name: string): string | undefined {
  return HINTS[name.replace(/-/g, '_')];
}
