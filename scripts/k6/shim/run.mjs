// A small stand-in for k6, for running the scripts where k6 cannot be installed (this project's CI): the k6 APIs the
// scripts use (k6, k6/http, k6/x/sse, k6/metrics, options.scenarios with their executors, thresholds, handleSummary)
// on Node worker threads, one per VU, with curl for the HTTP. Not a load tool: it proves the scripts' logic end to
// end. Usage: node scripts/k6/shim/run.mjs scripts/k6/smoke.js (settings from the environment, as with k6 -e).
import { Worker } from "node:worker_threads";
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const script = resolve(process.argv[2] || "");
const MAX_WORKERS = Number(process.env.K6_SHIM_MAX_VUS || 16);

/** The scripts' folder, copied with the k6 module names pointing at the shim's modules. */
function staged() {
  const dir = mkdtempSync(join(tmpdir(), "k6shim-"));
  cpSync(dirname(script), dir, { recursive: true, filter: (p) => !p.includes(`${join("k6", "shim")}`) });
  const modules = { "k6/http": "http.mjs", "k6/x/sse": "sse.mjs", "k6/metrics": "metrics.mjs", k6: "k6.mjs" };
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".js"))) {
    let text = readFileSync(join(dir, file), "utf8");
    for (const [name, target] of Object.entries(modules)) {
      text = text.replaceAll(`from "${name}"`, `from "${pathToFileURL(join(here, target)).href}"`);
    }
    writeFileSync(join(dir, file), text);
  }
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
  return dir;
}

const seconds = (d) => {
  const m = String(d).match(/^(\d+(?:\.\d+)?)(ms|s|m|h)$/);
  if (!m) throw new Error(`not a duration: ${d}`);
  return Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2]];
};

/** Start times (seconds from the start) of every iteration of a scenario, and how many VUs run it. */
function schedule(s) {
  const unit = s.timeUnit ? seconds(s.timeUnit) : 1;
  switch (s.executor) {
    case "per-vu-iterations":
      return { vus: s.vus || 1, starts: Array.from({ length: (s.vus || 1) * (s.iterations || 1) }, () => 0), sequentialPerVu: true };
    case "shared-iterations":
      return { vus: s.vus || 1, starts: Array.from({ length: s.iterations || 1 }, () => 0) };
    case "constant-arrival-rate": {
      const n = Math.floor((s.rate / unit) * seconds(s.duration));
      return { vus: s.preAllocatedVUs || 1, starts: Array.from({ length: n }, (_, i) => (i * unit) / s.rate) };
    }
    case "ramping-arrival-rate": {
      const starts = [];
      let t = 0;
      let rate = s.startRate || 0;
      let due = 0;
      for (const stage of s.stages) {
        const length = seconds(stage.duration);
        for (let x = 0; x < length; x += 0.01) {
          const r = rate + ((stage.target - rate) * x) / length;
          due += (r / unit) * 0.01;
          while (due >= 1) { starts.push(t + x); due -= 1; }
        }
        t += length;
        rate = stage.target;
      }
      return { vus: s.preAllocatedVUs || 1, starts };
    }
    default:
      throw new Error(`executor ${s.executor} is not in the shim`);
  }
}

const samples = new Map();
function record({ name, type, value, isTime }) {
  if (!samples.has(name)) samples.set(name, { type, isTime, values: [] });
  samples.get(name).values.push(value);
}

function aggregate(elapsedS) {
  const metrics = {};
  for (const [name, m] of samples) {
    const v = m.values;
    if (m.type === "trend") {
      const sorted = [...v].sort((a, b) => a - b);
      const pct = (p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : 0);
      metrics[name] = { type: "trend", values: { avg: v.reduce((a, b) => a + b, 0) / (v.length || 1), min: sorted[0] ?? 0, med: pct(50),
        max: sorted[sorted.length - 1] ?? 0, "p(90)": pct(90), "p(95)": pct(95), "p(99)": pct(99) } };
    } else if (m.type === "rate") {
      metrics[name] = { type: "rate", values: { rate: v.reduce((a, b) => a + b, 0) / (v.length || 1), passes: v.filter((x) => x).length,
        fails: v.filter((x) => !x).length } };
    } else {
      const count = v.reduce((a, b) => a + b, 0);
      metrics[name] = { type: m.type, values: { count, rate: count / elapsedS } };
    }
  }
  return metrics;
}

