# shellcheck shell=bash disable=SC2034,SC2154
# Sourced by scripts/bench.sh. The cross case: streamed, four targets in one run (OpenAI and Anthropic, each direct to
# the emulator and through the gateway), with the check "translation adds at most 20% to the gateway's own
# OpenAI -> OpenAI overhead" (the load generator's --overhead-ratio; a FAIL exits 4).

# One run at $rate; sets $status on a failed check (4) or run.
cross_case() {
  local rc=0
  # One body for both dialects: Anthropic needs max_tokens; the model is set per target.
  cat >"$out/cross-body.json" <<'JSON'
{"messages":[{"role":"user","content":"Write a short greeting for a code review bot."}],"max_tokens":64}
JSON
  echo "== ${rate} req/s, streamed: cross-dialect, OpenAI client -> Anthropic provider through the gateway =="
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
}
