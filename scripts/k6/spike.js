// A ramping arrival rate, up to PEAK requests/s and back, to find the knee: watch where p95 and errors turn.
import { streamed, summary } from "./lib.js";

const peak = Number(__ENV.PEAK || 1000);
const step = __ENV.STEP || "1m";

export const options = {
  scenarios: {
    spike: {
      executor: "ramping-arrival-rate", startRate: 10, timeUnit: "1s", preAllocatedVUs: Number(__ENV.VUS || 500),
      maxVUs: Number(__ENV.MAX_VUS || 5000),
      stages: [
        { target: peak / 4, duration: step }, { target: peak / 2, duration: step }, { target: peak, duration: step },
        { target: peak, duration: step }, { target: 10, duration: step },
      ],
    },
  },
  thresholds: { http_req_failed: ["rate<0.05"] },
};

export default function () {
  streamed();
}

export function handleSummary(data) {
  return summary(data, "spike");
}
