// A constant arrival rate (RATE requests/s for DURATION, 200/s for 10 min by default), half streamed: error-rate
// thresholds, and p95 latency and TTFT thresholds that fit the route loaded (lib.js latencyLimits).
import { latencyLimits, plain, streamed, summary } from "./lib.js";

const limits = latencyLimits();

export const options = {
  scenarios: {
    steady: {
      executor: "constant-arrival-rate", rate: Number(__ENV.RATE || 200), timeUnit: "1s", duration: __ENV.DURATION || "10m",
      preAllocatedVUs: Number(__ENV.VUS || 400), maxVUs: Number(__ENV.MAX_VUS || 2000),
    },
  },
  thresholds: {
    http_req_failed: ["rate<0.01"],
    http_req_duration: [`p(95)<${limits.durationMs}`],
    ttft: [`p(95)<${limits.ttftMs}`],
    stream_errors: ["rate<0.01"],
  },
};

export default function () {
  if (__ITER % 2 === 0) {
    streamed();
  } else {
    plain();
  }
}

export function handleSummary(data) {
  return summary(data, "steady");
}
