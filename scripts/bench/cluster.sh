# shellcheck shell=bash disable=SC2034,SC2154
# Sourced by scripts/bench.sh. The cluster case: the gateway on in-process budgets vs Redis standalone vs a
# three-master Redis Cluster (started on CLUSTER_PORTS, 7391-7393, by scripts/lib/redis-cluster.sh when the case first
# runs), three gateways in one run at RATES, open loop, plain then streamed: WARMUP s over all targets, not recorded,
# then DURATION s per target and mode. It prints what each Redis variant adds over in-process at p50/p90/p99, and each
# variant's Redis calls per request: INFO commandstats of its Redis (a cluster: summed over the masters) and the
# gateway's modelmux_requests_total, read when the warm-up has ended (half a phase later, while only the in-process
# gateway gets requests) and when the generator has exited; the calls (without INFO itself and the commands the jar's
# budget scripts run inside an EVALSHA, which are no round trip) divided by the requests that gateway ended meanwhile.
# PASS/FAIL lines: streamed TTFT added <= REDIS_MAX_ADDED_P50 ms (0.05) at p50 and <= REDIS_MAX_ADDED_P99 ms (0.2) at
# p99, and Redis calls per request <= REDIS_MAX_CALLS_PER_REQUEST (0.05); a FAIL exits 4, as the cross-dialect check
# does. The counts are in $out/cluster-RATE-calls.txt. conf/bench.yaml's limits (rpm 10M, tpm 1G) never deny a request
# at these rates.

cluster_ready=unstarted
# The cluster and its gateway start when the cluster case first runs, so the earlier cases run as before; its node
# files and logs are in $cluster_dir, stopped by cleanup.
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

# Commands the budget scripts run inside an EVALSHA: not counted as Redis calls (redis_calls).
inner_commands=""

# Only a cluster this run started is stopped by cleanup: one that failed to start has stopped itself, and when its
# ports were taken (another run?) its directory is not this run's.
start_redis_cluster() {
  # shellcheck disable=SC2086 # one argument per port
  scripts/lib/redis-cluster.sh start "$cluster_dir" $CLUSTER_PORTS || return 1
  cluster_started=true
}

# The commands the jar's budget scripts (budget/*.lua) run with redis.call/pcall, lower case, space-separated:
# Redis counts them in INFO commandstats as well as the EVALSHA that ran them, but they are no round trip.
script_commands() {
  unzip -p "$jar" 'budget/*.lua' 2>/dev/null | grep -oiE "redis\.p?call\( *['\"][a-z_]+" | sed -E "s/.*['\"]//" \
    | tr '[:upper:]' '[:lower:]' | sort -u | tr '\n' ' ' || true
}

# "CALLS COMMANDS" of the Redis on 127.0.0.1:PORT from INFO commandstats (calls + rejected_calls of each
# command): COMMANDS all but INFO (these reads); CALLS also without those the budget scripts run ($inner_commands),
# so each EVALSHA counts once. "n/a n/a" when Redis does not answer. The reply is kept in FILE.
redis_calls() {
  local stats
  if ! stats=$(redis-cli -h 127.0.0.1 -p "$1" info commandstats 2>/dev/null) || [[ $stats != *Commandstats* ]]; then
    echo "n/a n/a"
    return 0
  fi
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

cluster_case() {
  local rc
  if ! ensure_cluster; then
    echo "bench.sh: no gateway on Redis Cluster (see above): skipping the cluster case at ${rate} req/s"
    return 0
  fi
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
}
