# shellcheck shell=bash disable=SC2034,SC2154
# Sourced by scripts/bench.sh. The redis case: budgets shared in Redis, the same gateway config with a redis section
# (a standalone redis-server on REDIS_PORT, its gateway on REDIS_GATEWAY_PORT) against the gateway on in-process
# budgets and the emulator direct, in one open-loop run per rate, plain and streamed. budget_run is also the cluster
# case's run.

redis_ready=false
# The standalone Redis and its gateway; sets redis_ready, or says why not.
start_standalone_redis() {
  if command -v redis-server >/dev/null 2>&1; then
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no >"$out/redis.log" 2>&1 &
    pids+=($!)
    start_redis_gateway redis "$REDIS_GATEWAY_PORT" "{ url: redis://127.0.0.1:$REDIS_PORT }" && redis_ready=true
  else
    echo "bench.sh: redis-server not installed (scripts/test.sh installs it): skipping the Redis budget runs"
  fi
}

# Starts gateway-NAME on PORT with conf/bench.yaml plus "redis: SECTION"; fails unless it is on Redis budgets
# (wait_redis_budgets).
start_redis_gateway() {
  local name=$1 port=$2 section=$3
  { cat conf/bench.yaml; echo "redis: $section"; } >"$out/bench-$name.yaml"
  MODELMUX_BENCH_KEY=bench-key $JVM -jar "$jar" serve --config "$out/bench-$name.yaml" --port "$port" \
    >"$out/gateway-$name.log" 2>&1 &
  pids+=($!)
  wait_redis_budgets "gateway-$name" "$port"
}

# Fails unless the gateway on PORT (its log: $out/LOG.log) is on Redis budgets ("mode":"redis" in /health/ready)
# within 20 s of answering (a JVM that starts beside others on a busy machine can time out its first Redis call and
# start on its local share, then switch to Redis a second later).
wait_redis_budgets() {
  local log=$1 port=$2 ready=""
  if wait_for "http://127.0.0.1:$port/health/ready"; then
    for _ in $(seq 1 100); do
      ready=$(curl -s "http://127.0.0.1:$port/health/ready" || true)
      [[ $ready == *'"mode":"redis"'* ]] && return 0
      sleep 0.2
    done
  fi
  echo "bench.sh: $log is not up on Redis budgets (${ready:-no answer}); end of $out/$log.log:" >&2
  tail -n 5 "$out/$log.log" >&2 || true
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

redis_case() {
  if $redis_ready; then
    echo "== ${rate} req/s, streamed and plain: budgets in Redis (one round trip per request) vs in-process budgets =="
    budget_run redis "" "direct=$E/v1/chat/completions@gpt-4" "gateway=$G/v1/chat/completions@bench" \
      "gateway-redis=$R/v1/chat/completions@bench"
  else
    echo "bench.sh: no gateway on standalone Redis: skipping the redis case at ${rate} req/s"
  fi
}
