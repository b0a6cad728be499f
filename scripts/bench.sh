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
# JAR: benchmark that jar (e.g. an older commit's build) instead of building target/modelmux.jar; it also
# runs the load generator, so it must have bench --closed-loop.
#   RATES="1000" DURATION=20 WARMUP=15 CASES="openai cross redis cluster" scripts/bench.sh
#   WARMUP=10 DURATION=10 CONNECTIONS="16 256" STREAMS=5000 CASES="saturation streams5k" scripts/bench.sh
set -euo pipefail
if [ -n "${JAR:-}" ] && [[ $JAR != /* ]]; then JAR="$PWD/$JAR"; fi
cd "$(dirname "$0")/.."

RATES="${RATES:-1000}"
DURATION="${DURATION:-20}"
WARMUP="${WARMUP:-15}"
CASES="${CASES:-openai cross redis cluster}"
REDIS_MAX_ADDED_P50="${REDIS_MAX_ADDED_P50:-0.1}"
REDIS_MAX_ADDED_P99="${REDIS_MAX_ADDED_P99:-0.5}"
CONNECTIONS="${CONNECTIONS:-16 256}"
STREAMS="${STREAMS:-5000}"
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
if wants streams5k; then
  # The gateway holds two sockets per stream (client and upstream).
  ulimit -S -n "$(ulimit -H -n)" 2>/dev/null || true
  nofile=$(ulimit -n)
  if [ "$nofile" != unlimited ] && [ "$nofile" -lt $((2 * STREAMS + 1024)) ]; then
    echo "bench.sh: open-files limit $nofile is low for STREAMS=$STREAMS: expect failed connections" >&2
  fi
fi

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

if wants openai || wants cross || wants redis || wants cluster; then
  $JVM -jar "$jar" emulator --host 127.0.0.1 --port "$EMULATOR_PORT" >"$out/emulator.log" 2>&1 &
  pids+=($!)
  MODELMUX_BENCH_KEY=bench-key $JVM -jar "$jar" serve --config conf/bench.yaml --port "$GATEWAY_PORT" \
    >"$out/gateway.log" 2>&1 &
  pids+=($!)
  wait_for "http://127.0.0.1:$EMULATOR_PORT/_emulator/stats"
  wait_for "http://127.0.0.1:$GATEWAY_PORT/health/ready"
fi

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

if wants saturation; then
  saturation_case
fi
if wants streams5k; then
  streams_case
fi
echo "JSON results in $out/"
exit $status
