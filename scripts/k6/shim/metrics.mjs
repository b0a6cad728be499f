// The shim's k6/metrics: samples go to the runner (the main thread), which aggregates and judges thresholds.
import { parentPort } from "node:worker_threads";

export const emit = (name, type, value, isTime = false) => parentPort.postMessage({ sample: { name, type, value, isTime } });

class Metric {
  constructor(name, type, isTime) { this.name = name; this.type = type; this.isTime = isTime; }
  add(value) { emit(this.name, this.type, typeof value === "boolean" ? (value ? 1 : 0) : Number(value), this.isTime); }
}
export class Trend extends Metric { constructor(name, isTime = false) { super(name, "trend", isTime); } }
export class Rate extends Metric { constructor(name) { super(name, "rate", false); } }
export class Counter extends Metric { constructor(name) { super(name, "counter", false); } }
export class Gauge extends Metric { constructor(name) { super(name, "gauge", false); } }
export default { Trend, Rate, Counter, Gauge };
