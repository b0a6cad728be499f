# shellcheck shell=bash disable=SC2034,SC2154
# Sourced by scripts/bench.sh. The container case (only when CASES names it, after the others): the container image's
# JVM flags (pom.xml's <jvmFlag> elements) in a memory cgroup limited as Kubernetes limits the pod
# (k8s/base/deployment.yaml's limits.memory, or CONTAINER_LIMIT_MB), one run per MaxRAMPercentage in RAM_PERCENTAGES
# (60 75 90; the pom's value is added when missing, and is the one under test). Each run (container/run.sh): a fresh
# emulator JVM outside the cgroup (CONTAINER_EMULATOR_JVM) and a fresh gateway JVM inside a fresh cgroup, run as the
# image runs it with that MaxRAMPercentage and -XX:NativeMemoryTracking=summary; WARMUP s unrecorded (closed loop, 32
# connections, plain and streamed, a fast model); then streamed requests held open at once in cumulative levels
# CONTAINER_STREAMS (1000 2000 3000 4000: one closed-loop generator per level adds the difference once the previous
# level is open), each with a PROMPT_BYTES (65536, ~12k tokens) prompt, on an emulated model answering 13 events
# CONTAINER_TOKEN_MS (8000) ms apart (~104 s a stream); a stream slower than CONTAINER_DRAIN_TIMEOUT (240) s fails.
# It samples (container/sample.sh) the cgroup's usage and what it is charged for (memory.stat, kernel memory), the
# gateway's VmRSS/VmHWM every 0.5 s, its heap (jstat -gc) every 0.5 s and NMT (jcmd VM.native_memory summary) every
# 5 s, and reads the kernel's high-water mark (v1 memory.max_usage_in_bytes, v2 memory.peak), limit hits and OOM
# kills (v1 memory.failcnt and memory.oom_control, v2 memory.events). Prints (container/report.sh) per percentage:
# MaxHeapSize, the cgroup's peak and its share of the limit, peak RSS, heap committed and used at most, old generation
# used at most, non-heap (NMT committed minus the heap) at the largest NMT sample, full GCs under load, streams
# completed of those sent and the most open at once, and the outcome: survived (and how many streams failed: near a
# full heap the serial GC can run full GCs back to back without an OutOfMemoryError while upstream calls time out),
# exited on its own OutOfMemoryError (ExitOnOutOfMemoryError: exit 3) or OOM-killed by the kernel (exit 137 and an
# oom_kill in the cgroup), with how many streams were open then; what the cgroup was charged for at its largest
# sample; the cgroup's usage as each level opened; then "headroom at MaxRAMPercentage=POM: X MiB above the peak" and
# the largest percentage that survived. JSON in target/bench/container.json. Needs root and a writable memory cgroup
# (container/cgroup.sh): cgroup v1 (a child of this shell's memory cgroup) or v2 (a child of this shell's cgroup, or a
# sibling when this one holds processes; in the root cgroup it enables the memory controller for the root's children
# and leaves it so); where none can be made it says why and skips (exit 0 for the case). Every cgroup it makes is
# removed when it ends.

source scripts/bench/container/cgroup.sh
source scripts/bench/container/sample.sh
source scripts/bench/container/run.sh
source scripts/bench/container/report.sh

# The image's JVM flags, one a line: the <jvmFlag> elements of pom.xml (the Jib profile's <jvmFlags>).
image_jvm_flags() {
  sed -n 's:.*<jvmFlag>[[:space:]]*\([^<]*[^<[:space:]]\)[[:space:]]*</jvmFlag>.*:\1:p' pom.xml
}

