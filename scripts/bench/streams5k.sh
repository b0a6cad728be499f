# shellcheck shell=bash disable=SC2034,SC2154
# Sourced by scripts/bench.sh. The streams5k case (only when CASES names it): STREAMS (5000) streamed requests opened
# at once through the gateway (conf/bench-streams.yaml: a slow emulated model, ~36 s per stream, one deployment on one
# emulated provider host), held open until they end; prints the gateway's VmRSS before the first opens, once 2,000
# are open and once all are (or no more open for 5 s), with the emulator's, and how many streams the generator had
# open; PASS/FAIL for "all STREAMS open", "all STREAMS completed" (no 503, no broken stream) and "gateway RSS <=
# MAX_GATEWAY_RSS_MB (200)", informational as saturation's (STRICT=1 exits 4 on a FAIL). Its JVMs run GATEWAY_JVM;
# bench.sh raises the soft open-files limit to the hard one when it can. DURATION and WARMUP do not apply.

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
