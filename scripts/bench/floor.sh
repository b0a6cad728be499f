# shellcheck shell=bash disable=SC2034,SC2154
# Sourced by scripts/bench.sh. The floor case (issue 26; only when CASES names it): is the gateway at or above a bare
# Vert.x reverse proxy, with its budgets on? Closed loop, one run per connection count in FLOOR_CONNECTIONS (the
# CONNECTIONS of bench.sh, by default 1 16 64 256) and mode (plain, then streamed), four targets in alternating
# rounds, each compared with the first: direct (the emulator), proxy (BareProxy, vertx-http-proxy: what Vert.x itself
# costs), gateway (modelmux, route bench, in-process budgets) and gateway-redis (the same config on budgets shared in
# a standalone redis-server on FLOOR_REDIS_PORT; left out, with a message, when redis-server is not installed). Every
# JVM runs GATEWAY_JVM, fresh per transport in TRANSPORTS (default "native"; "native nio" runs the whole case twice,
# MODELMUX_TRANSPORT set for the emulator, the proxy and both gateways). Before the first run it warms those JVMs for
# WARMUP s at the largest connection count, both modes, every target (not recorded); each run then has its own
# WARMUP s unrecorded before DURATION s per target.
# Prints per transport a table: per connection count and mode, req/s of each target, the ratios gateway/proxy and
# gateway-redis/gateway, the latency proxy and gateway add over direct at p50 and p99 (plain: the whole response;
# streamed: until [DONE]; the c=1 rows are what public boards report), the time to first content token they add at p50
# (streamed), and the most VmRSS of the proxy and the gateway sampled while measuring. Then PASS/FAIL lines: gateway
# req/s >= FLOOR_MIN_PROXY_RATIO (1.0) x proxy at every count and mode; streamed gateway TTFT added p50 <= the proxy's
# + FLOOR_MAX_TTFT_OVER_PROXY (0.1) ms; gateway-redis req/s within FLOOR_MAX_REDIS_LOSS (0.05) of gateway; at c=1 the
# gateway's p99 added <= FLOOR_MAX_C1_P99_ADDED (0.3) ms; gateway RSS <= FLOOR_MAX_RSS_MB (256) at up to 64
# connections. Informational as saturation's: a FAIL exits 4 only with STRICT=1. With several transports, a last
# table gives each one's req/s of proxy and gateway against the first transport's.
# The proxy runs from the test classpath: the test classes and a classpath file from the maven-dependency-plugin
# (offline once the local repository holds the test dependencies), BareProxy's classes copied aside for the run.
#   WARMUP=10 DURATION=10 CASES=floor scripts/bench.sh
#   WARMUP=3 DURATION=3 CONNECTIONS="1 64" TRANSPORTS="native nio" CASES=floor scripts/bench.sh

FLOOR_TARGETS="direct proxy gateway gateway-redis" # the order of each row's numbers

# Builds the test classes and $out/test-classpath.txt, copies BareProxy's classes and the logging config to
# $out/bare-proxy; sets $bare_proxy_classpath.
prepare_bare_proxy() {
  local dir="$out/bare-proxy"
  if ! mvn -q -B -ntp -DskipTests test-compile dependency:build-classpath -Dmdep.includeScope=test \
      -Dmdep.outputFile="$PWD/$out/test-classpath.txt" >"$out/floor-build.log" 2>&1; then
    tail -n 20 "$out/floor-build.log" >&2
    return 1
  fi
  rm -rf "$dir"
  mkdir -p "$dir/dev/modelmux/bench"
  cp target/test-classes/dev/modelmux/bench/BareProxy*.class "$dir/dev/modelmux/bench/"
  cp src/main/resources/logback.xml "$dir/"
  bare_proxy_classpath="$dir:$(cat "$out/test-classpath.txt")"
}

# The standalone Redis of gateway-redis, for every transport; sets $floor_redis (true when it is there).
start_floor_redis() {
  floor_redis=false
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "bench.sh: floor: redis-server not installed (scripts/test.sh installs it): no gateway-redis target"
    return 0
  fi
  redis-server --port "$FLOOR_REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no >"$out/floor-redis.log" 2>&1 &
  floor_redis_pid=$!
  pids+=("$floor_redis_pid")
  floor_redis=true
}