# The container's resources.limits.memory in k8s/base/deployment.yaml, in MiB (1Gi -> 1024); empty when it has none.
# Reads "limits: { memory: 1Gi }" and the block form ("limits:" then an indented "memory: 1Gi").
deployment_limit_mb() {
  awk '
    function mib(q,   n, u) {
      gsub(/["\047 \t]/, "", q); n = q + 0; u = q; sub(/^[0-9.]+/, "", u)
      if (u == "Gi") return n * 1024; if (u == "Mi") return n; if (u == "Ki") return n / 1024
      if (u == "G") return n * 1e9 / 1048576; if (u == "M") return n * 1e6 / 1048576
      if (u == "") return n / 1048576
      return ""
    }
    function memory(line,   v) {
      if (!match(line, /memory:[ \t]*[^,} \t]+/)) return ""
      v = substr(line, RSTART, RLENGTH); sub(/memory:[ \t]*/, "", v); return v
    }
    /^[ \t]*limits:/ {
      if ((v = memory($0)) != "") { printf "%d\n", mib(v); exit }
      indent = match($0, /[^ \t]/); inside = 1; next
    }
    inside && /[^ \t]/ {
      if (match($0, /[^ \t]/) <= indent) inside = 0
      else if ((v = memory($0)) != "") { printf "%d\n", mib(v); exit }
    }' k8s/base/deployment.yaml
}

container_case() {
  local pct
  limit_mb=${CONTAINER_LIMIT_MB:-$(deployment_limit_mb)}
  pom_pct=$(image_jvm_flags | sed -n 's/^-XX:MaxRAMPercentage=//p' | head -n 1)
  if [ -z "$limit_mb" ]; then
    echo "bench.sh: container: no memory limit in k8s/base/deployment.yaml and no CONTAINER_LIMIT_MB: skipped"
    return 0
  fi
  if ! container_cgroup_parent; then
    echo "bench.sh: container: skipped: no memory cgroup can be made here: $cg_skip"
    return 0
  fi
  if [ -n "$pom_pct" ] && [[ " $RAM_PERCENTAGES " != *" $pom_pct "* ]]; then RAM_PERCENTAGES="$pom_pct $RAM_PERCENTAGES"; fi
  echo "== container: image JVM flags from pom.xml: $(image_jvm_flags | tr '\n' ' ')"
  echo "   memory limit $limit_mb MiB, cgroup v$cg_version under $cg_parent; MaxRAMPercentage $RAM_PERCENTAGES" \
    "(pom: ${pom_pct:-none}); streams $CONTAINER_STREAMS with $PROMPT_BYTES-byte prompts =="
  sed -e "s/@EMULATOR_PORT@/$CONTAINER_EMULATOR_PORT/g" -e "s/@TOKEN_MS@/$CONTAINER_TOKEN_MS/g" >"$out/bench-container.yaml" <<'YAML'
# Written by scripts/bench.sh for its container case: a slow emulated model whose streams stay open (max_tokens 16: 13
# content events) and a fast one for the warm-up, both with windows that take the large prompts.
server: { host: 127.0.0.1, drain_delay_ms: 0, drain_ms: 1000 }
emulator:
  models:
    - { name: gpt-4-hold, ttft_ms: 0, inter_token_ms: @TOKEN_MS@, context_window: 10000000 }
    - { name: gpt-4-fast, ttft_ms: 0, inter_token_ms: 0, context_window: 10000000 }
deployments:
  - id: hold
    provider: openai
    base_url: http://127.0.0.1:@EMULATOR_PORT@/v1
    api_key_env: MODELMUX_BENCH_KEY
    model: gpt-4-hold
    context_window: 10000000
    limits: { tpm: 1000000000000, rpm: 100000000 }
    timeouts: { connect_ms: 30000, first_token_ms: 300000 }
  - id: fast
    provider: openai
    base_url: http://127.0.0.1:@EMULATOR_PORT@/v1
    api_key_env: MODELMUX_BENCH_KEY
    model: gpt-4-fast
    context_window: 10000000
    limits: { tpm: 1000000000000, rpm: 100000000 }
routes:
  - name: container-hold
    tiers:
      - [hold]
  - name: container-fast
    tiers:
      - [fast]
YAML
  # One prompt of PROMPT_BYTES bytes of plain words (no JSON escapes), built by doubling.
  awk -v n="$PROMPT_BYTES" 'BEGIN {
    s = "the gateway forwards this long prompt to the emulated provider and holds the stream open until it ends "
    while (length(s) < n) s = s s
    printf "{\"messages\":[{\"role\":\"user\",\"content\":\"%s\"}],\"max_tokens\":16}\n", substr(s, 1, n)
  }' >"$out/container-body.json"
  rm -f "$out/container-rows.txt"
  : >"$out/container-levels.txt"
  for pct in $RAM_PERCENTAGES; do
    container_run "$pct"
  done
  if [ -s "$out/container-rows.txt" ]; then
    container_report
  fi
}
