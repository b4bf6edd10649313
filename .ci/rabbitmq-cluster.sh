#!/usr/bin/env bash
# A three-node RabbitMQ cluster on this one machine, for the cluster tests (test/e2e/cluster*.test.ts,
# test/e2e/migrate*.test.ts) and by hand. Idempotent: run it again and it only starts what is missing.
#
#   the single node  rabbit@HOST   AMQP 5672  management 15672   the machine's usual node (.ci/run starts it), used
#                                                                by the single-node RabbitMQ tests; never touched here
#   cluster node 1   rabbit2@HOST  AMQP 5673  management 15673  distribution 25673  data in /var/lib/rabbitmq/cluster/rabbit2
#   cluster node 2   rabbit3@HOST  AMQP 5674  management 15674  distribution 25674  data in /var/lib/rabbitmq/cluster/rabbit3
#   cluster node 3   rabbit4@HOST  AMQP 5675  management 15675  distribution 25675  data in /var/lib/rabbitmq/cluster/rabbit4
#
# Cluster nodes 2 and 3 join cluster node 1. The cluster is apart from the single node: the cluster tests stop and
# start its nodes 2 and 3, and a vhost added on the single node never waits for a cluster member that is down.
# Every cluster node gets rabbitmq_management, rabbitmq_shovel and rabbitmq_shovel_management (warrenctl migrate uses
# dynamic shovels). Ends when `rabbitmqctl cluster_status` on cluster node 1 lists three running nodes, and prints
# the variables the cluster tests read:
#   RABBITMQ_CLUSTER_URLS=amqp://guest:guest@127.0.0.1:5673,amqp://...:5674,amqp://...:5675
#   RABBITMQ_CLUSTER_API_URLS=http://guest:guest@127.0.0.1:15673,...
# Usage: .ci/rabbitmq-cluster.sh [--env FILE]   (as root)
#        .ci/rabbitmq-cluster.sh --stop          (stops the three cluster nodes and removes their data)
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
NODES=(2 3 4)
FIRST="rabbit2@$HOST"

# Environment of node N (2, 3 or 4): everything that must differ from the single node's.
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
running_nodes() { ctl -n "$FIRST" -q cluster_status --formatter json 2>/dev/null | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log((JSON.parse(s).running_nodes||[]).length)}catch{console.log(0)}})'; }
member_of_cluster() { ctl -n "$FIRST" -q cluster_status --formatter json 2>/dev/null | grep -q "\"rabbit$1@$HOST\""; }
stop_node() {
  if node_up "$1"; then log "stopping rabbit$1@$HOST"; ctl -n "rabbit$1@$HOST" stop >/dev/null 2>&1 || true; fi
  rm -rf "${BASE:?}/rabbit$1"
}

# An earlier layout joined rabbit2 and rabbit3 to the single node: that node forgets them, and they start anew.
if ctl -n "$NODE1" -q cluster_status --formatter json 2>/dev/null | grep -q "\"rabbit[0-9]@$HOST\""; then
  for n in 2 3; do
    stop_node "$n"
    log "the single node $NODE1 forgets rabbit$n@$HOST (an earlier layout had it in its cluster)"
    ctl -n "$NODE1" -q forget_cluster_node "rabbit$n@$HOST" >/dev/null 2>&1 || true
  done
fi

if ((stop)); then
  for n in "${NODES[@]}"; do stop_node "$n"; done
  exit 0
fi

for n in "${NODES[@]}"; do
  node="rabbit$n@$HOST" dir="$BASE/rabbit$n"
  if node_up "$n"; then
    log "$node already running"
  else
    log "starting $node (AMQP $((5671 + n)), management $((15671 + n)), distribution $((25671 + n)))"
    mkdir -p "$dir/mnesia" "$dir/log"
    printf 'listeners.tcp.default = %d\nmanagement.tcp.port = %d\nloopback_users.guest = true\n' $((5671 + n)) $((15671 + n)) >"$dir/rabbitmq.conf"
    echo '[].' >"$dir/advanced.config"
    echo "$PLUGINS" >"$dir/enabled_plugins"
    # no busy-waiting schedulers: three nodes spinning on two cores the tests share (see .ci/run)
    echo 'SERVER_ADDITIONAL_ERL_ARGS="+sbwt none +sbwtdcpu none +sbwtdio none"' >"$dir/rabbitmq-env.conf"
    chown -R rabbitmq:rabbitmq "$BASE"
    # shellcheck disable=SC2046
    (cd /var/lib/rabbitmq && runuser -u rabbitmq -- env $(node_env "$n") /usr/lib/rabbitmq/bin/rabbitmq-server -detached </dev/null >"$dir/log/startup.log" 2>&1)
  fi
done

for n in "${NODES[@]}"; do
  node="rabbit$n@$HOST"
  deadline=$((SECONDS + 120))
  until node_up "$n"; do
    if ((SECONDS >= deadline)); then log "$node did not start within 120 s"; tail -30 "$BASE/rabbit$n/log/"*.log 2>/dev/null || true; exit 1; fi
    sleep 1
  done
  [[ $node == "$FIRST" ]] && continue
  if member_of_cluster "$n" && ctl -n "$node" -q cluster_status 2>/dev/null | grep -q "$FIRST"; then
    log "$node is already in $FIRST's cluster"
    continue
  fi
  # the joining node is reset (its own, new data only), then joins
  log "joining $node to $FIRST"
  ctl -n "$node" -q stop_app >>"$BASE/rabbit$n/log/join.log" 2>&1
  ctl -n "$node" -q reset >>"$BASE/rabbit$n/log/join.log" 2>&1
  ctl -n "$node" -q join_cluster "$FIRST" >>"$BASE/rabbit$n/log/join.log" 2>&1
  ctl -n "$node" -q start_app >>"$BASE/rabbit$n/log/join.log" 2>&1
done

log "waiting for three running nodes and their management listeners (at most 120 s)"
deadline=$((SECONDS + 120))
until [[ $(running_nodes) == 3 ]] && api_up 15673 && api_up 15674 && api_up 15675; do
  if ((SECONDS >= deadline)); then log "the cluster did not come up within 120 s"; ctl -n "$FIRST" cluster_status || true; exit 1; fi
  sleep 1
done

urls="amqp://guest:guest@127.0.0.1:5673,amqp://guest:guest@127.0.0.1:5674,amqp://guest:guest@127.0.0.1:5675"
api_urls="http://guest:guest@127.0.0.1:15673,http://guest:guest@127.0.0.1:15674,http://guest:guest@127.0.0.1:15675"
log "three running nodes: rabbit2@$HOST rabbit3@$HOST rabbit4@$HOST (cluster ready in ${SECONDS}s)"
echo "RABBITMQ_CLUSTER_URLS=$urls"
echo "RABBITMQ_CLUSTER_API_URLS=$api_urls"
if [[ -n "$env_file" ]]; then
  printf 'RABBITMQ_CLUSTER_URLS=%s\nRABBITMQ_CLUSTER_API_URLS=%s\n' "$urls" "$api_urls" >"$env_file"
fi
