// One VU of the shim: imports the script, runs the iterations the runner hands it, one at a time, synchronously.
import { parentPort, workerData } from "node:worker_threads";

globalThis.__ENV = { ...process.env };
globalThis.__VU = workerData.vu;
const mod = await import(workerData.entry);
parentPort.on("message", ({ exec, iter }) => {
  globalThis.__ITER = iter;
  try {
    mod[exec]();
    parentPort.postMessage({ done: true });
  } catch (e) {
    parentPort.postMessage({ done: true, error: String(e && e.stack || e) });
  }
});
