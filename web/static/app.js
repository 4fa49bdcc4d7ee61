// Agora's page: plain JavaScript over the JSON API (see /docs). Everything that comes
// from sources is inserted as text (textContent), never as markup; the one exception is
// the report's HTML, which the server renders with every source string escaped.
"use strict";

(function () {
  const $ = (selector, root) => (root || document).querySelector(selector);
  const state = {
    run: null, // the run being read
    lang: "en",
    audit: false,
    citations: { sources: {}, chunks: {} },
    sourceCache: new Map(), // library number -> {source, text, chunks}
    returnFocus: null,
  };

  // -- talking to the API ------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function api(path, options) {
    const opts = Object.assign({ credentials: "same-origin", headers: {} }, options || {});
    if (opts.json !== undefined) {
      opts.body = JSON.stringify(opts.json);
      opts.headers["Content-Type"] = "application/json";
      delete opts.json;
    }
    const response = await fetch(path, opts);
    const type = response.headers.get("content-type") || "";
    const body = type.includes("json") ? await response.json() : await response.text();
    if (response.status === 401) showView("token");
    if (!response.ok) {
      throw new ApiError(response.status, describe(body) || response.statusText);
    }
    return body;
  }

  function describe(body) {
    if (!body || typeof body !== "object") return String(body || "");
    const detail = body.detail;
    if (Array.isArray(detail)) return detail.map((d) => d.msg || JSON.stringify(d)).join("; ");
    return detail ? String(detail) : "";
  }

  function toast(message, isError) {
    const box = $("#toast");
    box.textContent = message;
    box.className = isError ? "show error" : "show";
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => (box.className = ""), 6000);
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  // -- views ---------------------------------------------------------------------------

  function showView(name) {
    document.querySelectorAll(".view").forEach((view) => {
      view.hidden = view.id !== "view-" + name;
    });
    document.querySelectorAll("[data-nav]").forEach((link) => {
      const current = link.dataset.nav === name || (name === "report" && link.dataset.nav === "debates");
      if (current) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    });
  }

  function route() {
    const hash = decodeURIComponent(location.hash.replace(/^#/, ""));
    closePassage(false);
    if (hash.startsWith("run/")) {
      showView("report");
      openRun(hash.slice(4));
    } else if (hash === "search") {
      showView("search");
    } else if (hash === "debates") {
      showView("debates");
      loadRuns();
    } else {
      showView("library");
      loadSources();
    }
  }

  // -- jobs: progress from the event stream (polling where there is none) ----------

  function watchJob(job, container, onDone) {
    const card = el("div", { class: "job", "data-job": job.id });
    container.prepend(card);
    const render = (view) => renderJob(card, view);
    render(job);
    const finish = (view) => {
      render(view);
      if (onDone) onDone(view);
    };
    if (window.EventSource) {
      const stream = new EventSource("/api/jobs/" + encodeURIComponent(job.id) + "/events");
      stream.addEventListener("job", (event) => {
        const view = JSON.parse(event.data);
        if (view.state === "done" || view.state === "failed") {
          stream.close();
          finish(view);
        } else {
          render(view);
        }
      });
      stream.onerror = () => {
        stream.close();
        poll(job.id, render, finish);
      };
    } else {
      poll(job.id, render, finish);
    }
    return card;
  }

  async function poll(id, render, finish) {
    for (;;) {
      let view;
      try {
        view = await api("/api/jobs/" + encodeURIComponent(id));
      } catch (error) {
        toast(error.message, true);
        return;
      }
      if (view.state === "done" || view.state === "failed") return finish(view);
      render(view);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }

  const PHASES = { fetch: "Fetched", extract: "Extracted", embed: "Embedded", rounds: "Rounds" };

  function renderJob(card, view) {
    card.className = "job job-" + view.state;
    card.dataset.state = view.state;
    const where = view.state === "queued" && view.position ? ` (${view.position} ahead)` : "";
    const parts = [el("p", { class: "job-title" }, el("strong", { text: view.title }), ` — ${view.state}${where}`)];
    for (const [name, phase] of Object.entries(view.progress || {})) {
      const label = `${PHASES[name] || name}: ${phase.done}${phase.total ? " of " + phase.total : ""}`;
      const bar = el("progress", { max: String(Math.max(phase.total, 1)), value: String(phase.done), "aria-label": label });
      parts.push(el("div", { class: "phase", "data-phase": name }, el("span", { text: label }), bar));
    }
    if (view.messages && view.messages.length) {
      const log = el("ol", { class: "log" });
      for (const line of view.messages.slice(-8)) log.append(el("li", { text: line }));
      parts.push(log);
    }
    if (view.error) parts.push(el("p", { class: "error", role: "alert", text: view.error }));
    if (view.state === "done" || view.state === "failed") {
      const dismiss = el("button", { type: "button", class: "dismiss", "aria-label": `Dismiss: ${view.title}` }, "Dismiss");
      dismiss.addEventListener("click", () => card.remove());
      parts.unshift(dismiss);
    }
    if (view.state === "done" && view.kind === "debate" && view.run) {
      parts.push(el("p", {}, el("a", { href: "#run/" + encodeURIComponent(view.run), class: "button" }, "Read the report")));
    }
    card.replaceChildren(...parts);
  }

  // -- the library -------------------------------------------------------------------

  async function loadSources() {
    let data;
    try {
      data = await api("/api/sources");
    } catch (error) {
      if (error.status !== 401) toast(error.message, true);
      return;
    }
    const body = $("#sources tbody");
    body.replaceChildren();
    for (const source of data.sources) {
      const title = el("button", { type: "button", class: "link", "data-source": String(source.number) }, source.title || source.location);
      title.addEventListener("click", () => openSource(source.number, null, null, title));
      const remove = el("button", { type: "button", class: "quiet", "aria-label": `Remove source ${source.number}` }, "Remove");
      remove.addEventListener("click", () => removeSource(source));
      body.append(
        el("tr", { "data-number": String(source.number) },
          el("td", { text: String(source.number) }),
          el("td", {}, title),
          el("td", { text: source.kind || "" }),
          el("td", {}, el("span", { class: "status status-" + source.status, text: source.status })),
          el("td", { class: "num", text: String(source.chunk_count) }),
          el("td", { class: "reason", text: source.reason || source.url || source.path || source.location }),
          el("td", {}, remove)));
    }
    $("#sources-caption").textContent = `${data.sources.length} sources` + (data.busy ? " (a job is running)" : "");
  }

  async function removeSource(source) {
    if (!window.confirm(`Remove source ${source.number} (${source.title || source.location})? Its number is never reused.`)) return;
    try {
      await api("/api/sources/" + source.number, { method: "DELETE" });
      toast(`Removed source ${source.number}`);
      state.sourceCache.delete(source.number);
      loadSources();
    } catch (error) {
      toast(error.message, true);
    }
  }

  $("#add-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $("#add-url");
    try {
      const job = await api("/api/sources", { method: "POST", json: { urls: [input.value.trim()] } });
      input.value = "";
      watchJob(job, $("#library-jobs"), () => loadSources());
    } catch (error) {
      toast(error.message, true);
    }
  });

  $("#upload-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("#upload-files");
    if (!input.files.length) return;
    const form = new FormData();
    for (const file of input.files) form.append("files", file, file.name);
    const bar = $("#upload-progress");
    bar.hidden = false;
    bar.value = 0;
    // XMLHttpRequest, because fetch cannot report upload progress.
    const request = new XMLHttpRequest();
    request.open("POST", "/api/sources/upload");
    request.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) bar.value = Math.round((100 * e.loaded) / e.total);
    });
    request.addEventListener("load", () => {
      bar.hidden = true;
      let body = {};
      try {
        body = JSON.parse(request.responseText);
      } catch (error) {
        body = { detail: request.statusText };
      }
      if (request.status === 401) return showView("token");
      if (request.status !== 202) return toast(describe(body) || "upload failed", true);
      input.value = "";
      watchJob(body, $("#library-jobs"), () => loadSources());
    });
    request.addEventListener("error", () => {
      bar.hidden = true;
      toast("upload failed: the server could not be reached", true);
    });
    request.send(form);
  });

  $("#references-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $("#references-file");
    if (!input.files.length) return;
    const form = new FormData();
    form.append("file", input.files[0], input.files[0].name);
    try {
      const job = await api("/api/sources/references", { method: "POST", body: form });
      input.value = "";
      watchJob(job, $("#library-jobs"), () => loadSources());
    } catch (error) {
      toast(error.message, true);
    }
  });

  // -- search --------------------------------------------------------------------------

  $("#search-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const query = $("#search-q").value.trim();
    const k = $("#search-k").value || "8";
    const list = $("#search-results");
    $("#search-status").textContent = "Searching…";
    try {
      const passages = await api(`/api/search?q=${encodeURIComponent(query)}&k=${encodeURIComponent(k)}`);
      list.replaceChildren();
      for (const passage of passages) {
        const show = el("button", { type: "button", class: "link" }, "Show in its source");
        show.addEventListener("click", () => openSource(passage.source, passage.chunk_id, passage.text, show));
        list.append(el("li", {},
          el("p", { class: "passage-head" }, el("strong", { text: `[${passage.source}] ${passage.title || passage.url || passage.path || ""}` }), " ", show),
          el("p", { class: "passage", text: passage.text })));
      }
      $("#search-status").textContent = `${passages.length} passages`;
    } catch (error) {
      $("#search-status").textContent = "";
      toast(error.message, true);
    }
  });

  // -- debates and runs --------------------------------------------------------------

  $("#debate-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const question = $("#debate-question").value.trim();
    const rounds = parseInt($("#debate-rounds").value || "5", 10);
    try {
      const job = await api("/api/debates", { method: "POST", json: { question, rounds } });
      watchJob(job, $("#debate-jobs"), () => loadRuns());
      loadRuns();
    } catch (error) {
      toast(error.message, true);
    }
  });

  async function loadRuns() {
    let runs;
    try {
      runs = await api("/api/runs");
    } catch (error) {
      if (error.status !== 401) toast(error.message, true);
      return;
    }
    const list = $("#runs");
    list.replaceChildren();
    if (!runs.length) list.append(el("li", { class: "note", text: "No runs yet." }));
    for (const run of runs) {
      const label = run.question || run.name;
      const status = run.has_report
        ? `${run.rounds_done} rounds` + (run.has_audit ? ", audited" : "")
        : `in progress: ${run.rounds_done} of ${run.rounds_total} rounds`;
      const link = run.has_report
        ? el("a", { href: "#run/" + encodeURIComponent(run.name) }, label)
        : el("span", { text: label });
      const item = el("li", { "data-run": run.name }, link);
      if (run.verdict_status) item.append(" ", verdictBadge(run));
      item.append(el("span", { class: "note", text: ` — ${status} · ${run.name}` }));
      list.append(item);
    }
  }

  // The verdict's status at a glance: what the evidence leans to, too close to call, or
  // a library that cannot answer the question.
  const VERDICT_LABELS = { leans: "leans", too_close: "too close to call", insufficient_evidence: "insufficient evidence" };

  function verdictBadge(run) {
    const label = VERDICT_LABELS[run.verdict_status] || run.verdict_status;
    const text = run.verdict_status === "leans" && run.verdict_option ? `leans: ${run.verdict_option}` : label;
    return el("span", { class: "badge badge-" + run.verdict_status, "data-status": run.verdict_status, text });
  }

  // -- the report ----------------------------------------------------------------------

  async function openRun(name) {
    if (state.run !== name) {
      state.run = name;
      state.audit = false;
    }
    $("#report-run").textContent = name;
    await loadReport();
  }

  async function loadReport() {
    const name = state.run;
    const status = $("#report-status");
    status.textContent = "Loading the report…";
    const query = `format=html&lang=${state.lang}`;
    let html;
    try {
      html = await api(`/api/runs/${encodeURIComponent(name)}/report?${query}`);
    } catch (error) {
      status.textContent = error.message;
      return;
    }
    // Only the article and the citation data are taken: the report's own <style> and
    // popover script are for the standalone file (and this page's policy forbids them).
    const template = document.createElement("template");
    template.innerHTML = between(html, "<article>", "</article>");
    const blob = between(html, '<script type="application/json" id="citations">', "</script>");
    state.citations = blob ? JSON.parse(blob) : { sources: {}, chunks: {} };
    const target = $("#report");
    target.replaceChildren(template.content);
    target.lang = state.lang;
    target.classList.toggle("audit-on", state.audit);
    target.querySelectorAll("a.cite").forEach((link) => {
      link.setAttribute("role", "button");
      link.setAttribute("aria-label", `Source ${link.dataset.n}: show the cited passage`);
    });
    for (const fmt of ["md", "html", "json", "pdf", "docx"]) {
      $("#dl-" + fmt).href = `/api/runs/${encodeURIComponent(name)}/report?format=${fmt}&lang=${state.lang}&download=true`;
    }
    for (const button of document.querySelectorAll("[data-lang]")) {
      button.setAttribute("aria-pressed", String(button.dataset.lang === state.lang));
    }
    $("#audit-toggle").setAttribute("aria-pressed", String(state.audit));
    status.textContent = "";
  }

  function between(text, start, end) {
    const from = text.indexOf(start);
    if (from < 0) return "";
    const to = text.indexOf(end, from + start.length);
    return to < 0 ? "" : text.slice(from + start.length, to);
  }

  // One listener for every [n]: the report is replaced on each language switch.
  $("#report").addEventListener("click", (event) => {
    const link = event.target.closest("a.cite");
    if (!link) return;
    event.preventDefault();
    const source = (state.citations.sources[link.dataset.n] || {}).source;
    const chunk = state.citations.chunks[link.dataset.chunk] || {};
    if (!source) return toast(`source [${link.dataset.n}] is not in this report's citation table`, true);
    openSource(source, link.dataset.chunk, chunk.text || null, link, link.dataset.n);
  });
  $("#report").addEventListener("keydown", (event) => {
    // role=button: Space activates it too, as on a real button.
    if (event.key === " " && event.target.matches("a.cite")) {
      event.preventDefault();
      event.target.click();
    }
  });

  document.querySelectorAll("[data-lang]").forEach((button) => {
    button.addEventListener("click", () => {
      state.lang = button.dataset.lang;
      loadReport();
    });
  });

  $("#audit-toggle").addEventListener("click", async () => {
    if (state.audit) {
      state.audit = false;
      $("#report").classList.remove("audit-on");
      $("#audit-toggle").setAttribute("aria-pressed", "false");
      return;
    }
    const run = await api(`/api/runs/${encodeURIComponent(state.run)}`).catch(() => null);
    if (run && run.has_audit) {
      state.audit = true;
      return loadReport();
    }
    try {
      const job = await api(`/api/runs/${encodeURIComponent(state.run)}/audit`, { method: "POST" });
      $("#report-status").textContent = "Auditing every claim…";
      const card = watchJob(job, $("#report-jobs"), (view) => {
        if (view.state === "done") {
          card.remove(); // the overlay's legend now says what the audit found
          state.audit = true;
          loadReport();
        }
      });
    } catch (error) {
      toast(error.message, true);
    }
  });

  // -- a source, with one passage highlighted ----------------------------------------

  async function sourceDetail(number) {
    if (!state.sourceCache.has(number)) {
      state.sourceCache.set(number, await api("/api/sources/" + number));
    }
    return state.sourceCache.get(number);
  }

  async function openSource(number, chunkId, passageText, opener, reportNumber) {
    const panel = $("#passage");
    state.returnFocus = opener || document.activeElement;
    let detail;
    try {
      detail = await sourceDetail(number);
    } catch (error) {
      return toast(error.message, true);
    }
    const source = detail.source;
    const label = reportNumber ? `[${reportNumber}] ` : `[${source.number}] `;
    $("#passage-title").textContent = label + (source.title || source.location);
    const meta = [source.author, source.date, source.kind, source.url || source.path].filter(Boolean).join(" · ");
    $("#passage-meta").textContent = `Library source ${source.number}` + (meta ? " · " + meta : "");
    const text = detail.text || "";
    let span = null;
    let note = "";
    if (chunkId) {
      const chunk = detail.chunks.find((c) => c.chunk_id === chunkId);
      if (chunk) {
        span = [chunk.start, chunk.end];
        note = `Cited passage: chunk ${chunk.index}, characters ${chunk.start}–${chunk.end}` + (chunk.page ? `, page ${chunk.page}` : "");
      } else if (passageText && text.indexOf(passageText) >= 0) {
        const start = text.indexOf(passageText);
        span = [start, start + passageText.length];
        note = "The source was re-ingested since; the cited passage was found in its new text.";
      } else {
        note = "The source has changed since this report; the passage as it was cited:";
      }
    }
    $("#passage-note").textContent = note;
    const box = $("#passage-text");
    box.replaceChildren();
    if (span) {
      const mark = el("mark", { id: "cited-passage", class: "cited", text: text.slice(span[0], span[1]) });
      box.append(text.slice(0, span[0]), mark, text.slice(span[1]));
    } else if (chunkId && passageText) {
      box.append(el("mark", { id: "cited-passage", class: "cited", text: passageText }));
    } else {
      box.append(text || "(no extracted text: " + (source.reason || source.status) + ")");
    }
    panel.hidden = false;
    document.body.classList.add("panel-open");
    $("#passage-title").focus();
    const mark = $("#cited-passage");
    if (mark) mark.scrollIntoView({ block: "center" });
    else box.scrollTop = 0;
  }

  function closePassage(restoreFocus) {
    const panel = $("#passage");
    if (panel.hidden) return;
    panel.hidden = true;
    document.body.classList.remove("panel-open");
    if (restoreFocus !== false && state.returnFocus && document.contains(state.returnFocus)) {
      state.returnFocus.focus();
    }
  }

  $("#passage-close").addEventListener("click", () => closePassage());
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") closePassage();
  });

  // -- the token -----------------------------------------------------------------------

  $("#token-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api("/api/session", { method: "POST", json: { token: $("#token-input").value } });
      $("#token-input").value = "";
      $("#token-error").textContent = "";
      route();
    } catch (error) {
      $("#token-error").textContent = error.message;
    }
  });

  // -- the engine (public, like the health check it comes from) -------------------------

  async function showEngine() {
    let health;
    try {
      health = await api("/api/health");
    } catch (error) {
      return; // the page works without it
    }
    const engine = health.engine || "extractive";
    const label = $("#engine");
    label.textContent = "engine: " + engine;
    label.title = engine === "extractive"
      ? "Debates quote the library; nothing is generated."
      : "Debates, report sections, the Chinese translation and audits use this model.";
    label.hidden = false;
    if (engine !== "extractive") {
      $("#debate-note").textContent = "A language model (" + engine.replace(/^llm /, "") +
        ") writes every turn from the advisor's brief; citations outside the brief are dropped.";
    }
  }

  window.addEventListener("hashchange", route);
  showEngine();
  route();
})();
