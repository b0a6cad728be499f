#!/usr/bin/env bash
# Latency the gateway adds over calling the emulator directly, measured in one run, open loop, at fixed rates.
# Starts the emulator and the gateway in their own JVMs, then the load generator in a third.
#   RATES="1000" DURATION=20 WARMUP=15 scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."

RATES="${RATES:-1000}"
DURATION="${DURATION:-20}"
WARMUP="${WARMUP:-15}"
EMULATOR_PORT=9199
GATEWAY_PORT=8180
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

for rate in $RATES; do
  echo "== ${rate} req/s: direct = emulator, gateway = modelmux in front of the same emulator =="
  $JVM -jar "$jar" bench \
    --target "direct=http://127.0.0.1:$EMULATOR_PORT/v1/chat/completions" \
    --target "gateway=http://127.0.0.1:$GATEWAY_PORT/v1/chat/completions" \
    --header "Authorization: Bearer bench-key" \
    --model gpt-4 --rate "$rate" --duration "$DURATION" --warmup "$WARMUP" --mode both \
    --json "$out/openai-${rate}.json" || echo "bench.sh: some requests failed at ${rate} req/s (see above)"
done
echo "JSON results in $out/"
