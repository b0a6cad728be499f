# shellcheck shell=bash disable=SC2034,SC2154
# Sourced by scripts/bench.sh. The openai case: OpenAI -> OpenAI through the gateway against the emulator called
# directly, plain and streamed, one open-loop run per rate (the emulator and gateway of start_shared_jvms).

# One run at $rate; sets $status to 3 when requests failed.
openai_case() {
  echo "== ${rate} req/s: direct = emulator, gateway = modelmux in front of the same emulator =="
  $JVM -jar "$jar" bench \
    --target "direct=$E/v1/chat/completions" \
    --target "gateway=$G/v1/chat/completions" \
    --header "Authorization: Bearer bench-key" \
    --model gpt-4 --rate "$rate" --duration "$DURATION" --warmup "$WARMUP" --mode both \
    --json "$out/openai-${rate}.json" || { echo "bench.sh: some requests failed at ${rate} req/s (see above)"; status=3; }
}
