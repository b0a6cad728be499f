// The shim's k6/http: synchronous requests, the built-in http_req_* metrics, res.json().
import { request } from "./curl.mjs";
import { emit } from "./metrics.mjs";

function respond(method, url, body, params = {}) {
  const r = request(method, url, typeof body === "object" && body !== null ? JSON.stringify(body) : body, params.headers || {});
  emit("http_reqs", "counter", 1);
  emit("http_req_duration", "trend", r.timings.duration, true);
  emit("http_req_waiting", "trend", r.timings.waiting, true);
  emit("http_req_failed", "rate", r.status === 0 || r.status >= 400 ? 1 : 0);
  return { ...r, url, json: (selector) => { const v = JSON.parse(r.body); return selector ? v[selector] : v; } };
}

export default {
  get: (url, params) => respond("GET", url, null, params),
  post: (url, body, params) => respond("POST", url, body, params),
  put: (url, body, params) => respond("PUT", url, body, params),
  del: (url, body, params) => respond("DELETE", url, body, params),
  request: (method, url, body, params) => respond(method, url, body, params),
};
