// Shared by the modelmux k6 scripts. Every script takes BASE_URL, API_KEY and MODEL from the environment.
import http from "k6/http";
import sse from "k6/x/sse";
import { check } from "k6";
import { Trend, Rate } from "k6/metrics";
import { DEMO_ROUTES } from "./routes.js";

export const BASE_URL = __ENV.BASE_URL || "http://127.0.0.1:8080";
export const API_KEY = __ENV.API_KEY || "anything";
export const MODEL = __ENV.MODEL || "code-reasoning";

/** The words a streamed call asks for (its answer's length drives its duration). */
export const STREAMED_WORDS = 24;

/**
 * The route's expected timings: ROUTE_TTFT_MS and ROUTE_TOKEN_MS, else the demo's route named MODEL (routes.js), else
 * null (a route this file does not know).
 */
export function routeTimings() {
  if (__ENV.ROUTE_TTFT_MS) return { ttft_ms: Number(__ENV.ROUTE_TTFT_MS), inter_token_ms: Number(__ENV.ROUTE_TOKEN_MS || 0) };
  return DEMO_ROUTES[MODEL] || null;
}

/**
 * p95 bounds that fit the route loaded: twice its expected time to first token (and to the end of a streamed answer)
 * plus a second, room for queueing, a failover to the next tier and a busy load generator, not for a slow gateway.
 * TTFT_P95_MS and P95_MS set them outright; a route without known timings gets 2 s and 5 s.
 */
export function latencyLimits() {
  const route = routeTimings();
  const ttftMs = route ? 2 * route.ttft_ms + 1000 : 2000;
  const durationMs = route ? 2 * (route.ttft_ms + STREAMED_WORDS * route.inter_token_ms) + 1000 : 5000;
  return { ttftMs: Number(__ENV.TTFT_P95_MS || ttftMs), durationMs: Number(__ENV.P95_MS || durationMs) };
}

export const ttft = new Trend("ttft", true);
export const streamErrors = new Rate("stream_errors");

const openAiHeaders = { "content-type": "application/json", authorization: `Bearer ${API_KEY}` };
const anthropicHeaders = { "content-type": "application/json", "x-api-key": API_KEY, "anthropic-version": "2023-06-01" };
const ask = (text) => [{ role: "user", content: text }];

/** A plain (non-streamed) OpenAI-dialect completion. */
export function plain(text = "words: 12", model = MODEL) {
  const res = http.post(`${BASE_URL}/v1/chat/completions`, JSON.stringify({ model, messages: ask(text) }), { headers: openAiHeaders });
  check(res, { "plain: 200": (r) => r.status === 200, "plain: has content": (r) => r.status === 200 && r.json().choices[0].message.content.length > 0 });
  return res;
}

/** A plain Anthropic-dialect message. */
export function anthropic(text = "words: 12", model = MODEL) {
  const res = http.post(`${BASE_URL}/v1/messages`, JSON.stringify({ model, max_tokens: 200, messages: ask(text) }), { headers: anthropicHeaders });
  check(res, { "anthropic: 200": (r) => r.status === 200, "anthropic: is a message": (r) => r.status === 200 && r.json().type === "message" });
  return res;
}

/** A streamed OpenAI-dialect completion through xk6-sse: time to first token, and the stream ends with [DONE]. */
export function streamed(text = `words: ${STREAMED_WORDS}`, model = MODEL) {
  const started = Date.now();
  let first = 0;
  let done = false;
  let failed = false;
  const res = sse.open(`${BASE_URL}/v1/chat/completions`, {
    method: "POST", headers: openAiHeaders, body: JSON.stringify({ model, stream: true, messages: ask(text) }),
  }, (client) => {
    client.on("event", (event) => {
      if (event.data === "[DONE]") { done = true; client.close(); return; }
      const chunk = JSON.parse(event.data);
      if (chunk.error) failed = true;
      if (!first && chunk.choices && chunk.choices[0] && chunk.choices[0].delta && chunk.choices[0].delta.content) first = Date.now();
    });
    client.on("error", () => { failed = true; });
  });
  if (first) ttft.add(first - started);
  streamErrors.add(failed || !done || res.status !== 200);
  check(res, { "stream: 200": (r) => r.status === 200, "stream: ended with [DONE]": () => done });
  return res;
}

/** A task of the prompt repository, through the OpenAI dialect. */
export function task(name = "explain-code") {
  const res = http.post(`${BASE_URL}/v1/chat/completions`, JSON.stringify({
    model: `task:${name}`, messages: [], variables: { language: "java", code: "for (int i = 0; i < n; i++) sum += a[i];" },
  }), { headers: openAiHeaders });
  check(res, { "task: 200": (r) => r.status === 200, "task: names its variant": (r) => (r.headers["X-Modelmux-Prompt"] || "").startsWith(`${name}/`) });
  return res;
}

/** A one-line summary for handleSummary: the k6 metrics the thresholds judge. */
export function summary(data, name) {
  const m = data.metrics;
  const value = (metric, stat) => (m[metric] && m[metric].values[stat] !== undefined ? m[metric].values[stat] : null);
  const line = {
    script: name, iterations: value("iterations", "count"), http_reqs: value("http_reqs", "count"),
    http_req_failed: value("http_req_failed", "rate"), http_req_duration_p95_ms: value("http_req_duration", "p(95)"),
    ttft_p95_ms: value("ttft", "p(95)"), checks: value("checks", "rate"),
  };
  return { stdout: JSON.stringify(line) + "\n" };
}
