# shellcheck shell=bash disable=SC2034,SC2154
# Sourced by scripts/bench/container.sh: one run of the container case, at one MaxRAMPercentage.

# One percentage: a fresh emulator (outside the cgroup) and a fresh gateway inside a fresh cgroup with the limit,
# started with the image's flags but MaxRAMPercentage=PCT; WARMUP s of warm-up, then the stream levels; appends a row
# to $out/container-rows.txt.
container_run() {
  local pct=$1 run="container-$1" emulator gateway flags=() f gw_rc="" outcome="" level prev=0 n i gens=() logs=()
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
