// The shim's stream reader: a thread of its own per VU that reads an SSE response as it arrives (fetch), stamps each
// event with the time it arrived, and hands the whole to the waiting VU (sse.mjs), which replays the events with those
// times, so a script's Date.now() in its handlers reads as it would under xk6-sse.
import { parentPort } from "node:worker_threads";

const canonical = (name) => name.toLowerCase().split("-").map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join("-");
const EVENT_END = /\r?\n\r?\n/;

async function read({ method, url, body, headers }) {
  const started = Date.now();
  try {
    const res = await fetch(url, { method, body: body ?? undefined, headers });
    const out = {};
    res.headers.forEach((v, k) => { out[canonical(k)] = v; });
    const events = [];
    const decoder = new TextDecoder();
    let text = "";
    let pending = "";
    let firstByte = 0;
    for await (const chunk of res.body) {
      const at = Date.now();
      firstByte ||= at;
      const part = decoder.decode(chunk, { stream: true });
      text += part;
      pending += part;
      for (let m = pending.match(EVENT_END); m; m = pending.match(EVENT_END)) {
        events.push({ at, block: pending.slice(0, m.index) });
        pending = pending.slice(m.index + m[0].length);
      }
    }
    if (pending.trim()) events.push({ at: Date.now(), block: pending });
    const ended = Date.now();
    return { status: res.status, headers: out, body: text, events,
      timings: { duration: ended - started, waiting: (firstByte || ended) - started } };
  } catch (e) {
    return { status: 0, headers: {}, body: "", events: [], error: String(e.cause || e), timings: { duration: 0, waiting: 0 } };
  }
}

parentPort.on("message", async ({ request, port, signal }) => {
  if (request) {
    port.postMessage(await read(request));
    port.close();
  } else {
    await fetch("data:,warm"); // loads fetch's HTTP client, which a first stream would otherwise wait for
  }
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
});