function judge(thresholds, metrics) {
  const results = [];
  for (const [name, rules] of Object.entries(thresholds || {})) {
    for (const rule of rules) {
      const m = rule.match(/^(\w+|p\(\d+(?:\.\d+)?\))\s*(<=|>=|==|<|>)\s*([\d.e-]+)$/);
      if (!m) throw new Error(`threshold ${name}: ${rule} is not in the shim`);
      const metric = metrics[name];
      const actual = metric ? metric.values[m[1]] : undefined;
      const limit = Number(m[3]);
      const ok = actual !== undefined && { "<": actual < limit, "<=": actual <= limit, ">": actual > limit, ">=": actual >= limit, "==": actual === limit }[m[2]];
      results.push({ metric: name, rule, actual, ok });
    }
  }
  return results;
}

async function run() {
  globalThis.__ENV = { ...process.env };
  const dir = staged();
  const entry = pathToFileURL(join(dir, basename(script))).href;
  try {
    const mod = await import(entry);
    const scenarios = (mod.options && mod.options.scenarios) || { default: { executor: "per-vu-iterations", vus: 1, iterations: 1 } };
    const started = Date.now();
    let iterationErrors = 0;
    await Promise.all(Object.entries(scenarios).map(async ([name, s]) => {
      const plan = schedule(s);
      const workers = Array.from({ length: Math.min(plan.vus, MAX_WORKERS) }, (_, i) => {
        const w = new Worker(join(here, "vu.mjs"), { workerData: { entry, vu: i + 1 } });
        w.on("message", (m) => { if (m.sample) record(m.sample); });
        return { w, busy: false, iter: 0 };
      });
      const idle = [];
      const waiting = [];
      const free = (vu) => { const next = waiting.shift(); if (next) next(vu); else idle.push(vu); };
      workers.forEach(free);
      const one = (vu) => new Promise((done, fail) => {
        const onMessage = (m) => {
          if (m.done) { vu.w.off("message", onMessage); m.error ? fail(new Error(`${name}: ${m.error}`)) : done(); }
        };
        vu.w.on("message", onMessage);
        vu.w.postMessage({ exec: s.exec || "default", iter: vu.iter++ });
      });
      const jobs = plan.starts.map((at) => new Promise((r) => setTimeout(r, Math.max(0, at * 1000 - (Date.now() - started)))).then(
        () => new Promise((take) => (idle.length ? take(idle.shift()) : waiting.push(take)))).then(async (vu) => {
        try {
          await one(vu);
          record({ name: "iterations", type: "counter", value: 1 });
        } catch (e) {
          // As k6 does: an iteration that throws is counted and logged, and the test goes on.
          record({ name: "iteration_errors", type: "counter", value: 1 });
          if (++iterationErrors <= 5) process.stderr.write(`iteration error: ${e.message.split("\n")[0]}\n`);
        } finally {
          free(vu);
        }
      }));
      try {
        await Promise.all(jobs);
      } finally {
        await Promise.all(workers.map(({ w }) => w.terminate()));
      }
    }));
    const metrics = aggregate((Date.now() - started) / 1000);
    const verdicts = judge(mod.options && mod.options.thresholds, metrics);
    const data = { metrics, root_group: {}, options: mod.options, state: { testRunDurationMs: Date.now() - started } };
    const out = mod.handleSummary ? mod.handleSummary(data) : { stdout: JSON.stringify(metrics) + "\n" };
    process.stdout.write(out.stdout || "");
    for (const v of verdicts) process.stderr.write(`${v.ok ? "✓" : "✗"} ${v.metric}: ${v.rule} (actual ${v.actual})\n`);
    for (const [name, m] of Object.entries(metrics)) if (name.startsWith("check_failed")) process.stderr.write(`${name} x${m.values.count}\n`);
    process.exitCode = verdicts.every((v) => v.ok) ? 0 : 99; // k6's exit code for crossed thresholds
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

run().catch((e) => { process.stderr.write(`k6 shim: ${e.stack || e}\n`); process.exitCode = 1; });
