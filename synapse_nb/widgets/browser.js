// synapse_nb browser view: draws what the Python side's traits say, sends back what the
// user did. No build step: an ES module loaded by anywidget. Record values are set with
// textContent only; `detail` and gallery cards are HTML escaped in Python.

const CLASS_UNSAFE = /[^A-Za-z0-9_-]/g;

function h(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

function button(text, cls, title, onClick) {
  const b = h("button", `snb-button ${cls}`, text);
  b.type = "button";
  if (title) b.title = title;
  b.addEventListener("click", onClick);
  return b;
}

function render({ model, el }) {
  const send = (event) => model.send(event);
  const root = h("div", "snb-view");
  root.tabIndex = 0;
  // JupyterLab: keys typed here are ours (j/k would otherwise move between cells).
  root.setAttribute("data-lm-suppress-shortcuts", "true");
  const title = h("div", "snb-title");
  const bar = h("div", "snb-filter-bar");
  const tools = h("div", "snb-tools");
  const tableBox = h("div", "snb-table-widget");
  const gallery = h("div", "snb-gallery");
  const pager = h("div", "snb-pager");
  const actions = h("div", "snb-actions");
  const status = h("div", "snb-status");
  const detail = h("div", "snb-detail");
  const reviewBox = h("div", "snb-review");
  const editorBox = h("div", "snb-editor");
  root.append(title, bar, tools, reviewBox, tableBox, gallery, pager, actions, status, editorBox, detail);
  el.appendChild(root);

  let focus = -1;
  // Focus moves here at once; the kernel's echo of an older move must not pull it back.
  let focusSeq = 0;
  const moveFocus = (slot) => {
    focus = slot;
    focusSeq += 1;
    send({ event: "focus", slot, seq: focusSeq });
  };
  let tagInput = null;

  function drawTitle() {
    title.replaceChildren(h("b", "snb-title-name", model.get("title")),
                          h("span", "snb-title-info", model.get("subtitle")));
  }

  function drawFilters() {
    const typing = document.activeElement && bar.contains(document.activeElement)
      ? document.activeElement.className : null;
    const parts = [];
    for (const f of model.get("filters")) {
      const wrap = h("label", `snb-filter snb-filter-${f.key.replace(CLASS_UNSAFE, "-")}`);
      wrap.append(h("span", "snb-filter-title", f.title));
      if (f.kind === "select") {
        const sel = h("select");
        f.options.forEach((text, i) => sel.append(h("option", null, text)));
        sel.selectedIndex = f.index;
        if (f.fixed) { // loaded with this filter: shown, not editable
          sel.disabled = true;
          sel.title = f.fixed;
          wrap.classList.add("snb-filter-fixed");
        }
        sel.addEventListener("change", () => send({ event: "filter", key: f.key, index: sel.selectedIndex }));
        wrap.append(sel);
      } else {
        const input = h("input");
        input.type = "text";
        input.placeholder = "any";
        input.value = f.text;
        if (f.fixed) { input.disabled = true; input.title = f.fixed; wrap.classList.add("snb-filter-fixed"); }
        const submit = () => send({ event: "filter", key: f.key, text: input.value });
        input.addEventListener("change", submit);
        input.addEventListener("keydown", (ev) => { if (ev.key === "Enter") submit(); });
        wrap.append(input);
      }
      parts.push(wrap);
    }
    const search = h("input", "snb-search");
    search.type = "search";
    search.placeholder = "search…";
    search.value = model.get("search");
    // Enter, leaving the box, or its clear button: each sends the text once.
    const submit = () => {
      if (search.value !== model.get("search")) send({ event: "search", text: search.value });
    };
    search.addEventListener("change", submit);
    search.addEventListener("search", submit);
    search.addEventListener("keydown", (ev) => { if (ev.key === "Enter") submit(); });
    parts.push(search);
    bar.replaceChildren(...parts);
    if (typing === "snb-search") search.focus(); // still typing after a search was applied
  }

  function drawTools() {
    const sel = model.get("selection");
    const mode = model.get("mode");
    const info = h("span", "snb-selection-info", `${sel.count.toLocaleString("en-US")} selected`);
    const only = h("label", "snb-selected-only");
    const box = h("input");
    box.type = "checkbox";
    box.checked = !!sel.only;
    box.addEventListener("change", () => send({ event: "selected_only", value: box.checked }));
    only.append(box, h("span", null, " show selected only"));
    const clear = button("Clear selection", "snb-clear-selection", "untick every row",
                         () => send({ event: "clear_selection" }));
    clear.disabled = sel.count === 0;
    const matching = button(`Select all ${(sel.matching || 0).toLocaleString("en-US")} matching`,
                            "snb-select-matching", "tick every row the filters and search match, on every page",
                            () => send({ event: "select_matching" }));
    matching.disabled = !sel.matching || sel.count >= sel.matching;
    const asTable = button("Table", "snb-view-table", "table view", () => send({ event: "view", mode: "table" }));
    const asGallery = button("Gallery", "snb-view-gallery", "thumbnails of this page",
                             () => send({ event: "view", mode: "gallery" }));
    (mode === "gallery" ? asGallery : asTable).classList.add("snb-active");
    tools.replaceChildren(info, only, matching, clear, h("span", "snb-spacer"), asTable, asGallery);
  }

  function paintFocus(scroll) {
    for (const row of root.querySelectorAll(".snb-row, .snb-card")) {
      const on = Number(row.dataset.slot) === focus;
      row.classList.toggle("snb-row-current", on);
      if (on && scroll) row.scrollIntoView({ block: "nearest" });
    }
  }

  let shownPage = "";

  function drawTable() {
    const t = model.get("table");
    if ((t.focus_seq || 0) >= focusSeq) focus = t.focus;
    const table = h("table", "snb-grid");
    const head = h("tr", "snb-header");
    const pageBox = h("input", "snb-page-check");
    pageBox.type = "checkbox";
    pageBox.title = "select this page";
    pageBox.checked = t.checked.length > 0 && t.checked.every(Boolean);
    pageBox.addEventListener("change", () => send({ event: "check_page", value: pageBox.checked }));
    const first = h("th", "snb-check-cell");
    first.append(pageBox);
    head.append(first);
    for (const c of t.columns) {
      let arrow = "";
      if (t.sort && t.sort[0] === c.key) arrow = t.sort[1] ? " ▲" : " ▼";
      const th = h("th", "snb-header-cell", c.title + arrow);
      th.dataset.key = c.key;
      th.style.minWidth = `${c.width}px`;
      th.title = `sort by ${c.key}`;
      th.addEventListener("click", () => send({ event: "sort", key: c.key }));
      head.append(th);
    }
    const thead = h("thead");
    thead.append(head);
    const body = h("tbody");
    t.cells.forEach((cells, slot) => {
      const id = t.ids[slot];
      const tr = h("tr", `snb-row snb-row-id-${id.replace(CLASS_UNSAFE, "_")}`);
      tr.dataset.slot = String(slot);
      tr.dataset.id = id;
      if (t.checked[slot]) tr.classList.add("snb-row-selected");
      const td = h("td", "snb-row-check");
      const box = h("input");
      box.type = "checkbox";
      box.checked = !!t.checked[slot];
      td.append(box);
      tr.append(td);
      cells.forEach((text, j) => {
        const cell = h("td", "snb-cell", text);
        const tip = t.tips[slot] && t.tips[slot][j];
        if (tip) cell.title = tip;
        tr.append(cell);
      });
      body.append(tr);
    });
    table.append(thead, body);
    // Same page redrawn (a tick, a tag): keep the scroll position; a new page starts on top.
    const pageKey = `${t.page}:${t.size}:${t.ids[0]}:${t.count}`;
    const scrollTop = pageKey === shownPage ? tableBox.scrollTop : 0;
    shownPage = pageKey;
    tableBox.replaceChildren(table);
    tableBox.scrollTop = scrollTop;
    paintFocus();
    drawPager(t);
  }

  function onRows(ev) {
    const row = ev.target.closest("[data-slot]");
    if (!row) return;
    const slot = Number(row.dataset.slot);
    if (ev.target.matches("input[type=checkbox]")) {
      send({ event: "check", slot, value: ev.target.checked, shift: ev.shiftKey });
      root.focus({ preventScroll: true }); // j/k/space keep working after a mouse tick
      return;
    }
    moveFocus(slot);
    paintFocus();
    root.focus({ preventScroll: true });
    detail.classList.add("snb-loading"); // until the kernel sends the record's pane
    if (model.get("mode") === "gallery") detail.scrollIntoView({ block: "nearest" });
  }
  tableBox.addEventListener("click", onRows);
  gallery.addEventListener("click", onRows);

  function drawPager(t) {
    const go = (to) => () => send({ event: "page", to });
    const atStart = t.page <= 0;
    const atEnd = t.page >= t.pages - 1;
    const b1 = button("«", "snb-page-first", "first page", go("first"));
    const b2 = button("‹", "snb-page-prev", "previous page", go("prev"));
    const b3 = button("›", "snb-page-next", "next page", go("next"));
    const b4 = button("»", "snb-page-last", "last page", go("last"));
    b1.disabled = b2.disabled = atStart;
    b3.disabled = b4.disabled = atEnd;
    const size = h("select", "snb-page-size");
    size.title = "rows per page";
    for (const n of t.sizes) {
      const o = h("option", null, `${n} rows`);
      o.value = String(n);
      if (n === t.size) o.selected = true;
      size.append(o);
    }
    size.addEventListener("change", () => send({ event: "page_size", size: Number(size.value) }));
    pager.replaceChildren(b1, b2, h("span", "snb-page-info", t.info), b3, b4, size);
  }

  function drawGallery() {
    const mode = model.get("mode");
    tableBox.style.display = mode === "gallery" ? "none" : "";
    gallery.style.display = mode === "gallery" ? "" : "none";
    const cards = [];
    for (const card of model.get("gallery")) {
      const c = h("div", "snb-card");
      c.dataset.slot = String(card.slot);
      c.dataset.id = card.id;
      c.innerHTML = card.html; // built and escaped in Python (overlay.py)
      cards.push(c);
    }
    gallery.replaceChildren(...cards);
  }

  function drawActions() {
    const spec = model.get("actions");
    const parts = [];
    tagInput = null;
    if (spec.input) {
      tagInput = h("input", spec.input.cls);
      tagInput.type = "text";
      tagInput.placeholder = spec.input.placeholder;
      parts.push(tagInput);
    }
    for (const b of spec.buttons) {
      const el2 = button(b.label, b.cls, b.title || "", () =>
        send({ event: "action", key: b.key, text: tagInput ? tagInput.value : "" }));
      el2.disabled = !!b.disabled;
      parts.push(el2);
    }
    actions.replaceChildren(...parts);
  }

  function drawStatus() {
    const s = model.get("status");
    status.replaceChildren();
    if (s.text) status.append(h("span", s.error ? "snb-status-error" : "snb-status-ok", s.text));
  }

  function drawDetail() {
    detail.innerHTML = model.get("detail"); // built and escaped in Python (detail.py)
    detail.classList.remove("snb-loading");
  }

  root.addEventListener("keydown", (ev) => {
    if (ev.target.matches("input, select, textarea")) return;
    if (editorKey(ev) || reviewKey(ev)) {
      ev.preventDefault();
      ev.stopPropagation();
      return;
    }
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const rows = model.get("table").cells.length;
    let handled = true;
    if (ev.key === "ArrowDown" || ev.key === "j") {
      moveFocus(Math.min(rows - 1, focus + 1));
      paintFocus(true);
    } else if (ev.key === "ArrowUp" || ev.key === "k") {
      moveFocus(Math.max(0, focus - 1));
      paintFocus(true);
    } else if (ev.key === " " && focus >= 0) {
      const checked = model.get("table").checked[focus];
      send({ event: "check", slot: focus, value: !checked, shift: ev.shiftKey });
    } else if (ev.key === "t" && tagInput) {
      tagInput.focus();
    } else if (ev.key === "ArrowRight") {
      send({ event: "page", to: "next" });
    } else if (ev.key === "ArrowLeft") {
      send({ event: "page", to: "prev" });
    } else {
      handled = false;
    }
    if (handled) {
      ev.preventDefault();
      ev.stopPropagation();
    }
  });

  // -- review queue ------------------------------------------------------------------

  function drawReview() {
    const r = model.get("review") || {};
    reviewBox.style.display = r.active ? "" : "none";
    if (!r.active) return;
    const decision = h("span", `snb-review-decision snb-review-${r.decision || "none"}`,
                       r.decision ? `decision: ${r.decision}` : "not decided");
    const help = h("span", "snb-review-help", "n/→ next · p/← previous · a accept · r reject · f fix");
    const verbs = ["prev", "next", "accept", "reject", "fix"].map((a) =>
      button(a, `snb-review-${a}`, `${a} (key)`, () => send({ event: "review", action: a })));
    reviewBox.replaceChildren(h("b", "snb-review-counter", r.text), decision, ...verbs, help);
  }

  function reviewKey(ev) {
    const r = model.get("review") || {};
    if (!r.active || ev.ctrlKey || ev.metaKey || ev.altKey) return false;
    const action = { n: "next", ArrowRight: "next", p: "prev", ArrowLeft: "prev", a: "accept",
                     r: "reject", f: "fix" }[ev.key];
    if (!action) return false;
    send({ event: "review", action });
    return true;
  }

  // -- edit mode -----------------------------------------------------------------------

  const SVGNS = "http://www.w3.org/2000/svg";
  const sv = (tag, attrs) => {
    const e = document.createElementNS(SVGNS, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    return e;
  };
  let selected = null; // key of the selected object
  let selectedExtra = null; // index of the selected prediction / suspect
  let drawing = false; // draw-a-box mode
  let drawLabel = null;
  let drag = null;
  let editorSvg = null;
  let canvas = null; // the editor's <svg>, made once
  let shownState = null; // the editor state the canvas draws
  let editorVersion = 0;
  const editOp = (op) => send({ event: "edit", ...op });

  function editorKey(ev) {
    const st = model.get("editor") || {};
    if (st.task === null || st.task === undefined) return false;
    const k = ev.key;
    if ((ev.ctrlKey || ev.metaKey) && (k === "z" || k === "Z")) {
      editOp({ op: ev.shiftKey ? "redo" : "undo" });
      return true;
    }
    if ((ev.ctrlKey || ev.metaKey) && (k === "y" || k === "Y")) {
      editOp({ op: "redo" });
      return true;
    }
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return false;
    const label = labelForKey(k, st.labels || []);
    if (label !== null) {
      if (selected !== null) editOp({ op: "relabel", object: selected, label });
      else { drawLabel = label; drawEditor(); }
      return true;
    }
    if ((k === "Delete" || k === "Backspace") && selected !== null) {
      editOp({ op: "delete", object: selected });
      selected = null;
      return true;
    }
    if (k === "Escape") {
      selected = null; selectedExtra = null; drawing = false;
      drawEditor();
      return true;
    }
    if (k === "b") {
      drawing = !drawing;
      drawEditor();
      return true;
    }
    return false;
  }

  function imagePoint(ev, st) {
    return clientToImage(ev.clientX, ev.clientY, editorSvg.getBoundingClientRect(), st.width, st.height);
  }

  function shapeNode(o, st, font) {
    const g = sv("g", { class: "snb-edit-object", "data-key": o.key, "data-label": o.label });
    const common = { stroke: o.color, "stroke-width": o.key === selected ? 3 : 2,
                     "vector-effect": "non-scaling-stroke", fill: o.color, "fill-opacity": 0.12 };
    let body;
    if (o.kind === "bbox") {
      const [x1, y1, x2, y2] = o.box;
      body = sv("rect", { ...common, class: "snb-edit-shape snb-edit-bbox", x: x1, y: y1,
                          width: x2 - x1, height: y2 - y1 });
    } else {
      const tag = o.kind === "polyline" ? "polyline" : "polygon";
      body = sv(tag, { ...common, class: `snb-edit-shape snb-edit-${tag}`,
                       points: o.points.map((p) => p.join(",")).join(" ") });
      if (tag === "polyline" || o.kind === "keypoint") body.setAttribute("fill", "none");
    }
    body.dataset.key = String(o.key);
    g.append(body);
    if (o.key === selected) {
      if (o.kind === "bbox") {
        for (const hd of handlesOf(o.box)) {
          const r = sv("rect", { class: "snb-edit-handle", "data-handle": hd.name, x: hd.x - font / 3,
                                 y: hd.y - font / 3, width: font / 1.5, height: font / 1.5,
                                 fill: "#fff", stroke: "#000", "vector-effect": "non-scaling-stroke" });
          g.append(r);
        }
      } else {
        o.points.forEach((p, i) => g.append(sv("circle", { class: "snb-edit-vertex", "data-vertex": i,
          cx: p[0], cy: p[1], r: font / 3, fill: "#fff", stroke: "#000",
          "vector-effect": "non-scaling-stroke" })));
      }
    }
    return g;
  }

  function extraNode(e, i) {
    const [x1, y1, x2, y2] = e.box;
    const suspect = e.role === "suspect";
    const attrs = { class: `snb-edit-extra snb-edit-${e.role}`, "data-extra": i, "data-role": e.role,
                    "data-label": e.label, x: x1, y: y1, width: x2 - x1, height: y2 - y1,
                    stroke: suspect ? "#ffe600" : e.color, "stroke-width": suspect ? 5 : (i === selectedExtra ? 3 : 2),
                    fill: "transparent", "vector-effect": "non-scaling-stroke" };
    if (!suspect) attrs["stroke-dasharray"] = "6 4";
    return sv("rect", attrs);
  }

  function labelTags(st, font) {
    const items = [
      ...st.objects.map((o) => ({ text: o.label, color: o.color, box: o.box, rank: 2 })),
      ...st.extras.map((e) => ({ text: e.confidence === null || e.confidence === undefined
        ? `${e.label} (${e.role})` : `${e.label} ${Number(e.confidence).toFixed(2)}`,
                                 color: e.color, box: e.box, rank: e.role === "prediction" ? 1 : 3 })),
    ].filter((t) => t.box && t.box.length === 4);
    items.sort((a, b) => b.rank - a.rank);
    const tags = items.map((t) => ({ x: t.box[0], y: Math.max(0, t.box[1] - font * 1.3),
                                     w: font * 0.62 * t.text.length + font * 0.6, h: font * 1.3 }));
    const at = placeLabels(tags, st.height);
    const g = sv("g", { class: "snb-edit-labels", "pointer-events": "none" });
    items.forEach((t, i) => {
      g.append(sv("rect", { x: at[i][0], y: at[i][1], width: tags[i].w, height: tags[i].h,
                            fill: t.color, "fill-opacity": 0.85 }));
      const text = sv("text", { class: "snb-edit-label-text", x: at[i][0] + font * 0.3,
                                y: at[i][1] + font, "font-size": font, fill: "#fff",
                                "font-family": "sans-serif" });
      text.textContent = t.text;
      g.append(text);
    });
    return g;
  }

  function onEditorDown(ev, st) {
    if (ev.button !== 0) return;
    const [x, y] = imagePoint(ev, st);
    const t = ev.target;
    const obj = (key) => st.objects.find((o) => String(o.key) === String(key));
    if (t.classList.contains("snb-edit-handle")) {
      const o = obj(selected);
      drag = { kind: "resize", handle: t.dataset.handle, key: selected, box: o.box.slice() };
    } else if (t.classList.contains("snb-edit-vertex")) {
      const o = obj(selected);
      drag = { kind: "vertex", i: Number(t.dataset.vertex), key: selected, points: o.points.map((p) => p.slice()) };
    } else if (t.classList.contains("snb-edit-extra")) {
      selectedExtra = Number(t.dataset.extra);
      selected = null;
      drawEditor();
      return;
    } else if (t.classList.contains("snb-edit-shape") && !drawing) {
      const key = Number(t.dataset.key);
      const o = obj(key);
      const changed = selected !== key;
      selected = key;
      selectedExtra = null;
      drag = { kind: "move", key, x0: x, y0: y, box: o.box.slice(),
               points: (o.points || []).map((p) => p.slice()), shape: o.kind };
      if (changed) drawEditor();
    } else {
      if (drawing || ev.shiftKey) {
        drag = { kind: "draw", x0: x, y0: y };
      } else {
        selected = null; selectedExtra = null;
        drawEditor();
      }
    }
    if (drag) {
      editorSvg.setPointerCapture(ev.pointerId);
      ev.preventDefault();
    }
  }

  function liveRect(box) {
    let r = editorSvg.querySelector(".snb-edit-live");
    if (!r) {
      r = sv("rect", { class: "snb-edit-live", fill: "none", stroke: "#1a5fb4", "stroke-width": 2,
                       "stroke-dasharray": "4 2", "vector-effect": "non-scaling-stroke" });
      editorSvg.append(r);
    }
    r.setAttribute("x", box[0]); r.setAttribute("y", box[1]);
    r.setAttribute("width", box[2] - box[0]); r.setAttribute("height", box[3] - box[1]);
  }

  function dragResult(ev, st, d) {
    const drag = d;
    const [x, y] = imagePoint(ev, st);
    if (drag.kind === "move") {
      const dx = x - drag.x0;
      const dy = y - drag.y0;
      if (drag.shape === "bbox") return { box: moveBox(drag.box, dx, dy, st.width, st.height), dx, dy };
      return { points: drag.points.map((p) => [clamp(p[0] + dx, 0, st.width), clamp(p[1] + dy, 0, st.height)]), dx, dy };
    }
    if (drag.kind === "resize") return { box: resizeBox(drag.box, drag.handle, x, y, st.width, st.height) };
    if (drag.kind === "vertex") return { points: moveVertex(drag.points, drag.i, x, y, st.width, st.height) };
    return { box: boxFromDrag(drag.x0, drag.y0, x, y, st.width, st.height) };
  }

  function onEditorMove(ev, st) {
    if (!drag) return;
    const r = dragResult(ev, st, drag);
    if (r.box) liveRect(r.box);
    if (r.points) {
      const node = editorSvg.querySelector(`.snb-edit-shape[data-key="${drag.key}"]`);
      if (node) node.setAttribute("points", r.points.map((p) => p.join(",")).join(" "));
    }
  }

  function onEditorUp(ev, st) {
    if (!drag) return;
    const d = drag;
    drag = null;
    const r = dragResult(ev, st, d);
    const moved = d.kind !== "move" || Math.abs(r.dx) + Math.abs(r.dy) >= 0.5;
    if (!moved) { drawEditor(); return; }
    root.dataset.editSent = String(performance.now());
    if (d.kind === "draw") {
      if (!r.box) { drawEditor(); return; }
      const label = drawLabel || (st.labels || [])[0];
      if (!label) { drawEditor(); return; }
      editOp({ op: "add", label, box: r.box });
    } else if (r.box && d.kind !== "vertex" && (d.kind === "resize" || d.shape === "bbox")) {
      editOp({ op: "set_box", object: d.key, box: r.box });
    } else {
      editOp({ op: "set_points", object: d.key, points: r.points });
    }
  }

  function conflictPanel(st) {
    const box = h("div", "snb-edit-conflicts");
    for (const c of st.conflicts) {
      const row = h("div", "snb-edit-conflict snb-status-error");
      row.dataset.task = String(c.task);
      row.append(h("span", null, `Task ${c.task} changed on the server since you began: not written. ` +
                    `Yours: ${c.yours} object(s) [${(c.yours_labels || []).join(", ")}]; ` +
                    `theirs: ${c.theirs} object(s) [${(c.theirs_labels || []).join(", ")}]. `));
      row.append(button("Rebase mine on theirs", "snb-conflict-rebase", "re-apply your edits on the server's version",
                        () => editOp({ op: "rebase", task: c.task })));
      row.append(button("Drop mine", "snb-conflict-drop", "keep the server's version",
                        () => editOp({ op: "drop", task: c.task })));
      box.append(row);
    }
    return box;
  }

  function drawEditor() {
    const st = model.get("editor") || {};
    editorVersion += 1;
    root.dataset.editorVersion = String(editorVersion);
    const open = st.task !== null && st.task !== undefined;
    detail.classList.toggle("snb-editing", open);
    if (!st.editable) { editorBox.replaceChildren(); return; }
    const parts = [];
    if (st.restore) {
      const r = h("div", "snb-edit-restore");
      r.append(h("span", null, `${st.restore} task(s) have unsaved edits from an earlier session. `),
               button("Restore them", "snb-edit-restore-yes", "take back the journaled edits",
                      () => editOp({ op: "restore" })));
      parts.push(r);
    }
    if (st.conflicts && st.conflicts.length) parts.push(conflictPanel(st));
    const bar = h("div", "snb-edit-toolbar");
    const info = h("span", "snb-edit-pending", `${st.pending} pending edit(s) in ${st.tasks} task(s)`);
    const save = button(`Save`, "snb-edit-save", "write the edits to the server (checks for newer versions first)",
                        () => editOp({ op: "save" }));
    save.disabled = !st.pending;
    const discard = button("Discard", "snb-edit-discard", "drop every pending edit", () => editOp({ op: "discard" }));
    discard.disabled = !st.pending;
    if (!open) {
      bar.append(button("Edit boxes", "snb-edit-open", "edit this record's objects (drag, resize, draw, relabel)",
                        () => editOp({ op: "open" })), info, save, discard);
      parts.push(bar);
      editorBox.replaceChildren(...parts);
      editorSvg = null;
      return;
    }
    const labels = st.labels || [];
    const picker = h("select", "snb-edit-label");
    picker.title = "label of the selected object, or of the next box drawn (keys 1-9)";
    const current = st.objects.find((o) => o.key === selected);
    const shown = current ? current.label : (drawLabel || labels[0]);
    labels.forEach((name, i) => {
      const o = h("option", null, i < 9 ? `${i + 1}: ${name}` : name);
      o.value = name;
      if (name === shown) o.selected = true;
      picker.append(o);
    });
    picker.addEventListener("change", () => {
      if (selected !== null) editOp({ op: "relabel", object: selected, label: picker.value });
      else drawLabel = picker.value;
      root.focus({ preventScroll: true });
    });
    const draw = button("Draw box", "snb-edit-draw", "drag on the image to draw a box (key b; shift-drag always draws)",
                        () => { drawing = !drawing; drawEditor(); root.focus({ preventScroll: true }); });
    if (drawing) draw.classList.add("snb-active");
    const del = button("Delete", "snb-edit-delete", "delete (reject) the selected object (Delete key)",
                       () => { if (selected !== null) editOp({ op: "delete", object: selected }); selected = null; });
    del.disabled = selected === null;
    const undo = button("Undo", "snb-edit-undo", "Ctrl-Z", () => editOp({ op: "undo" }));
    undo.disabled = !st.can_undo;
    const redo = button("Redo", "snb-edit-redo", "Ctrl-Shift-Z", () => editOp({ op: "redo" }));
    redo.disabled = !st.can_redo;
    const accept = button("Accept prediction", "snb-edit-accept", "make the selected prediction an annotation",
                          () => { editOp({ op: "accept", extra: selectedExtra }); selectedExtra = null; });
    accept.disabled = selectedExtra === null;
    const close = button("Close editor", "snb-edit-close", "leave edit mode (pending edits stay)",
                         () => editOp({ op: "close" }));
    bar.append(h("b", "snb-edit-title", `Editing task ${st.task}`), picker, draw, del, undo, redo);
    if (st.extras.length) bar.append(accept);
    bar.append(info, save, discard, close);
    parts.push(bar);
    const font = Math.max(8, Math.max(st.width, st.height) / 45);
    // One canvas for the browser's life: a redraw replaces its shapes, never the element,
    // so a drag in progress or a test's locator keeps its target.
    if (!canvas) {
      canvas = sv("svg", { class: "snb-edit-canvas", preserveAspectRatio: "none" });
      canvas.style.touchAction = "none";
      canvas.addEventListener("pointerdown", (ev) => onEditorDown(ev, shownState));
      canvas.addEventListener("pointermove", (ev) => onEditorMove(ev, shownState));
      canvas.addEventListener("pointerup", (ev) => onEditorUp(ev, shownState));
    }
    shownState = st;
    const svg = canvas;
    svg.setAttribute("viewBox", `0 0 ${st.width} ${st.height}`);
    const shownWidth = Math.min(760, Math.max(st.width, 480));
    svg.style.width = `${shownWidth}px`;
    svg.style.height = `${(shownWidth * st.height) / st.width}px`;
    svg.style.cursor = drawing ? "crosshair" : "default";
    svg.replaceChildren();
    if (st.image) svg.append(sv("image", { class: "snb-edit-image", href: st.image, x: 0, y: 0, width: st.width, height: st.height }));
    else svg.append(sv("rect", { class: "snb-edit-image", x: 0, y: 0, width: st.width, height: st.height, fill: "#eee" }));
    st.extras.forEach((e, i) => svg.append(extraNode(e, i)));
    for (const o of st.objects) svg.append(shapeNode(o, st, font));
    svg.append(labelTags(st, font));
    editorSvg = svg;
    root.dataset.editDrawn = String(performance.now()); // benchmarks: drag end to redraw
    const legend = h("div", "snb-edit-legend",
                     "solid: annotations (drag to move, handles to resize, vertices to reshape) · " +
                     "dashed: predictions (select, then Accept) · thick yellow: suspects · " +
                     "keys: 1-9 label, Delete, b draw, Ctrl-Z / Ctrl-Shift-Z");
    parts.push(svg, legend);
    editorBox.replaceChildren(...parts);
  }

  const draws = { title: drawTitle, subtitle: drawTitle, filters: drawFilters, search: drawFilters,
                  table: drawTable, selection: drawTools, mode: () => { drawTools(); drawGallery(); },
                  gallery: drawGallery, actions: drawActions, status: drawStatus, detail: drawDetail,
                  editor: drawEditor, review: drawReview };
  const listeners = Object.entries(draws).map(([name, fn]) => {
    const cb = () => fn();
    model.on(`change:${name}`, cb);
    return [name, cb];
  });
  drawTitle(); drawFilters(); drawTools(); drawTable(); drawGallery(); drawActions(); drawStatus(); drawDetail();
  drawEditor(); drawReview();
  root.dataset.ready = "1";
  return () => listeners.forEach(([name, cb]) => model.off(`change:${name}`, cb));
}

export default { render };