# The four JVMs on TRANSPORT, up and answering (gateway-redis on Redis budgets); sets their PIDs and $floor_args.
start_floor_jvms() {
  local t=$1 path=/v1/chat/completions
  MODELMUX_TRANSPORT=$t start_case_jvm "floor-emulator-$t" emulator --host 127.0.0.1 --port "$FLOOR_EMULATOR_PORT"
  floor_emulator=$started
  MODELMUX_TRANSPORT=$t start_case_java "floor-proxy-$t" -cp "$bare_proxy_classpath" dev.modelmux.bench.BareProxy \
    "$FLOOR_PROXY_PORT" "127.0.0.1:$FLOOR_EMULATOR_PORT"
  floor_proxy=$started
  MODELMUX_TRANSPORT=$t start_case_jvm "floor-gateway-$t" serve --config "$out/bench-floor.yaml" --port "$FLOOR_GATEWAY_PORT"
  floor_gateway=$started
  floor_args=(--target "direct=http://127.0.0.1:$FLOOR_EMULATOR_PORT$path@gpt-4"
    --target "proxy=http://127.0.0.1:$FLOOR_PROXY_PORT$path@gpt-4"
    --target "gateway=http://127.0.0.1:$FLOOR_GATEWAY_PORT$path@bench")
  floor_redis_gateway=""
  if $floor_redis; then
    MODELMUX_TRANSPORT=$t start_case_jvm "floor-gateway-redis-$t" serve --config "$out/bench-floor-redis.yaml" \
      --port "$FLOOR_REDIS_GATEWAY_PORT"
    floor_redis_gateway=$started
    floor_args+=(--target "gateway-redis=http://127.0.0.1:$FLOOR_REDIS_GATEWAY_PORT$path@bench")
  fi
  wait_for "http://127.0.0.1:$FLOOR_EMULATOR_PORT/_emulator/stats" \
    && wait_for "http://127.0.0.1:$FLOOR_PROXY_PORT/_emulator/stats" \
    && wait_for "http://127.0.0.1:$FLOOR_GATEWAY_PORT/health/ready" \
    && { ! $floor_redis || wait_redis_budgets "floor-gateway-redis-$t" "$FLOOR_REDIS_GATEWAY_PORT"; }
}

# From a floor run's JSON, on one line, for each of FLOOR_TARGETS in turn: req/s, latency p50 p99 (streamed: until
# [DONE]), TTFT p50 p99 (n/a when plain or when the target was not run).
floor_numbers() {
  awk -v names="$FLOOR_TARGETS" '
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
      n = split(names, t, " ")
      for (i = 1; i <= n; i++) {
        line = line (i > 1 ? " " : "") get(t[i] SUBSEP "rate")
        line = line " " get(t[i] SUBSEP lat SUBSEP "p50") " " get(t[i] SUBSEP lat SUBSEP "p99")
        line = line " " get(t[i] SUBSEP "ttft_ms" SUBSEP "p50") " " get(t[i] SUBSEP "ttft_ms" SUBSEP "p99")
      }
      print line
    }' "$1"
}

# WARMUP s of both modes at the largest connection count through every target, nothing kept.
warm_floor_jvms() {
  local t=$1 most=0 conns
  for conns in $FLOOR_CONNECTIONS; do
    if [ "$conns" -gt "$most" ]; then most=$conns; fi
  done
  echo "bench.sh: floor ($t): warming the JVMs for $WARMUP s at $most connections (not recorded)"
  $JVM -jar "$jar" bench --closed-loop --connections "$most" "${floor_args[@]}" \
    --header "Authorization: Bearer bench-key" --warmup "$WARMUP" --duration 0.1 --rounds 1 --mode both \
    >"$out/floor-$t-jvm-warmup.log" 2>&1 || echo "bench.sh: the JVM warm-up failed (see $out/floor-$t-jvm-warmup.log)"
}

# The most VmRSS of PID in FILE, or n/a without a PID.
floor_rss() {
  if [ -n "$2" ]; then max_rss_mb "$1" "$2"; else printf "n/a"; fi
}

# One closed-loop run on TRANSPORT at CONNS connections in MODE; appends its row to $out/floor-rows.txt.
floor_run() {
  local t=$1 conns=$2 mode=$3 run="floor-$1-$2-$3" rc=0 sampler
  rm -f "$out/$run.json" "$out/$run.rss"
  echo "== floor ($t), $conns connections, $mode: direct = emulator, proxy = bare Vert.x proxy, gateway = modelmux," \
    "gateway-redis = modelmux on Redis budgets =="
  start_generator "$out/$run.log" --closed-loop --connections "$conns" "${floor_args[@]}" \
    --header "Authorization: Bearer bench-key" --duration "$DURATION" --warmup "$WARMUP" --mode "$mode" \
    --json "$out/$run.json"
  # shellcheck disable=SC2086 # no redis gateway: no PID
  sample_rss "$out/$run.rss" "$out/$run.log" "$generator" "$floor_proxy" "$floor_gateway" $floor_redis_gateway &
  sampler=$!
  wait "$generator" || rc=$?
  wait "$sampler" || true
  case $rc in
    0) ;;
    3) echo "bench.sh: some requests failed in the floor run ($t, $conns connections, $mode; see above)"; status=3 ;;
    *) echo "bench.sh: floor run ($t, $conns connections, $mode) exited $rc (see above)"; status=$rc; return 0 ;;
  esac
  echo "$t $conns $mode $(floor_numbers "$out/$run.json") $(floor_rss "$out/$run.rss" "$floor_proxy")" \
    "$(floor_rss "$out/$run.rss" "$floor_gateway") $(floor_rss "$out/$run.rss" "$floor_redis_gateway")" \
    >>"$out/floor-rows.txt"
}

