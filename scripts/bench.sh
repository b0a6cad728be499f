#!/usr/bin/env bash
# Latency the gateway adds over calling the emulator directly, measured in one run, open loop, at fixed rates.
# Starts the emulator and the gateway in their own JVMs, then the load generator in a third.
# Two runs per rate: OpenAI -> OpenAI, plain and streamed (direct vs gateway); then the cross-dialect case,
# streamed, four targets in one run (OpenAI and Anthropic, each direct and through the gateway), with the
# check "translation adds at most 20% to the gateway's own OpenAI -> OpenAI overhead"; then budgets shared in
# Redis: the same gateway config with a redis section, against the gateway on in-process budgets, in one run;
# then the cluster case: in-process vs Redis standalone vs a three-master Redis Cluster (started on ports
# 7391-7393 when the case first runs), plain and streamed, three gateways in one run, with what each Redis
# variant adds over in-process at p50/p90/p99 and the targets "Redis adds <= REDIS_MAX_ADDED_P50 ms (0.1) at
# p50 and <= REDIS_MAX_ADDED_P99 ms (0.5) at p99 over in-process" as PASS/FAIL lines (a FAIL exits 4, as the
# cross-dialect check does).
#   RATES="1000" DURATION=20 WARMUP=15 CASES="openai cross redis cluster" scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."

RATES="${RATES:-1000}"
DURATION="${DURATION:-20}"
WARMUP="${WARMUP:-15}"
CASES="${CASES:-openai cross redis cluster}"
REDIS_MAX_ADDED_P50="${REDIS_MAX_ADDED_P50:-0.1}"
REDIS_MAX_ADDED_P99="${REDIS_MAX_ADDED_P99:-0.5}"
wants() { case " $CASES " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
EMULATOR_PORT=9199
GATEWAY_PORT=8180
REDIS_GATEWAY_PORT=8181
CLUSTER_GATEWAY_PORT=8182
REDIS_PORT=6399
CLUSTER_PORTS="7391 7392 7393" # and their cluster bus ports, 17391-17393
out="target/bench"
cluster_dir="$out/redis-cluster"
mkdir -p "$out"

if [ ! -f target/modelmux.jar ] || [ -n "$(find src pom.xml -newer target/modelmux.jar -print -quit)" ]; then
  mvn -q -B -DskipTests package
fi
# Run from a copy, so a rebuild during the run cannot pull classes from under the JVMs.
jar="$out/modelmux-bench.jar"
cp target/modelmux.jar "$jar"
JVM="java -Xms512m -Xmx1g -XX:+UseParallelGC"

pids=()
cluster_started=false
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if $cluster_started; then rm -rf "$cluster_dir"; fi
}
trap cleanup EXIT

wait_for() {
  for _ in $(seq 1 100); do
    curl -fs "$1" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "bench.sh: $1 did not come up" >&2
  return 1
}

# Starts gateway-NAME on PORT with conf/bench.yaml plus "redis: SECTION"; fails unless it comes up on Redis
# budgets ("mode":"redis" in /health/ready).
start_redis_gateway() {
  local name=$1 port=$2 section=$3 ready
  { cat conf/bench.yaml; echo "redis: $section"; } >"$out/bench-$name.yaml"
  MODELMUX_BENCH_KEY=bench-key $JVM -jar "$jar" serve --config "$out/bench-$name.yaml" --port "$port" \
    >"$out/gateway-$name.log" 2>&1 &
  pids+=($!)
  if ready=$(wait_for "http://127.0.0.1:$port/health/ready" && curl -fs "http://127.0.0.1:$port/health/ready") \
      && [[ $ready == *'"mode":"redis"'* ]]; then
    return 0
  fi
  echo "bench.sh: gateway-$name is not up on Redis budgets (${ready:-no answer}); end of $out/gateway-$name.log:" >&2
  tail -n 5 "$out/gateway-$name.log" >&2 || true
  return 1
}

cluster_ok() {
  local p info
  for p in $CLUSTER_PORTS; do
    info=$(redis-cli -h 127.0.0.1 -p "$p" cluster info 2>/dev/null) && [[ $info == *cluster_state:ok* ]] || return 1
  done
}

