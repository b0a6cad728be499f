// The shim's k6/x/sse (xk6-sse's API: open(url, params, setup), client.on("event" | "error"), client.close()).
// The stream is read whole by curl, then its events are handed to the handlers in order; time to first byte is
// curl's, as the gateway commits its headers with the first token.
import { request } from "./curl.mjs";
import { emit } from "./metrics.mjs";

export function open(url, params = {}, setup = () => {}) {
  const handlers = { event: [], error: [], open: [] };
  let closed = false;
  const client = { on: (name, fn) => handlers[name] && handlers[name].push(fn), close: () => { closed = true; } };
  setup(client);
  const r = request(params.method || "GET", url, params.body ?? null, { accept: "text/event-stream", ...(params.headers || {}) });
  emit("http_reqs", "counter", 1);
  emit("http_req_duration", "trend", r.timings.duration, true);
  emit("http_req_failed", "rate", r.status === 0 || r.status >= 400 ? 1 : 0);
  if (r.status !== 200) {
    handlers.error.forEach((fn) => fn({ error: `status ${r.status}: ${r.body || r.error}` }));
    return { status: r.status, headers: r.headers };
  }
  handlers.open.forEach((fn) => fn());
  for (const block of r.body.split(/\r?\n\r?\n/)) {
    if (closed) break;
    let name = "message";
    const data = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith("event:")) name = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
    }
    if (data.length) handlers.event.forEach((fn) => fn({ name, data: data.join("\n") }));
  }
  return { status: r.status, headers: r.headers };
}

export default { open };