# The floor tables from $out/floor-rows.txt and their PASS/FAIL lines; returns 4 on a FAIL.
floor_report() {
  awk -v minratio="$FLOOR_MIN_PROXY_RATIO" -v ttftover="$FLOOR_MAX_TTFT_OVER_PROXY" -v redisloss="$FLOOR_MAX_REDIS_LOSS" \
      -v c1p99="$FLOOR_MAX_C1_P99_ADDED" -v maxrss="$FLOOR_MAX_RSS_MB" -v warmup="$WARMUP" -v duration="$DURATION" '
    function isnum(x) { return x != "n/a" && x != "" }
    function num(x, w, p) { return isnum(x) ? sprintf("%" w "." p "f", x) : sprintf("%" w "s", "n/a") }
    function diff(a, b) { return isnum(a) && isnum(b) ? a - b : "n/a" }
    function signed(x, w) { return isnum(x) ? sprintf("%+" w ".3f", x) : sprintf("%" w "s", "n/a") }
    function ratio(a, b) { return isnum(a) && isnum(b) && b > 0 ? a / b : "n/a" }
    function times(x) { return isnum(x) ? sprintf("%7.2fx", x) : sprintf("%8s", "n/a") }
    function verdict(ok, what) { if (!ok) fails++; printf "  %s %s\n", ok ? "PASS" : "FAIL", what }
    # Field of target T (0 direct, 1 proxy, 2 gateway, 3 gateway-redis) in row K: 0 req/s, 1 p50, 2 p99, 3 TTFT p50.
    function f(k, t, i) { return r[k, 4 + 5 * t + i] }
    {
      n++; for (i = 1; i <= NF; i++) r[n, i] = $i
      if (!($1 in seen)) { seen[$1] = 1; transports[++nt] = $1 }
    }
    END {
      for (ti = 1; ti <= nt; ti++) {
        tr = transports[ti]
        printf "\n== floor (transport %s): closed loop; direct = emulator, proxy = bare Vert.x proxy, gateway = modelmux " \
          "(in-process budgets), redis = modelmux on Redis budgets; per run %s s warm-up (unrecorded), then %s s per " \
          "target ==\n", tr, warmup, duration
        printf "  %-12s %39s %17s %17s %17s %17s %15s\n", "", "req/s", "ratio", "added p50 (ms)", "added p99 (ms)",
          "TTFT added p50", "RSS max (MB)"
        printf "  %-5s %-6s %9s %9s %9s %9s %8s %8s %8s %8s %8s %8s %8s %8s %7s %7s\n", "conns", "mode", "direct",
          "proxy", "gateway", "redis", "gw/prx", "rds/gw", "proxy", "gateway", "proxy", "gateway", "proxy", "gateway",
          "proxy", "gateway"
        for (k = 1; k <= n; k++) {
          if (r[k, 1] != tr) continue
          printf "  %-5s %-6s %s %s %s %s %s %s %s %s %s %s %s %s %s %s\n", r[k, 2], r[k, 3], num(f(k, 0, 0), 9, 1),
            num(f(k, 1, 0), 9, 1), num(f(k, 2, 0), 9, 1), num(f(k, 3, 0), 9, 1), times(ratio(f(k, 2, 0), f(k, 1, 0))),
            times(ratio(f(k, 3, 0), f(k, 2, 0))), signed(diff(f(k, 1, 1), f(k, 0, 1)), 8),
            signed(diff(f(k, 2, 1), f(k, 0, 1)), 8), signed(diff(f(k, 1, 2), f(k, 0, 2)), 8),
            signed(diff(f(k, 2, 2), f(k, 0, 2)), 8), signed(diff(f(k, 1, 3), f(k, 0, 3)), 8),
            signed(diff(f(k, 2, 3), f(k, 0, 3)), 8), num(r[k, 24], 7, 1), num(r[k, 25], 7, 1)
        }
        printf "  (added: over direct, the whole response plain, until [DONE] streamed; TTFT: first event with content;\n"
        printf "   the c=1 rows are what public boards report)\n"
        printf "  targets (informational; STRICT=1 exits 4 on a FAIL):\n"
        rss = "n/a"
        for (k = 1; k <= n; k++) {
          if (r[k, 1] != tr) continue
          at = sprintf("%s connections, %s", r[k, 2], r[k, 3])
          x = ratio(f(k, 2, 0), f(k, 1, 0))
          if (isnum(x)) verdict(x >= minratio, sprintf("gateway req/s >= %sx proxy, %s: %.2fx", minratio, at, x))
          gw = diff(f(k, 2, 3), f(k, 0, 3)); px = diff(f(k, 1, 3), f(k, 0, 3))
          if (isnum(gw) && isnum(px))
            verdict(gw <= px + ttftover, sprintf("gateway TTFT added p50 <= proxy + %s ms, %s: %+.3f vs %+.3f ms",
              ttftover, at, gw, px))
          x = ratio(f(k, 3, 0), f(k, 2, 0))
          if (isnum(x))
            verdict(x >= 1 - redisloss, sprintf("gateway-redis req/s within %.0f%% of gateway, %s: %.2fx", redisloss * 100,
              at, x))
          x = diff(f(k, 2, 2), f(k, 0, 2))
          if (r[k, 2] == 1 && isnum(x))
            verdict(x <= c1p99, sprintf("gateway p99 added <= %s ms at c=1, %s: %+.3f ms", c1p99, r[k, 3], x))
          if (r[k, 2] <= 64 && isnum(r[k, 25]) && (rss == "n/a" || r[k, 25] + 0 > rss + 0)) rss = r[k, 25]
        }
        if (isnum(rss))
          verdict(rss <= maxrss + 0, sprintf("gateway RSS <= %s MB at up to 64 connections: %.1f MB (most sampled)",
            maxrss, rss))
      }
      if (nt > 1) {
        printf "\n== floor: req/s of each transport over that of %s (same connections and mode) ==\n", transports[1]
        printf "  %-5s %-6s %-10s %9s %9s %8s %8s\n", "conns", "mode", "transport", "proxy", "gateway", "proxy", "gateway"
        for (k = 1; k <= n; k++) {
          if (r[k, 1] == transports[1]) { base[r[k, 2], r[k, 3], 1] = f(k, 1, 0); base[r[k, 2], r[k, 3], 2] = f(k, 2, 0) }
        }
        for (k = 1; k <= n; k++) {
          printf "  %-5s %-6s %-10s %s %s %s %s\n", r[k, 2], r[k, 3], r[k, 1], num(f(k, 1, 0), 9, 1), num(f(k, 2, 0), 9, 1),
            times(ratio(f(k, 1, 0), base[r[k, 2], r[k, 3], 1])), times(ratio(f(k, 2, 0), base[r[k, 2], r[k, 3], 2]))
        }
      }
      exit fails ? 4 : 0
    }' "$out/floor-rows.txt"
}

