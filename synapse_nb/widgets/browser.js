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
  root.append(title, bar, tools, tableBox, gallery, pager, actions, status, detail);
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
        sel.addEventListener("change", () => send({ event: "filter", key: f.key, index: sel.selectedIndex }));
        wrap.append(sel);
      } else {
        const input = h("input");
        input.type = "text";
        input.placeholder = "any";
        input.value = f.text;
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
    const asTable = button("Table", "snb-view-table", "table view", () => send({ event: "view", mode: "table" }));
    const asGallery = button("Gallery", "snb-view-gallery", "thumbnails of this page",
                             () => send({ event: "view", mode: "gallery" }));
    (mode === "gallery" ? asGallery : asTable).classList.add("snb-active");
    tools.replaceChildren(info, only, clear, h("span", "snb-spacer"), asTable, asGallery);
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
      return;
    }
    moveFocus(slot);
    paintFocus();
    root.focus({ preventScroll: true });
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
  }

  root.addEventListener("keydown", (ev) => {
    if (ev.target.matches("input, select, textarea") || ev.ctrlKey || ev.metaKey || ev.altKey) return;
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

  const draws = { title: drawTitle, subtitle: drawTitle, filters: drawFilters, search: drawFilters,
                  table: drawTable, selection: drawTools, mode: () => { drawTools(); drawGallery(); },
                  gallery: drawGallery, actions: drawActions, status: drawStatus, detail: drawDetail };
  const listeners = Object.entries(draws).map(([name, fn]) => {
    const cb = () => fn();
    model.on(`change:${name}`, cb);
    return [name, cb];
  });
  drawTitle(); drawFilters(); drawTools(); drawTable(); drawGallery(); drawActions(); drawStatus(); drawDetail();
  root.dataset.ready = "1";
  return () => listeners.forEach(([name, cb]) => model.off(`change:${name}`, cb));
}

export default { render };
