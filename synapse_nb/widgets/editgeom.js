// Pure geometry of the editor (no DOM): display-to-image coordinates, moves, resizes,
// drawn boxes, vertices, handles, label keys and label placement. Everything here is in
// image pixels. Unit-tested with `node --test tests/widgets/editgeom.test.mjs`; the view
// (browser.js) is appended to this file to make the one ES module anywidget loads.

export const HANDLES = ["nw", "n", "ne", "e", "se", "s", "sw", "w"];

export function clamp(v, lo, hi) {
  return Math.min(hi, Math.max(lo, v));
}

// A pointer at (clientX, clientY) over an element showing a width x height image in
// `rect` (its getBoundingClientRect): the image pixel under it, whatever the zoom.
export function clientToImage(clientX, clientY, rect, width, height) {
  const sx = width / (rect.width || 1);
  const sy = height / (rect.height || 1);
  return [clamp((clientX - rect.left) * sx, 0, width), clamp((clientY - rect.top) * sy, 0, height)];
}

export function normBox([x1, y1, x2, y2]) {
  return [Math.min(x1, x2), Math.min(y1, y2), Math.max(x1, x2), Math.max(y1, y2)];
}

// The box moved by (dx, dy), kept inside the image (its size never changes).
export function moveBox(box, dx, dy, width, height) {
  const [x1, y1, x2, y2] = box;
  const w = x2 - x1;
  const h = y2 - y1;
  const nx = clamp(x1 + dx, 0, Math.max(0, width - w));
  const ny = clamp(y1 + dy, 0, Math.max(0, height - h));
  return [nx, ny, nx + w, ny + h];
}

// The box with `handle` (nw, n, ne, e, se, s, sw, w) dragged to (x, y); dragging past the
// opposite side flips the box instead of giving it a negative size.
export function resizeBox(box, handle, x, y, width, height) {
  let [x1, y1, x2, y2] = box;
  const cx = clamp(x, 0, width);
  const cy = clamp(y, 0, height);
  if (handle.includes("w")) x1 = cx;
  if (handle.includes("e")) x2 = cx;
  if (handle.includes("n")) y1 = cy;
  if (handle.includes("s")) y2 = cy;
  return normBox([x1, y1, x2, y2]);
}

// A box drawn from (x0, y0) to (x1, y1); null when it is too small to be meant (a click).
export function boxFromDrag(x0, y0, x1, y1, width, height, minSize = 2) {
  const box = normBox([clamp(x0, 0, width), clamp(y0, 0, height), clamp(x1, 0, width), clamp(y1, 0, height)]);
  if (box[2] - box[0] < minSize || box[3] - box[1] < minSize) return null;
  return box;
}

export function moveVertex(points, i, x, y, width, height) {
  return points.map((p, j) => (j === i ? [clamp(x, 0, width), clamp(y, 0, height)] : [p[0], p[1]]));
}

export function handlesOf([x1, y1, x2, y2]) {
  const mx = (x1 + x2) / 2;
  const my = (y1 + y2) / 2;
  const at = { nw: [x1, y1], n: [mx, y1], ne: [x2, y1], e: [x2, my], se: [x2, y2], s: [mx, y2],
               sw: [x1, y2], w: [x1, my] };
  return HANDLES.map((name) => ({ name, x: at[name][0], y: at[name][1] }));
}

// Keys 1-9 pick the project's first nine labels; anything else: null.
export function labelForKey(key, labels) {
  if (!/^[1-9]$/.test(key)) return null;
  const i = Number(key) - 1;
  return i < labels.length ? labels[i] : null;
}

export function boxesOverlap(a, b) {
  return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
}

// Label tags (each {x, y, w, h}: wanted top-left and size) placed so that none covers
// another: a tag that would overlap one already placed moves down below it, in order of
// importance (the caller sorts: e.g. higher confidence first). Returns [x, y] per tag.
export function placeLabels(tags, height) {
  const placed = [];
  return tags.map((t) => {
    let y = t.y;
    for (let guard = 0; guard < tags.length + 1; guard += 1) {
      const hit = placed.find((p) => boxesOverlap([t.x, y, t.x + t.w, y + t.h], p));
      if (!hit) break;
      y = hit[3];
    }
    y = clamp(y, 0, Math.max(0, height - t.h));
    placed.push([t.x, y, t.x + t.w, y + t.h]);
    return [t.x, y];
  });
}

// Is (x, y) close enough to a box's handle to grab it (tolerance in image pixels)?
export function handleAt(box, x, y, tolerance) {
  for (const hd of handlesOf(box)) {
    if (Math.abs(hd.x - x) <= tolerance && Math.abs(hd.y - y) <= tolerance) return hd.name;
  }
  return null;
}
