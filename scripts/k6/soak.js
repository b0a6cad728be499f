// A moderate constant rate for hours (RATE/s for DURATION, 50/s for 4 h by default): leaks and slow drifts show here.
// p99 latency within twice the route's p95 bound (lib.js latencyLimits), or P99_MS.
import { latencyLimits, plain, streamed, summary } from "./lib.js";

export const options = {
  scenarios: {
    soak: {
      executor: "constant-arrival-rate", rate: Number(__ENV.RATE || 50), timeUnit: "1s", duration: __ENV.DURATION || "4h",
      preAllocatedVUs: Number(__ENV.VUS || 100), maxVUs: Number(__ENV.MAX_VUS || 500),
    },
  },
  thresholds: { http_req_failed: ["rate<0.01"], http_req_duration: [`p(99)<${__ENV.P99_MS || 2 * latencyLimits().durationMs}`] },
};

export default function () {
  if (__ITER % 3 === 0) {
    plain();
  } else {
    streamed();
  }
}

export function handleSummary(data) {
  return summary(data, "soak");
}
