#!/usr/bin/env bash
# The one way this project starts a local Redis Cluster: scripts/bench.sh's cluster case runs it, and so does the test
# helper src/test/java/dev/modelmux/testing/RedisCluster.java (through ProcessBuilder, from the project's root).
#
#   redis-cluster.sh start DIR [--replicas N] [--node-timeout MS] PORT[@BUS_PORT]...
#   redis-cluster.sh stop DIR
#
# start: one redis-server per PORT (cluster-enabled, no persistence, bound to 127.0.0.1, its cluster bus on BUS_PORT
# or else PORT + 10000, cluster-node-timeout MS or else Redis's default), joined with redis-cli --cluster create into
# masters with N replicas each (0 by default); returns once every node says cluster_state:ok. In DIR: each node's
# nodes-PORT.conf, redis-PORT.log and redis-PORT.pid, and create.log. The nodes run on after it returns; on a failure
# it says why on stderr, stops what it started and exits 1 (and leaves DIR alone when a PORT is taken already).
# stop: stops the nodes whose PIDs are in DIR (SIGTERM, SIGKILL after 5 s) and removes DIR but for the logs.
set -euo pipefail

die() {
  echo "redis-cluster.sh: $*" >&2
  exit 1
}

# Whether PID runs redis-server on PORT (its command line reads "redis-server 127.0.0.1:PORT [cluster]"), not gone
# and not a zombie: a PID from an old file may belong to another process by now.
node_alive() {
  local state
  state=$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null || true)
  [ -n "$state" ] && [ "$state" != Z ] && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qE "redis-server .*(:| )$2( |$)"
}

cluster_ok() {
  local p info
  for p in "$@"; do
    info=$(redis-cli -h 127.0.0.1 -p "$p" cluster info 2>/dev/null) && [[ $info == *cluster_state:ok* ]] || return 1
  done
}

start() {
  local dir=$1 replicas=0 timeout="" spec port bus ports=() nodes=() args
  shift
  while [ $# -gt 0 ]; do
    case $1 in
      --replicas) replicas=$2; shift 2 ;;
      --node-timeout) timeout=$2; shift 2 ;;
      *) break ;;
    esac
  done
  [ $# -gt 0 ] || die "start: no ports"
  for spec in "$@"; do
    port=${spec%@*}
    if redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1; then
      die "something already answers on 127.0.0.1:$port (a Redis left over from an earlier run?)"
    fi
  done
  rm -rf "$dir"
  mkdir -p "$dir"
  # Interrupted before it returns (its caller's Ctrl-C): nothing left running. The nodes ignore SIGINT themselves.
  trap 'stop "$dir"; exit 130' INT TERM
  for spec in "$@"; do
    port=${spec%@*} bus=""
    if [[ $spec == *@* ]]; then bus=${spec#*@}; fi
    args=(--port "$port" --cluster-enabled yes --cluster-config-file "nodes-$port.conf" --dir "$dir"
      --save '' --appendonly no --bind 127.0.0.1)
    if [ -n "$bus" ]; then args+=(--cluster-port "$bus"); fi
    if [ -n "$timeout" ]; then args+=(--cluster-node-timeout "$timeout"); fi
    redis-server "${args[@]}" >"$dir/redis-$port.log" 2>&1 </dev/null &
    echo $! >"$dir/redis-$port.pid"
    ports+=("$port")
    nodes+=("127.0.0.1:$port")
  done
  for port in "${ports[@]}"; do
    for _ in $(seq 1 300); do
      redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1 && continue 2
      sleep 0.1
    done
    stop "$dir"
    die "redis-server on port $port did not come up (see $dir/redis-$port.log)"
  done
  if ! redis-cli --cluster create "${nodes[@]}" --cluster-replicas "$replicas" --cluster-yes >"$dir/create.log" 2>&1 \
      || ! grep -q 'All 16384 slots covered' "$dir/create.log"; then
    stop "$dir"
    die "redis-cli --cluster create failed (see $dir/create.log)"
  fi
  for _ in $(seq 1 300); do
    cluster_ok "${ports[@]}" && return 0
    sleep 0.1
  done
  stop "$dir"
  die "the Redis Cluster did not reach cluster_state:ok (see $dir/redis-*.log)"
}

stop() {
  local dir=$1 file pid port spec live=()
  [ -d "$dir" ] || return 0
  for file in "$dir"/redis-*.pid; do
    [ -f "$file" ] || continue
    pid=$(cat "$file") port=${file##*/redis-} port=${port%.pid}
    if node_alive "$pid" "$port"; then
      kill "$pid" 2>/dev/null || true
      live+=("$pid:$port")
    fi
  done
  for _ in $(seq 1 50); do
    for spec in "${live[@]}"; do node_alive "${spec%:*}" "${spec#*:}" && { sleep 0.1; continue 2; }; done
    break
  done
  for spec in "${live[@]}"; do
    if node_alive "${spec%:*}" "${spec#*:}"; then kill -KILL "${spec%:*}" 2>/dev/null || true; fi
  done
  find "$dir" -mindepth 1 ! -name '*.log' -delete
}

case ${1:-} in
  start | stop)
    command=$1
    shift
    [ $# -gt 0 ] || die "$command: no DIR"
    "$command" "$@"
    ;;
  *)
    echo "usage: redis-cluster.sh start DIR [--replicas N] [--node-timeout MS] PORT[@BUS_PORT]... | stop DIR" >&2
    exit 2
    ;;
esac
