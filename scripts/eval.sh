#!/usr/bin/env bash
# Runs the prompt repository's regression suites against the demo (conf/demo.yaml, its in-process emulator):
# builds the jar if needed, then `java -jar target/modelmux.jar eval --config conf/demo.yaml` plus your arguments
# (--tasks, --families, --baseline FILE, --out DIR). It runs beside a running demo: its own gateway and emulator take
# free ports. Or call the running demo itself with --url http://127.0.0.1:8080: the calls go as eval traffic
# (x-modelmux-eval: <run id>), logged with the run id but left out of /admin/costs and the review queue unless
# include=eval. A gateway with an auth section takes that tag from an operator key only: export MODELMUX_OPERATOR_KEY.
set -euo pipefail
cd "$(dirname "$0")/.."

jar=target/modelmux.jar
source scripts/lib/build-jar.sh
build_jar_if_stale
exec java -jar "$jar" eval --config conf/demo.yaml "$@"
