#!/usr/bin/env bash
# Runs the demo: builds the jar if needed, then starts the gateway on :8080 with conf/demo.yaml,
# which also starts the built-in provider emulator on :9099.
set -euo pipefail
cd "$(dirname "$0")/.."

jar=target/modelmux.jar
source scripts/lib/build-jar.sh
build_jar_if_stale

# Container-sane memory flags (measured with scripts/bench.sh, see docs/benchmarks.md); JAVA_OPTS replaces them.
JAVA_OPTS="${JAVA_OPTS:--XX:+UseSerialGC -Xms64m -Xmx320m -Xmn32m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -XX:TrimNativeHeapInterval=5000 -XX:MaxDirectMemorySize=64m -Xss512k -XX:ReservedCodeCacheSize=48m -XX:MaxMetaspaceSize=96m -XX:+ExitOnOutOfMemoryError}"

echo "modelmux demo on http://127.0.0.1:${PORT:-8080}: OpenAI SDKs use base URL /v1, Anthropic SDKs the root (any API key); Ctrl-C to stop"
exec java $JAVA_OPTS -jar "$jar" serve --config conf/demo.yaml --port "${PORT:-8080}"
