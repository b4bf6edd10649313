// Every command of rabbitmqctl 3.10.8 (its `rabbitmqctl help`, read on the node this project is measured against)
// is a warrenctl command, or warrenctl says why not and what to use instead of "unknown command".
import { describe, expect, it } from 'vitest';
import { missingCommandHint } from '../../src/cli/missing-commands.js';
import { findEntry } from '../../src/cli/registry.js';
import { ctlMain } from '../helpers/ctl-main.js';

const RABBITMQCTL_3_10 = `add_user add_vhost authenticate_user autocomplete await_online_nodes await_startup cancel_sync_queue
change_cluster_node_type change_password clear_global_parameter clear_operator_policy clear_parameter clear_password
clear_permissions clear_policy clear_topic_permissions clear_user_limits clear_vhost_limits close_all_connections
close_all_user_connections close_connection cluster_status decode delete_queue delete_shovel delete_user delete_vhost
enable_feature_flag encode environment eval eval_file exec export_definitions force_boot force_gc force_reset
forget_cluster_node help hipe_compile import_definitions join_cluster list_bindings list_channels list_ciphers
list_connections list_consumers list_exchanges list_feature_flags list_global_parameters list_hashes
list_node_auth_attempt_stats list_operator_policies list_parameters list_permissions list_policies list_queues
list_topic_permissions list_unresponsive_queues list_user_limits list_user_permissions list_user_topic_permissions
list_users list_vhost_limits list_vhosts node_health_check ping purge_queue rename_cluster_node report reset
restart_shovel restart_vhost resume_listeners rotate_logs schema_info set_cluster_name set_disk_free_limit
set_global_parameter set_log_level set_operator_policy set_parameter set_permissions set_policy set_topic_permissions
set_user_limits set_user_tags set_vhost_limits set_vhost_tags set_vm_memory_high_watermark shovel_status shutdown
start_app status stop stop_app suspend_listeners sync_queue trace_off trace_on update_cluster_nodes version wait`.split(/\s+/);

describe('rabbitmqctl 3.10 commands', () => {
  it.each(RABBITMQCTL_3_10)('%s: a warrenctl command, or a hint naming what to use', (name) => {
    expect(findEntry(name) !== undefined || missingCommandHint(name) !== undefined).toBe(true);
  });

  it('a lacking one exits 64 with its hint on one line', async () => {
    const r = await ctlMain(['suspend_listeners']);
    expect(r.code).toBe(64);
    expect(r.stderr).toBe(`Error: warrenctl has no 'suspend_listeners' command: ${missingCommandHint('suspend_listeners')}\n`);
  });
});
