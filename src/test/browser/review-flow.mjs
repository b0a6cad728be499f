// Drives the review page in Debian's headless Chromium: log in with the operator key, load the queue, filter, open a
// case, record a verdict, make a regression case, log out. Usage: OPERATOR_KEY=... node review-flow.mjs BASE_URL
// SCREENSHOT_DIR. Prints one JSON line; exits 1 on a failure.
import { chromium } from "playwright-core";

const [base, shots] = process.argv.slice(2);
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const check = (ok, message) => { if (!ok) throw new Error(message); };

const browser = await chromium.launch({ executablePath, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
const result = {};
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on("pageerror", (e) => { result.pageError = String(e); });
  await page.goto(base + "/review");
  await page.waitForSelector("#login-form:visible");
  await page.screenshot({ path: `${shots}/login.png`, fullPage: true });
  await page.fill("#operator-key", "sk-not-an-operator-key");
  await page.click("#login");
  await page.waitForFunction(() => document.querySelector("#login-status").textContent.startsWith("not logged in"));
  await page.fill("#operator-key", process.env.OPERATOR_KEY);
  await page.click("#login");
  await page.waitForSelector("#queue tr.case");
  result.operator = await page.textContent("#operator");
  const cookies = await page.context().cookies();
  result.cookie = cookies.map((c) => ({ name: c.name, httpOnly: c.httpOnly, sameSite: c.sameSite, holdsKey: c.value.includes(process.env.OPERATOR_KEY) }));
  result.scriptSeesCookie = await page.evaluate(() => document.cookie.includes("modelmux_operator"));
  const rows = page.locator("#queue tr.case");
  result.queued = await rows.count();
  check(result.queued >= 2, `the queue shows ${result.queued} cases, expected the flagged two at least`);
  const first = await rows.first().locator("td").allTextContents();
  check(first[1].includes("hallucination") && first[6] === "rust", `the riskiest case comes first, got ${first}`);
  await page.waitForFunction(() => document.querySelector("#costs").textContent.startsWith("API spend"));
  result.costs = await page.textContent("#costs");
  check(result.costs.includes("self-hosted") && result.costs.includes("break-even"), "the costs line: " + result.costs);
  await page.screenshot({ path: `${shots}/queue.png`, fullPage: true });

  await page.fill("#filter-language", "java");
  await page.click("#apply");
  await page.waitForFunction(() => [...document.querySelectorAll("#queue tr.case")].every((r) => r.children[6].textContent === "java"));
  result.javaOnly = await rows.count();
  check(result.javaOnly === 1, `filtering by java leaves ${result.javaOnly} cases`);
  await page.screenshot({ path: `${shots}/filtered.png`, fullPage: true });
  await page.fill("#filter-language", "");
  await page.click("#apply");
  await page.waitForFunction((n) => document.querySelectorAll("#queue tr.case").length === n, result.queued);

  await rows.first().click();
  await page.waitForSelector("#case-view:not([hidden])");
  result.title = await page.textContent("#case-title");
  result.flagged = await page.textContent("#output mark.flagged");
  check(result.flagged && result.flagged.length > 0, "the flagged span is highlighted in the output");
  result.chain = await page.locator("#chain li").allTextContents();
  result.raw = await page.textContent("#output-raw");
  check(result.raw.length > 0, "the raw answer is shown beside the post-processed one");
  await page.screenshot({ path: `${shots}/case.png`, fullPage: true });

  await page.selectOption("#verdict", "needs_expert");
  await page.fill("#expert-language", "rust");
  await page.fill("#assignee", "ana");
  await page.fill("#note", "claims a crate that does not exist");
  await page.click("#save-verdict");
  await page.waitForFunction(() => document.querySelector("#verdict-status").textContent.startsWith("saved"));

  const yaml = await page.inputValue("#regression-yaml");
  check(yaml.includes("variables") && yaml.includes("assert"), "the suggested case has variables and assertions: " + yaml);
  await page.click("#make-regression");
  await page.waitForFunction(() => document.querySelector("#regression-status").textContent.length > 0);
  result.regression = await page.textContent("#regression-status");
  check(result.regression.startsWith("written to prompts/"), result.regression);
  await page.screenshot({ path: `${shots}/verdict-and-regression.png`, fullPage: true });

  await page.click("#back");
  await page.waitForFunction(() => document.querySelector("#reviewers").textContent.includes("ana"));
  result.reviewers = await page.textContent("#reviewers");
  check(result.reviewers.includes("ana: 1 done, 0 pending"), "per-reviewer counts: " + result.reviewers);

  await page.reload();
  await page.waitForSelector("#queue tr.case"); // the session holds across a reload: the key is asked for once
  await page.click("#logout");
  await page.waitForSelector("#login-form:visible");
  result.afterLogout = await page.evaluate(() => fetch("/admin/review/cases").then((r) => r.status));
  check(!result.pageError, "no script error on the page: " + result.pageError);
  console.log(JSON.stringify({ ok: true, ...result }));
} catch (e) {
  console.log(JSON.stringify({ ok: false, error: String(e.message || e), ...result }));
  process.exitCode = 1;
} finally {
  await browser.close();
}
