#!/usr/bin/env bash
# Latency the gateway adds over calling the emulator directly, measured in one run, open loop, at fixed rates; its
# throughput and memory under a closed loop, with thousands of streams open, and in a memory-limited container.
# Starts the emulator and the gateway in their own JVMs, then the load generator (the jar's bench command) in a third.
# The cases, in this order, each in its own file under scripts/bench/ (its header says what it measures and prints):
#   openai      OpenAI -> OpenAI, plain and streamed, direct vs gateway, per rate in RATES
#   cross       streamed, OpenAI client -> Anthropic provider; translation adds at most 20% (a FAIL exits 4)
#   redis       budgets in a standalone Redis vs in-process, in one run
#   cluster     in-process vs Redis standalone vs a three-master Redis Cluster; PASS/FAIL on what Redis adds and on
#               its calls per request (a FAIL exits 4)
# and only when CASES names them, after the others, each on fresh JVMs:
#   saturation  closed loop at CONNECTIONS, direct vs gateway: req/s, added latency, RSS (informational)
#   streams5k   STREAMS slow streams held open at once through the gateway: RSS, all open, all completed
#   container   the image's JVM flags in a memory cgroup per MaxRAMPercentage (needs root, else says why and skips)
#   floor       issue 26's floor: closed loop at CONNECTIONS (1 16 64 256), direct vs a bare Vert.x proxy vs the
#               gateway vs the gateway on Redis budgets, per transport in TRANSPORTS (native; "native nio" for both):
#               req/s and their ratios, latency and TTFT added, RSS; PASS/FAIL against the proxy (informational)
# Helpers all cases share are in scripts/bench/lib.sh; the Redis Cluster comes from scripts/lib/redis-cluster.sh.
# GATEWAY_JVM: the java command and flags of the JVMs of saturation, streams5k and floor (the bare proxy's too; the
# load generator keeps the flags of the other cases); by default SerialGC, a 32 MB young generation and an old one
# kept close to its live size (heap up to 320 MB: 5000 open streams hold ~190 MB live), the native heap trimmed every
# 5 s.
# JAR: benchmark that jar (e.g. an older commit's build) instead of building target/modelmux.jar; it also
# runs the load generator, so it must have bench --closed-loop.
# Exit status: 0; 3 when requests failed; 4 when a checked target was missed (the informational ones only with
# STRICT=1); 1 when a JVM did not come up (or floor's bare proxy could not be built); else the failing load
# generator's.
#   RATES="1000" DURATION=20 WARMUP=15 CASES="openai cross redis cluster" scripts/bench.sh
#   RATES=1000 WARMUP=10 DURATION=10 CASES=cluster scripts/bench.sh
#   WARMUP=10 DURATION=10 CONNECTIONS="16 256" STREAMS=5000 CASES="saturation streams5k" scripts/bench.sh
#   RAM_PERCENTAGES="60 75 90" CONTAINER_STREAMS="1000 2000 3000 4000" PROMPT_BYTES=65536 CASES=container scripts/bench.sh
#   WARMUP=10 DURATION=10 TRANSPORTS="native nio" CASES=floor scripts/bench.sh
set -euo pipefail
if [ -n "${JAR:-}" ] && [[ $JAR != /* ]]; then JAR="$PWD/$JAR"; fi
cd "$(dirname "$0")/.."

RATES="${RATES:-1000}"
DURATION="${DURATION:-20}"
WARMUP="${WARMUP:-15}"
CASES="${CASES:-openai cross redis cluster}"
REDIS_MAX_ADDED_P50="${REDIS_MAX_ADDED_P50:-0.05}"
REDIS_MAX_ADDED_P99="${REDIS_MAX_ADDED_P99:-0.2}"
REDIS_MAX_CALLS_PER_REQUEST="${REDIS_MAX_CALLS_PER_REQUEST:-0.05}"
FLOOR_CONNECTIONS="${CONNECTIONS:-1 16 64 256}"
CONNECTIONS="${CONNECTIONS:-16 256}"
TRANSPORTS="${TRANSPORTS:-native}"
STREAMS="${STREAMS:-5000}"
RAM_PERCENTAGES="${RAM_PERCENTAGES:-60 75 90}"
CONTAINER_LIMIT_MB="${CONTAINER_LIMIT_MB:-}"
CONTAINER_STREAMS="${CONTAINER_STREAMS:-1000 2000 3000 4000}"
PROMPT_BYTES="${PROMPT_BYTES:-65536}"
CONTAINER_TOKEN_MS="${CONTAINER_TOKEN_MS:-8000}"
CONTAINER_DRAIN_TIMEOUT="${CONTAINER_DRAIN_TIMEOUT:-240}"
CONTAINER_EMULATOR_JVM="${CONTAINER_EMULATOR_JVM:-java -Xms1g -Xmx6g -XX:+UseParallelGC}"
GATEWAY_JVM="${GATEWAY_JVM:-java -XX:+UseSerialGC -Xms64m -Xmx320m -Xmn32m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -XX:TrimNativeHeapInterval=5000 -XX:MaxDirectMemorySize=64m -Xss512k -XX:ReservedCodeCacheSize=48m -XX:MaxMetaspaceSize=96m -XX:+ExitOnOutOfMemoryError}"
JAR="${JAR:-}"
STRICT="${STRICT:-0}"
MIN_RATE_RATIO="${MIN_RATE_RATIO:-0.5}"
MAX_TTFT_ADDED_P50="${MAX_TTFT_ADDED_P50:-0.3}"
MAX_GATEWAY_RSS_MB="${MAX_GATEWAY_RSS_MB:-200}"
FLOOR_MIN_PROXY_RATIO="${FLOOR_MIN_PROXY_RATIO:-1.0}"
FLOOR_MAX_TTFT_OVER_PROXY="${FLOOR_MAX_TTFT_OVER_PROXY:-0.1}"
FLOOR_MAX_REDIS_LOSS="${FLOOR_MAX_REDIS_LOSS:-0.05}"
FLOOR_MAX_C1_P99_ADDED="${FLOOR_MAX_C1_P99_ADDED:-0.3}"
FLOOR_MAX_RSS_MB="${FLOOR_MAX_RSS_MB:-256}"
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
CONTAINER_EMULATOR_PORT=9196 # as written into $out/bench-container.yaml
CONTAINER_GATEWAY_PORT=8185
FLOOR_EMULATOR_PORT=9195
FLOOR_PROXY_PORT=8186
FLOOR_GATEWAY_PORT=8187
FLOOR_REDIS_GATEWAY_PORT=8188
FLOOR_REDIS_PORT=6398
out="target/bench"
cluster_dir="$out/redis-cluster"
mkdir -p "$out"

source scripts/bench/lib.sh
source scripts/bench/openai.sh
source scripts/bench/cross.sh
source scripts/bench/redis.sh
source scripts/bench/cluster.sh
source scripts/bench/saturation.sh
source scripts/bench/streams5k.sh
source scripts/bench/container.sh
source scripts/bench/floor.sh

prepare_jar
JVM="java -Xms512m -Xmx1g -XX:+UseParallelGC"
if wants streams5k || wants container; then
  raise_open_files
fi
trap cleanup EXIT

if wants openai || wants cross || wants redis || wants cluster; then
  start_shared_jvms
fi
if wants cluster; then inner_commands=$(script_commands); fi
if wants redis || wants cluster; then
  start_standalone_redis
fi
E="http://127.0.0.1:$EMULATOR_PORT"
G="http://127.0.0.1:$GATEWAY_PORT"
R="http://127.0.0.1:$REDIS_GATEWAY_PORT"
C="http://127.0.0.1:$CLUSTER_GATEWAY_PORT"

status=0
for rate in $RATES; do
  if wants openai; then openai_case; fi
  if wants cross; then cross_case; fi
  if wants redis; then redis_case; fi
  if wants cluster; then cluster_case; fi
done

if wants saturation; then
  saturation_case
fi
if wants streams5k; then
  streams_case
fi
if wants container; then
  container_case
fi
if wants floor; then
  floor_case
fi
echo "JSON results in $out/"
exit $status
