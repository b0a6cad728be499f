// The shim's k6 module: check and sleep (synchronous, as in k6).
import { emit } from "./metrics.mjs";

export function check(value, checks) {
  let all = true;
  for (const [name, predicate] of Object.entries(checks)) {
    let ok;
    try { ok = Boolean(predicate(value)); } catch (e) { ok = false; }
    emit("checks", "rate", ok ? 1 : 0);
    if (!ok) { all = false; emit(`check_failed: ${name}`, "counter", 1); }
  }
  return all;
}

export function sleep(seconds) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.max(0, seconds * 1000 * (globalThis.__SHIM_TIME_SCALE || 1)));
}

export default { check, sleep };
