// The review page: no build step, no framework, no inline script (its CSP allows none). It reads /admin/review/*
// (same origin); with auth configured it logs in once with an operator key and then rides on an HttpOnly session cookie.
const $ = (selector) => document.querySelector(selector);
const JSON_HEADERS = { "content-type": "application/json" };
class ApiError extends Error {
  constructor(message, status) { super(message); this.status = status; }
}
const api = (path, options) => fetch(path, { credentials: "same-origin", ...options }).then(async (r) => {
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new ApiError((body.error && body.error.message) || r.statusText, r.status);
  return body;
});
const text = (tag, content, attrs = {}) => {
  const el = document.createElement(tag);
  el.textContent = content == null ? "" : String(content);
  Object.entries(attrs).forEach(([k, v]) => el.setAttribute(k, v));
  return el;
};
const variantOf = (prompt) => (prompt ? prompt.split("/")[1] : "-");
const VERDICTS = { confirmed_hallucination: "Confirmed hallucination", wrong: "Wrong", fine: "Fine", needs_expert: "Needs expert" };
const verdictLabel = (verdict, expert) => (verdict ? (VERDICTS[verdict] || verdict) + (expert ? ": " + expert : "") : "Pending");
const riskParts = (c) => (c.risk_signals || []).length === 0 ? "0: sampled from ordinary traffic, no signal"
  : c.risk_signals.map((s) => `${s.count} ${s.signal} × ${s.weight} = ${s.points}`).join(" + ") + ` → ${c.risk}`;
const VIEWS = ["#queue-view", "#case-view", "#regressions-view"];
const show = (view) => VIEWS.forEach((v) => { $(v).hidden = v !== view; });

async function loadQueue() {
  const params = new URLSearchParams();
  for (const name of ["task", "variant", "model", "language", "verdict", "assignee"]) {
    const value = $("#filter-" + name).value.trim();
    if (value) params.set(name, value);
  }
  const data = await api("/admin/review/cases?" + params);
  const body = $("#queue tbody");
  body.replaceChildren();
  for (const c of data.cases) {
    const row = document.createElement("tr");
    row.className = "case";
    row.dataset.id = c.request_id;
    row.append(text("td", c.risk, { class: "risk" + (c.risk >= 100 ? " risk-high" : ""), title: riskParts(c) }), text("td", c.reasons.join(", ")),
      text("td", new Date(c.started_at).toISOString().replace("T", " ").slice(0, 19)), text("td", c.task || "-"),
      text("td", variantOf(c.prompt)), text("td", c.deployment || "-"), text("td", c.language || "-"),
      text("td", verdictLabel(c.verdict, c.expert_language)), text("td", c.assignee || "-"));
    row.addEventListener("click", () => { location.hash = caseHash(c.request_id); });
    body.append(row);
  }
  $("#queue-empty").hidden = data.cases.length > 0;
  $("#reviewers").replaceChildren(...data.reviewers.map((r) => text("span", `${r.assignee}: ${r.done} done, ${r.pending} pending`)));
}

function highlighted(output, feedback) {
  const spans = feedback.flatMap((f) => f.spans || []).sort((a, b) => a.start - b.start);
  const pre = $("#output");
  pre.replaceChildren();
  let at = 0;
  for (const span of spans) {
    const start = Math.max(at, Math.min(span.start, output.length));
    const end = Math.min(span.end, output.length);
    if (end <= start) continue;
    pre.append(document.createTextNode(output.slice(at, start)), text("mark", output.slice(start, end), { class: "flagged" }));
    at = end;
  }
  pre.append(document.createTextNode(output.slice(at)));
}

const caseHash = (id) => "#/case/" + encodeURIComponent(id);

