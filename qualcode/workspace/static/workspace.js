// qualcode review: the small amount of plain JavaScript the workspace pages use (no build step).
// Everything user-written is put on the page with textContent, never as HTML.
"use strict";
(function () {
  const TOKEN = document.querySelector('meta[name="qualcode-token"]').content;
  const PAGE = document.body.dataset.page;
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));

  // -- messages -----------------------------------------------------------------------------------------
  function flash(text, kind) {
    const box = $("#flash");
    box.textContent = text;
    box.className = "flash " + (kind || "ok");
    box.hidden = false;
  }
  function busy(text) {
    const box = $("#busy");
    box.textContent = text || "";
    box.hidden = !text;
  }
  // A message to show after the reload that follows a change.
  function flashAfterReload(text, kind) {
    sessionStorage.setItem("qualcode-flash", JSON.stringify([text, kind || "ok"]));
  }
  const pending = sessionStorage.getItem("qualcode-flash");
  if (pending) {
    sessionStorage.removeItem("qualcode-flash");
    const [text, kind] = JSON.parse(pending);
    flash(text, kind);
  }

  // -- changes: POST JSON with the token; a busy project is waited for and retried ----------------------
  async function api(path, body) {
    const slow = setTimeout(() => busy("Saving… the project is busy with another writer (another coder or a run); waiting."), 700);
    try {
      for (let attempt = 0; ; attempt++) {
        let response;
        try {
          response = await fetch(path, {
            method: "POST",
            headers: { "Content-Type": "application/json", "X-Qualcode-Token": TOKEN },
            body: JSON.stringify(body || {}),
          });
        } catch (err) {
          throw new Error("The workspace server is not answering (was `qualcode review` stopped?). Nothing was saved.");
        }
        let data = {};
        try { data = await response.json(); } catch (err) { data = { error: "The server answered " + response.status + "." }; }
        if (response.status === 503 && attempt < 30) {
          busy("The project is locked by a long write (" + (data.error || "busy") + "). Retrying in 2 s… (attempt " + (attempt + 1) + ")");
          await new Promise((resolve) => setTimeout(resolve, 2000));
          continue;
        }
        if (!response.ok) {
          const error = new Error(data.error || ("The server answered " + response.status + "."));
          error.status = response.status;
          throw error;
        }
        return data;
      }
    } finally {
      clearTimeout(slow);
      busy("");
    }
  }
  async function change(path, body, after) {
    try {
      const data = await api(path, body);
      flashAfterReload(data.message || "Saved.");
      if (after) after(data); else location.reload();
      return data;
    } catch (err) {
      const stale = err.status === 409;
      flash((stale ? "Not saved: " : "") + err.message + (stale ? " (reload the page to see the change)" : ""), "error");
      return null;
    }
  }
  window.qualcode = { api, change, flash };

  // -- undo / redo ----------------------------------------------------------------------------------------
  $("#undo").addEventListener("click", () => change("/api/undo", {}));
  $("#redo").addEventListener("click", () => change("/api/redo", {}));
  document.addEventListener("keydown", (event) => {
    if (isTyping(event)) return;
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "z") {
      event.preventDefault();
      change(event.shiftKey ? "/api/redo" : "/api/undo", {});
    }
  });
  function isTyping(event) {
    const t = event.target;
    return t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
  }

  // -- memos ------------------------------------------------------------------------------------------------
  const memoForm = $("#memo-form");
  if (memoForm) {
    memoForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const [kind, target] = $("#memo-target").value.split(/:(.*)/s);
      const text = $("#memo-text").value;
      if (!text.trim()) { flash("Write the memo first.", "error"); return; }
      change("/api/memo", { kind: kind, target: target, text: text });
    });
  }

  // -- code search in a codebook tree -------------------------------------------------------------------
  const search = $("#code-search");
  if (search) {
    search.addEventListener("input", () => {
      const words = search.value.toLowerCase().trim().split(/\s+/).filter(Boolean);
      $$(".tree li.node").forEach((li) => {
        const own = li.dataset.search;
        const match = words.every((w) => own.includes(w));
        li.classList.toggle("match", match && words.length > 0);
      });
      $$(".tree li.node").forEach((li) => {
        const anyMatch = !words.length || li.classList.contains("match") || li.querySelector("li.match");
        li.hidden = !anyMatch;
      });
    });
  }

  if (PAGE === "source") sourcePage();
  if (PAGE === "queue") queuePage();
  document.body.dataset.ready = "1";
  document.body.dataset.readyAt = String(Math.round(performance.now()));  // ms since navigation (benchmarks)

  // ====================================================================================================
  function sourcePage() {
    const text = $("#text");
    const codings = JSON.parse($("#codings-data").textContent);
    const byId = new Map(codings.map((c) => [c.id, c]));
    const runs = $$("span.r", text);
    let selection = null; // {start, end, quote}

    // Offsets are Unicode code points, as on the server; JavaScript strings count UTF-16 units.
    const cp = (s) => Array.from(s).length;

    function readSelection() {
      const sel = window.getSelection();
      if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return { empty: true };
      const range = sel.getRangeAt(0);
      const inside = runs.filter((r) => range.intersectsNode(r));
      if (!inside.length) return { outside: true };
      const first = inside[0], last = inside[inside.length - 1];
      let start = +first.dataset.s, end = +last.dataset.e;
      if (first.contains(range.startContainer) && range.startContainer.nodeType === 3) {
        start += cp(range.startContainer.data.slice(0, range.startOffset));
      }
      if (last.contains(range.endContainer) && range.endContainer.nodeType === 3) {
        end = +last.dataset.s + cp(range.endContainer.data.slice(0, range.endOffset));
      }
      if (end <= start) return { empty: true };
      const outsideText = !text.contains(range.startContainer) || !text.contains(range.endContainer);
      return { start: start, end: end, quote: sel.toString(), partlyOutside: outsideText };
    }

    function showSelection() {
      const s = readSelection();
      const info = $("#selection-info");
      if (s.empty || s.outside) {
        if (s.outside) info.textContent = "Select text within the transcript.";
        return;
      }
      selection = s;
      const quote = s.quote.length > 120 ? s.quote.slice(0, 117) + "…" : s.quote;
      info.textContent = "Selected " + s.start + "–" + s.end + ": “" + quote + "”";
      info.className = "selected";
    }
    document.addEventListener("mouseup", () => setTimeout(showSelection, 0));
    document.addEventListener("keyup", (event) => { if (event.shiftKey) showSelection(); });

    function apply(codeId) {
      if (!selection) {
        flash("The selection is empty: select a passage of the transcript first, then choose a code.", "error");
        return;
      }
      change("/api/code", { source_id: text.dataset.source, start: selection.start, end: selection.end, code_id: codeId });
    }
    $$("#codebook-tree button.apply").forEach((b) => b.addEventListener("click", () => apply(b.dataset.code)));
    // The buttons keep the page's selection: do not let a click on them clear it.
    $$("#codebook-tree button.apply").forEach((b) => b.addEventListener("mousedown", (e) => e.preventDefault()));
    const search = $("#code-search");
    search.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        const first = $$("#codebook-tree li.node").find((li) => !li.hidden && li.classList.contains("match"));
        if (first) apply(first.dataset.code);
        else flash("No code matches “" + search.value + "”.", "error");
      }
    });
    document.addEventListener("keydown", (event) => {
      if (isTyping(event)) return;
      if (event.key === "c" && !event.ctrlKey && !event.metaKey) { showSelection(); search.focus(); event.preventDefault(); }
    });

    $("#propose-button").addEventListener("click", () => {
      if (!selection) { flash("Select the passage that shows the new code first.", "error"); return; }
      change("/api/propose", {
        source_id: text.dataset.source, start: selection.start, end: selection.end,
        label: $("#propose-label").value, parent: $("#propose-parent").value, definition: $("#propose-definition").value,
      });
    });

    // -- a click on a highlight opens its codings -----------------------------------------------------
    text.addEventListener("click", (event) => {
      const run = event.target.closest("span.r[data-c]");
      if (!run || !window.getSelection().isCollapsed) return;
      showCodings(run.dataset.c.split(" "));
    });

    function field(parent, label, value) {
      if (value === null || value === undefined || value === "") return;
      const row = document.createElement("div");
      row.className = "field";
      const b = document.createElement("span");
      b.className = "muted";
      b.textContent = label + ": ";
      const v = document.createElement("span");
      v.textContent = String(value);
      row.append(b, v);
      parent.append(row);
    }
    function button(label, cls, handler) {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = label;
      b.className = cls;
      b.addEventListener("click", handler);
      return b;
    }
    function showCodings(ids) {
      const panel = $("#coding-panel"), box = $("#coding-details");
      box.textContent = "";
      ids.map((id) => byId.get(id)).filter(Boolean).forEach((c) => {
        const card = document.createElement("div");
        card.className = "coding-card status-" + c.status;
        card.dataset.coding = c.id;
        const title = document.createElement("div");
        const sw = document.createElement("span");
        sw.className = "swatch";
        sw.style.background = c.colour;
        const name = document.createElement("strong");
        name.textContent = c.code;
        title.append(sw, name);
        card.append(title);
        field(card, "status", c.status + (c.decided_by && c.status !== "human" ? " by " + c.decided_by : ""));
        field(card, "origin", c.origin);
        field(card, "coder", c.coder);
        field(card, "score", c.score);
        field(card, "evidence", c.evidence);
        field(card, "passage", c.text.length > 200 ? c.text.slice(0, 197) + "…" : c.text);
        field(card, "memo", c.memo);
        (c.memos || []).forEach((m) => field(card, "memo", m));
        const actions = document.createElement("div");
        actions.className = "actions";
        if (c.status !== "human") {
          actions.append(button("Accept", "accept", () => change("/api/decide", { coding_id: c.id, decision: "accept", expected: c.version })));
          actions.append(button("Reject", "reject", () => change("/api/decide", { coding_id: c.id, decision: "reject", expected: c.version })));
        } else {
          actions.append(button("Remove", "reject", () => change("/api/uncode", { coding_id: c.id })));
        }
        const recode = document.createElement("select");
        recode.setAttribute("aria-label", "Recode as");
        const none = document.createElement("option");
        none.value = ""; none.textContent = "Recode as…";
        recode.append(none);
        $$("#codebook-tree li.node").forEach((li) => {
          const o = document.createElement("option");
          o.value = li.dataset.code;
          o.textContent = li.querySelector("button.apply").textContent;
          recode.append(o);
        });
        recode.addEventListener("change", () => {
          if (recode.value) change("/api/recode", { coding_id: c.id, code_id: recode.value, expected: c.version });
        });
        actions.append(recode);
        card.append(actions);
        const memo = document.createElement("textarea");
        memo.rows = 2;
        memo.placeholder = "Memo on this coding…";
        memo.className = "coding-memo";
        card.append(memo);
        card.append(button("Save memo", "memo", () => {
          if (!memo.value.trim()) { flash("Write the memo first.", "error"); return; }
          change("/api/memo", { kind: "coding", target: c.id, text: memo.value });
        }));
        box.append(card);
      });
      panel.hidden = false;
      $$("span.r.active").forEach((r) => r.classList.remove("active"));
      ids.forEach((id) => $$('span.r[data-c~="' + CSS.escape(id) + '"]').forEach((r) => r.classList.add("active")));
    }

    // -- coding stripes in the margin, as NVivo and MAXQDA draw them -----------------------------------
    function drawStripes() {
      const box = $("#stripes");
      box.textContent = "";
      const top = text.getBoundingClientRect().top;
      const spans = new Map();
      runs.forEach((r) => {
        if (!r.dataset.c) return;
        const rects = r.getClientRects();
        if (!rects.length) return;
        const a = rects[0].top - top, b = rects[rects.length - 1].bottom - top;
        r.dataset.c.split(" ").forEach((id) => {
          const s = spans.get(id);
          if (s) { s.top = Math.min(s.top, a); s.bottom = Math.max(s.bottom, b); } else spans.set(id, { top: a, bottom: b });
        });
      });
      const lanes = []; // bottom of the last stripe in each lane
      const order = Array.from(spans.entries()).sort((x, y) => x[1].top - y[1].top || y[1].bottom - x[1].bottom);
      order.forEach(([id, s]) => {
        const c = byId.get(id);
        if (!c) return;
        let lane = lanes.findIndex((bottom) => bottom < s.top);
        if (lane < 0) { lane = lanes.length; lanes.push(0); }
        lanes[lane] = s.bottom + 2;
        const stripe = document.createElement("div");
        stripe.className = "stripe status-" + c.status;
        stripe.style.top = s.top + "px";
        stripe.style.height = Math.max(8, s.bottom - s.top) + "px";
        stripe.style.left = lane * 16 + "px";
        stripe.style.setProperty("--colour", c.colour);
        stripe.dataset.coding = id;
        stripe.title = c.code + " (" + c.status + ", " + c.origin + ")";
        const label = document.createElement("span");
        label.textContent = c.code;
        stripe.append(label);
        stripe.addEventListener("click", () => showCodings([id]));
        box.append(stripe);
      });
      box.style.width = Math.max(1, lanes.length) * 16 + 4 + "px";
      document.body.dataset.stripes = String(spans.size);
    }
    drawStripes();
    let resize = null;
    window.addEventListener("resize", () => { clearTimeout(resize); resize = setTimeout(drawStripes, 150); });

    // a search hit: #at=start-end marks the runs it covers and scrolls to them
    const at = /at=(\d+)-(\d+)/.exec(location.hash);
    if (at) {
      const s = Number(at[1]), e = Number(at[2]);
      const hit = $$("span.r").filter((r) => Number(r.dataset.s) < e && Number(r.dataset.e) > s);
      hit.forEach((r) => r.classList.add("hit"));
      if (hit.length) hit[0].scrollIntoView({ block: "center" });
    }
    const wanted = /coding=([^&]+)/.exec(location.hash);
    if (wanted && byId.has(decodeURIComponent(wanted[1]))) {
      const id = decodeURIComponent(wanted[1]);
      const run = $('span.r[data-c~="' + CSS.escape(id) + '"]');
      if (run) run.scrollIntoView({ block: "center" });
      showCodings([id]);
    }
  }

  // ====================================================================================================
  function queuePage() {
    const card = $("#suggestion");
    const memo = $("#decision-memo");
    const url = new URL(location.href);
    function go(position) {
      url.searchParams.set("i", String(Math.max(0, position)));
      location.assign(url.toString());
    }
    function decide(decision) {
      if (!card) return;
      change("/api/decide", {
        coding_id: card.dataset.coding, decision: decision, expected: +card.dataset.version,
        memo: memo && memo.value ? memo.value : null,
      });
    }
    if (card) {
      $("#accept").addEventListener("click", () => decide("accept"));
      $("#reject").addEventListener("click", () => decide("reject"));
      $("#skip").addEventListener("click", () => go(+card.dataset.position + 1));
    }
    document.addEventListener("keydown", (event) => {
      if (isTyping(event) || event.ctrlKey || event.metaKey || event.altKey) return;
      const key = event.key.toLowerCase();
      if (key === "a") decide("accept");
      else if (key === "r") decide("reject");
      else if ((key === "s" || key === "arrowright") && card) go(+card.dataset.position + 1);
      else if (key === "arrowleft" && card) go(+card.dataset.position - 1);
      else if (key === "u") change("/api/undo", {});
      else return;
      event.preventDefault();
    });
  }
})();
