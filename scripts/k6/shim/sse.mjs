// The shim's k6/x/sse (xk6-sse's API: open(url, params, setup), client.on("event" | "error"), client.close()).
// The VU waits while its reader thread (sse-reader.mjs) reads the stream as it arrives; then the events are handed to
// the handlers in order, each with Date.now() reading the time that event arrived, so time to first token is measured
// as it is under k6, not as the time the whole stream took.
import { MessageChannel, Worker, receiveMessageOnPort } from "node:worker_threads";
import { emit } from "./metrics.mjs";

/** Asks the reader and waits for its answer (null for the warm-up). */
function ask(request) {
  const { port1, port2 } = new MessageChannel();
  const signal = new Int32Array(new SharedArrayBuffer(4));
  reader.postMessage({ request, port: port2, signal }, [port2]);
  Atomics.wait(signal, 0, 0);
  const answer = receiveMessageOnPort(port1);
  return answer && answer.message;
}

// Started and warmed with the VU (k6's init), so its start-up is not timed as part of the first stream.
const reader = new Worker(new URL("./sse-reader.mjs", import.meta.url));
reader.unref();
ask(null);

const stream = (request) => ask(request);

/** Calls fn with Date.now() answering `at`, as if fn ran when the event arrived. */
function asOf(at, fn) {
  const now = Date.now;
  Date.now = () => at;
  try {
    fn();
  } finally {
    Date.now = now;
  }
}

export function open(url, params = {}, setup = () => {}) {
  const handlers = { event: [], error: [], open: [] };
  let closed = false;
  const client = { on: (name, fn) => handlers[name] && handlers[name].push(fn), close: () => { closed = true; } };
  setup(client);
  const r = stream({ method: params.method || "GET", url, body: params.body ?? null,
    headers: { accept: "text/event-stream", ...(params.headers || {}) } });
  emit("http_reqs", "counter", 1);
  emit("http_req_duration", "trend", r.timings.duration, true);
  emit("http_req_failed", "rate", r.status === 0 || r.status >= 400 ? 1 : 0);
  if (r.status !== 200) {
    handlers.error.forEach((fn) => fn({ error: `status ${r.status}: ${r.body || r.error}` }));
    return { status: r.status, headers: r.headers };
  }
  handlers.open.forEach((fn) => fn());
  for (const { at, block } of r.events) {
    if (closed) break;
    let name = "message";
    const data = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith("event:")) name = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
    }
    if (data.length) asOf(at, () => handlers.event.forEach((fn) => fn({ name, data: data.join("\n") })));
  }
  return { status: r.status, headers: r.headers };
}

export default { open };
