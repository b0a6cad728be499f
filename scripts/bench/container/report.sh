# shellcheck shell=bash disable=SC2034,SC2154
# Sourced by scripts/bench/container.sh: the container case's table, headroom and JSON (target/bench/container.json).

# The container table from $out/container-rows.txt, the headroom at the pom's percentage and the JSON.
container_report() {
  awk -v limit="$limit_mb" -v pom="$pom_pct" -v streams="$CONTAINER_STREAMS" -v prompt="$PROMPT_BYTES" \
      -v warmup="$WARMUP" -v tokenms="$CONTAINER_TOKEN_MS" -v cgv="$cg_version" -v flags="$(image_jvm_flags | paste -s -d ' ')" \
      -v json="$out/container.json" '
    FILENAME ~ /levels/ {
      if (!($2 in seenlevel)) { seenlevel[$2] = 1; levels[++nl] = $2 }
      at[$1, $2] = sprintf("%d (%d open)", $4, $3)
      lj[$1] = lj[$1] (lj[$1] == "" ? "" : ", ") sprintf("{ \"streams\": %d, \"open\": %d, \"cgroup_mib\": %d }", $2, $3, $4); next
    }
    { n++; for (i = 1; i <= NF; i++) r[n, i] = $i }
    function q(s) { return "\"" s "\"" }
    function outcome(k,   o) {
      o = r[k, 15]
      if (o == "kernel-OOM-killed") return sprintf("OOM-killed by the kernel (exit %s, oom_kill %s)", r[k, 16], r[k, 18])
      if (o == "JVM-OutOfMemoryError") return sprintf("exited on its own OutOfMemoryError (exit %s)", r[k, 16])
      if (o == "survived") return r[k, 12] > 0 ? sprintf("survived, but %d streams failed", r[k, 12]) : "survived, every stream completed"
      return sprintf("exited %s", r[k, 16])
    }
    function jnum(x) { return x == "n/a" || x == "-" || x == "" || x == "none" ? "null" : x + 0 }
    END {
      printf "\n== container: the image JVM flags in a cgroup v%s memory limit of %d MiB (k8s/base/deployment.yaml), per MaxRAMPercentage ==\n", cgv, limit
      printf "  load: %s s warm-up, then streams held open at once (levels %s, one --closed-loop generator per level), each with a %d-byte prompt, ~%d ms between tokens\n", warmup, streams, prompt, tokenms
      printf "  %-5s %8s %10s %7s %9s %9s %9s %9s %9s %5s %13s %s\n", "MaxRAM", "MaxHeap", "cgroup pk", "/limit", "RSS pk", "heap cmt",
        "heap used", "old used", "non-heap", "FGCs", "streams ok/n", "outcome"
      printf "  %-5s %8s %10s %7s %9s %9s %9s %9s %9s %5s %13s\n", "%", "MiB", "MiB", "", "MiB", "MiB", "MiB", "MiB", "NMT MiB", "", "(most open)"
      for (k = 1; k <= n; k++) {
        out = outcome(k)
        if (r[k, 21] != "-") out = out sprintf(" at %d open", r[k, 21])
        if (r[k, 17] + 0 > 0) out = out sprintf("; hit the limit %d times", r[k, 17])
        printf "  %-5s %8.1f %10.1f %6.1f%% %9.1f %9.1f %9.1f %9s %9s %5d %13s %s\n", r[k, 1], r[k, 2], r[k, 3], 100 * r[k, 3] / limit,
          r[k, 4], r[k, 6], r[k, 7], r[k, 22], r[k, 9], r[k, 10], sprintf("%d/%d (%d)", r[k, 11], r[k, 13], r[k, 14]), out
      }
      printf "  (cgroup pk: the kernel'\''s high-water mark for the cgroup; RSS pk: the gateway'\''s VmHWM; heap: jstat every 0.5 s, committed\n"
      printf "  and used most; non-heap: NMT committed total minus the Java heap at the largest 5 s NMT sample; FGCs: full GCs under load)\n"
      printf "  what the cgroup was charged for at its largest 0.5 s sample (MiB): anonymous memory (the JVM), page cache, kernel memory:\n"
      for (k = 1; k <= n; k++)
        printf "  %-6s %7.1f in all: anon %.1f, page cache %.1f, kernel %.1f\n", r[k, 1], r[k, 23], r[k, 24], r[k, 25], r[k, 26]
      if (nl) {
        printf "  cgroup usage (MiB) once each level had opened (or stopped opening), and the streams open then; - = the gateway was gone:\n"
        printf "  %-6s", "MaxRAM"; for (j = 1; j <= nl; j++) printf " %18s", levels[j] " streams"; printf "\n"
        for (k = 1; k <= n; k++) {
          printf "  %-6s", r[k, 1]; for (j = 1; j <= nl; j++) printf " %18s", ((r[k, 1], levels[j]) in at) ? at[r[k, 1], levels[j]] : "-"
          printf "\n"
        }
      }
      best = ""
      for (k = 1; k <= n; k++) {
        if (r[k, 15] == "survived" && (best == "" || r[k, 1] + 0 > best + 0)) best = r[k, 1]
        if (r[k, 1] == pom) {
          head = limit - r[k, 3]
          printf "  headroom at MaxRAMPercentage=%s: %.1f MiB (%.1f%% of the limit) above the peak under this load (%s)\n", pom, head,
            100 * head / limit, r[k, 15] == "survived" ? "it survived" : "it did not survive: " outcome(k)
        }
      }
      printf "  largest MaxRAMPercentage that survived this load: %s\n", best == "" ? "none" : best
      spared = ""
      for (k = 1; k <= n; k++)
        if (r[k, 15] != "kernel-OOM-killed" && (spared == "" || r[k, 1] + 0 > r[spared, 1] + 0)) spared = k
      if (spared != "")
        printf "  largest MaxRAMPercentage the kernel did not OOM-kill: %s (%s, %d streams open at most, cgroup peak %.1f%% of the limit)\n",
          r[spared, 1], outcome(spared), r[spared, 14], 100 * r[spared, 3] / limit
      else
        printf "  largest MaxRAMPercentage the kernel did not OOM-kill: none\n"
      printf "{\n  \"limit_mib\": %d,\n  \"cgroup_version\": %s,\n  \"pom_max_ram_percentage\": %s,\n", limit, cgv, pom > json
      printf "  \"image_jvm_flags\": %s,\n  \"load\": { \"warmup_s\": %s, \"stream_levels\": %s, \"prompt_bytes\": %d, \"inter_token_ms\": %d },\n",
        q(flags), warmup, "[" gensub_levels(streams) "]", prompt, tokenms > json
      printf "  \"runs\": [\n" > json
      for (k = 1; k <= n; k++) {
        printf "    { \"max_ram_percentage\": %s, \"max_heap_mib\": %s, \"cgroup_peak_mib\": %s, \"cgroup_peak_ratio\": %.4f, ", r[k, 1], r[k, 2],
          r[k, 3], r[k, 3] / limit > json
        printf "\"rss_peak_mib\": %s, \"rss_max_sampled_mib\": %s, \"heap_committed_max_mib\": %s, \"heap_used_max_mib\": %s, \"old_used_max_mib\": %s, ",
          r[k, 4], r[k, 5], r[k, 6], r[k, 7], jnum(r[k, 22]) > json
        printf "\"nmt_committed_at_peak_mib\": %s, \"non_heap_at_peak_mib\": %s, \"full_gcs_under_load\": %s, ", jnum(r[k, 8]), jnum(r[k, 9]),
          r[k, 10] > json
        printf "\"streams_ok\": %s, \"streams_failed\": %s, \"streams_sent\": %s, \"most_open\": %s, \"open_when_it_died\": %s, ", r[k, 11],
          r[k, 12], r[k, 13], r[k, 14], jnum(r[k, 21]) > json
        printf "\"outcome\": %s, \"exit_code\": %s, \"limit_hits\": %s, \"oom_kills\": %s, \"cgroup_after_warmup_mib\": %s, ", q(r[k, 15]),
          jnum(r[k, 16]), r[k, 17], jnum(r[k, 18]), r[k, 20] > json
        printf "\"largest_sample_mib\": { \"usage\": %s, \"anon\": %s, \"page_cache\": %s, \"kernel\": %s }, ", r[k, 23], r[k, 24], r[k, 25],
          r[k, 26] > json
        printf "\"levels\": [%s] }%s\n", lj[r[k, 1]], k < n ? "," : "" > json
      }
      printf "  ],\n  \"headroom_mib_at_pom_percentage\": %s,\n  \"largest_surviving_percentage\": %s,\n", head == "" ? "null" : head,
        best == "" ? "null" : best > json
      printf "  \"largest_percentage_not_oom_killed\": %s\n}\n", spared == "" ? "null" : r[spared, 1] > json
    }
    function gensub_levels(s,   a, m, i, o) { m = split(s, a, " "); o = ""; for (i = 1; i <= m; i++) o = o (i > 1 ? ", " : "") a[i]; return o }
    ' "$out/container-levels.txt" "$out/container-rows.txt"
}
