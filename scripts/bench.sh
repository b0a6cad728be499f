#!/usr/bin/env bash
# Latency the gateway adds over calling the emulator directly, measured in one run, open loop, at fixed rates.
# Starts the emulator and the gateway in their own JVMs, then the load generator in a third.
# Two runs per rate: OpenAI -> OpenAI, plain and streamed (direct vs gateway); then the cross-dialect case,
# streamed, four targets in one run (OpenAI and Anthropic, each direct and through the gateway), with the
# check "translation adds at most 20% to the gateway's own OpenAI -> OpenAI overhead"; then budgets shared in
# Redis: the same gateway config with a redis section, against the gateway on in-process budgets, in one run;
# then the cluster case: in-process vs Redis standalone vs a three-master Redis Cluster (started on ports
# 7391-7393 when the case first runs), three gateways in one run at RATES, open loop, plain then streamed: WARMUP s
# over all targets, not recorded, then DURATION s per target and mode. It prints what each Redis variant adds
# over in-process at p50/p90/p99, and each variant's Redis calls per request: INFO commandstats of its Redis (a
# cluster: summed over the masters) and the gateway's modelmux_requests_total, read when the warm-up has ended (half
# a phase later, while only the in-process gateway gets requests) and when the generator has exited; the calls
# (without INFO itself and the commands the jar's budget scripts run inside an EVALSHA, which are no round trip)
# divided by the requests that gateway ended meanwhile. PASS/FAIL lines: streamed TTFT added
# <= REDIS_MAX_ADDED_P50 ms (0.05) at p50 and <= REDIS_MAX_ADDED_P99 ms (0.2) at p99, and Redis calls per request
# <= REDIS_MAX_CALLS_PER_REQUEST (0.05); a FAIL exits 4, as the cross-dialect check does. The counts are in
# $out/cluster-RATE-calls.txt. conf/bench.yaml's limits (rpm 10M, tpm 1G) never deny a request at these rates.
# Two more cases run only when CASES names them, after the others, each on its own emulator and gateway
# JVMs started with GATEWAY_JVM:
# saturation: closed loop, CONNECTIONS (16 256) requests always in flight (each connection sends its next
# request as soon as the previous one ends), the emulator direct vs the gateway (route bench) in front of it,
# plain and streamed, one run per connection count and mode: WARMUP s unrecorded, then DURATION s per target
# in alternating rounds. Direct req/s is what the emulator gives this load generator on the same machine.
# Prints req/s direct and through the gateway and their ratio, the latency the gateway adds at p50/p99
# (streamed: until [DONE]), time to first content token at p50/p99 each and added, and the most VmRSS of the
# gateway and the emulator JVM sampled during the measured window; then PASS/FAIL lines for "plain req/s >=
# MIN_RATE_RATIO (0.5) x direct at the first CONNECTIONS count", "streamed TTFT added <= MAX_TTFT_ADDED_P50
# ms (0.3) at p50" and "gateway RSS <= MAX_GATEWAY_RSS_MB (200) under load". They only inform: a FAIL
# exits 4 only with STRICT=1.
# streams5k: STREAMS (5000) streamed requests opened at once through the gateway (conf/bench-streams.yaml:
# a slow emulated model, ~36 s per stream, one deployment on one emulated provider host), held open until
# they end; prints the gateway's VmRSS before the first opens, once 2,000 are open and once all are (or no
# more open for 5 s), with the emulator's, and how many streams the generator had open; PASS/FAIL for "all
# STREAMS open", "all STREAMS completed" (no 503, no broken stream) and the RSS limit, as above. Raises the
# soft open-files limit to the hard one when it can. DURATION and WARMUP do not apply.
# Before its first run, saturation also warms its fresh gateway and emulator JVMs for WARMUP s, unrecorded.
# GATEWAY_JVM: the java command and flags of the JVMs of these two cases (the load generator keeps the flags
# of the other cases); by default SerialGC, a 32 MB young generation and an old one kept close to its live
# size (heap up to 320 MB: 5000 open streams hold ~190 MB live), the native heap trimmed every 5 s.
# container (only when CASES names it, after the others): the container image's JVM flags (pom.xml's <jvmFlag>
# elements) in a memory cgroup limited as Kubernetes limits the pod (k8s/base/deployment.yaml's limits.memory, or
# CONTAINER_LIMIT_MB), one run per MaxRAMPercentage in RAM_PERCENTAGES (60 75 90; the pom's value is added when
# missing, and is the one under test). Each run: a fresh emulator JVM outside the cgroup (CONTAINER_EMULATOR_JVM) and
# a fresh gateway JVM inside a fresh cgroup, run as the image runs it with that MaxRAMPercentage and
# -XX:NativeMemoryTracking=summary; WARMUP s unrecorded (closed loop, 32 connections, plain and streamed, a fast
# model); then streamed requests held open at once in cumulative levels CONTAINER_STREAMS (1000 2000 3000 4000:
# one closed-loop generator per level adds the difference once the previous level is open), each with a
# PROMPT_BYTES (65536, ~12k tokens) prompt, on an emulated model answering 13 events CONTAINER_TOKEN_MS (8000) ms
# apart (~104 s a stream); a stream slower than CONTAINER_DRAIN_TIMEOUT (240) s fails. It samples the cgroup's
# usage and what it is charged for (memory.stat, kernel memory), the gateway's VmRSS/VmHWM every 0.5 s, its heap
# (jstat -gc) every 0.5 s and NMT (jcmd VM.native_memory summary) every 5 s, and reads the kernel's high-water mark
# (v1 memory.max_usage_in_bytes, v2 memory.peak), limit hits and OOM kills (v1 memory.failcnt and
# memory.oom_control, v2 memory.events). Prints per percentage: MaxHeapSize, the cgroup's peak and its share of the
# limit, peak RSS, heap committed and used at most, old generation used at most, non-heap (NMT committed minus the
# heap) at the largest NMT sample, full GCs under load, streams completed of those sent and the most open at once,
# and the outcome: survived (and how many streams failed: near a full heap the serial GC can run full GCs back to back
# without an OutOfMemoryError while upstream calls time out), exited on its own OutOfMemoryError
# (ExitOnOutOfMemoryError: exit 3) or OOM-killed by the kernel (exit 137 and an oom_kill in the cgroup), with how
# many streams were open then; what the cgroup was charged for at its largest sample; the cgroup's usage as
# each level opened; then "headroom at MaxRAMPercentage=POM: X MiB above the peak" and the largest percentage that
# survived. JSON in target/bench/container.json. Needs root and a writable memory cgroup: cgroup v1 (a child of this
# shell's memory cgroup) or v2 (a child of this shell's cgroup, or a sibling when this one holds processes; in the
# root cgroup it enables the memory controller for the root's children and leaves it so); where
# none can be made it says why and skips (exit 0 for the case). Every cgroup it makes is removed when it ends.
# JAR: benchmark that jar (e.g. an older commit's build) instead of building target/modelmux.jar; it also
# runs the load generator, so it must have bench --closed-loop.
#   RATES="1000" DURATION=20 WARMUP=15 CASES="openai cross redis cluster" scripts/bench.sh
#   RATES=1000 WARMUP=10 DURATION=10 CASES=cluster scripts/bench.sh
#   WARMUP=10 DURATION=10 CONNECTIONS="16 256" STREAMS=5000 CASES="saturation streams5k" scripts/bench.sh
#   RAM_PERCENTAGES="60 75 90" CONTAINER_STREAMS="1000 2000 3000 4000" PROMPT_BYTES=65536 CASES=container scripts/bench.sh
set -euo pipefail
if [ -n "${JAR:-}" ] && [[ $JAR != /* ]]; then JAR="$PWD/$JAR"; fi
cd "$(dirname "$0")/.."

RATES="${RATES:-1000}"
DURATION="${DURATION:-20}"
WARMUP="${WARMUP:-15}"
CASES="${CASES:-openai cross redis cluster}"
REDIS_MAX_ADDED_P50="${REDIS_MAX_ADDED_P50:-0.05}"
REDIS_MAX_ADDED_P99="${REDIS_MAX_ADDED_P99:-0.2}"
REDIS_MAX_CALLS_PER_REQUEST="${REDIS_MAX_CALLS_PER_REQUEST:-0.05}"
CONNECTIONS="${CONNECTIONS:-16 256}"
STREAMS="${STREAMS:-5000}"
RAM_PERCENTAGES="${RAM_PERCENTAGES:-60 75 90}"
CONTAINER_LIMIT_MB="${CONTAINER_LIMIT_MB:-}"
CONTAINER_STREAMS="${CONTAINER_STREAMS:-1000 2000 3000 4000}"
PROMPT_BYTES="${PROMPT_BYTES:-65536}"
CONTAINER_TOKEN_MS="${CONTAINER_TOKEN_MS:-8000}"
CONTAINER_DRAIN_TIMEOUT="${CONTAINER_DRAIN_TIMEOUT:-240}"
CONTAINER_EMULATOR_JVM="${CONTAINER_EMULATOR_JVM:-java -Xms1g -Xmx6g -XX:+UseParallelGC}"
GATEWAY_JVM="${GATEWAY_JVM:-java -XX:+UseSerialGC -Xms64m -Xmx320m -Xmn32m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -XX:TrimNativeHeapInterval=5000 -XX:MaxDirectMemorySize=64m -Xss512k -XX:ReservedCodeCacheSize=48m -XX:MaxMetaspaceSize=96m -XX:+ExitOnOutOfMemoryError}"
JAR="${JAR:-}"
STRICT="${STRICT:-0}"
MIN_RATE_RATIO="${MIN_RATE_RATIO:-0.5}"
MAX_TTFT_ADDED_P50="${MAX_TTFT_ADDED_P50:-0.3}"
MAX_GATEWAY_RSS_MB="${MAX_GATEWAY_RSS_MB:-200}"
wants() { case " $CASES " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
EMULATOR_PORT=9199
GATEWAY_PORT=8180
REDIS_GATEWAY_PORT=8181
CLUSTER_GATEWAY_PORT=8182
REDIS_PORT=6399
CLUSTER_PORTS="7391 7392 7393" # and their cluster bus ports, 17391-17393
SATURATION_EMULATOR_PORT=9197
SATURATION_GATEWAY_PORT=8183
STREAMS_EMULATOR_PORT=9198 # as in conf/bench-streams.yaml
STREAMS_GATEWAY_PORT=8184
CONTAINER_EMULATOR_PORT=9196 # as written into $out/bench-container.yaml
CONTAINER_GATEWAY_PORT=8185
out="target/bench"
cluster_dir="$out/redis-cluster"
mkdir -p "$out"

if [ -n "$JAR" ]; then
  [ -f "$JAR" ] || { echo "bench.sh: JAR=$JAR: no such file" >&2; exit 1; }
  echo "bench.sh: benchmarking $JAR"
elif [ ! -f target/modelmux.jar ] || [ -n "$(find src pom.xml -newer target/modelmux.jar -print -quit)" ]; then
  mvn -q -B -DskipTests package
fi
# Run from a copy, so a rebuild during the run cannot pull classes from under the JVMs.
jar="$out/modelmux-bench.jar"
cp "${JAR:-target/modelmux.jar}" "$jar"
JVM="java -Xms512m -Xmx1g -XX:+UseParallelGC"
if wants streams5k || wants container; then
  # The gateway holds two sockets per stream (client and upstream).
  ulimit -S -n "$(ulimit -H -n)" 2>/dev/null || true
  nofile=$(ulimit -n)
  if wants streams5k && [ "$nofile" != unlimited ] && [ "$nofile" -lt $((2 * STREAMS + 1024)) ]; then
    echo "bench.sh: open-files limit $nofile is low for STREAMS=$STREAMS: expect failed connections" >&2
  fi
  most_streams=0
  for n in $CONTAINER_STREAMS; do if [ "$n" -gt "$most_streams" ]; then most_streams=$n; fi; done
  if wants container && [ "$nofile" != unlimited ] && [ "$nofile" -lt $((2 * most_streams + 1024)) ]; then
    echo "bench.sh: open-files limit $nofile is low for CONTAINER_STREAMS=$CONTAINER_STREAMS: expect failed connections" >&2
  fi
fi

pids=()
cgroups=() # made by the container case; removed when it ends, or here
cluster_started=false
cleanup() {
  # Only those still this shell's children: a PID that ended long ago may belong to someone else by now.
  for p in "${pids[@]}"; do
    if [ "$(awk '/^PPid:/ { print $2 }' "/proc/$p/status" 2>/dev/null)" = "$$" ]; then kill "$p" 2>/dev/null || true; fi
  done
  wait 2>/dev/null || true
  if $cluster_started; then rm -rf "$cluster_dir"; fi
  for p in "${cgroups[@]}"; do container_cgroup_remove "$p"; done
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

# Starts gateway-NAME on PORT with conf/bench.yaml plus "redis: SECTION"; fails unless it is on Redis budgets
# ("mode":"redis" in /health/ready) within 20 s of answering (a JVM that starts beside others on a busy machine can
# time out its first Redis call and start on its local share, then switch to Redis a second later).
start_redis_gateway() {
  local name=$1 port=$2 section=$3 ready=""
  { cat conf/bench.yaml; echo "redis: $section"; } >"$out/bench-$name.yaml"
  MODELMUX_BENCH_KEY=bench-key $JVM -jar "$jar" serve --config "$out/bench-$name.yaml" --port "$port" \
    >"$out/gateway-$name.log" 2>&1 &
  pids+=($!)
  if wait_for "http://127.0.0.1:$port/health/ready"; then
    for _ in $(seq 1 100); do
      ready=$(curl -s "http://127.0.0.1:$port/health/ready" || true)
      [[ $ready == *'"mode":"redis"'* ]] && return 0
      sleep 0.2
    done
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
# phases, each compared with the first. RUN names it: JSON in $out/RUN-RATE.json, its stderr also in
# $out/RUN-RATE.log. COUNTED ("NAME=GATEWAY_PORT@REDIS_PORT[,REDIS_PORT...] ...", may be empty): the gateway behind
# each named target and its Redis, whose calls and requests are counted (redis_counts) once the warm-up has ended
# and again when the generator has exited, into $out/RUN-RATE-calls.txt (the INFO replies in
# $out/RUN-RATE-commandstats-*.txt). Uses $rate, sets $status.
budget_run() {
  local run=$1 counted=$2 rc=0 t gen watch="" args=()
  shift 2
  for t in "$@"; do args+=(--target "$t"); done
  rm -f "$out/$run-${rate}.json" "$out/$run-${rate}-calls.txt" "$out/$run-${rate}-commandstats-"*
  : >"$out/$run-${rate}.log"
  $JVM -jar "$jar" bench "${args[@]}" \
    --header "Authorization: Bearer bench-key" \
    --rate "$rate" --duration "$DURATION" --warmup "$WARMUP" --mode both \
    --json "$out/$run-${rate}.json" 2> >(tee "$out/$run-${rate}.log" >&2) &
  gen=$!
  if [ -n "$counted" ]; then
    count_when_measuring "$out/$run-${rate}-calls.txt" "$out/$run-${rate}.log" "$gen" "$counted" &
    watch=$!
  fi
  wait "$gen" || rc=$?
  if [ -n "$watch" ]; then
    wait "$watch" || true
    if grep -q '^start ' "$out/$run-${rate}-calls.txt" 2>/dev/null; then
      redis_counts end "$counted" "$out/$run-${rate}-commandstats" >>"$out/$run-${rate}-calls.txt"
    fi
  fi
  case $rc in
    0) ;;
    3) echo "bench.sh: some requests failed in the $run run at ${rate} req/s (see above)"; status=3 ;;
    *) echo "bench.sh: $run run at ${rate} req/s exited $rc (see above)"; status=$rc ;;
  esac
}

# The commands the jar's budget scripts (budget/*.lua) run with redis.call/pcall, lower case, space-separated:
# Redis counts them in INFO commandstats as well as the EVALSHA that ran them, but they are no round trip.
script_commands() {
  unzip -p "$jar" 'budget/*.lua' 2>/dev/null | grep -oiE "redis\.p?call\( *['\"][a-z_]+" | sed -E "s/.*['\"]//" \
    | tr 'A-Z' 'a-z' | sort -u | tr '\n' ' ' || true
}

# "CALLS COMMANDS" of the Redis on 127.0.0.1:PORT from INFO commandstats (calls + rejected_calls of each
# command): COMMANDS all but INFO (these reads); CALLS also without those the budget scripts run ($inner_commands),
# so each EVALSHA counts once. "n/a n/a" when Redis does not answer. The reply is kept in FILE.
redis_calls() {
  local stats
  stats=$(redis-cli -h 127.0.0.1 -p "$1" info commandstats 2>/dev/null) && [[ $stats == *Commandstats* ]] \
    || { echo "n/a n/a"; return 0; }
  tr -d '\r' <<<"$stats" >"$2"
  tr -d '\r' <<<"$stats" | awk -v inner=" $inner_commands " '
    /^cmdstat_/ {
      name = substr($0, 9, index($0, ":") - 9); sub(/\|.*/, "", name)
      if (name == "info") next
      n = 0
      if (match($0, /:calls=[0-9]+/)) n += substr($0, RSTART + 7, RLENGTH - 7)
      if (match($0, /,rejected_calls=[0-9]+/)) n += substr($0, RSTART + 16, RLENGTH - 16)
      all += n
      if (index(inner, " " name " ") == 0) calls += n
    }
    END { printf "%d %d\n", calls, all }'
}

