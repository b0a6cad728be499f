#!/usr/bin/env bash
# Runs the whole test suite (mvn verify: every test, then the jar), saying at the start what it runs and at the end
# whether it passed and how long it took: about 10 minutes on 2 quiet cores. Installs what the tests need when it is
# missing, from Debian's packages (redis-server, PostgreSQL, Chromium, Node.js, curl); the browser test's
# playwright-core comes from npm (src/test/browser, pinned by its lock).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/build-jar.sh
echo "test.sh: running the whole suite with mvn verify (~700 tests: unit, real redis-server/Redis Cluster/PostgreSQL," \
  "headless Chromium, child JVMs, replicas in CPU-limited cgroups when run as root); about 10 minutes on 2 quiet cores," \
  "longer on busy ones. The jar is built at the end (target/modelmux.jar)."
start=$SECONDS

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null || missing+=(postgresql)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
  echo "test.sh: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

status=0
mvn -B -ntp verify "$@" 2>&1 | plain_unless_terminal || status=${PIPESTATUS[0]}
elapsed=$((SECONDS - start))
if [ "$status" -eq 0 ]; then
  outcome="passed"
else
  outcome="FAILED (mvn exit $status; reports in target/surefire-reports)"
fi
printf 'test.sh: %s in %dm%02ds\n' "$outcome" $((elapsed / 60)) $((elapsed % 60))
exit "$status"
