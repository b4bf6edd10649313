#!/usr/bin/env bash
# A three-node RabbitMQ cluster on this one machine, for the cluster tests (test/e2e/cluster*.test.ts,
# test/e2e/migrate*.test.ts) and by hand. Idempotent: run it again and it only starts what is missing.
#
#   node 1  rabbit@HOST   AMQP 5672  management 15672  distribution 25672   the machine's usual node (Debian's
#                                                                           service; started by .ci/run, never
#                                                                           stopped or reset here)
#   node 2  rabbit2@HOST  AMQP 5673  management 15673  distribution 25673   data in /var/lib/rabbitmq/cluster/rabbit2
#   node 3  rabbit3@HOST  AMQP 5674  management 15674  distribution 25674   data in /var/lib/rabbitmq/cluster/rabbit3
#
# Nodes 2 and 3 join node 1. Joining resets only the joining node (its fresh, empty data directory); node 1 keeps
# running and keeps its queues, users and connections, so tests using 127.0.0.1:5672/15672 are not disturbed.
# Every node gets rabbitmq_management, rabbitmq_shovel and rabbitmq_shovel_management (warrenctl migrate uses
# dynamic shovels). Ends when `rabbitmqctl cluster_status` on node 1 lists three running nodes, and prints the
# variables the cluster tests read:
#   RABBITMQ_CLUSTER_URLS=amqp://guest:guest@127.0.0.1:5672,amqp://...:5673,amqp://...:5674
#   RABBITMQ_CLUSTER_API_URLS=http://guest:guest@127.0.0.1:15672,...
# Usage: .ci/rabbitmq-cluster.sh [--env FILE]   (as root; node 1 must be running: .ci/run starts it)
#        .ci/rabbitmq-cluster.sh --stop          (stops nodes 2 and 3 and makes node 1 forget them)
set -euo pipefail

log() { printf '[cluster] %s\n' "$*"; }
SECONDS=0
HOST=$(hostname -s 2>/dev/null || hostname)
BASE=/var/lib/rabbitmq/cluster
NODE1="rabbit@$HOST"
PLUGINS='[rabbitmq_management,rabbitmq_shovel,rabbitmq_shovel_management].'
env_file=""
stop=0
while (($#)); do
  case "$1" in
    --env) env_file=$2; shift 2 ;;
    --stop) stop=1; shift ;;
    *) echo "usage: $0 [--env FILE] | --stop" >&2; exit 64 ;;
  esac
done
if [[ $(id -u) != 0 ]]; then echo "$0: run as root (it starts rabbitmq-server as the rabbitmq user)" >&2; exit 77; fi

cd /tmp
ctl() { timeout 60 rabbitmqctl "$@" </dev/null; }

# Environment of node N (2 or 3): everything that must differ from node 1.
node_env() {
  local n=$1 dir="$BASE/rabbit$1"
  echo "HOME=/var/lib/rabbitmq" \
    "RABBITMQ_NODENAME=rabbit$n@$HOST" \
    "RABBITMQ_NODE_PORT=$((5671 + n))" \
    "RABBITMQ_DIST_PORT=$((25671 + n))" \
    "RABBITMQ_MNESIA_BASE=$dir/mnesia" \
    "RABBITMQ_LOG_BASE=$dir/log" \
    "RABBITMQ_PID_FILE=$dir/rabbit$n.pid" \
    "RABBITMQ_CONFIG_FILE=$dir/rabbitmq.conf" \
    "RABBITMQ_ADVANCED_CONFIG_FILE=$dir/advanced.config" \
    "RABBITMQ_ENABLED_PLUGINS_FILE=$dir/enabled_plugins" \
    "RABBITMQ_CONF_ENV_FILE=$dir/rabbitmq-env.conf"
}

node_up() { ctl -n "rabbit$1@$HOST" -q await_startup --timeout 5 >/dev/null 2>&1; }
api_up() { curl -fsS -m 5 -u guest:guest "http://127.0.0.1:$1/api/overview" >/dev/null 2>&1; }
running_nodes() { ctl -n "$NODE1" -q cluster_status --formatter json 2>/dev/null | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log((JSON.parse(s).running_nodes||[]).length)}catch{console.log(0)}})'; }
member_of_cluster() { ctl -n "$NODE1" -q cluster_status --formatter json 2>/dev/null | grep -q "\"rabbit$1@$HOST\""; }

if ((stop)); then
  for n in 2 3; do
    if node_up "$n"; then log "stopping rabbit$n@$HOST"; ctl -n "rabbit$n@$HOST" stop >/dev/null || true; fi
    if member_of_cluster "$n"; then log "node 1 forgets rabbit$n@$HOST"; ctl -n "$NODE1" forget_cluster_node "rabbit$n@$HOST" >/dev/null || true; fi
    rm -rf "${BASE:?}/rabbit$n"
  done
  exit 0
