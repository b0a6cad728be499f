# shellcheck shell=bash disable=SC2034,SC2154
# Sourced by scripts/bench/container.sh: what the container case samples while a run lasts (the cgroup and the
# gateway's memory every 0.5 s, NMT every 5 s) and what it reads from the generators (streams open, their counts).

# Whether PID is running (not gone, not a zombie).
alive() {
  local state
  state=$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null || true)
  [ -n "$state" ] && [ "$state" != Z ]
}

# Every 0.5 s while PID runs, appends "SECONDS CGROUP_KB RSS_KB HWM_KB ANON_KB FILE_KB KERNEL_KB" to FILE: the cgroup's
# usage, the process's VmRSS and VmHWM, and what the cgroup's charge is made of (memory.stat: anonymous memory, page
# cache; kernel memory: v1 memory.kmem.usage_in_bytes, v2 memory.stat kernel, or its slab, stacks, page tables, sockets).
container_sample() {
  local file=$1 pid=$2 usage kmem=0
  while alive "$pid"; do
    usage=$(cgroup_usage 2>/dev/null) || break
    if [ "$cg_version" = 1 ]; then kmem=$(cat "$cg_dir/memory.kmem.usage_in_bytes" 2>/dev/null || echo 0); fi
    awk -v t="$SECONDS" -v u="$usage" -v v="$cg_version" -v kmem="$kmem" '
      FILENAME ~ /status$/ { if ($1 == "VmRSS:") r = $2; else if ($1 == "VmHWM:") h = $2; next }
      v == 1 { if ($1 == "rss") a = $2; else if ($1 == "cache") f = $2; next }
      { if ($1 == "anon") a = $2; else if ($1 == "file") f = $2; else if ($1 == "kernel") kern = $2
        else if ($1 ~ /^(slab|kernel_stack|pagetables|sock|percpu)$/) parts += $2 }
      END {
        k = v == 1 ? kmem : (kern != "" ? kern : parts)
        if (r != "") printf "%s %d %s %s %d %d %d\n", t, u / 1024, r, h, a / 1024, f / 1024, k / 1024
      }' "/proc/$pid/status" "$cg_dir/memory.stat" 2>/dev/null >>"$file" || true
    sleep 0.5
  done
}

# Every 5 s while PID runs, appends "SECONDS TOTAL_KB HEAP_KB" (NMT's committed total and Java heap) to FILE.X and
# keeps the summary with the largest total in FILE (the native memory at the peak, as far as 5 s samples see it).
container_sample_nmt() {
  local file=$1 pid=$2 line most=0 total
  while alive "$pid"; do
    if timeout 30 jcmd "$pid" VM.native_memory summary >"$file.now" 2>/dev/null; then
      line=$(nmt_numbers "$file.now")
      if [ -n "$line" ]; then
        echo "$SECONDS $line" >>"$file.x"
        read -r total _ <<<"$line"
        if [ "$total" -gt "$most" ]; then most=$total; cp "$file.now" "$file"; fi
      fi
    fi
    sleep 5
  done
  rm -f "$file.now"
}

# "TOTAL_KB HEAP_KB" committed, from a VM.native_memory summary in FILE.
nmt_numbers() {
  awk '/^Total: / && match($0, /committed=[0-9]+KB/) { t = substr($0, RSTART + 10, RLENGTH - 12) }
    /Java Heap \(/ && match($0, /committed=[0-9]+KB/) { h = substr($0, RSTART + 10, RLENGTH - 12) }
    END { if (t != "" && h != "") print t, h }' "$1"
}

# How many responses the generators whose logs are given report open now, summed.
open_streams_sum() {
  local log n=0
  for log in "$@"; do n=$((n + $(open_streams "$log"))); done
  echo "$n"
}

# From a generator's JSON: "REQUESTS OK NON200 ERRORS" of its one target (0 0 0 0 without the file).
stream_counts() {
  awk 'match($0, /"(requests|ok|non200|errors)" : [0-9]+/) {
      split(substr($0, RSTART, RLENGTH), kv, /" : /); k = substr(kv[1], 2); if (!(k in v)) v[k] = kv[2] }
    END { print v["requests"] + 0, v["ok"] + 0, v["non200"] + 0, v["errors"] + 0 }' "$1" 2>/dev/null || echo 0 0 0 0
}
