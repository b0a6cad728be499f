// One of each: plain and streamed in the OpenAI dialect, a plain Anthropic message, a task call.
import { plain, anthropic, streamed, task, summary } from "./lib.js";

export const options = {
  scenarios: { smoke: { executor: "per-vu-iterations", vus: 1, iterations: 1 } },
  thresholds: { checks: ["rate==1"], http_req_failed: ["rate==0"] },
};

export default function () {
  plain();
  streamed();
  anthropic();
  task(__ENV.TASK || "explain-code");
}

export function handleSummary(data) {
  return summary(data, "smoke");
}