# The requests the gateway on 127.0.0.1:PORT has ended (modelmux_requests_total in /metrics, over all routes and
# outcomes), or n/a.
gateway_requests() {
  curl -fs "http://127.0.0.1:$1/metrics" 2>/dev/null \
    | awk '/^modelmux_requests_total[{ ]/ { n += $NF; seen = 1 } END { if (seen) printf "%d\n", n; else print "n/a" }' \
    || echo n/a
}

# One line "PHASE NAME CALLS COMMANDS REQUESTS" per NAME=GATEWAY_PORT@REDIS_PORT[,REDIS_PORT...] in COUNTED: the
# Redis counts summed over its ports (a cluster's masters), each INFO commandstats reply in PREFIX-PHASE-PORT.txt,
# and the requests the gateway has ended.
redis_counts() {
  local phase=$1 prefix=$3 v name gw ports p c a calls commands
  for v in $2; do
    name=${v%%=*} gw=${v#*=} calls=0 commands=0
    ports=${gw#*@} gw=${gw%%@*}
    for p in ${ports//,/ }; do
      read -r c a < <(redis_calls "$p" "$prefix-$phase-$p.txt")
      if [ "$c" = n/a ]; then calls=n/a commands=n/a; break; fi
      calls=$((calls + c)) commands=$((commands + a))
    done
    echo "$phase $name $calls $commands $(gateway_requests "$gw")"
  done
}

# Once the generator GEN says in LOG that it is measuring (the warm-up has ended), waits half of the first measured
# phase (DURATION / 10 rounds) and appends redis_counts start COUNTED to FILE; returns when GEN exits first. That
# phase goes to the first target (in-process budgets), so the Redis-backed gateways get no new request meanwhile and
# can finish those of the warm-up.
count_when_measuring() {
  local file=$1 log=$2 gen=$3 counted=$4
  until grep -q '^bench: measuring' "$log" 2>/dev/null; do
    kill -0 "$gen" 2>/dev/null || return 0
    sleep 0.02
  done
  sleep "$(awk -v d="$DURATION" 'BEGIN { printf "%.3f", d / 20 }')"
  redis_counts start "$counted" "${file%-calls.txt}-commandstats" >>"$file"
}

# From a budget run's JSON: what every target adds over BASELINE (p50/p90/p99, difference and ratio), plain
# latency and streamed TTFT; from CALLS (budget_run's counts, may be missing): each counted target's Redis calls per
# request answered in the recorded window. Then PASS/FAIL lines for streamed TTFT against REDIS_MAX_ADDED_P50/P99
# and for calls per request against REDIS_MAX_CALLS_PER_REQUEST (plain latency only informs); exits 4 on a FAIL.
# (awk over the generator's pretty-printed JSON, one "key" : value per line: jq is not among the requirements.)
redis_added() {
  local json=$1 baseline=$2 calls=$3
  [ -f "$calls" ] || calls=/dev/null
  awk -v base="$baseline" -v max50="$REDIS_MAX_ADDED_P50" -v max99="$REDIS_MAX_ADDED_P99" -v rate="$rate" \
      -v maxcalls="$REDIS_MAX_CALLS_PER_REQUEST" -v warmup="$WARMUP" -v duration="$DURATION" -v cf="$calls" '
    function num(k) { return (k in v) && v[k] != "null" }
    function fmt(k, suffix) { return num(k) ? sprintf(suffix == "x" ? "%8.2fx" : "%+9.3f", v[k]) : sprintf("%9s", "n/a") }
    FILENAME == cf {
      if (!($2 in seencounted)) { seencounted[$2] = 1; counted[++nc] = $2 }
      calls[$1, $2] = $3; commands[$1, $2] = $4; ended[$1, $2] = $5; next
    }
    match($0, /"[a-z0-9_]+" : /) {
      key = substr($0, RSTART + 1, RLENGTH - 5)
      val = substr($0, RSTART + RLENGTH); sub(/,[ \t\r]*$/, "", val); gsub(/"/, "", val)
      if (key == "mode") { mode = val; if (!(mode in seenmode)) { seenmode[mode] = 1; modes[++nm] = mode } }
      else if (key == "targets") sec = "targets"
      else if (sec == "targets" && key == "name") tname = val
      else if (sec == "targets" && (key == "ok" || key == "non200")) answered[tname] += val
      else if (key == "added") sec = "added"
      else if (key == "scheduling_lag_ms") sec = "lag"
      else if (sec == "lag" && key == "p99") lag[mode] = val
      else if (key ~ /^(added_total|late_sends|overhead_checks)$/) sec = ""
      else if (sec == "added" && key == "baseline") b = val
      else if (sec == "added" && key == "target") {
        tgt = val
        if (b == base && !(tgt in seen)) { seen[tgt] = 1; tgts[++nt] = tgt }
      } else if (sec == "added" && b == base && key ~ /^(added|ratio)_p(50|90|99)$/) v[mode SUBSEP tgt SUBSEP key] = val
    }
    END {
      if (nt == 0) { print "bench.sh: no comparison against " base " in the JSON" > "/dev/stderr"; exit 1 }
      printf "\n== %s req/s: added over in-process budgets (%s), same run, recorded after a %s s warm-up over all targets", rate, base, warmup
      printf " (not recorded), then %s s per target and mode ==\n", duration
      printf "  %-16s %-14s %9s %9s %9s %9s %9s %9s\n", "(ms)", "", "added p50", "p90", "p99", "ratio p50", "p90", "p99"
      for (i = 1; i <= nt; i++) for (j = 1; j <= nm; j++) {
        k = modes[j] SUBSEP tgts[i] SUBSEP
        printf "  %-16s %-14s %s %s %s %s %s %s\n", tgts[i], modes[j] == "stream" ? "stream TTFT" : modes[j] " latency",
          fmt(k "added_p50"), fmt(k "added_p90"), fmt(k "added_p99"), fmt(k "ratio_p50", "x"), fmt(k "ratio_p90", "x"),
          fmt(k "ratio_p99", "x")
      }
      if (nc) {
        printf "  Redis calls per request in the recorded window (plain and streamed): INFO commandstats (a cluster: summed over\n"
        printf "  its masters; commands run inside the budget scripts not counted) and the requests the gateway ended\n"
        printf "  (modelmux_requests_total), read after the warm-up and at the end; the generator'\''s count of the window beside:\n"
      }
      for (i = 1; i <= nc; i++) {
        c = counted[i]
        if (!(("start", c) in calls) || !(("end", c) in calls) || calls["start", c] == "n/a" || calls["end", c] == "n/a") {
          printf "  %-16s n/a (no counts)\n", c; continue
        }
        n = ended["start", c] != "n/a" && ended["end", c] != "n/a" ? ended["end", c] - ended["start", c] : answered[c]
        if (n <= 0) { printf "  %-16s n/a (no request)\n", c; continue }
        d = calls["end", c] - calls["start", c]; dall = commands["end", c] - commands["start", c]
        perreq[c] = d / n
        printf "  %-16s %8d calls / %6d requests = %.4f per request (generator: %d answered; commands, those in scripts too: %.3f per request)\n",
          c, d, n, perreq[c], answered[c], dall / n
      }
      for (j = 1; j <= nm; j++) if (lag[modes[j]] != "" && lag[modes[j]] != "null" && lag[modes[j]] + 0 > 10) {
        printf "  WARNING: %s: the generator sent late (send lag p99 %.1f ms > 10 ms): the machine did not hold %s req/s,\n", modes[j],
          lag[modes[j]], rate
        printf "  so what is added there is mostly queueing for the CPU, not Redis\n"
      }
      printf "  targets: Redis adds <= %s ms at p50 and <= %s ms at p99 to streamed TTFT over in-process", max50, max99
      printf "%s\n", nc ? sprintf("; <= %s Redis calls per request", maxcalls) : ""
      for (i = 1; i <= nt; i++) {
        k = "stream" SUBSEP tgts[i] SUBSEP
        line = ""; verdict = "PASS"
        for (q = 50; q <= 99; q += 49) {
          max = q == 50 ? max50 : max99
          if (!num(k "added_p" q)) { verdict = "N/A"; line = line sprintf(", p%d n/a", q); continue }
          ok = v[k "added_p" q] + 0 <= max + 0
          if (!ok) verdict = "FAIL"
          line = line sprintf(", p%d %+.3f ms %s %s", q, v[k "added_p" q], ok ? "<=" : ">", max)
        }
        if (verdict == "FAIL") fails++
        printf "  %s %s, stream TTFT added: %s\n", verdict, tgts[i], substr(line, 3)
      }
      for (i = 1; i <= nc; i++) {
        c = counted[i]
        if (!(c in perreq)) { printf "  N/A %s, Redis calls per request: no counts\n", c; continue }
        ok = perreq[c] <= maxcalls + 0
        if (!ok) fails++
        printf "  %s %s, Redis calls per request: %.4f %s %s\n", ok ? "PASS" : "FAIL", c, perreq[c], ok ? "<=" : ">", maxcalls
      }
      exit fails ? 4 : 0
    }' "$calls" "$json"
}

# ---- saturation and streams5k: their own JVMs, started with GATEWAY_JVM, stopped when the case ends ----

case_pids=()
# Starts "$GATEWAY_JVM -jar $jar ARGS..." in the background, output in $out/NAME.log; sets $started to its PID.
start_case_jvm() {
  local name=$1
  shift
  MODELMUX_BENCH_KEY=bench-key $GATEWAY_JVM -jar "$jar" "$@" >"$out/$name.log" 2>&1 &
  started=$!
  pids+=("$started")
  case_pids+=("$started")
}

stop_case_jvms() {
  local p
  for p in "${case_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${case_pids[@]}"; do wait "$p" 2>/dev/null || true; done
  case_pids=()
}

# Starts the load generator with ARGS in the background, its stderr in LOG and, but for the --report-open
# lines, on stderr; sets $generator.
start_generator() {
  local log=$1
  shift
  : >"$log"
  $JVM -jar "$jar" bench "$@" 2> >(tee "$log" | grep --line-buffered -v '^bench: open:' >&2) &
  generator=$!
}

# VmRSS of PID in kB; empty once it has exited.
rss_kb() {
  awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || true
}

# Appends "PID kB" for each PID to FILE every 0.2 s, from when the generator GEN says in LOG that it is
# measuring (the warm-up is not sampled) until it exits.
sample_rss() {
  local file=$1 log=$2 gen=$3 p
  shift 3
  until grep -q '^bench: measuring' "$log" 2>/dev/null; do
    kill -0 "$gen" 2>/dev/null || return 0
    sleep 0.1
  done
  while kill -0 "$gen" 2>/dev/null; do
    for p in "$@"; do echo "$p $(rss_kb "$p")"; done >>"$file"
    sleep 0.2
  done
}

# The most RSS that FILE holds for PID, in MB; n/a without a sample.
max_rss_mb() {
  awk -v pid="$2" '$1 == pid && $2 != "" { if ($2 + 0 > m) m = $2 + 0; n++ }
    END { if (n) printf "%.1f", m / 1024; else printf "n/a" }' "$1" 2>/dev/null || printf "n/a"
}

# From a saturation run's JSON, on one line: req/s direct and gateway, latency p50 p99 of direct and of the
# gateway (streamed: until [DONE]), then TTFT p50 p99 of direct and of the gateway (n/a when plain).
saturation_numbers() {
  awk '
    function get(k) { return (k in v) && v[k] != "null" ? v[k] : "n/a" }
    match($0, /"[a-z0-9_]+" : /) {
      key = substr($0, RSTART + 1, RLENGTH - 5)
      val = substr($0, RSTART + RLENGTH); sub(/,[ \t\r]*$/, "", val); gsub(/"/, "", val)
      if (key == "name") name = val
      else if (val == "{") sec = key
      else if (key == "achieved_rate") v[name SUBSEP "rate"] = val
      else if (key ~ /^p(50|99)$/) v[name SUBSEP sec SUBSEP key] = val
    }
    /^[ \t]*}/ { sec = "" }
    END {
      lat = (("direct" SUBSEP "total_ms" SUBSEP "p50") in v) ? "total_ms" : "latency_ms"
      line = get("direct" SUBSEP "rate") " " get("gateway" SUBSEP "rate")
      for (i = 0; i < 4; i++) {
        t = i % 2 == 0 ? "direct" : "gateway"
        s = i < 2 ? lat : "ttft_ms"
        line = line " " get(t SUBSEP s SUBSEP "p50") " " get(t SUBSEP s SUBSEP "p99")
      }
      print line
    }' "$1"
}

# One closed-loop run of the saturation case at CONNS connections in MODE (plain or stream), the gateway's and
# the emulator's RSS sampled while it measures; appends its row to $out/saturation-rows.txt.
saturation_run() {
  local conns=$1 mode=$2 run="saturation-$1-$2" rc=0 sampler
  rm -f "$out/$run.json" "$out/$run.rss"
  echo "== saturation, $conns connections, $mode: direct = emulator, gateway = modelmux in front of it =="
  start_generator "$out/$run.log" --closed-loop --connections "$conns" \
    --target "direct=http://127.0.0.1:$SATURATION_EMULATOR_PORT/v1/chat/completions@gpt-4" \
    --target "gateway=http://127.0.0.1:$SATURATION_GATEWAY_PORT/v1/chat/completions@bench" \
    --header "Authorization: Bearer bench-key" --duration "$DURATION" --warmup "$WARMUP" --mode "$mode" \
    --json "$out/$run.json"
  sample_rss "$out/$run.rss" "$out/$run.log" "$generator" "$sat_gateway" "$sat_emulator" &
  sampler=$!
  wait "$generator" || rc=$?
  wait "$sampler" || true
  case $rc in
    0) ;;
    3) echo "bench.sh: some requests failed in the saturation run ($conns connections, $mode; see above)"; status=3 ;;
    *) echo "bench.sh: saturation run ($conns connections, $mode) exited $rc (see above)"; status=$rc; return 0 ;;
  esac
  echo "$conns $mode $(saturation_numbers "$out/$run.json") $(max_rss_mb "$out/$run.rss" "$sat_gateway")" \
    "$(max_rss_mb "$out/$run.rss" "$sat_emulator")" >>"$out/saturation-rows.txt"
}

# The saturation table from $out/saturation-rows.txt and its PASS/FAIL lines; returns 4 on a FAIL.
saturation_report() {
  local first
  read -r first _ <<<"$CONNECTIONS"
  awk -v minratio="$MIN_RATE_RATIO" -v maxttft="$MAX_TTFT_ADDED_P50" -v maxrss="$MAX_GATEWAY_RSS_MB" \
      -v warmup="$WARMUP" -v duration="$DURATION" -v first="$first" '
    function isnum(x) { return x != "n/a" && x != "" }
    function num(x, w, p) { return isnum(x) ? sprintf("%" w "." p "f", x) : sprintf("%" w "s", "n/a") }
    function added(a, b) { return isnum(a) && isnum(b) ? sprintf("%+8.3f", a - b) : sprintf("%8s", "n/a") }
    function verdict(ok, what) { if (!ok) fails++; printf "  %s %s\n", ok ? "PASS" : "FAIL", what }
    {
      n++; for (i = 1; i <= NF; i++) r[n, i] = $i
    }
    END {
      printf "\n== saturation: closed loop, direct = emulator, gateway = modelmux (route bench) in front of it; "
      printf "per run %s s warm-up (unrecorded), then %s s per target ==\n", warmup, duration
      printf "  %-13s %19s %7s %17s %17s %17s %17s %17s\n", "", "req/s", "", "latency added", "TTFT direct",
        "TTFT gateway", "TTFT added", "RSS max (MB)"
      printf "  %-5s %-7s %9s %9s %7s %8s %8s %8s %8s %8s %8s %8s %8s %8s %8s\n", "conns", "mode", "direct",
        "gateway", "ratio", "p50", "p99", "p50", "p99", "p50", "p99", "p50", "p99", "gateway", "emulator"
      for (k = 1; k <= n; k++) {
        ratio[k] = isnum(r[k, 3]) && isnum(r[k, 4]) && r[k, 3] > 0 ? r[k, 4] / r[k, 3] : "n/a"
        printf "  %-5s %-7s %s %s %s %s %s %s %s %s %s %s %s %s %s\n", r[k, 1], r[k, 2], num(r[k, 3], 9, 1),
          num(r[k, 4], 9, 1), isnum(ratio[k]) ? sprintf("%6.2fx", ratio[k]) : sprintf("%7s", "n/a"),
          added(r[k, 7], r[k, 5]), added(r[k, 8], r[k, 6]), num(r[k, 9], 8, 3), num(r[k, 10], 8, 3),
          num(r[k, 11], 8, 3), num(r[k, 12], 8, 3), added(r[k, 11], r[k, 9]), added(r[k, 12], r[k, 10]),
          num(r[k, 13], 8, 1), num(r[k, 14], 8, 1)
      }
      printf "  (latency: the full response plain, until [DONE] streamed; TTFT: first event with content)\n"
      printf "  targets (informational; STRICT=1 exits 4 on a FAIL):\n"
      rss = "n/a"
      for (k = 1; k <= n; k++) {
        if (r[k, 1] == first && r[k, 2] == "plain" && isnum(ratio[k]))
          verdict(ratio[k] >= minratio, sprintf("plain req/s >= %sx direct at %s connections: %.2fx", minratio, first,
            ratio[k]))
        if (r[k, 2] == "stream" && isnum(r[k, 11]) && isnum(r[k, 9]))
          verdict(r[k, 11] - r[k, 9] <= maxttft, sprintf("streamed TTFT added <= %s ms at p50, %s connections: %+.3f ms",
            maxttft, r[k, 1], r[k, 11] - r[k, 9]))
        if (isnum(r[k, 13]) && (rss == "n/a" || r[k, 13] + 0 > rss + 0)) rss = r[k, 13]
      }
      if (isnum(rss))
        verdict(rss <= maxrss + 0, sprintf("gateway RSS <= %s MB under load: %.1f MB (most sampled in any run)", maxrss, rss))
      exit fails ? 4 : 0
    }' "$out/saturation-rows.txt"
}

# A FAIL line in a case report exits 4 only with STRICT=1.
targets_missed() {
  if [ "$1" = 4 ]; then
    if [ "$STRICT" = 1 ]; then
      status=4
    else
      echo "  (a target was missed; STRICT=1 would exit 4)"
    fi
  elif [ "$1" != 0 ]; then
    echo "bench.sh: could not read the $2 results"
  fi
}

# Fresh JVMs serve several times slower for their first tens of seconds under load: before the first run,
# WARMUP s of both modes at the largest connection count, nothing kept (each run has its own warm-up too).
warm_saturation_jvms() {
  local most=0 conns
  for conns in $CONNECTIONS; do
    if [ "$conns" -gt "$most" ]; then most=$conns; fi
  done
  echo "bench.sh: saturation: warming the gateway and emulator JVMs for $WARMUP s at $most connections (not recorded)"
  $JVM -jar "$jar" bench --closed-loop --connections "$most" \
    --target "direct=http://127.0.0.1:$SATURATION_EMULATOR_PORT/v1/chat/completions@gpt-4" \
    --target "gateway=http://127.0.0.1:$SATURATION_GATEWAY_PORT/v1/chat/completions@bench" \
    --header "Authorization: Bearer bench-key" --warmup "$WARMUP" --duration 0.1 --rounds 1 --mode both \
    >"$out/saturation-jvm-warmup.log" 2>&1 || echo "bench.sh: the JVM warm-up failed (see $out/saturation-jvm-warmup.log)"
}

saturation_case() {
  local conns mode rc=0
  sed "s/:$EMULATOR_PORT/:$SATURATION_EMULATOR_PORT/g" conf/bench.yaml >"$out/bench-saturation.yaml"
  start_case_jvm saturation-emulator emulator --host 127.0.0.1 --port "$SATURATION_EMULATOR_PORT"
  sat_emulator=$started
  start_case_jvm saturation-gateway serve --config "$out/bench-saturation.yaml" --port "$SATURATION_GATEWAY_PORT"
  sat_gateway=$started
  if ! wait_for "http://127.0.0.1:$SATURATION_EMULATOR_PORT/_emulator/stats" \
      || ! wait_for "http://127.0.0.1:$SATURATION_GATEWAY_PORT/health/ready"; then
    status=1
    stop_case_jvms
    return 0
  fi
  echo "bench.sh: saturation: gateway pid $sat_gateway and emulator pid $sat_emulator run $GATEWAY_JVM"
  warm_saturation_jvms
  rm -f "$out/saturation-rows.txt"
  for conns in $CONNECTIONS; do
    for mode in plain stream; do
      saturation_run "$conns" "$mode"
    done
  done
  stop_case_jvms
  if [ -s "$out/saturation-rows.txt" ]; then
    saturation_report || rc=$?
    targets_missed "$rc" saturation
  fi
}

# How many responses the generator reported open last in LOG (0 before its first report).
open_streams() {
  local n
  n=$(sed -n 's/^bench: open: \([0-9]*\) .*/\1/p' "$1" | tail -n 1)
  echo "${n:-0}"
}

# Waits until the generator reports TARGET (default STREAMS) open, or no more opening for PATIENCE half-seconds
# (default 10), or 60 s, or its end.
wait_for_streams() {
  local log=$1 target=${2:-$STREAMS} patience=${3:-10} open last=0 still=0 start=$SECONDS
  while kill -0 "$generator" 2>/dev/null && [ $((SECONDS - start)) -lt 60 ]; do
    open=$(open_streams "$log")
    if [ "$open" -ge "$target" ]; then
      return 0
    fi
    if [ "$open" -gt "$last" ]; then
      last=$open
      still=0
    elif [ "$open" -gt 0 ]; then
      still=$((still + 1))
    fi
    if [ "$still" -ge "$patience" ]; then
      return 0
    fi
    sleep 0.5
  done
}

streams_case() {
  local emulator gateway rc=0 open
  start_case_jvm streams-emulator emulator --host 0.0.0.0 --port "$STREAMS_EMULATOR_PORT" \
    --config conf/bench-streams.yaml
  emulator=$started
  start_case_jvm streams-gateway serve --config conf/bench-streams.yaml --port "$STREAMS_GATEWAY_PORT"
  gateway=$started
  if ! wait_for "http://127.0.0.1:$STREAMS_EMULATOR_PORT/_emulator/stats" \
      || ! wait_for "http://127.0.0.1:$STREAMS_GATEWAY_PORT/health/ready"; then
    status=1
    stop_case_jvms
    return 0
  fi
  echo "== streams5k: $STREAMS streams opened at once through the gateway and held open (~36 s each);" \
    "open-files limit $(ulimit -n) =="
  echo "bench.sh: streams5k: gateway pid $gateway and emulator pid $emulator run $GATEWAY_JVM"
  local rss_at_0 rss_at_2000 open_at_2000
  rss_at_0=$(rss_kb "$gateway")
  start_generator "$out/streams5k.log" --closed-loop --connections "$STREAMS" --mode stream --warmup 0 \
    --duration 1 --rounds 1 --drain-timeout 120 --report-open 1 \
    --target "gateway=http://127.0.0.1:$STREAMS_GATEWAY_PORT/v1/chat/completions@bench-slow" \
    --header "Authorization: Bearer bench-key" --json "$out/streams5k.json"
  # The first responses take seconds to open while thousands of connections are accepted: be patient here.
  wait_for_streams "$out/streams5k.log" $((STREAMS < 2000 ? STREAMS : 2000)) 40
  rss_at_2000=$(rss_kb "$gateway")
  open_at_2000=$(open_streams "$out/streams5k.log")
  wait_for_streams "$out/streams5k.log"
  rm -f "$out/streams5k.rss"
  for _ in 1 2 3 4 5; do
    echo "$gateway $(rss_kb "$gateway")" >>"$out/streams5k.rss"
    echo "$emulator $(rss_kb "$emulator")" >>"$out/streams5k.rss"
    sleep 0.2
  done
  sleep 1.1 # the generator's next report, for the count while the samples were taken
  open=$(open_streams "$out/streams5k.log")
  wait "$generator" || rc=$?
  # How each upstream attempt ended, for a run that missed its target.
  curl -fs "http://127.0.0.1:$STREAMS_GATEWAY_PORT/metrics" | grep '^modelmux_attempts_total' >"$out/streams5k-attempts.txt" || true
  stop_case_jvms
  case $rc in
    0) ;;
    3) echo "bench.sh: some streams failed in the streams5k run (see above)"; status=3 ;;
    *) echo "bench.sh: streams5k run exited $rc (see above)"; status=$rc ;;
  esac
  local generator_rc=$rc
  rc=0
  awk -v open="$open" -v streams="$STREAMS" -v maxrss="$MAX_GATEWAY_RSS_MB" -v completed="$generator_rc" \
      -v rss0="$rss_at_0" -v rss2k="$rss_at_2000" -v open2k="$open_at_2000" \
      -v grss="$(max_rss_mb "$out/streams5k.rss" "$gateway")" -v erss="$(max_rss_mb "$out/streams5k.rss" "$emulator")" '
    function verdict(ok, what) { if (!ok) fails++; printf "  %s %s\n", ok ? "PASS" : "FAIL", what }
    function mb(kb) { return kb == "" ? "n/a" : sprintf("%.1f", kb / 1024) }
    BEGIN {
      printf "\n== streams5k: %d of %d streams open (200 head received, not ended) when RSS was sampled ==\n", open, streams
      printf "  gateway RSS (MB): %s at 0 open, %s at %d open, %s at %d open (max of 5 samples over 1 s)\n",
        mb(rss0), mb(rss2k), open2k, grss, open
      printf "  emulator RSS (MB) with the streams open: %s\n", erss
      printf "  targets (informational; STRICT=1 exits 4 on a FAIL):\n"
      verdict(open + 0 >= streams + 0, sprintf("all %d streams open at once: %d", streams, open))
      verdict(completed == 0, sprintf("all %d streams completed (no 503, none broken)", streams))
      if (grss != "n/a")
        verdict(grss + 0 <= maxrss + 0, sprintf("gateway RSS <= %s MB with the streams open: %s MB", maxrss, grss))
      exit fails ? 4 : 0
    }' || rc=$?
  targets_missed "$rc" streams5k
}

