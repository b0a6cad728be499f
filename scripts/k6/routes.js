// How long each route of the demo (conf/demo.yaml) takes, from its emulator's timings: the slowest model of the route's
// first tier, its time to first token and time per token. The latency thresholds are derived from these (lib.js).
// K6DemoTest checks this table against conf/demo.yaml. For another gateway, set ROUTE_TTFT_MS and ROUTE_TOKEN_MS.
export const DEMO_ROUTES = {
  "code-reasoning": { ttft_ms: 600, inter_token_ms: 40 },
  "gpt-4": { ttft_ms: 600, inter_token_ms: 40 },
  "gpt-3.5-turbo": { ttft_ms: 150, inter_token_ms: 10 },
  "claude-2": { ttft_ms: 1200, inter_token_ms: 50 },
  "claude-instant-1": { ttft_ms: 250, inter_token_ms: 8 },
};
