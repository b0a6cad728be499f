#!/usr/bin/env bash
# Latency the gateway adds over calling the emulator directly, measured in one run, open loop, at fixed rates.
# Starts the emulator and the gateway in their own JVMs, then the load generator in a third.
# Two runs per rate: OpenAI -> OpenAI, plain and streamed (direct vs gateway); then the cross-dialect case,
# streamed, four targets in one run (OpenAI and Anthropic, each direct and through the gateway), with the
# check "translation adds at most 20% to the gateway's own OpenAI -> OpenAI overhead"; then budgets shared in
# Redis: the same gateway config with a redis section, against the gateway on in-process budgets, in one run.
#   RATES="1000" DURATION=20 WARMUP=15 CASES="openai cross redis" scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."

RATES="${RATES:-1000}"
DURATION="${DURATION:-20}"
WARMUP="${WARMUP:-15}"
CASES="${CASES:-openai cross redis}"
wants() { case " $CASES " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
EMULATOR_PORT=9199
GATEWAY_PORT=8180
REDIS_GATEWAY_PORT=8181
REDIS_PORT=6399
out="target/bench"
mkdir -p "$out"

if [ ! -f target/modelmux.jar ] || [ -n "$(find src pom.xml -newer target/modelmux.jar -print -quit)" ]; then
  mvn -q -B -DskipTests package
fi
# Run from a copy, so a rebuild during the run cannot pull classes from under the JVMs.
jar="$out/modelmux-bench.jar"
cp target/modelmux.jar "$jar"
JVM="java -Xms512m -Xmx1g -XX:+UseParallelGC"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

wait_for() {
  for _ in $(seq 1 100); do
    curl -fs "$1" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "bench.sh: $1 did not come up" >&2
  return 1
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
  { cat conf/bench.yaml; echo "redis: { url: redis://127.0.0.1:$REDIS_PORT }"; } >"$out/bench-redis.yaml"
  MODELMUX_BENCH_KEY=bench-key $JVM -jar "$jar" serve --config "$out/bench-redis.yaml" --port "$REDIS_GATEWAY_PORT" \
    >"$out/gateway-redis.log" 2>&1 &
  pids+=($!)
  wait_for "http://127.0.0.1:$REDIS_GATEWAY_PORT/health/ready" && redis_ready=true
  curl -fs "http://127.0.0.1:$REDIS_GATEWAY_PORT/health/ready" | grep -q '"mode":"redis"' || redis_ready=false
else
  echo "bench.sh: redis-server not installed (scripts/test.sh installs it): skipping the Redis budget run"
fi

# One body for both dialects: Anthropic needs max_tokens; the model is set per target.
cat >"$out/cross-body.json" <<'JSON'
{"messages":[{"role":"user","content":"Write a short greeting for a code review bot."}],"max_tokens":64}
JSON
E="http://127.0.0.1:$EMULATOR_PORT"
G="http://127.0.0.1:$GATEWAY_PORT"

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

  if $redis_ready && wants redis; then
    echo "== ${rate} req/s, streamed and plain: budgets in Redis (one round trip per request) vs in-process budgets =="
    $JVM -jar "$jar" bench \
      --target "direct=$E/v1/chat/completions@gpt-4" \
      --target "gateway=$G/v1/chat/completions@bench" \
      --target "gateway-redis=http://127.0.0.1:$REDIS_GATEWAY_PORT/v1/chat/completions@bench" \
      --header "Authorization: Bearer bench-key" \
      --rate "$rate" --duration "$DURATION" --warmup "$WARMUP" --mode both \
      --json "$out/redis-${rate}.json" || { echo "bench.sh: some requests failed in the Redis run at ${rate} req/s"; status=3; }
  fi
done
echo "JSON results in $out/"
exit $status