# A three-master Redis Cluster (no replicas, no persistence) on CLUSTER_PORTS; fails unless every node
# reports cluster_state:ok. Its nodes are in pids (stopped by cleanup), its node files in $cluster_dir.
start_redis_cluster() {
  local p nodes=()
  for p in $CLUSTER_PORTS; do
    if redis-cli -h 127.0.0.1 -p "$p" ping >/dev/null 2>&1; then
      echo "bench.sh: something already answers on 127.0.0.1:$p (a Redis left over from an earlier run?)" >&2
      return 1
    fi
    nodes+=("127.0.0.1:$p")
  done
  cluster_started=true
  rm -rf "$cluster_dir"
  mkdir -p "$cluster_dir"
  for p in $CLUSTER_PORTS; do
    redis-server --port "$p" --cluster-enabled yes --cluster-config-file "nodes-$p.conf" --dir "$cluster_dir" \
      --save '' --appendonly no --bind 127.0.0.1 >"$out/redis-cluster-$p.log" 2>&1 &
    pids+=($!)
  done
  for p in $CLUSTER_PORTS; do
    for _ in $(seq 1 100); do
      redis-cli -h 127.0.0.1 -p "$p" ping >/dev/null 2>&1 && continue 2
      sleep 0.1
    done
    echo "bench.sh: redis-server on port $p did not come up (see $out/redis-cluster-$p.log)" >&2
    return 1
  done
  if ! redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes \
      >"$out/redis-cluster-create.log" 2>&1; then
    echo "bench.sh: redis-cli --cluster create failed (see $out/redis-cluster-create.log)" >&2
    return 1
  fi
  for _ in $(seq 1 200); do
    cluster_ok && return 0
    sleep 0.1
  done
  echo "bench.sh: the Redis Cluster did not reach cluster_state:ok (see $out/redis-cluster-*.log)" >&2
  return 1
}

# One load-generator run of the budget cases: plain and streamed, the targets (NAME=URL@MODEL) alternating in
# phases, each compared with the first. RUN names it: JSON in $out/RUN-RATE.json. Uses $rate, sets $status.
budget_run() {
  local run=$1 rc=0 t args=()
  shift
  for t in "$@"; do args+=(--target "$t"); done
  rm -f "$out/$run-${rate}.json"
  $JVM -jar "$jar" bench "${args[@]}" \
    --header "Authorization: Bearer bench-key" \
    --rate "$rate" --duration "$DURATION" --warmup "$WARMUP" --mode both \
    --json "$out/$run-${rate}.json" || rc=$?
  case $rc in
    0) ;;
    3) echo "bench.sh: some requests failed in the $run run at ${rate} req/s (see above)"; status=3 ;;
    *) echo "bench.sh: $run run at ${rate} req/s exited $rc (see above)"; status=$rc ;;
  esac
}

