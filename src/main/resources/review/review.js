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
    row.append(text("td", c.risk, { class: c.risk >= 100 ? "risk-high" : "" }), text("td", c.reasons.join(", ")),
      text("td", new Date(c.started_at).toISOString().replace("T", " ").slice(0, 19)), text("td", c.task || "-"),
      text("td", variantOf(c.prompt)), text("td", c.deployment || "-"), text("td", c.language || "-"),
      text("td", c.verdict ? c.verdict + (c.expert_language ? ": " + c.expert_language : "") : "pending"), text("td", c.assignee || "-"));
    row.addEventListener("click", () => openCase(c.request_id));
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

async function openCase(id) {
  const c = await api("/admin/review/cases/" + encodeURIComponent(id));
  $("#queue-view").hidden = true;
  $("#case-view").hidden = false;
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
  $("#regression-yaml").value = c.suggested_case || "";
  $("#regression-form").hidden = !c.suggested_case;
  $("#regression-status").textContent = review.regression_file ? "regression case: " + review.regression_file : "";
}

$("#filters").addEventListener("submit", (e) => { e.preventDefault(); loadQueue().catch(showError); });
$("#back").addEventListener("click", () => { $("#case-view").hidden = true; $("#queue-view").hidden = false; loadQueue().catch(showError); });
$("#verdict").addEventListener("change", () => { $("#expert-label").hidden = $("#verdict").value !== "needs_expert"; });
$("#verdict-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const id = $("#case-view").dataset.id;
  const verdict = $("#verdict").value || null;
  try {
    await api(`/admin/review/cases/${encodeURIComponent(id)}/verdict`, { method: "POST", headers: JSON_HEADERS,
      body: JSON.stringify({ verdict, expert_language: $("#expert-language").value || null, note: $("#note").value || null,
        assignee: $("#assignee").value || null }) });
    $("#verdict-status").textContent = "saved: " + (verdict || "assigned");
  } catch (err) { $("#verdict-status").textContent = "not saved: " + err.message; }
});
$("#regression-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const id = $("#case-view").dataset.id;
  try {
    const made = await api(`/admin/review/cases/${encodeURIComponent(id)}/regression`, { method: "POST",
      headers: JSON_HEADERS, body: JSON.stringify({ yaml: $("#regression-yaml").value }) });
    $("#regression-status").textContent = "written to prompts/" + made.file;
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
  $("#queue-empty").hidden = false;
  $("#queue-empty").textContent = "Could not load the queue: " + err.message;
}

function showLogin(message) {
  $("#queue-view").hidden = true;
  $("#case-view").hidden = true;
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
  $("#queue-view").hidden = false;
  $("#operator").textContent = who.operator ? "operator: " + who.operator : "";
  $("#logout").hidden = who.via !== "session";
  loadQueue().catch(showError);
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
