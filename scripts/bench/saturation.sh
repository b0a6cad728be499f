# shellcheck shell=bash disable=SC2034,SC2154
# Sourced by scripts/bench.sh. The saturation case (only when CASES names it): closed loop, CONNECTIONS (16 256)
# requests always in flight (each connection sends its next request as soon as the previous one ends), the emulator
# direct vs the gateway (route bench) in front of it, plain and streamed, one run per connection count and mode:
# WARMUP s unrecorded, then DURATION s per target in alternating rounds. Direct req/s is what the emulator gives this
# load generator on the same machine. Before its first run it also warms its fresh gateway and emulator JVMs (started
# with GATEWAY_JVM) for WARMUP s, unrecorded. Prints req/s direct and through the gateway and their ratio, the latency
# the gateway adds at p50/p99 (streamed: until [DONE]), time to first content token at p50/p99 each and added, and
# the most VmRSS of the gateway and the emulator JVM sampled during the measured window; then PASS/FAIL lines for
# "plain req/s >= MIN_RATE_RATIO (0.5) x direct at the first CONNECTIONS count", "streamed TTFT added <=
# MAX_TTFT_ADDED_P50 ms (0.3) at p50" and "gateway RSS <= MAX_GATEWAY_RSS_MB (200) under load". They only inform: a
# FAIL exits 4 only with STRICT=1.

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