floor_case() {
  local t conns mode rc=0
  if ! prepare_bare_proxy; then
    echo "bench.sh: floor: could not build the bare proxy's classes and classpath: skipping the floor case" >&2
    status=1
    return 0
  fi
  sed "s/:$EMULATOR_PORT/:$FLOOR_EMULATOR_PORT/g" conf/bench.yaml >"$out/bench-floor.yaml"
  { cat "$out/bench-floor.yaml"; echo "redis: { url: redis://127.0.0.1:$FLOOR_REDIS_PORT }"; } >"$out/bench-floor-redis.yaml"
  start_floor_redis
  rm -f "$out/floor-rows.txt"
  for t in $TRANSPORTS; do
    if ! start_floor_jvms "$t"; then
      status=1
      stop_case_jvms
      continue
    fi
    echo "bench.sh: floor ($t): $(grep -h -m1 'listening' "$out/floor-proxy-$t.log")"
    echo "bench.sh: floor ($t): gateway: $(grep -h -m1 -i 'transport' "$out/floor-gateway-$t.log" \
      || echo "its log names no transport")"
    echo "bench.sh: floor ($t): emulator $floor_emulator, proxy $floor_proxy, gateway $floor_gateway" \
      "${floor_redis_gateway:+and gateway-redis $floor_redis_gateway }run $GATEWAY_JVM"
    warm_floor_jvms "$t"
    for conns in $FLOOR_CONNECTIONS; do
      for mode in plain stream; do
        floor_run "$t" "$conns" "$mode"
      done
    done
    stop_case_jvms
  done
  if $floor_redis; then
    kill "$floor_redis_pid" 2>/dev/null || true
    wait "$floor_redis_pid" 2>/dev/null || true
  fi
  if [ -s "$out/floor-rows.txt" ]; then
    floor_report || rc=$?
    targets_missed "$rc" floor
  fi
}
