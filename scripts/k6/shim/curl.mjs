// Synchronous HTTP for the shim, as k6's is: one curl per request (the VU's thread waits, other VUs run on).
import { spawnSync } from "node:child_process";

const MARK = "\n__K6SHIM__";

/** Runs a request; returns {status, headers (k6's Canonical-Case), body, timings}. */
export function request(method, url, body, headers = {}, timeoutS = 120) {
  const args = ["-sS", "-X", method, "--max-time", String(timeoutS), "-D", "-", "-w", `${MARK}%{time_starttransfer} %{time_total}`, url];
  for (const [k, v] of Object.entries(headers)) args.push("-H", `${k}: ${v}`);
  if (body !== null && body !== undefined) args.push("--data-binary", "@-");
  const run = spawnSync("curl", args, { input: body ?? undefined, maxBuffer: 64 << 20, encoding: "utf8" });
  if (run.status !== 0 && !run.stdout) {
    return { status: 0, headers: {}, body: "", error: run.stderr.trim(), timings: { duration: 0, waiting: 0 } };
  }
  const mark = run.stdout.lastIndexOf(MARK);
  const [start, total] = run.stdout.slice(mark + MARK.length).trim().split(" ").map(Number);
  const raw = run.stdout.slice(0, mark);
  const split = raw.indexOf("\r\n\r\n");
  const head = raw.slice(0, split);
  const headers2 = {};
  const lines = head.split("\r\n");
  for (const line of lines.slice(1)) {
    const at = line.indexOf(":");
    if (at > 0) headers2[canonical(line.slice(0, at).trim())] = line.slice(at + 1).trim();
  }
  const status = Number((lines[0] || "").split(" ")[1] || 0);
  return { status, headers: headers2, body: raw.slice(split + 4), timings: { duration: total * 1000, waiting: start * 1000 } };
}

const canonical = (name) => name.toLowerCase().split("-").map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join("-");