fi

# ---- node 1: the machine's node, only checked (and given the shovel plugins, enabled online) -----------------
if ! ctl -n "$NODE1" -q await_startup --timeout 10 >/dev/null 2>&1; then
  log "node 1 ($NODE1) is not running: start it first (.ci/run does)"; exit 69
fi
if ! rabbitmq-plugins -n "$NODE1" -q list --enabled --minimal </dev/null 2>/dev/null | grep -qx 'rabbitmq_shovel_management'; then
  # the plugin list of a running node only grows: nothing else on node 1 is restarted
  log "enabling rabbitmq_shovel and rabbitmq_shovel_management on node 1 (online)"
  rabbitmq-plugins -n "$NODE1" -q enable rabbitmq_management rabbitmq_shovel rabbitmq_shovel_management </dev/null >/dev/null
fi

# ---- nodes 2 and 3 --------------------------------------------------------------------------------------------
for n in 2 3; do
  node="rabbit$n@$HOST" dir="$BASE/rabbit$n"
  if node_up "$n"; then
    log "$node already running"
  else
    if [[ ! -d "$dir/mnesia/$node" ]] && member_of_cluster "$n"; then
      # node 1 still lists a node whose data is gone: it could not rejoin under its old name, so forget it first
      log "node 1 forgets $node (its data directory is gone)"
      ctl -n "$NODE1" -q forget_cluster_node "$node" >/dev/null 2>&1 || true
    fi
    log "starting $node (AMQP $((5671 + n)), management $((15671 + n)), distribution $((25671 + n)))"
    mkdir -p "$dir/mnesia" "$dir/log"
    printf 'listeners.tcp.default = %d\nmanagement.tcp.port = %d\nloopback_users.guest = true\n' $((5671 + n)) $((15671 + n)) >"$dir/rabbitmq.conf"
    echo '[].' >"$dir/advanced.config"
    echo "$PLUGINS" >"$dir/enabled_plugins"
    : >"$dir/rabbitmq-env.conf"
    chown -R rabbitmq:rabbitmq "$BASE"
    # shellcheck disable=SC2046
    (cd /var/lib/rabbitmq && runuser -u rabbitmq -- env $(node_env "$n") /usr/lib/rabbitmq/bin/rabbitmq-server -detached </dev/null >"$dir/log/startup.log" 2>&1)
  fi
done

for n in 2 3; do
  node="rabbit$n@$HOST"
  deadline=$((SECONDS + 120))
  until node_up "$n"; do
    if ((SECONDS >= deadline)); then log "$node did not start within 120 s"; tail -30 "$BASE/rabbit$n/log/"*.log 2>/dev/null || true; exit 1; fi
    sleep 1
  done
  if member_of_cluster "$n" && ctl -n "$node" -q cluster_status 2>/dev/null | grep -q "$NODE1"; then
    log "$node is already in node 1's cluster"
    continue
  fi
  # the joining node is reset (its own, new data only), then joins; node 1 only learns of a new member
  log "joining $node to $NODE1"
  ctl -n "$node" -q stop_app >>"$BASE/rabbit$n/log/join.log" 2>&1
  ctl -n "$node" -q reset >>"$BASE/rabbit$n/log/join.log" 2>&1
  ctl -n "$node" -q join_cluster "$NODE1" >>"$BASE/rabbit$n/log/join.log" 2>&1
  ctl -n "$node" -q start_app >>"$BASE/rabbit$n/log/join.log" 2>&1
done

log "waiting for three running nodes and their management listeners (at most 120 s)"
deadline=$((SECONDS + 120))
until [[ $(running_nodes) == 3 ]] && api_up 15672 && api_up 15673 && api_up 15674; do
  if ((SECONDS >= deadline)); then log "the cluster did not come up within 120 s"; ctl -n "$NODE1" cluster_status || true; exit 1; fi
  sleep 1
done

urls="amqp://guest:guest@127.0.0.1:5672,amqp://guest:guest@127.0.0.1:5673,amqp://guest:guest@127.0.0.1:5674"
api_urls="http://guest:guest@127.0.0.1:15672,http://guest:guest@127.0.0.1:15673,http://guest:guest@127.0.0.1:15674"
log "three running nodes: $NODE1 rabbit2@$HOST rabbit3@$HOST (cluster ready in ${SECONDS}s)"
echo "RABBITMQ_CLUSTER_URLS=$urls"
echo "RABBITMQ_CLUSTER_API_URLS=$api_urls"
if [[ -n "$env_file" ]]; then
  printf 'RABBITMQ_CLUSTER_URLS=%s\nRABBITMQ_CLUSTER_API_URLS=%s\n' "$urls" "$api_urls" >"$env_file"
fi
