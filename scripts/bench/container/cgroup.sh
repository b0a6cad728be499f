# shellcheck shell=bash disable=SC2034,SC2154
# Sourced by scripts/bench/container.sh: the memory cgroups of the container case. Where one can be made (v1 or v2),
# making one with a limit and no swap, removing it, and reading what the kernel charges to it.

# Where a memory cgroup can be made: sets cg_version (1 or 2) and cg_parent (the directory to make it in); else sets
# cg_skip to why not and returns 1. v1: a child of this shell's cgroup in the hierarchy with the memory controller. v2:
# a child of this shell's cgroup when memory is enabled for its children, else a sibling (this cgroup has the memory
# controller only if its parent enables it for its children; a cgroup holding processes cannot enable it for its own).
container_cgroup_parent() {
  local rel mount root dir probe
  cg_skip="" cg_version="" cg_parent=""
  if [ "$(id -u)" != 0 ]; then
    cg_skip="not root (making a cgroup and moving a process into it needs root)"
    return 1
  fi
  # mountinfo: ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS
  read -r root mount < <(awk '{ for (i = 7; $i != "-"; i++); if ($(i + 1) == "cgroup" && $(i + 3) ~ /(^|,)memory(,|$)/) {
    print $4, $5; exit } }' /proc/self/mountinfo) || true
  rel=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ { print $3; exit }' /proc/self/cgroup)
  if [ -n "$mount" ] && [ -n "$rel" ]; then
    cg_version=1
  else
    read -r root mount < <(awk '{ for (i = 7; $i != "-"; i++); if ($(i + 1) == "cgroup2") { print $4, $5; exit } }' \
      /proc/self/mountinfo) || true
    rel=$(awk -F: '$1 == "0" && $2 == "" { print $3; exit }' /proc/self/cgroup)
    if [ -z "$mount" ] || [ -z "$rel" ]; then
      cg_skip="no cgroup v1 memory hierarchy and no cgroup v2 mount in /proc/self/mountinfo"
      return 1
    fi
    cg_version=2
  fi
  # Without a cgroup namespace the mount's root may be a prefix of this process's cgroup path.
  if [ "$root" != / ] && [[ $rel == "$root"* ]]; then rel=${rel#"$root"}; fi
  dir="$mount${rel%/}"
  if [ "$cg_version" = 1 ]; then
    cg_parent=$dir
  elif [[ " $(cat "$dir/cgroup.subtree_control" 2>/dev/null) " == *" memory "* ]]; then
    cg_parent=$dir
  elif [ "$dir" = "$mount" ]; then
    # The root cgroup may enable a controller for its children while it holds processes (left enabled afterwards).
    if [[ " $(cat "$mount/cgroup.controllers" 2>/dev/null) " != *" memory "* ]]; then
      cg_skip="cgroup v2 at $mount has no memory controller (cgroup.controllers: $(cat "$mount/cgroup.controllers" 2>/dev/null))"
      return 1
    fi
    echo +memory 2>/dev/null >"$mount/cgroup.subtree_control" || true
    cg_parent=$mount
    if [[ " $(cat "$mount/cgroup.subtree_control" 2>/dev/null) " != *" memory "* ]]; then
      cg_skip="cannot enable the memory controller in $mount/cgroup.subtree_control"
      return 1
    fi
  elif [[ " $(cat "$dir/cgroup.controllers" 2>/dev/null) " == *" memory "* ]]; then
    cg_parent=${dir%/*}
  else
    cg_skip="cgroup v2: this shell's cgroup $dir has no memory controller (cgroup.controllers: $(cat "$dir/cgroup.controllers" 2>/dev/null))"
    return 1
  fi
  probe="$cg_parent/modelmux-bench-probe-$$"
  if ! mkdir "$probe" 2>/dev/null; then
    cg_skip="cannot make a cgroup in $cg_parent (read-only or not delegated)"
    return 1
  fi
  rmdir "$probe"
}

# Makes the cgroup NAME under $cg_parent with a memory limit of LIMIT_MB MiB and no swap; sets $cg_dir.
container_cgroup_make() {
  local bytes=$(($2 * 1024 * 1024))
  cg_dir="$cg_parent/$1"
  if [ -d "$cg_dir" ]; then rmdir "$cg_dir"; fi
  mkdir "$cg_dir"
  cgroups+=("$cg_dir")
  if [ "$cg_version" = 1 ]; then
    echo "$bytes" >"$cg_dir/memory.limit_in_bytes"
    if [ -f "$cg_dir/memory.memsw.limit_in_bytes" ]; then echo "$bytes" >"$cg_dir/memory.memsw.limit_in_bytes"; fi
  else
    echo "$bytes" >"$cg_dir/memory.max"
    if [ -f "$cg_dir/memory.swap.max" ]; then echo 0 >"$cg_dir/memory.swap.max"; fi
  fi
}

# Removes DIR once its processes are gone (they are killed first: nothing else may be left in a bench cgroup).
container_cgroup_remove() {
  local dir=$1 p
  [ -d "$dir" ] || return 0
  while read -r p; do kill -KILL "$p" 2>/dev/null || true; done 2>/dev/null <"$dir/cgroup.procs" || true
  for _ in $(seq 1 50); do
    rmdir "$dir" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "bench.sh: could not remove the cgroup $dir" >&2
}

# The memory the kernel charges to $cg_dir now, in bytes (v1 memory.usage_in_bytes, v2 memory.current).
cgroup_usage() {
  if [ "$cg_version" = 1 ]; then cat "$cg_dir/memory.usage_in_bytes"; else cat "$cg_dir/memory.current"; fi
}

# "PEAK_BYTES LIMIT_HITS OOM_KILLS UNDER_OOM" for $cg_dir: the kernel's high-water mark (v1 memory.max_usage_in_bytes,
# v2 memory.peak; "n/a" on kernels without it), how often usage hit the limit (v1 memory.failcnt, v2 the "max" event),
# the OOM kills in it (v1 memory.oom_control oom_kill, v2 memory.events oom_kill) and whether it is under OOM now (v1).
cgroup_counters() {
  if [ "$cg_version" = 1 ]; then
    echo "$(cat "$cg_dir/memory.max_usage_in_bytes") $(cat "$cg_dir/memory.failcnt")" \
      "$(awk '$1 == "oom_kill" { k = $2 } $1 == "under_oom" { u = $2 } END { print (k == "" ? "n/a" : k), u + 0 }' \
        "$cg_dir/memory.oom_control")"
  else
    echo "$(cat "$cg_dir/memory.peak" 2>/dev/null || echo n/a)" \
      "$(awk '$1 == "max" { m = $2 } $1 == "oom_kill" { k = $2 } END { print m + 0, k + 0, 0 }' "$cg_dir/memory.events")"
  fi
}