async function openCase(id) {
  const c = await api("/admin/review/cases/" + encodeURIComponent(id));
  show("#case-view");
  $("#case-view").dataset.id = id;
  $("#case-title").textContent = `${c.task || c.route} · ${c.language || "language unknown"} · ${id}`;
  const facts = { route: c.route, task: c.task, "variant@version": c.prompt, model: c.deployment, language: c.language,
    status: c.status + " " + c.outcome, finish: c.finish_reason, tokens: `${c.prompt_tokens} in, ${c.completion_tokens} out`,
    cost: "$" + Number(c.cost_usd).toFixed(6), "ttft / total": `${c.ttft_ms} / ${c.total_ms} ms`,
    "guard findings": (c.guard_findings || []).join(", ") || "none" };
  $("#case-facts").replaceChildren(...Object.entries(facts).flatMap(([k, v]) => [text("dt", k), text("dd", v == null ? "-" : v)]));
  $("#chain").replaceChildren(...(c.attempts || []).map((a) => text("li", `${a.deployment}: ${a.outcome}`)));
  const messages = (c.request_body && c.request_body.messages) || [];
  const system = c.request_body && c.request_body.system;
  const shown = (system ? [{ role: "system", content: system }] : []).concat(messages);
  $("#conversation").replaceChildren(...shown.map((m) => {
    const div = text("div", "", { class: "message" });
    const content = typeof m.content === "string" ? m.content : JSON.stringify(m.content, null, 2);
    div.append(text("b", m.role), document.createTextNode(content));
    return div;
  }));
  highlighted(c.output || "", c.feedback || []);
  $("#output-raw").textContent = c.output_raw == null ? "(the variant has no post-processing: the same as what the client got)" : c.output_raw;
  $("#no-feedback").hidden = (c.feedback || []).length > 0;
  $("#feedback").replaceChildren(...(c.feedback || []).map((f) => text("li",
    `${f.user_name}: ${f.rating || "no rating"}${f.hallucination ? ", hallucination" : ""}` +
    `${f.correction ? " — correction: " + f.correction : ""}${f.comment ? " — " + f.comment : ""}`)));
  const review = c.review || {};
  $("#verdict").value = review.verdict || "";
  $("#expert-language").value = review.expert_language || "";
  $("#expert-label").hidden = $("#verdict").value !== "needs_expert";
  $("#assignee").value = review.assignee || "";
  $("#note").value = review.note || "";
  $("#verdict-status").textContent = "";
  showRegressionForm(c, review);
}

function showRegressionForm(c, review) {
  const offer = c.regression || { possible: !!c.suggested_case, placeholders: [] };
  $("#regression-yaml").value = c.suggested_case || "";
  $("#regression-yaml").hidden = !offer.possible;
  $("#regression-unavailable").hidden = offer.possible;
  $("#regression-unavailable").textContent = offer.possible ? "" : "No regression case can be made from this call. " + offer.reason;
  $("#make-regression").disabled = !offer.possible || !!review.regression_file;
  $("#make-regression").title = !offer.possible ? offer.reason : review.regression_file ? "A case was made from this call already" : "";
  const holes = offer.placeholders || [];
  $("#regression-placeholders").hidden = holes.length === 0;
  $("#regression-placeholders").replaceChildren(text("p", "The secret guard redacted " + holes.length + " secret(s) in this call, and the "
    + "log never stores secrets, so the redacted variables cannot reproduce the call (the guard would find nothing in them, and "
    + "the model would be sent no finding). Replace each <<FILL IN ...>> with a made-up value of the kind it names, never the "
    + "real one; the case is refused until the guard finds the same kinds of secret in it."),
  ...holes.map((h) => text("li", `variables.${h.variable}: ${h.description} (${h.rule})`)));
  const status = $("#regression-status");
  status.replaceChildren();
  if (review.regression_file) {
    status.append(document.createTextNode("regression case: " + review.regression_file + " "), text("a", "(manage)", { href: "#/regressions" }));
  }
}

async function showRegressions() {
  show("#regressions-view");
  const data = await api("/admin/review/regressions");
  const body = $("#regressions tbody");
  body.replaceChildren();
  for (const r of data.regressions) {
    const row = document.createElement("tr");
    row.className = "regression";
    row.dataset.id = r.request_id;
    const state = !r.exists ? "file gone" : r.error ? r.error : r.known_failing ? "known failing: " + r.known_failing : "runs in eval";
    const from = text("td", "");
    from.append(text("a", r.request_id, { href: caseHash(r.request_id) }));
    const actions = document.createElement("td");
    if (r.exists && !r.known_failing) {
      const why = text("input", "", { class: "why", placeholder: "why it fails, e.g. a ticket", "aria-label": "why it fails" });
      const mark = text("button", "Mark known failing", { type: "button", class: "mark" });
      mark.addEventListener("click", () => setKnownFailing(r.request_id, why.value.trim() || "marked on the review page"));
      actions.append(why, mark);
    } else if (r.exists) {
      const unmark = text("button", "Run as usual again", { type: "button", class: "unmark" });
      unmark.addEventListener("click", () => setKnownFailing(r.request_id, null));
      actions.append(unmark);
    }
    const remove = text("button", "Remove", { type: "button", class: "remove" });
    remove.addEventListener("click", () => removeRegression(r.request_id, r.file));
    actions.append(remove);
    row.append(text("td", r.task || "-"), text("td", r.file), text("td", r.cases.join(", ")),
      text("td", state, { class: r.known_failing ? "known-failing" : "" }), from, actions);
    body.append(row);
  }
  $("#regressions-empty").hidden = data.regressions.length > 0;
}

async function setKnownFailing(id, reason) {
  let said;
  try {
    await api(`/admin/review/regressions/${encodeURIComponent(id)}/known-failing`, { method: "POST", headers: JSON_HEADERS,
      body: JSON.stringify({ reason }) });
    said = reason ? "marked known failing: " + reason : "runs as usual again";
  } catch (err) { said = "not changed: " + err.message; }
  await showRegressions();
  $("#regressions-status").textContent = said;
}

