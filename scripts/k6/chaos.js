// Steady traffic while the emulator's faults are flipped through its admin API (EMULATOR_URL, the gateway's admin
// listener or, without one, its public port; ADMIN_KEY, an operator key, when the gateway has auth configured): the
// primary answers 503s, then stalls, then storms 429s. Fallbacks must hold the client-visible error rate under ERROR_RATE.
import http from "k6/http";
import { sleep } from "k6";
import { streamed, plain, summary, BASE_URL } from "./lib.js";

const admin = __ENV.EMULATOR_URL || BASE_URL;
const primary = __ENV.PRIMARY_MODEL || "gpt-4";
const phase = Number(__ENV.PHASE_S || 20);
// Operator requests that change something are JSON only (a browser page on another site cannot send that).
const adminParams = { tags: { name: "fault" }, headers: Object.assign({ "content-type": "application/json" },
  __ENV.ADMIN_KEY ? { authorization: `Bearer ${__ENV.ADMIN_KEY}` } : {}) };

export const options = {
  scenarios: {
    traffic: {
      executor: "constant-arrival-rate", rate: Number(__ENV.RATE || 50), timeUnit: "1s", duration: `${phase * 4}s`,
      preAllocatedVUs: Number(__ENV.VUS || 100), maxVUs: Number(__ENV.MAX_VUS || 500),
    },
    faults: { executor: "per-vu-iterations", vus: 1, iterations: 1, exec: "faults" },
  },
  thresholds: { http_req_failed: [`rate<${__ENV.ERROR_RATE || 0.02}`], stream_errors: [`rate<${__ENV.ERROR_RATE || 0.02}`] },
};

function fault(body) {
  const res = http.put(`${admin}/_emulator/models/${primary}/fault`, JSON.stringify(body), adminParams);
  if (res.status !== 200) throw new Error(`could not set the fault: ${res.status} ${res.body}`);
}

export function faults() {
  sleep(phase);
  fault({ kind: "status", status: 503 });
  sleep(phase);
  fault({ kind: "stall", after_tokens: 0 }); // before the first token: a first-token timeout, then the fallback
  sleep(phase);
  fault({ kind: "status", status: 429 });
  sleep(phase / 2);
  http.del(`${admin}/_emulator/models/${primary}/fault`, null, adminParams);
}

export default function () {
  if (__ITER % 2 === 0) {
    streamed();
  } else {
    plain();
  }
}

export function handleSummary(data) {
  return summary(data, "chaos");
}