# From a budget run's JSON: what every target adds over BASELINE (p50/p90/p99, difference and ratio), plain
# latency and streamed TTFT, and the PASS/FAIL lines against REDIS_MAX_ADDED_P50/P99; exits 4 on a FAIL.
# (awk over the generator's pretty-printed JSON, one "key" : value per line: jq is not among the requirements.)
redis_added() {
  local json=$1 baseline=$2
  awk -v base="$baseline" -v max50="$REDIS_MAX_ADDED_P50" -v max99="$REDIS_MAX_ADDED_P99" -v rate="$rate" \
      -v warmup="$WARMUP" '
    function num(k) { return (k in v) && v[k] != "null" }
    function fmt(k, suffix) { return num(k) ? sprintf(suffix == "x" ? "%8.2fx" : "%+9.3f", v[k]) : sprintf("%9s", "n/a") }
    match($0, /"[a-z0-9_]+" : /) {
      key = substr($0, RSTART + 1, RLENGTH - 5)
      val = substr($0, RSTART + RLENGTH); sub(/,[ \t\r]*$/, "", val); gsub(/"/, "", val)
      if (key == "mode") { mode = val; if (!(mode in seenmode)) { seenmode[mode] = 1; modes[++nm] = mode } }
      else if (key == "added") sec = "added"
      else if (key ~ /^(added_total|scheduling_lag_ms|late_sends|overhead_checks)$/) sec = ""
      else if (sec == "added" && key == "baseline") b = val
      else if (sec == "added" && key == "target") {
        tgt = val
        if (b == base && !(tgt in seen)) { seen[tgt] = 1; tgts[++nt] = tgt }
      } else if (sec == "added" && b == base && key ~ /^(added|ratio)_p(50|90|99)$/) v[mode SUBSEP tgt SUBSEP key] = val
    }
    END {
      if (nt == 0) { print "bench.sh: no comparison against " base " in the JSON" > "/dev/stderr"; exit 1 }
      printf "\n== %s req/s: added over in-process budgets (%s), same run, after a %s s warm-up over all targets ==\n", rate, base, warmup
      printf "  %-16s %-14s %9s %9s %9s %9s %9s %9s\n", "(ms)", "", "added p50", "p90", "p99", "ratio p50", "p90", "p99"
      for (i = 1; i <= nt; i++) for (j = 1; j <= nm; j++) {
        k = modes[j] SUBSEP tgts[i] SUBSEP
        printf "  %-16s %-14s %s %s %s %s %s %s\n", tgts[i], modes[j] == "stream" ? "stream TTFT" : modes[j] " latency",
          fmt(k "added_p50"), fmt(k "added_p90"), fmt(k "added_p99"), fmt(k "ratio_p50", "x"), fmt(k "ratio_p90", "x"),
          fmt(k "ratio_p99", "x")
      }
      printf "  targets: Redis adds <= %s ms at p50 and <= %s ms at p99 over in-process\n", max50, max99
      for (i = 1; i <= nt; i++) for (j = 1; j <= nm; j++) {
        k = modes[j] SUBSEP tgts[i] SUBSEP
        line = ""; verdict = "PASS"
        for (q = 50; q <= 99; q += 49) {
          max = q == 50 ? max50 : max99
          if (!num(k "added_p" q)) { verdict = "N/A"; line = line sprintf(", p%d n/a", q); continue }
          ok = v[k "added_p" q] + 0 <= max + 0
          if (!ok) verdict = "FAIL"
          line = line sprintf(", p%d %+.3f ms %s %s", q, v[k "added_p" q], ok ? "<=" : ">", max)
        }
        if (verdict == "FAIL") fails++
        printf "  %s %s, %s: %s\n", verdict, tgts[i], modes[j] == "stream" ? "stream TTFT" : modes[j] " latency", substr(line, 3)
      }
      exit fails ? 4 : 0
    }' "$json"
}

$JVM -jar "$jar" emulator --host 127.0.0.1 --port "$EMULATOR_PORT" >"$out/emulator.log" 2>&1 &
pids+=($!)
MODELMUX_BENCH_KEY=bench-key $JVM -jar "$jar" serve --config conf/bench.yaml --port "$GATEWAY_PORT" >"$out/gateway.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$EMULATOR_PORT/_emulator/stats"
wait_for "http://127.0.0.1:$GATEWAY_PORT/health/ready"

redis_ready=false
if command -v redis-server >/dev/null 2>&1; then
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no >"$out/redis.log" 2>&1 &
  pids+=($!)
  start_redis_gateway redis "$REDIS_GATEWAY_PORT" "{ url: redis://127.0.0.1:$REDIS_PORT }" && redis_ready=true
else
  echo "bench.sh: redis-server not installed (scripts/test.sh installs it): skipping the Redis budget runs"
fi
# The cluster and its gateway start when the cluster case first runs, so the earlier cases run as before.
cluster_ready=unstarted
ensure_cluster() {
  if [ "$cluster_ready" = unstarted ]; then
    cluster_ready=false
    local section="{ type: cluster, endpoints: [" sep="" p
    for p in $CLUSTER_PORTS; do section+="${sep}redis://127.0.0.1:$p"; sep=", "; done
    section+="] }"
    if $redis_ready && start_redis_cluster && start_redis_gateway cluster "$CLUSTER_GATEWAY_PORT" "$section"; then
      cluster_ready=true
    fi
  fi
  $cluster_ready
}

# One body for both dialects: Anthropic needs max_tokens; the model is set per target.
cat >"$out/cross-body.json" <<'JSON'
{"messages":[{"role":"user","content":"Write a short greeting for a code review bot."}],"max_tokens":64}
JSON
E="http://127.0.0.1:$EMULATOR_PORT"
G="http://127.0.0.1:$GATEWAY_PORT"
R="http://127.0.0.1:$REDIS_GATEWAY_PORT"
C="http://127.0.0.1:$CLUSTER_GATEWAY_PORT"

status=0
for rate in $RATES; do
  if wants openai; then
  echo "== ${rate} req/s: direct = emulator, gateway = modelmux in front of the same emulator =="
  $JVM -jar "$jar" bench \
    --target "direct=$E/v1/chat/completions" \
    --target "gateway=$G/v1/chat/completions" \
    --header "Authorization: Bearer bench-key" \
    --model gpt-4 --rate "$rate" --duration "$DURATION" --warmup "$WARMUP" --mode both \
    --json "$out/openai-${rate}.json" || { echo "bench.sh: some requests failed at ${rate} req/s (see above)"; status=3; }
  fi

  if wants cross; then
  echo "== ${rate} req/s, streamed: cross-dialect, OpenAI client -> Anthropic provider through the gateway =="
  rc=0
  $JVM -jar "$jar" bench \
    --target "direct-openai=$E/v1/chat/completions@gpt-4" \
    --target "gateway-openai=$G/v1/chat/completions@bench" \
    --target "direct-anthropic=$E/v1/messages@claude-2" \
    --target "gateway-anthropic=$G/v1/chat/completions@bench-claude" \
    --compare "gateway-anthropic=direct-anthropic" \
    --overhead-ratio "cross-dialect translation=gateway-anthropic/gateway-openai" --max-overhead-ratio 1.2 \
    --header "Authorization: Bearer bench-key" --header "x-api-key: bench-key" \
    --header "anthropic-version: 2023-06-01" \
    --body-file "$out/cross-body.json" --rate "$rate" --duration "$DURATION" --warmup "$WARMUP" --mode stream \
    --json "$out/cross-${rate}.json" || rc=$?
  case $rc in
    0) ;;
    4) echo "bench.sh: cross-dialect overhead check FAILED at ${rate} req/s (see above)"; status=4 ;;
    *) echo "bench.sh: cross-dialect run at ${rate} req/s exited $rc (see above)"; status=$rc ;;
  esac
  fi

  if wants redis; then
    if $redis_ready; then
      echo "== ${rate} req/s, streamed and plain: budgets in Redis (one round trip per request) vs in-process budgets =="
      budget_run redis "direct=$E/v1/chat/completions@gpt-4" "gateway=$G/v1/chat/completions@bench" \
        "gateway-redis=$R/v1/chat/completions@bench"
    else
      echo "bench.sh: no gateway on standalone Redis: skipping the redis case at ${rate} req/s"
    fi
  fi

  if wants cluster; then
    if ensure_cluster; then
      echo "== ${rate} req/s, plain and streamed: budgets in-process vs Redis standalone vs Redis Cluster (3 masters) =="
      budget_run cluster "gateway=$G/v1/chat/completions@bench" "gateway-redis=$R/v1/chat/completions@bench" \
        "gateway-cluster=$C/v1/chat/completions@bench"
      if [ -f "$out/cluster-${rate}.json" ]; then
        rc=0
        redis_added "$out/cluster-${rate}.json" gateway || rc=$?
        case $rc in
          0) ;;
          4) echo "bench.sh: Redis latency target missed at ${rate} req/s (FAIL lines above)"; status=4 ;;
          *) echo "bench.sh: could not read $out/cluster-${rate}.json" ;;
        esac
      fi
    else
      echo "bench.sh: no gateway on Redis Cluster (see above): skipping the cluster case at ${rate} req/s"
    fi
  fi
done
echo "JSON results in $out/"
exit $status
