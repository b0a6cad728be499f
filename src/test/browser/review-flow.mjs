// Drives the review page in Debian's headless Chromium: log in with the operator key, load the queue (risk explained,
// hints that do not read as values), filter, open a case by its own URL (Back returns to the queue, a deep link opens
// it), record a verdict (shown as words), make a regression case, one from a call the secret guard redacted
// (placeholders to fill first), see why a plain call cannot become one, manage the cases made (known failing, remove),
// log out. Usage: OPERATOR_KEY=... PLAIN_ID=... LEAK_ID=... node review-flow.mjs BASE_URL SCREENSHOT_DIR.
// Prints one JSON line; exits 1 on a failure.
import { chromium } from "playwright-core";

const [base, shots] = process.argv.slice(2);
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const check = (ok, message) => { if (!ok) throw new Error(message); };

const browser = await chromium.launch({ executablePath, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
const result = {};
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
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
  result.riskTitle = await rows.first().locator("td").first().getAttribute("title");
  check((result.riskTitle || "").includes("1 hallucination flags × 100 = 100"), "the risk score says what it is made of: " + result.riskTitle);
  check(await page.isVisible("#risk-legend"), "a legend explains the risk score");
  result.hint = await page.getAttribute("#filter-task", "placeholder");
  const hintStyle = await page.evaluate(() => getComputedStyle(document.querySelector("#filter-task"), "::placeholder").fontStyle);
  check(result.hint.startsWith("any ") && hintStyle === "italic", `an empty filter reads as a hint, not a value: "${result.hint}" ${hintStyle}`);
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
  result.caseUrl = page.url();
  check(/\/review\/#\/case\/.+/.test(result.caseUrl), "a case has a URL of its own: " + result.caseUrl);
  await page.goBack();
  await page.waitForSelector("#queue-view:not([hidden])");
  check(page.url().startsWith(base + "/review/") && await page.isHidden("#case-view"), "Back returns to the queue: " + page.url());
  const linked = await context.newPage();
  await linked.goto(result.caseUrl);
  await linked.waitForSelector("#case-view:not([hidden])");
  result.deepLinkTitle = await linked.textContent("#case-title");
  await linked.close();
  await page.goForward();
  await page.waitForSelector("#case-view:not([hidden])");
  result.title = await page.textContent("#case-title");
  check(result.deepLinkTitle === result.title, `the link opens the same case: ${result.deepLinkTitle} vs ${result.title}`);
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
  result.verdictStatus = await page.textContent("#verdict-status");
  check(result.verdictStatus === "saved: Needs expert", "the verdict in words: " + result.verdictStatus);

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
  result.verdictCell = (await rows.first().locator("td").allTextContents())[7];
  check(result.verdictCell === "Needs expert: rust", "the queue shows the verdict in words: " + result.verdictCell);

  // A plain call (no task) cannot become a case: the button says why instead of answering 409.
  await page.goto(`${base}/review/#/case/${encodeURIComponent(process.env.PLAIN_ID)}`);
  await page.waitForFunction((id) => document.querySelector("#case-title").textContent.includes(id), process.env.PLAIN_ID);
  check(await page.isDisabled("#make-regression"), "no live 'Make regression case' button for a call that is not a task");
  result.unavailable = await page.textContent("#regression-unavailable");
  check(await page.isVisible("#regression-unavailable") && result.unavailable.includes("did not name a task"), "says why: " + result.unavailable);
  await page.screenshot({ path: `${shots}/not-a-task.png`, fullPage: true });

  // A call the secret guard redacted: placeholders to fill with made-up values, refused until then; no feedback yet.
  await page.goto(`${base}/review/#/case/${encodeURIComponent(process.env.LEAK_ID)}`);
  await page.waitForFunction((id) => document.querySelector("#case-title").textContent.includes(id), process.env.LEAK_ID);
  check(await page.isVisible("#no-feedback"), "an empty Feedback section says 'No feedback yet'");
  check(await page.isVisible("#regression-placeholders"), "the page says why the redacted call needs placeholders filled");
  const leakYaml = await page.inputValue("#regression-yaml");
  check(leakYaml.includes("<<FILL IN") && !leakYaml.includes("[REDACTED"), "the draft has placeholders, not redacted values: " + leakYaml);
  await page.click("#make-regression");
  await page.waitForFunction(() => document.querySelector("#regression-status").textContent.startsWith("not written"));
  result.unfilled = await page.textContent("#regression-status");
  check(result.unfilled.includes("placeholder"), "refused while a placeholder is left: " + result.unfilled);
  await page.fill("#regression-yaml", leakYaml.replace(/<<FILL IN[^>]*>>/g, "made-up-pw-7"));
  await page.click("#make-regression");
  await page.waitForFunction(() => document.querySelector("#regression-status").textContent.startsWith("written to prompts/"));
  await page.screenshot({ path: `${shots}/redacted-case.png`, fullPage: true });

  // The cases made here: one marked known failing (eval reports it, the run stays green), one removed.
  await page.goto(`${base}/review/#/`);
  await page.waitForSelector("#queue-view:not([hidden])");
  await page.click("#to-regressions");
  await page.waitForSelector("#regressions tr.regression");
  const made = page.locator("#regressions tr.regression");
  check(await made.count() === 2, `two cases made, listed: ${await made.count()}`);
  const rust = made.filter({ hasText: "explain" });
  await rust.locator("input.why").fill("invents crates; ticket 42");
  await rust.locator("button.mark").click();
  await page.waitForFunction(() => document.querySelector("#regressions-status").textContent.startsWith("marked known failing"));
  result.rustState = await made.filter({ hasText: "explain" }).locator("td").nth(3).textContent();
  check(result.rustState === "known failing: invents crates; ticket 42", "marked: " + result.rustState);
  page.once("dialog", (d) => d.accept());
  await made.filter({ hasText: "leaks" }).locator("button.remove").click();
  await page.waitForFunction(() => document.querySelector("#regressions-status").textContent.startsWith("removed"));
  await page.waitForFunction(() => document.querySelectorAll("#regressions tr.regression").length === 1);
  await page.screenshot({ path: `${shots}/regressions.png`, fullPage: true });

  // A malformed case link (a bad %-escape) says so instead of leaving the page blank, opened directly or from the page.
  const malformed = await context.newPage();
  malformed.on("pageerror", (e) => { result.pageError = String(e); });
  await malformed.goto(`${base}/review/#/case/%E0`);
  await malformed.waitForFunction(() => document.querySelector("#queue-empty").textContent.includes("not a valid case link"));
  await malformed.close();
  await page.goto(`${base}/review/#/case/%E0%A4`);
  await page.waitForFunction(() => document.querySelector("#queue-empty").textContent.includes("not a valid case link"));
  result.malformedLink = await page.textContent("#queue-empty");
  await page.goto(`${base}/review/#/regressions`);
  await page.waitForSelector("#regressions tr.regression");
  await page.click("#regressions-back");
  await page.waitForSelector("#queue-view:not([hidden])");
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