# ---- container: the image's JVM flags in a memory-limited cgroup, as Kubernetes enforces the pod's limit ----

# The image's JVM flags, one a line: the <jvmFlag> elements of pom.xml (the Jib profile's <jvmFlags>).
image_jvm_flags() {
  sed -n 's:.*<jvmFlag>[[:space:]]*\([^<]*[^<[:space:]]\)[[:space:]]*</jvmFlag>.*:\1:p' pom.xml
}

# The container's resources.limits.memory in k8s/base/deployment.yaml, in MiB (1Gi -> 1024); empty when it has none.
# Reads "limits: { memory: 1Gi }" and the block form ("limits:" then an indented "memory: 1Gi").
deployment_limit_mb() {
  awk '
    function mib(q,   n, u) {
      gsub(/["\047 \t]/, "", q); n = q + 0; u = q; sub(/^[0-9.]+/, "", u)
      if (u == "Gi") return n * 1024; if (u == "Mi") return n; if (u == "Ki") return n / 1024
      if (u == "G") return n * 1e9 / 1048576; if (u == "M") return n * 1e6 / 1048576
      if (u == "") return n / 1048576
      return ""
    }
    function memory(line,   v) {
      if (!match(line, /memory:[ \t]*[^,} \t]+/)) return ""
      v = substr(line, RSTART, RLENGTH); sub(/memory:[ \t]*/, "", v); return v
    }
    /^[ \t]*limits:/ {
      if ((v = memory($0)) != "") { printf "%d\n", mib(v); exit }
      indent = match($0, /[^ \t]/); inside = 1; next
    }
    inside && /[^ \t]/ {
      if (match($0, /[^ \t]/) <= indent) inside = 0
      else if ((v = memory($0)) != "") { printf "%d\n", mib(v); exit }
    }' k8s/base/deployment.yaml
}

# Where a memory cgroup can be made: sets cg_version (1 or 2) and cg_parent (the directory to make it in); else sets
# cg_skip to why not and returns 1. v1: a child of this shell's cgroup in the hierarchy with the memory controller. v2:
# a child of this shell's cgroup when memory is enabled for its children, else a sibling (this cgroup has the memory
# controller only if its parent enables it for its children; a cgroup holding processes cannot enable it for its own).
container_cgroup_parent() {
  local rel mount root dir probe
  cg_skip="" cg_version="" cg_parent=""
  if [ "$(id -u)" != 0 ]; then
    cg_skip="not root (making a cgroup and moving a process into it needs root)"
    return 1
  fi
  # mountinfo: ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS
  read -r root mount < <(awk '{ for (i = 7; $i != "-"; i++); if ($(i + 1) == "cgroup" && $(i + 3) ~ /(^|,)memory(,|$)/) {
    print $4, $5; exit } }' /proc/self/mountinfo) || true
  rel=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ { print $3; exit }' /proc/self/cgroup)
  if [ -n "$mount" ] && [ -n "$rel" ]; then
    cg_version=1
  else
    read -r root mount < <(awk '{ for (i = 7; $i != "-"; i++); if ($(i + 1) == "cgroup2") { print $4, $5; exit } }' \
      /proc/self/mountinfo) || true
    rel=$(awk -F: '$1 == "0" && $2 == "" { print $3; exit }' /proc/self/cgroup)
    if [ -z "$mount" ] || [ -z "$rel" ]; then
      cg_skip="no cgroup v1 memory hierarchy and no cgroup v2 mount in /proc/self/mountinfo"
      return 1
    fi
    cg_version=2
  fi
  # Without a cgroup namespace the mount's root may be a prefix of this process's cgroup path.
  if [ "$root" != / ] && [[ $rel == "$root"* ]]; then rel=${rel#"$root"}; fi
  dir="$mount${rel%/}"
  if [ "$cg_version" = 1 ]; then
    cg_parent=$dir
  elif [[ " $(cat "$dir/cgroup.subtree_control" 2>/dev/null) " == *" memory "* ]]; then
    cg_parent=$dir
  elif [ "$dir" = "$mount" ]; then
    # The root cgroup may enable a controller for its children while it holds processes (left enabled afterwards).
    if [[ " $(cat "$mount/cgroup.controllers" 2>/dev/null) " != *" memory "* ]]; then
      cg_skip="cgroup v2 at $mount has no memory controller (cgroup.controllers: $(cat "$mount/cgroup.controllers" 2>/dev/null))"
      return 1
    fi
    echo +memory 2>/dev/null >"$mount/cgroup.subtree_control" || true
    cg_parent=$mount
    if [[ " $(cat "$mount/cgroup.subtree_control" 2>/dev/null) " != *" memory "* ]]; then
      cg_skip="cannot enable the memory controller in $mount/cgroup.subtree_control"
      return 1
    fi
  elif [[ " $(cat "$dir/cgroup.controllers" 2>/dev/null) " == *" memory "* ]]; then
    cg_parent=${dir%/*}
  else
    cg_skip="cgroup v2: this shell's cgroup $dir has no memory controller (cgroup.controllers: $(cat "$dir/cgroup.controllers" 2>/dev/null))"
    return 1
  fi
  probe="$cg_parent/modelmux-bench-probe-$$"
  if ! mkdir "$probe" 2>/dev/null; then
    cg_skip="cannot make a cgroup in $cg_parent (read-only or not delegated)"
    return 1
  fi
  rmdir "$probe"
}

# Makes the cgroup NAME under $cg_parent with a memory limit of LIMIT_MB MiB and no swap; sets $cg_dir.
container_cgroup_make() {
  local bytes=$(($2 * 1024 * 1024))
  cg_dir="$cg_parent/$1"
  if [ -d "$cg_dir" ]; then rmdir "$cg_dir"; fi
  mkdir "$cg_dir"
  cgroups+=("$cg_dir")
  if [ "$cg_version" = 1 ]; then
    echo "$bytes" >"$cg_dir/memory.limit_in_bytes"
    if [ -f "$cg_dir/memory.memsw.limit_in_bytes" ]; then echo "$bytes" >"$cg_dir/memory.memsw.limit_in_bytes"; fi
  else
    echo "$bytes" >"$cg_dir/memory.max"
    if [ -f "$cg_dir/memory.swap.max" ]; then echo 0 >"$cg_dir/memory.swap.max"; fi
  fi
}

# Removes DIR once its processes are gone (they are killed first: nothing else may be left in a bench cgroup).
container_cgroup_remove() {
  local dir=$1 p
  [ -d "$dir" ] || return 0
  for p in $(cat "$dir/cgroup.procs" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
  for _ in $(seq 1 50); do
    rmdir "$dir" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "bench.sh: could not remove the cgroup $dir" >&2
}

# The memory the kernel charges to $cg_dir now, in bytes (v1 memory.usage_in_bytes, v2 memory.current).
cgroup_usage() {
  if [ "$cg_version" = 1 ]; then cat "$cg_dir/memory.usage_in_bytes"; else cat "$cg_dir/memory.current"; fi
}

# "PEAK_BYTES LIMIT_HITS OOM_KILLS UNDER_OOM" for $cg_dir: the kernel's high-water mark (v1 memory.max_usage_in_bytes,
# v2 memory.peak; "n/a" on kernels without it), how often usage hit the limit (v1 memory.failcnt, v2 the "max" event),
# the OOM kills in it (v1 memory.oom_control oom_kill, v2 memory.events oom_kill) and whether it is under OOM now (v1).
cgroup_counters() {
  if [ "$cg_version" = 1 ]; then
    echo "$(cat "$cg_dir/memory.max_usage_in_bytes") $(cat "$cg_dir/memory.failcnt")" \
      "$(awk '$1 == "oom_kill" { k = $2 } $1 == "under_oom" { u = $2 } END { print (k == "" ? "n/a" : k), u + 0 }' \
        "$cg_dir/memory.oom_control")"
  else
    echo "$(cat "$cg_dir/memory.peak" 2>/dev/null || echo n/a)" \
      "$(awk '$1 == "max" { m = $2 } $1 == "oom_kill" { k = $2 } END { print m + 0, k + 0, 0 }' "$cg_dir/memory.events")"
  fi
}

# Whether PID is running (not gone, not a zombie).
alive() {
  local state
  state=$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null || true)
  [ -n "$state" ] && [ "$state" != Z ]
}

# Every 0.5 s while PID runs, appends "SECONDS CGROUP_KB RSS_KB HWM_KB ANON_KB FILE_KB KERNEL_KB" to FILE: the cgroup's
# usage, the process's VmRSS and VmHWM, and what the cgroup's charge is made of (memory.stat: anonymous memory, page
# cache; kernel memory: v1 memory.kmem.usage_in_bytes, v2 memory.stat kernel, or its slab, stacks, page tables, sockets).
container_sample() {
  local file=$1 pid=$2 usage kmem=0
  while alive "$pid"; do
    usage=$(cgroup_usage 2>/dev/null) || break
    if [ "$cg_version" = 1 ]; then kmem=$(cat "$cg_dir/memory.kmem.usage_in_bytes" 2>/dev/null || echo 0); fi
    awk -v t="$SECONDS" -v u="$usage" -v v="$cg_version" -v kmem="$kmem" '
      FILENAME ~ /status$/ { if ($1 == "VmRSS:") r = $2; else if ($1 == "VmHWM:") h = $2; next }
      v == 1 { if ($1 == "rss") a = $2; else if ($1 == "cache") f = $2; next }
      { if ($1 == "anon") a = $2; else if ($1 == "file") f = $2; else if ($1 == "kernel") kern = $2
        else if ($1 ~ /^(slab|kernel_stack|pagetables|sock|percpu)$/) parts += $2 }
      END {
        k = v == 1 ? kmem : (kern != "" ? kern : parts)
        if (r != "") printf "%s %d %s %s %d %d %d\n", t, u / 1024, r, h, a / 1024, f / 1024, k / 1024
      }' "/proc/$pid/status" "$cg_dir/memory.stat" 2>/dev/null >>"$file" || true
    sleep 0.5
  done
}

# Every 5 s while PID runs, appends "SECONDS TOTAL_KB HEAP_KB" (NMT's committed total and Java heap) to FILE.X and
# keeps the summary with the largest total in FILE (the native memory at the peak, as far as 5 s samples see it).
container_sample_nmt() {
  local file=$1 pid=$2 line most=0 total
  while alive "$pid"; do
    if timeout 30 jcmd "$pid" VM.native_memory summary >"$file.now" 2>/dev/null; then
      line=$(nmt_numbers "$file.now")
      if [ -n "$line" ]; then
        echo "$SECONDS $line" >>"$file.x"
        read -r total _ <<<"$line"
        if [ "$total" -gt "$most" ]; then most=$total; cp "$file.now" "$file"; fi
      fi
    fi
    sleep 5
  done
  rm -f "$file.now"
}

# "TOTAL_KB HEAP_KB" committed, from a VM.native_memory summary in FILE.
nmt_numbers() {
  awk '/^Total: / && match($0, /committed=[0-9]+KB/) { t = substr($0, RSTART + 10, RLENGTH - 12) }
    /Java Heap \(/ && match($0, /committed=[0-9]+KB/) { h = substr($0, RSTART + 10, RLENGTH - 12) }
    END { if (t != "" && h != "") print t, h }' "$1"
}

# How many responses the generators whose logs are given report open now, summed.
open_streams_sum() {
  local log n=0
  for log in "$@"; do n=$((n + $(open_streams "$log"))); done
  echo "$n"
}

# From a generator's JSON: "REQUESTS OK NON200 ERRORS" of its one target (0 0 0 0 without the file).
stream_counts() {
  awk 'match($0, /"(requests|ok|non200|errors)" : [0-9]+/) {
      split(substr($0, RSTART, RLENGTH), kv, /" : /); k = substr(kv[1], 2); if (!(k in v)) v[k] = kv[2] }
    END { print v["requests"] + 0, v["ok"] + 0, v["non200"] + 0, v["errors"] + 0 }' "$1" 2>/dev/null || echo 0 0 0 0
}

# One percentage: a fresh emulator (outside the cgroup) and a fresh gateway inside a fresh cgroup with the limit,
# started with the image's flags but MaxRAMPercentage=PCT; WARMUP s of warm-up, then the stream levels; appends a row
# to $out/container-rows.txt.
container_run() {
  local pct=$1 run="container-$1" emulator gateway flags=() f rc gw_rc="" outcome="" level prev=0 n i gens=() logs=()
  local start_kb max_heap seen_limit fgc0 fgc1 killed_at="" open_max=0 open
  for f in $(image_jvm_flags); do
    case $f in -XX:MaxRAMPercentage=*) flags+=("-XX:MaxRAMPercentage=$pct") ;; *) flags+=("$f") ;; esac
  done
  [[ " ${flags[*]} " == *" -XX:MaxRAMPercentage=$pct "* ]] || flags+=("-XX:MaxRAMPercentage=$pct")
  flags+=(-XX:NativeMemoryTracking=summary)
  rm -f "$out/$run".* "$out/$run"-*
  touch "$out/$run.samples" "$out/$run.jstat"
  $CONTAINER_EMULATOR_JVM -jar "$jar" emulator --host 127.0.0.1 --port "$CONTAINER_EMULATOR_PORT" \
    --config "$out/bench-container.yaml" >"$out/$run-emulator.log" 2>&1 &
  emulator=$!
  pids+=("$emulator")
  container_cgroup_make "modelmux-bench-$$-$pct" "$limit_mb"
  # The subshell moves itself into the cgroup, then becomes the gateway (same PID), so nothing else is charged to it.
  (
    echo "$BASHPID" >"$cg_dir/cgroup.procs" || exit 125
    export MODELMUX_BENCH_KEY=bench-key
    exec java "${flags[@]}" -jar "$jar" serve --config "$out/bench-container.yaml" \
      --port "$CONTAINER_GATEWAY_PORT"
  ) >"$out/$run-gateway.log" 2>&1 &
  gateway=$!
  pids+=("$gateway")
  if ! wait_for "http://127.0.0.1:$CONTAINER_EMULATOR_PORT/_emulator/stats" \
      || ! wait_for "http://127.0.0.1:$CONTAINER_GATEWAY_PORT/health/ready"; then
    tail -n 5 "$out/$run-gateway.log" >&2 || true
    status=1
    kill "$emulator" "$gateway" 2>/dev/null || true
    wait "$emulator" "$gateway" 2>/dev/null || true
    container_cgroup_remove "$cg_dir"
    return 0
  fi
  max_heap=$(jcmd "$gateway" VM.flags 2>/dev/null | tr ' ' '\n' | sed -n 's/^-XX:MaxHeapSize=//p') || true
  seen_limit=$(jcmd "$gateway" VM.info 2>/dev/null | awk '/^container_type:/ { t = $2 }
    /^memory_limit_in_bytes:/ { l = $2 " " $3 } END { print (t == "" ? "none" : t) ", limit " (l == "" ? "n/a" : l) }') || true
  echo "== container, MaxRAMPercentage=$pct: gateway pid $gateway in cgroup v$cg_version $cg_dir" \
    "(limit $limit_mb MiB; the JVM sees: $seen_limit; MaxHeapSize $((${max_heap:-0} / 1048576)) MiB) =="
  jstat -gc "$gateway" 500 >"$out/$run.jstat" 2>/dev/null &
  pids+=($!)
  container_sample "$out/$run.samples" "$gateway" &
  pids+=($!)
  container_sample_nmt "$out/$run.nmt" "$gateway" &
  pids+=($!)
  echo "bench.sh: container: warming up for $WARMUP s (closed loop, 32 connections, plain and streamed, fast model," \
    "the same $PROMPT_BYTES-byte prompt; not recorded)"
  $JVM -jar "$jar" bench --closed-loop --connections 32 \
    --target "gateway=http://127.0.0.1:$CONTAINER_GATEWAY_PORT/v1/chat/completions@container-fast" \
    --header "Authorization: Bearer bench-key" --body-file "$out/container-body.json" --warmup "$WARMUP" \
    --duration 0.1 --rounds 1 --mode both >"$out/$run-warmup.log" 2>&1 \
    || echo "bench.sh: container: the warm-up failed (see $out/$run-warmup.log)"
  start_kb=$(($(cgroup_usage) / 1024))
  fgc0=$(awk '$1 ~ /^[0-9.]+$/ { f = $15 } END { print f + 0 }' "$out/$run.jstat")
  # The levels: each starts a generator for the streams it adds, all held open until they end.
  i=0
  for level in $CONTAINER_STREAMS; do
    n=$((level - prev))
    [ "$n" -gt 0 ] || continue
    alive "$gateway" || break
    i=$((i + 1))
    prev=$level
    echo "bench.sh: container: opening $n more streams ($level in all) with $PROMPT_BYTES-byte prompts"
    $JVM -jar "$jar" bench --closed-loop --connections "$n" --mode stream --warmup 0 --duration 1 --rounds 1 \
      --drain-timeout "$CONTAINER_DRAIN_TIMEOUT" --report-open 1 \
      --target "gateway=http://127.0.0.1:$CONTAINER_GATEWAY_PORT/v1/chat/completions@container-hold" \
      --header "Authorization: Bearer bench-key" --body-file "$out/container-body.json" \
      --json "$out/$run-$i.json" >"$out/$run-$i.out" 2>"$out/$run-$i.log" &
    gens+=($!)
    pids+=($!)
    logs+=("$out/$run-$i.log")
    # Until all of this level are open, or no more have opened for 10 s, or 120 s, or the gateway or generator is gone.
    local last=0 still=0 since=$SECONDS
    while alive "$gateway" && alive "${gens[-1]}" && [ $((SECONDS - since)) -lt 120 ]; do
      open=$(open_streams_sum "${logs[@]}")
      if [ "$open" -gt "$open_max" ]; then open_max=$open; fi
      [ "$open" -ge "$level" ] && break
      if [ "$open" -gt "$last" ]; then
        last=$open still=0
      elif [ "$open" -gt "$((level - n))" ]; then
        still=$((still + 1))
      fi
      [ "$still" -ge 20 ] && break
      sleep 0.5
    done
    if alive "$gateway"; then
      echo "$pct $level $(open_streams_sum "${logs[@]}") $(($(cgroup_usage) / 1048576))" >>"$out/container-levels.txt"
    fi
  done
  # Then until every generator has ended (its streams ended or failed), tracking the most open at once.
  local running=true
  while $running; do
    running=false
    for f in "${gens[@]}"; do if alive "$f"; then running=true; fi; done
    open=$(open_streams_sum "${logs[@]}")
    if [ "$open" -gt "$open_max" ]; then open_max=$open; fi
    if [ -z "$killed_at" ] && ! alive "$gateway"; then killed_at=$open_max; fi
    if $running; then sleep 0.5; fi
  done
  for f in "${gens[@]}"; do wait "$f" 2>/dev/null || true; done
  fgc1=$(awk '$1 ~ /^[0-9.]+$/ { f = $15 } END { print f + 0 }' "$out/$run.jstat")
  if alive "$gateway"; then
    outcome=survived
    timeout 30 jcmd "$gateway" VM.native_memory summary >"$out/$run-nmt-end.txt" 2>/dev/null || true
    kill "$gateway" 2>/dev/null || true
    wait "$gateway" 2>/dev/null || true
  else
    gw_rc=0
    wait "$gateway" 2>/dev/null || gw_rc=$?
  fi
  read -r peak hits ooms under <<<"$(cgroup_counters)"
  if [ "$outcome" != survived ]; then
    if [ "$gw_rc" = 137 ] && [ "$ooms" != n/a ] && [ "$ooms" -gt 0 ]; then
      outcome="kernel-OOM-killed"
    elif [ "$gw_rc" = 3 ] && grep -q 'Terminating due to java.lang.OutOfMemoryError' "$out/$run-gateway.log"; then
      outcome="JVM-OutOfMemoryError"
    else
      outcome="exited-$gw_rc"
    fi
  fi
  kill "$emulator" 2>/dev/null || true
  wait "$emulator" 2>/dev/null || true
  sleep 0.6 # the samplers see the gateway gone and end
  container_cgroup_remove "$cg_dir"
  local req=0 ok=0 non200=0 errors=0 r o n2 e
  for i in $(seq 1 "${#gens[@]}"); do
    read -r r o n2 e <<<"$(stream_counts "$out/$run-$i.json")"
    req=$((req + r)) ok=$((ok + o)) non200=$((non200 + n2)) errors=$((errors + e))
  done
  # Streams a generator never reported (it died with the gateway before writing its JSON) count as failed.
  local sent=$prev
  if [ "$((ok + non200 + errors))" -lt "$sent" ]; then errors=$((sent - ok - non200)); fi
  awk -v pct="$pct" -v maxheap="${max_heap:-0}" -v peak="$peak" -v hits="$hits" -v ooms="$ooms" -v under="$under" \
      -v outcome="$outcome" -v rc="${gw_rc:-none}" -v ok="$ok" -v failed="$((non200 + errors))" -v sent="$sent" \
      -v openmax="$open_max" -v killedat="${killed_at:-}" -v fgc="$((fgc1 - fgc0))" -v startkb="$start_kb" \
      -v nmt="$(nmt_numbers "$out/$run.nmt" 2>/dev/null)" -v limit="$limit_mb" '
    FILENAME ~ /samples$/ {
      if ($2 > cg) { cg = $2; anon = $5; file = $6; kern = $7 }
      if ($3 > rss) rss = $3; if ($4 > hwm) hwm = $4; next
    }
    $1 ~ /^[0-9.]+$/ && NF >= 15 {
      c = $1 + $2 + $5 + $7; u = $3 + $4 + $6 + $8
      if (c > hc) hc = c; if (u > hu) hu = u; if ($8 > old) old = $8
    }
    END {
      if (peak == "n/a") peak = cg * 1024
      split(nmt, m, " ")
      printf "%s %.1f %.1f %.1f %.1f %.1f %.1f %s %s %d %s %s %s %s %s %s %s %s %s %.1f %s %s %.1f %.1f %.1f %.1f\n", pct, maxheap / 1048576,
        peak / 1048576, hwm / 1024, rss / 1024, hc / 1024, hu / 1024, m[1] == "" ? "n/a" : sprintf("%.1f", m[1] / 1024),
        m[1] == "" ? "n/a" : sprintf("%.1f", (m[1] - m[2]) / 1024), fgc, ok, failed, sent, openmax, outcome, rc, hits,
        ooms, under, startkb / 1024, killedat == "" ? "-" : killedat, old == "" ? "n/a" : sprintf("%.1f", old / 1024),
        cg / 1024, anon / 1024, file / 1024, kern / 1024
    }' "$out/$run.samples" "$out/$run.jstat" >>"$out/container-rows.txt"
  echo "bench.sh: container, MaxRAMPercentage=$pct: $outcome; cgroup peak $((${peak/n\/a/0} / 1048576)) MiB of" \
    "$limit_mb; $ok of $sent streams completed"
}

# The container table from $out/container-rows.txt, the headroom at the pom's percentage and the JSON.
container_report() {
  awk -v limit="$limit_mb" -v pom="$pom_pct" -v streams="$CONTAINER_STREAMS" -v prompt="$PROMPT_BYTES" \
      -v warmup="$WARMUP" -v tokenms="$CONTAINER_TOKEN_MS" -v cgv="$cg_version" -v flags="$(image_jvm_flags | paste -s -d ' ')" \
      -v json="$out/container.json" '
    FILENAME ~ /levels/ {
      if (!($2 in seenlevel)) { seenlevel[$2] = 1; levels[++nl] = $2 }
      at[$1, $2] = sprintf("%d (%d open)", $4, $3)
      lj[$1] = lj[$1] (lj[$1] == "" ? "" : ", ") sprintf("{ \"streams\": %d, \"open\": %d, \"cgroup_mib\": %d }", $2, $3, $4); next
    }
    { n++; for (i = 1; i <= NF; i++) r[n, i] = $i }
    function q(s) { return "\"" s "\"" }
    function outcome(k,   o) {
      o = r[k, 15]
      if (o == "kernel-OOM-killed") return sprintf("OOM-killed by the kernel (exit %s, oom_kill %s)", r[k, 16], r[k, 18])
      if (o == "JVM-OutOfMemoryError") return sprintf("exited on its own OutOfMemoryError (exit %s)", r[k, 16])
      if (o == "survived") return r[k, 12] > 0 ? sprintf("survived, but %d streams failed", r[k, 12]) : "survived, every stream completed"
      return sprintf("exited %s", r[k, 16])
    }
    function jnum(x) { return x == "n/a" || x == "-" || x == "" || x == "none" ? "null" : x + 0 }
    END {
      printf "\n== container: the image JVM flags in a cgroup v%s memory limit of %d MiB (k8s/base/deployment.yaml), per MaxRAMPercentage ==\n", cgv, limit
      printf "  load: %s s warm-up, then streams held open at once (levels %s, one --closed-loop generator per level), each with a %d-byte prompt, ~%d ms between tokens\n", warmup, streams, prompt, tokenms
      printf "  %-5s %8s %10s %7s %9s %9s %9s %9s %9s %5s %13s %s\n", "MaxRAM", "MaxHeap", "cgroup pk", "/limit", "RSS pk", "heap cmt",
        "heap used", "old used", "non-heap", "FGCs", "streams ok/n", "outcome"
      printf "  %-5s %8s %10s %7s %9s %9s %9s %9s %9s %5s %13s\n", "%", "MiB", "MiB", "", "MiB", "MiB", "MiB", "MiB", "NMT MiB", "", "(most open)"
      for (k = 1; k <= n; k++) {
        out = outcome(k)
        if (r[k, 21] != "-") out = out sprintf(" at %d open", r[k, 21])
        if (r[k, 17] + 0 > 0) out = out sprintf("; hit the limit %d times", r[k, 17])
        printf "  %-5s %8.1f %10.1f %6.1f%% %9.1f %9.1f %9.1f %9s %9s %5d %13s %s\n", r[k, 1], r[k, 2], r[k, 3], 100 * r[k, 3] / limit,
          r[k, 4], r[k, 6], r[k, 7], r[k, 22], r[k, 9], r[k, 10], sprintf("%d/%d (%d)", r[k, 11], r[k, 13], r[k, 14]), out
      }
      printf "  (cgroup pk: the kernel'\''s high-water mark for the cgroup; RSS pk: the gateway'\''s VmHWM; heap: jstat every 0.5 s, committed\n"
      printf "  and used most; non-heap: NMT committed total minus the Java heap at the largest 5 s NMT sample; FGCs: full GCs under load)\n"
      printf "  what the cgroup was charged for at its largest 0.5 s sample (MiB): anonymous memory (the JVM), page cache, kernel memory:\n"
      for (k = 1; k <= n; k++)
        printf "  %-6s %7.1f in all: anon %.1f, page cache %.1f, kernel %.1f\n", r[k, 1], r[k, 23], r[k, 24], r[k, 25], r[k, 26]
      if (nl) {
        printf "  cgroup usage (MiB) once each level had opened (or stopped opening), and the streams open then; - = the gateway was gone:\n"
        printf "  %-6s", "MaxRAM"; for (j = 1; j <= nl; j++) printf " %18s", levels[j] " streams"; printf "\n"
        for (k = 1; k <= n; k++) {
          printf "  %-6s", r[k, 1]; for (j = 1; j <= nl; j++) printf " %18s", ((r[k, 1], levels[j]) in at) ? at[r[k, 1], levels[j]] : "-"
          printf "\n"
        }
      }
      best = ""
      for (k = 1; k <= n; k++) {
        if (r[k, 15] == "survived" && (best == "" || r[k, 1] + 0 > best + 0)) best = r[k, 1]
        if (r[k, 1] == pom) {
          head = limit - r[k, 3]
          printf "  headroom at MaxRAMPercentage=%s: %.1f MiB (%.1f%% of the limit) above the peak under this load (%s)\n", pom, head,
            100 * head / limit, r[k, 15] == "survived" ? "it survived" : "it did not survive: " outcome(k)
        }
      }
      printf "  largest MaxRAMPercentage that survived this load: %s\n", best == "" ? "none" : best
      spared = ""
      for (k = 1; k <= n; k++)
        if (r[k, 15] != "kernel-OOM-killed" && (spared == "" || r[k, 1] + 0 > r[spared, 1] + 0)) spared = k
      if (spared != "")
        printf "  largest MaxRAMPercentage the kernel did not OOM-kill: %s (%s, %d streams open at most, cgroup peak %.1f%% of the limit)\n",
          r[spared, 1], outcome(spared), r[spared, 14], 100 * r[spared, 3] / limit
      else
        printf "  largest MaxRAMPercentage the kernel did not OOM-kill: none\n"
      printf "{\n  \"limit_mib\": %d,\n  \"cgroup_version\": %s,\n  \"pom_max_ram_percentage\": %s,\n", limit, cgv, pom > json
      printf "  \"image_jvm_flags\": %s,\n  \"load\": { \"warmup_s\": %s, \"stream_levels\": %s, \"prompt_bytes\": %d, \"inter_token_ms\": %d },\n",
        q(flags), warmup, "[" gensub_levels(streams) "]", prompt, tokenms > json
      printf "  \"runs\": [\n" > json
      for (k = 1; k <= n; k++) {
        printf "    { \"max_ram_percentage\": %s, \"max_heap_mib\": %s, \"cgroup_peak_mib\": %s, \"cgroup_peak_ratio\": %.4f, ", r[k, 1], r[k, 2],
          r[k, 3], r[k, 3] / limit > json
        printf "\"rss_peak_mib\": %s, \"rss_max_sampled_mib\": %s, \"heap_committed_max_mib\": %s, \"heap_used_max_mib\": %s, \"old_used_max_mib\": %s, ",
          r[k, 4], r[k, 5], r[k, 6], r[k, 7], jnum(r[k, 22]) > json
        printf "\"nmt_committed_at_peak_mib\": %s, \"non_heap_at_peak_mib\": %s, \"full_gcs_under_load\": %s, ", jnum(r[k, 8]), jnum(r[k, 9]),
          r[k, 10] > json
        printf "\"streams_ok\": %s, \"streams_failed\": %s, \"streams_sent\": %s, \"most_open\": %s, \"open_when_it_died\": %s, ", r[k, 11],
          r[k, 12], r[k, 13], r[k, 14], jnum(r[k, 21]) > json
        printf "\"outcome\": %s, \"exit_code\": %s, \"limit_hits\": %s, \"oom_kills\": %s, \"cgroup_after_warmup_mib\": %s, ", q(r[k, 15]),
          jnum(r[k, 16]), r[k, 17], jnum(r[k, 18]), r[k, 20] > json
        printf "\"largest_sample_mib\": { \"usage\": %s, \"anon\": %s, \"page_cache\": %s, \"kernel\": %s }, ", r[k, 23], r[k, 24], r[k, 25],
          r[k, 26] > json
        printf "\"levels\": [%s] }%s\n", lj[r[k, 1]], k < n ? "," : "" > json
      }
      printf "  ],\n  \"headroom_mib_at_pom_percentage\": %s,\n  \"largest_surviving_percentage\": %s,\n", head == "" ? "null" : head,
        best == "" ? "null" : best > json
      printf "  \"largest_percentage_not_oom_killed\": %s\n}\n", spared == "" ? "null" : r[spared, 1] > json
    }
    function gensub_levels(s,   a, m, i, o) { m = split(s, a, " "); o = ""; for (i = 1; i <= m; i++) o = o (i > 1 ? ", " : "") a[i]; return o }
    ' "$out/container-levels.txt" "$out/container-rows.txt"
}

container_case() {
  local pct
  limit_mb=${CONTAINER_LIMIT_MB:-$(deployment_limit_mb)}
  pom_pct=$(image_jvm_flags | sed -n 's/^-XX:MaxRAMPercentage=//p' | head -n 1)
  if [ -z "$limit_mb" ]; then
    echo "bench.sh: container: no memory limit in k8s/base/deployment.yaml and no CONTAINER_LIMIT_MB: skipped"
    return 0
  fi
  if ! container_cgroup_parent; then
    echo "bench.sh: container: skipped: no memory cgroup can be made here: $cg_skip"
    return 0
  fi
  if [ -n "$pom_pct" ] && [[ " $RAM_PERCENTAGES " != *" $pom_pct "* ]]; then RAM_PERCENTAGES="$pom_pct $RAM_PERCENTAGES"; fi
  echo "== container: image JVM flags from pom.xml: $(image_jvm_flags | tr '\n' ' ')"
  echo "   memory limit $limit_mb MiB, cgroup v$cg_version under $cg_parent; MaxRAMPercentage $RAM_PERCENTAGES" \
    "(pom: ${pom_pct:-none}); streams $CONTAINER_STREAMS with $PROMPT_BYTES-byte prompts =="
  sed -e "s/@EMULATOR_PORT@/$CONTAINER_EMULATOR_PORT/g" -e "s/@TOKEN_MS@/$CONTAINER_TOKEN_MS/g" >"$out/bench-container.yaml" <<'YAML'
# Written by scripts/bench.sh for its container case: a slow emulated model whose streams stay open (max_tokens 16: 13
# content events) and a fast one for the warm-up, both with windows that take the large prompts.
server: { host: 127.0.0.1, drain_delay_ms: 0, drain_ms: 1000 }
emulator:
  models:
    - { name: gpt-4-hold, ttft_ms: 0, inter_token_ms: @TOKEN_MS@, context_window: 10000000 }
    - { name: gpt-4-fast, ttft_ms: 0, inter_token_ms: 0, context_window: 10000000 }
deployments:
  - id: hold
    provider: openai
    base_url: http://127.0.0.1:@EMULATOR_PORT@/v1
    api_key_env: MODELMUX_BENCH_KEY
    model: gpt-4-hold
    context_window: 10000000
    limits: { tpm: 1000000000000, rpm: 100000000 }
    timeouts: { connect_ms: 30000, first_token_ms: 300000 }
  - id: fast
    provider: openai
    base_url: http://127.0.0.1:@EMULATOR_PORT@/v1
    api_key_env: MODELMUX_BENCH_KEY
    model: gpt-4-fast
    context_window: 10000000
    limits: { tpm: 1000000000000, rpm: 100000000 }
routes:
  - name: container-hold
    tiers:
      - [hold]
  - name: container-fast
    tiers:
      - [fast]
YAML
  # One prompt of PROMPT_BYTES bytes of plain words (no JSON escapes), built by doubling.
  awk -v n="$PROMPT_BYTES" 'BEGIN {
    s = "the gateway forwards this long prompt to the emulated provider and holds the stream open until it ends "
    while (length(s) < n) s = s s
    printf "{\"messages\":[{\"role\":\"user\",\"content\":\"%s\"}],\"max_tokens\":16}\n", substr(s, 1, n)
  }' >"$out/container-body.json"
  rm -f "$out/container-rows.txt"
  : >"$out/container-levels.txt"
  for pct in $RAM_PERCENTAGES; do
    container_run "$pct"
  done
  if [ -s "$out/container-rows.txt" ]; then
    container_report
  fi
}

if wants openai || wants cross || wants redis || wants cluster; then
  $JVM -jar "$jar" emulator --host 127.0.0.1 --port "$EMULATOR_PORT" >"$out/emulator.log" 2>&1 &
  pids+=($!)
  MODELMUX_BENCH_KEY=bench-key $JVM -jar "$jar" serve --config conf/bench.yaml --port "$GATEWAY_PORT" \
    >"$out/gateway.log" 2>&1 &
  pids+=($!)
  wait_for "http://127.0.0.1:$EMULATOR_PORT/_emulator/stats"
  wait_for "http://127.0.0.1:$GATEWAY_PORT/health/ready"
fi

# Commands the budget scripts run inside an EVALSHA: not counted as Redis calls (redis_calls).
inner_commands=""
if wants cluster; then inner_commands=$(script_commands); fi

redis_ready=false
if ! wants redis && ! wants cluster; then
  :
elif command -v redis-server >/dev/null 2>&1; then
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
      budget_run redis "" "direct=$E/v1/chat/completions@gpt-4" "gateway=$G/v1/chat/completions@bench" \
        "gateway-redis=$R/v1/chat/completions@bench"
    else
      echo "bench.sh: no gateway on standalone Redis: skipping the redis case at ${rate} req/s"
    fi
  fi

  if wants cluster; then
    if ensure_cluster; then
      echo "== ${rate} req/s, plain and streamed: budgets in-process vs Redis standalone vs Redis Cluster (3 masters);" \
        "${WARMUP} s warm-up (not recorded), then ${DURATION} s per target and mode; Redis calls counted after the warm-up =="
      budget_run cluster "gateway-redis=$REDIS_GATEWAY_PORT@$REDIS_PORT gateway-cluster=$CLUSTER_GATEWAY_PORT@${CLUSTER_PORTS// /,}" \
        "gateway=$G/v1/chat/completions@bench" "gateway-redis=$R/v1/chat/completions@bench" \
        "gateway-cluster=$C/v1/chat/completions@bench"
      if [ -f "$out/cluster-${rate}.json" ]; then
        rc=0
        redis_added "$out/cluster-${rate}.json" gateway "$out/cluster-${rate}-calls.txt" || rc=$?
        case $rc in
          0) ;;
          4) echo "bench.sh: Redis target missed at ${rate} req/s (FAIL lines above)"; status=4 ;;
          *) echo "bench.sh: could not read $out/cluster-${rate}.json" ;;
        esac
      fi
    else
      echo "bench.sh: no gateway on Redis Cluster (see above): skipping the cluster case at ${rate} req/s"
    fi
  fi
done

if wants saturation; then
  saturation_case
fi
if wants streams5k; then
  streams_case
fi
if wants container; then
  container_case
fi
echo "JSON results in $out/"
exit $status
