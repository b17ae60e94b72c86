// ccfgen studio: plain JavaScript, no framework, no build step. Every request carries the
// session token; every value from the server is inserted as text, except the connector page
// fragment, which the server renders with every definition value escaped.
"use strict";

(function () {
  const token = document.querySelector('meta[name="ccfgen-token"]').content;
  const $ = (id) => document.getElementById(id);
  const state = { version: -1, pages: [], page: 0, configDirty: false, secretSaved: false };

  // The token leaves the address bar (it stays in the page and in an HttpOnly cookie).
  if (location.search.includes("token=")) {
    history.replaceState(null, "", location.pathname + location.hash);
  }

  async function api(method, path, body) {
    const init = { method, headers: { "X-Ccfgen-Token": token } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const resp = await fetch(path, init);
    return resp;
  }

  async function json(method, path, body) {
    const resp = await api(method, path, body);
    const data = await resp.json().catch(() => ({ error: "the studio answered " + resp.status }));
    if (!resp.ok && !data.error) data.error = "the studio answered " + resp.status;
    return data;
  }

  function text(el, value) { el.textContent = value == null ? "" : String(value); }

  function el(tag, cls, content) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (content !== undefined) text(e, content);
    return e;
  }

  // ---- Theme ------------------------------------------------------------------------------
  const theme = $("theme");
  const systemDark = window.matchMedia("(prefers-color-scheme: dark)");
  function applyTheme(value) {
    const dark = value === "dark" || (value !== "light" && systemDark.matches);
    document.documentElement.dataset.theme = dark ? "dark" : "light";
  }
  systemDark.addEventListener("change", () => applyTheme(theme.value));
  try { theme.value = localStorage.getItem("ccfgen-studio-theme") || "auto"; } catch (e) { theme.value = "auto"; }
  applyTheme(theme.value);
  theme.addEventListener("change", () => {
    applyTheme(theme.value);
    try { localStorage.setItem("ccfgen-studio-theme", theme.value); } catch (e) { /* private mode */ }
  });

  // ---- Tabs (WAI-ARIA tabs pattern: arrows, Home, End) --------------------------------------
  function setupTabs(list, onSelect) {
    const tabs = Array.from(list.querySelectorAll('[role="tab"]'));
    function select(tab, focus) {
      for (const t of tabs) {
        const on = t === tab;
        t.setAttribute("aria-selected", on ? "true" : "false");
        t.tabIndex = on ? 0 : -1;
        const panel = document.getElementById(t.getAttribute("aria-controls"));
        if (panel) panel.hidden = !on;
      }
      if (focus) tab.focus();
      if (onSelect) onSelect(tab);
    }
    list.addEventListener("click", (ev) => {
      const tab = ev.target.closest('[role="tab"]');
      if (tab && tabs.includes(tab)) select(tab, false);
    });
    list.addEventListener("keydown", (ev) => {
      const i = tabs.indexOf(document.activeElement);
      if (i < 0) return;
      let next = null;
      if (ev.key === "ArrowRight") next = tabs[(i + 1) % tabs.length];
      else if (ev.key === "ArrowLeft") next = tabs[(i - 1 + tabs.length) % tabs.length];
      else if (ev.key === "Home") next = tabs[0];
      else if (ev.key === "End") next = tabs[tabs.length - 1];
      if (next) { ev.preventDefault(); select(next, true); }
    });
    return select;
  }
  setupTabs($("app-tabs"), (tab) => { if (tab.id === "tab-transform") openTransform(); });

  // ---- Connector page preview ---------------------------------------------------------------
  function renderProblems(problems, error, stale) {
    const banner = $("banner");
    if (error) {
      text(banner, error);
      banner.className = stale ? "banner" : "banner error";
      banner.hidden = false;
    } else {
      banner.hidden = true;
    }
    const list = $("problem-list");
    list.replaceChildren();
    let errors = 0, warnings = 0;
    for (const p of problems) {
      if (p.severity === "error") errors++;
      else if (p.severity === "warning") warnings++;
      const li = el("li", "finding " + p.severity);
      li.append(el("span", "sev", p.severity), " ", el("code", null, p.rule), " ", el("span", null, p.message), " ", el("span", "loc", p.location));
      if (p.rendered) {
        const details = el("details");
        details.append(el("summary", null, "Excerpt"), el("pre", null, p.rendered));
        li.append(details);
      }
      list.append(li);
    }
    const summary = problems.length === 0
      ? "No findings"
      : `${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"}, ${problems.length - errors - warnings} note${problems.length - errors - warnings === 1 ? "" : "s"}`;
    text($("problems-summary"), summary);
    $("problems").dataset.errors = String(errors);
    $("problems").dataset.warnings = String(warnings);
  }

  function renderPageList() {
    const select = $("page-select");
    select.replaceChildren();
    state.pages.forEach((p, i) => {
      const o = el("option", null, p.title + "  \u2014  " + p.rel);
      o.value = String(i);
      select.append(o);
    });
    if (state.page >= state.pages.length) state.page = 0;
    select.value = String(state.page);
    select.disabled = state.pages.length < 2;
  }

  async function loadPage() {
    const frame = $("page-frame");
    frame.setAttribute("aria-busy", "true");
    if (state.pages.length === 0) {
      frame.replaceChildren(el("p", "cp-empty", "No connector page to show."));
      frame.dataset.version = String(state.version);
      frame.setAttribute("aria-busy", "false");
      return;
    }
    const p = state.pages[state.page];
    text($("page-source"), p.rel + " \u2192 " + p.ui_path);
    const resp = await api("GET", "/api/pages/" + state.page);
    const html = await resp.text();
    if (!resp.ok) {
      frame.replaceChildren(el("p", "banner error", html));
    } else {
      frame.innerHTML = html; // rendered by the studio, every value escaped
      wirePage(frame);
    }
    frame.dataset.version = String(state.version);
    frame.dataset.page = String(state.page);
    frame.setAttribute("aria-busy", "false");
  }

  function wirePage(frame) {
    const tablist = frame.querySelector(".cp-tabs");
    if (tablist) setupTabs(tablist);
    frame.querySelectorAll(".copy-btn").forEach((b) => b.addEventListener("click", async () => {
      const target = document.getElementById(b.dataset.copy);
      const value = target ? (target.value !== undefined ? target.value : target.textContent) : "";
      try { await navigator.clipboard.writeText(value); text(b, "Copied"); }
      catch (e) { if (target && target.select) target.select(); text(b, "Select + Ctrl+C"); }
      setTimeout(() => text(b, "Copy"), 1500);
    }));
    frame.querySelectorAll(".deploy-btn").forEach((b) => b.addEventListener("click", () => {
      frame.querySelectorAll("[data-after-deploy]").forEach((f) => { f.value = f.dataset.afterDeploy; });
      b.disabled = true;
      const status = b.parentElement.querySelector(".cp-deploy-status");
      const app = b.dataset.application ? ` and the Entra application \u201c${b.dataset.application}\u201d` : " and the Entra application";
      if (status) text(status, `Preview: in the portal, Deploy creates the table, the DCR, the DCE${app}, then fills the fields below (example values shown). Locally, \u201cUse the local emulator\u201d does the same.`);
    }));
    frame.querySelectorAll(".toggle-btn").forEach((b) => b.addEventListener("click", () => {
      const on = b.getAttribute("aria-pressed") !== "true";
      b.setAttribute("aria-pressed", on ? "true" : "false");
      text(b, on ? b.dataset.on : b.dataset.off);
    }));
    frame.querySelectorAll(".portal-link").forEach((a) => a.addEventListener("click", (ev) => {
      ev.preventDefault();
      a.title = "In the portal this opens the " + a.dataset.linkType + " blade (not available in the preview)";
    }));
    frame.querySelectorAll(".md a[href^='http']").forEach((a) => { a.target = "_blank"; a.rel = "noopener noreferrer"; });
  }

  $("page-select").addEventListener("change", () => {
    state.page = Number($("page-select").value) || 0;
    loadPage();
  });

  async function refresh() {
    const data = await json("GET", "/api/state");
    if (data.error && !data.pages) { text($("live-status"), data.error); return; }
    state.version = data.version;
    const previous = state.pages[state.page];
    state.pages = data.pages;
    if (previous) {
      const same = state.pages.findIndex((p) => p.rel === previous.rel && p.ui_path === previous.ui_path);
      if (same >= 0) state.page = same;
    }
    text($("target-name"), data.target);
    $("target-name").title = data.target;
    renderPageList();
    renderProblems(data.problems, data.error, data.stale);
    fillStreams(data.streams || []);
    await loadPage();
    await refreshTransform();
    document.body.dataset.version = String(state.version);
  }

  function listen() {
    const live = $("live-status");
    const source = new EventSource("/api/events?token=" + encodeURIComponent(token));
    source.addEventListener("open", () => { text(live, "watching for changes"); live.className = "live ok"; });
    source.addEventListener("change", (ev) => {
      const v = Number(ev.data);
      if (v !== state.version) refresh();
    });
    source.addEventListener("error", () => { text(live, "disconnected: is ccfgen studio still running?"); live.className = "live down"; });
  }

  // ---- Push configuration -------------------------------------------------------------------
  const form = $("config-form");
  const fields = ["tenant_id", "application_id", "application_secret", "dce_endpoint", "dcr_immutable_id", "stream_name", "cloud", "authority_host", "ca_file"];

  function formValues() {
    const v = {};
    for (const f of fields) v[f] = $("f-" + f).value;
    return v;
  }

  function showFieldErrors(errors) {
    for (const f of fields) {
      const err = $("e-" + f);
      const input = $("f-" + f);
      const message = errors[f] || "";
      if (err) text(err, message);
      if (message) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    }
  }

  function secretHint() {
    text($("h-application_secret"), state.secretSaved
      ? "A secret is saved. It is never shown again; leave this empty to keep it, or type a new one."
      : "");
  }

  function fillForm(values) {
    for (const f of fields) {
      if (f === "application_secret") continue;
      if (values[f] !== undefined && values[f] !== null) $("f-" + f).value = values[f];
    }
    $("f-application_secret").value = "";
  }

  function fillStreams(streams) {
    const list = $("stream-names");
    list.replaceChildren();
    for (const s of streams) { const o = el("option"); o.value = s; list.append(o); }
  }

  function status(message, isError) {
    const s = $("config-status");
    text(s, message);
    s.className = isError ? "error" : "";
  }

  async function loadConfig() {
    const data = await json("GET", "/api/config");
    text($("config-path"), data.path || "");
    state.secretSaved = !!data.secret_saved;
    if (data.values) fillForm(data.values);
    secretHint();
    if (data.error) status(data.error, true);
    state.configDirty = false;
    validate();
  }

  let timer = null;
  async function validate() {
    const data = await json("POST", "/api/config/check", formValues());
    showFieldErrors(data.errors || {});
    return data;
  }
  const isField = (target) => fields.includes(target.name);
  form.addEventListener("input", (ev) => {
    if (!isField(ev.target)) return;
    state.configDirty = true;
    clearTimeout(timer);
    timer = setTimeout(validate, 200);
  });
  form.addEventListener("change", (ev) => {
    if (!isField(ev.target)) return;
    state.configDirty = true;
    validate();
  });

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const data = await json("POST", "/api/config", formValues());
    if (data.errors) showFieldErrors(data.errors);
    if (data.error) { status(data.error, true); return; }
    state.secretSaved = !!data.secret_saved;
    $("f-application_secret").value = "";
    secretHint();
    state.configDirty = false;
    status("Saved " + data.path + " (readable by you only).", false);
  });

  function busy(button, on) { button.disabled = on; button.setAttribute("aria-busy", on ? "true" : "false"); }

  $("test-connection").addEventListener("click", async () => {
    const button = $("test-connection");
    const list = $("checks");
    list.replaceChildren();
    list.dataset.done = "false";
    busy(button, true);
    status("Testing the connection\u2026", false);
    try {
      const resp = await api("POST", "/api/test", formValues());
      if (!resp.ok) {
        const data = await resp.json().catch(() => ({}));
        status(data.error || "the studio answered " + resp.status, true);
        return;
      }
      const reader = resp.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      let failed = false;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let nl;
        while ((nl = buffer.indexOf("\n")) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (!line.trim()) continue;
          const check = JSON.parse(line);
          if (check.error) { status(check.error, true); failed = true; continue; }
          const li = el("li", check.status);
          li.dataset.check = check.name;
          li.append(el("span", "status", check.status), el("span", "name", check.name), el("span", "detail", check.detail));
          list.append(li);
          if (check.status === "fail") failed = true;
        }
      }
      status(failed ? "A check failed: its line says what to change." : "Every check passed.", failed);
    } catch (e) {
      status("Testing failed: " + e, true);
    } finally {
      list.dataset.done = "true";
      busy(button, false);
    }
  });

  $("send-samples").addEventListener("click", async () => {
    const button = $("send-samples");
    const out = $("push-summary");
    out.replaceChildren();
    out.dataset.done = "false";
    if (state.configDirty) {
      status("Save the configuration first: samples are sent with the saved file, as ccfgen push would.", true);
      out.dataset.done = "true";
      return;
    }
    busy(button, true);
    const count = Number($("sample-count").value) || 10;
    status(`Sending ${count} sample records\u2026`, false);
    try {
      const data = await json("POST", "/api/samples", { count });
      if (data.error && !data.summary) { status(data.error, true); return; }
      const table = el("table", "summary-table");
      for (const [k, v] of data.summary) {
        const tr = el("tr");
        tr.append(el("th", null, k), el("td", null, v));
        table.append(tr);
      }
      out.append(table);
      if (data.error) { out.append(el("p", "error", data.error)); status(data.error, true); }
      else status(data.message, false);
      refresh();
    } finally {
      out.dataset.done = "true";
      busy(button, false);
    }
  });

  $("use-emulator").addEventListener("click", async () => {
    const button = $("use-emulator");
    busy(button, true);
    status("Starting the local emulator\u2026", false);
    try {
      const data = await json("POST", "/api/emulator", {});
      if (data.error) { status(data.error, true); return; }
      fillForm(data.values);
      state.secretSaved = !!data.secret_saved;
      secretHint();
      state.configDirty = false;
      validate();
      status(data.message, false);
    } finally {
      busy(button, false);
    }
  });

  // ---- Transform preview --------------------------------------------------------------------
  const tstate = { flows: [], flow: null, key: null, opened: false, ran: false };
  const flowKey = (f) => f.origin + "\u0001" + f.stream + "\u0001" + f.table;

  function flowBanner(message, isError) {
    const b = $("flow-banner");
    text(b, message || "");
    b.className = isError ? "banner error" : "banner";
    b.hidden = !message;
  }

  function showFlow(mark) {
    const f = tstate.flow;
    const pre = $("flow-transform");
    pre.replaceChildren();
    if (!f) { text($("flow-columns"), ""); return; }
    if (mark) {
      // line and column are 1-based, the column in UTF-16 code units (as JavaScript counts)
      const lines = f.transform.split("\n");
      let at = 0;
      for (let i = 0; i < mark.line - 1 && i < lines.length; i++) at += lines[i].length + 1;
      at = Math.min(at + Math.max(mark.column - 1, 0), f.transform.length);
      let end = at;
      while (end < f.transform.length && !/\s/.test(f.transform[end])) end++;
      if (end === at) end = Math.min(at + 1, f.transform.length);
      pre.append(f.transform.slice(0, at), el("mark", null, f.transform.slice(at, end) || " "), f.transform.slice(end));
    } else {
      text(pre, f.transform);
    }
    text($("flow-columns"), "Stream columns: " + f.stream_columns.map((c) => c.name + " (" + c.type + ")").join(", ")
      + (f.table_known ? "" : ". The table's definition was not found: rows are shown as the transformation outputs them."));
  }

  async function loadFlows() {
    const data = await json("GET", "/api/transform");
    tstate.flows = data.flows || [];
    const previous = tstate.key;
    const select = $("flow-select");
    select.replaceChildren();
    tstate.flows.forEach((f, i) => {
      const o = el("option", null, f.stream + " \u2192 " + f.table + "  \u2014  " + f.origin);
      o.value = String(i);
      select.append(o);
    });
    let i = previous ? tstate.flows.findIndex((f) => flowKey(f) === previous) : 0;
    if (i < 0) i = 0;
    select.value = String(i);
    select.disabled = tstate.flows.length < 2;
    tstate.flow = tstate.flows[i] || null;
    if (tstate.flow) tstate.key = flowKey(tstate.flow);
    flowBanner(data.error, !!data.error && tstate.flows.length === 0);
    const problems = $("flow-problems");
    problems.replaceChildren();
    for (const p of data.problems || []) {
      const li = el("li", "finding " + p.severity);
      li.append(el("span", "sev", p.severity), " ", el("code", null, p.rule), " ", el("span", null, p.message), " ", el("span", "loc", p.location));
      if (p.rendered) li.append(el("pre", null, p.rendered));
      problems.append(li);
    }
    if (!tstate.flow) {
      $("transform-output").replaceChildren();
      $("transform-notes").replaceChildren();
      text($("transform-summary"), "");
    }
    showFlow(null);
  }

  function cellText(v) {
    if (v === null || v === undefined) return null;
    return typeof v === "string" ? v : JSON.stringify(v);
  }

  function renderRows(data) {
    const out = $("transform-output");
    const notes = $("transform-notes");
    out.replaceChildren();
    notes.replaceChildren();
    const f = tstate.flow;
    let summary = `${data.records} record${data.records === 1 ? "" : "s"} \u2192 ${data.stored} row${data.stored === 1 ? "" : "s"} stored in ${f.table}`;
    if (data.filtered) summary += ` (${data.filtered} filtered out by the transformation)`;
    if (data.rows_shown < data.stored) summary += `; the first ${data.rows_shown} are shown`;
    text($("transform-summary"), summary);
    data.notes.forEach((n, i) => {
      const li = el("li", null, n.text);
      li.id = "tnote-" + i;
      if (n.column) li.dataset.column = n.column;
      notes.append(li);
    });
    const table = el("table", "rows-table");
    const caption = el("caption", "sr-only", "Rows stored in " + f.table);
    const thead = el("thead");
    const head = el("tr");
    data.columns.forEach((c) => {
      const th = el("th");
      th.scope = "col";
      th.dataset.column = c.name;
      th.append(el("span", "name", c.name));
      if (c.notes.length) {
        th.className = "noted";
        const mark = el("span", "note-mark", " \u26a0");
        mark.title = c.notes.join("\n");
        mark.setAttribute("aria-label", "note: " + c.notes.join("; "));
        th.append(mark);
      }
      th.append(el("span", "type", c.type));
      head.append(th);
    });
    thead.append(head);
    const tbody = el("tbody");
    for (const row of data.rows) {
      const tr = el("tr");
      row.forEach((v, i) => {
        const t = cellText(v);
        const td = el("td", t === null ? "null" : null, t === null ? "null" : t);
        if (data.columns[i] && data.columns[i].notes.length) td.classList.add("noted");
        tr.append(td);
      });
      tbody.append(tr);
    }
    table.append(caption, thead, tbody);
    out.append(table);
  }

  async function runTransform(extra) {
    const f = tstate.flow;
    const out = $("transform-output");
    if (!f) return;
    out.dataset.done = "false";
    const button = $("run-transform");
    busy(button, true);
    text($("records-error"), "");
    $("records-input").removeAttribute("aria-invalid");
    try {
      const body = Object.assign({ origin: f.origin, stream: f.stream, table: f.table }, extra || { records: $("records-input").value });
      const data = await json("POST", "/api/transform/run", body);
      if (typeof data.generated === "string") $("records-input").value = data.generated;
      tstate.ran = true;
      if (data.error) {
        out.replaceChildren();
        $("transform-notes").replaceChildren();
        text($("transform-summary"), "");
        if (data.where === "records") {
          text($("records-error"), data.error);
          $("records-input").setAttribute("aria-invalid", "true");
        } else if (data.where === "transform") {
          flowBanner(`${f.origin}: ${f.stream} \u2192 ${f.table}, line ${data.line}, column ${data.column}: ${data.error}${data.code ? " (" + data.code + ")" : ""}`, true);
          showFlow({ line: data.line, column: data.column });
          $("flow-details").open = true;
        } else {
          flowBanner(data.error, true);
          if (data.where === "files") loadFlows();
        }
        out.dataset.outcome = "error";
        return;
      }
      flowBanner(null);
      showFlow(null);
      renderRows(data);
      out.dataset.outcome = "rows";
    } catch (e) {
      flowBanner("The preview failed: " + e, true);
      out.dataset.outcome = "error";
    } finally {
      out.dataset.done = "true";
      busy(button, false);
    }
  }

  function generateRecords() {
    const n = Number($("transform-sample-count").value) || 5;
    return runTransform({ samples: n });
  }

  $("flow-select").addEventListener("change", () => {
    tstate.flow = tstate.flows[Number($("flow-select").value) || 0] || null;
    tstate.key = tstate.flow ? flowKey(tstate.flow) : null;
    flowBanner(null);
    showFlow(null);
    if (tstate.flow) generateRecords();
  });
  $("run-transform").addEventListener("click", () => runTransform());
  $("generate-records").addEventListener("click", generateRecords);
  let recordsTimer = null;
  $("records-input").addEventListener("input", () => {
    clearTimeout(recordsTimer);
    recordsTimer = setTimeout(() => runTransform(), 500);
  });
  $("records-file").addEventListener("change", () => {
    const file = $("records-file").files[0];
    if (!file) return;
    if (file.size > 4 * 1024 * 1024) {
      text($("records-error"), `${file.name} is ${(file.size / 1048576).toFixed(1)} MB: the studio previews up to 4 MB (ccfgen preview has no limit)`);
      return;
    }
    const reader = new FileReader();
    reader.onload = () => { $("records-input").value = String(reader.result); runTransform(); };
    reader.onerror = () => text($("records-error"), "cannot read " + file.name);
    reader.readAsText(file);
    $("records-file").value = "";
  });

  async function openTransform() {
    if (!tstate.opened) {
      tstate.opened = true;
      await loadFlows();
      if (tstate.flow && !$("records-input").value.trim()) await generateRecords();
    }
  }

  // The files changed: the flows (and the rows of the same records) follow.
  async function refreshTransform() {
    if (!tstate.opened) return;
    await loadFlows();
    if (tstate.ran && tstate.flow && $("records-input").value.trim()) await runTransform();
  }

  // ---- Start ----------------------------------------------------------------------------------
  refresh().then(listen);
  loadConfig();
})();
