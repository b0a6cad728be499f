# shellcheck shell=bash disable=SC2034,SC2154
# Sourced by scripts/bench.sh: what every case shares. The jar under test and its copy, the PIDs to stop when the
# script ends (and the cluster and cgroups the cases made), waiting for a URL, the JVMs a case starts and stops, the
# load generator started in the background, RSS sampling, and the STRICT rule for the informational targets.

# Builds target/modelmux.jar when it is stale (or checks JAR), then copies it to $jar: a rebuild during the run cannot
# pull classes from under the JVMs.
prepare_jar() {
  if [ -n "$JAR" ]; then
    [ -f "$JAR" ] || { echo "bench.sh: JAR=$JAR: no such file" >&2; exit 1; }
    echo "bench.sh: benchmarking $JAR"
  elif [ ! -f target/modelmux.jar ] || [ -n "$(find src pom.xml -newer target/modelmux.jar -print -quit)" ]; then
    mvn -q -B -DskipTests package
  fi
  jar="$out/modelmux-bench.jar"
  cp "${JAR:-target/modelmux.jar}" "$jar"
}

# The gateway holds two sockets per stream (client and upstream): raises the soft open-files limit to the hard one and
# warns when it stays below what STREAMS or CONTAINER_STREAMS need.
raise_open_files() {
  local nofile most_streams=0 n
  ulimit -S -n "$(ulimit -H -n)" 2>/dev/null || true
  nofile=$(ulimit -n)
  if wants streams5k && [ "$nofile" != unlimited ] && [ "$nofile" -lt $((2 * STREAMS + 1024)) ]; then
    echo "bench.sh: open-files limit $nofile is low for STREAMS=$STREAMS: expect failed connections" >&2
  fi
  for n in $CONTAINER_STREAMS; do if [ "$n" -gt "$most_streams" ]; then most_streams=$n; fi; done
  if wants container && [ "$nofile" != unlimited ] && [ "$nofile" -lt $((2 * most_streams + 1024)) ]; then
    echo "bench.sh: open-files limit $nofile is low for CONTAINER_STREAMS=$CONTAINER_STREAMS: expect failed connections" >&2
  fi
}

pids=()
cgroups=() # made by the container case; removed when it ends, or here
cluster_started=false
cleanup() {
  # Only those still this shell's children: a PID that ended long ago may belong to someone else by now.
  for p in "${pids[@]}"; do
    if [ "$(awk '/^PPid:/ { print $2 }' "/proc/$p/status" 2>/dev/null)" = "$$" ]; then kill "$p" 2>/dev/null || true; fi
  done
  wait 2>/dev/null || true
  if $cluster_started; then scripts/lib/redis-cluster.sh stop "$cluster_dir"; fi
  for p in "${cgroups[@]}"; do container_cgroup_remove "$p"; done
}

wait_for() {
  for _ in $(seq 1 100); do
    curl -fs "$1" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "bench.sh: $1 did not come up" >&2
  return 1
}

# The emulator and the gateway (conf/bench.yaml) the open-loop cases share, on EMULATOR_PORT and GATEWAY_PORT.
start_shared_jvms() {
  $JVM -jar "$jar" emulator --host 127.0.0.1 --port "$EMULATOR_PORT" >"$out/emulator.log" 2>&1 &
  pids+=($!)
  MODELMUX_BENCH_KEY=bench-key $JVM -jar "$jar" serve --config conf/bench.yaml --port "$GATEWAY_PORT" \
    >"$out/gateway.log" 2>&1 &
  pids+=($!)
  wait_for "http://127.0.0.1:$EMULATOR_PORT/_emulator/stats"
  wait_for "http://127.0.0.1:$GATEWAY_PORT/health/ready"
}

# ---- JVMs of the saturation and streams5k cases, started with GATEWAY_JVM, stopped when the case ends ----

case_pids=()
# Starts "$GATEWAY_JVM -jar $jar ARGS..." in the background, output in $out/NAME.log; sets $started to its PID.
start_case_jvm() {
  local name=$1
  shift
  start_case_java "$name" -jar "$jar" "$@"
}

# Starts "$GATEWAY_JVM ARGS..." (e.g. -cp CLASSPATH MAIN ...) as start_case_jvm does.
start_case_java() {
  local name=$1
  shift
  MODELMUX_BENCH_KEY=bench-key $GATEWAY_JVM "$@" >"$out/$name.log" 2>&1 &
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

# How many responses the generator reported open last in LOG (0 before its first report).
open_streams() {
  local n
  n=$(sed -n 's/^bench: open: \([0-9]*\) .*/\1/p' "$1" | tail -n 1)
  echo "${n:-0}"
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