async function removeRegression(id, file) {
  if (!window.confirm("Delete " + file + "? eval stops running it.")) return;
  let said;
  try {
    await api(`/admin/review/regressions/${encodeURIComponent(id)}`, { method: "DELETE", headers: JSON_HEADERS });
    said = "removed " + file;
  } catch (err) { said = "not removed: " + err.message; }
  await showRegressions();
  $("#regressions-status").textContent = said;
}

// Each view has a URL: #/ the queue, #/case/<request id> a case (a link to paste in a chat), #/regressions the cases made.
async function route() {
  const hash = location.hash;
  if (hash.startsWith("#/case/")) return openCase(caseIdOf(hash.slice("#/case/".length)));
  if (hash === "#/regressions") return showRegressions();
  show("#queue-view");
  return loadQueue();
}

function caseIdOf(encoded) {
  try {
    return decodeURIComponent(encoded);
  } catch {
    throw new Error(`#/case/${encoded} is not a valid case link (a broken %-escape); open the case from the queue`);
  }
}

$("#filters").addEventListener("submit", (e) => { e.preventDefault(); loadQueue().catch(showError); });
window.addEventListener("hashchange", () => { if (!$("#login-view").hidden) return; route().catch(showError); });
$("#verdict").addEventListener("change", () => { $("#expert-label").hidden = $("#verdict").value !== "needs_expert"; });
$("#verdict-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const id = $("#case-view").dataset.id;
  const verdict = $("#verdict").value || null;
  try {
    await api(`/admin/review/cases/${encodeURIComponent(id)}/verdict`, { method: "POST", headers: JSON_HEADERS,
      body: JSON.stringify({ verdict, expert_language: $("#expert-language").value || null, note: $("#note").value || null,
        assignee: $("#assignee").value || null }) });
    $("#verdict-status").textContent = "saved: " + (verdict ? verdictLabel(verdict) : "assigned");
  } catch (err) { $("#verdict-status").textContent = "not saved: " + err.message; }
});
$("#regression-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const id = $("#case-view").dataset.id;
  try {
    const made = await api(`/admin/review/cases/${encodeURIComponent(id)}/regression`, { method: "POST",
      headers: JSON_HEADERS, body: JSON.stringify({ yaml: $("#regression-yaml").value }) });
    $("#regression-status").textContent = "written to prompts/" + made.file;
    $("#make-regression").disabled = true;
  } catch (err) { $("#regression-status").textContent = "not written: " + err.message; }
});
async function loadCosts() {
  const c = await api("/admin/costs?group=deployment&since=7d");
  const money = (x) => "$" + Number(x).toFixed(2);
  let line = `API spend, 7 days: ${money(c.total_usd)} for ${Math.round(c.requests)} requests`;
  const b = c.build_vs_buy;
  if (b) {
    line += ` · ${money(b.api_usd_per_day)}/day against ${money(b.self_hosted_usd_per_day)}/day self-hosted`;
    if (b.break_even_requests_per_day) line += ` · break-even ${Math.round(b.break_even_requests_per_day)} requests/day`;
  }
  $("#costs").textContent = line;
}

function showError(err) {
  if (err.status === 401) { showLogin(err.message); return; }
  show("#queue-view");
  $("#queue-empty").hidden = false;
  $("#queue-empty").textContent = "Could not load: " + err.message;
}

function showLogin(message) {
  show(null);
  $("#logout").hidden = true;
  $("#operator").textContent = "";
  $("#login-view").hidden = false;
  $("#login-status").textContent = message || "";
  $("#operator-key").focus();
}

async function enter() {
  let who;
  try {
    who = await api("/admin/session");
  } catch (err) {
    if (err.status === 401) { showLogin(); return; }
    throw err;
  }
  $("#login-view").hidden = true;
  $("#operator").textContent = who.operator ? "operator: " + who.operator : "";
  $("#logout").hidden = who.via !== "session";
  route().catch(showError);
  loadCosts().catch((err) => { $("#costs").textContent = "costs unavailable: " + err.message; });
}

$("#login-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const key = $("#operator-key").value.trim();
  try {
    await api("/admin/session", { method: "POST", headers: { ...JSON_HEADERS, authorization: "Bearer " + key }, body: "{}" });
    $("#operator-key").value = "";
    await enter();
  } catch (err) { $("#login-status").textContent = "not logged in: " + err.message; }
});
$("#logout").addEventListener("click", async () => {
  await api("/admin/session", { method: "DELETE", headers: JSON_HEADERS }).catch(() => {});
  showLogin("logged out");
});

enter().catch(showError);
