// node --test tests/widgets/editgeom.test.mjs  (run by tests/widgets/test_editgeom_js.py)
import test from "node:test";
import assert from "node:assert/strict";
import {
  boxFromDrag, clientToImage, handleAt, handlesOf, labelForKey, moveBox, moveVertex,
  placeLabels, resizeBox,
} from "../../synapse_nb/widgets/editgeom.js";

test("display to image pixels whatever the scale", () => {
  // a 1000 x 500 image shown 400 x 200 at (10, 20)
  const rect = { left: 10, top: 20, width: 400, height: 200 };
  assert.deepEqual(clientToImage(210, 120, rect, 1000, 500), [500, 250]);
  assert.deepEqual(clientToImage(0, 0, rect, 1000, 500), [0, 0]); // clamped to the image
  assert.deepEqual(clientToImage(999, 999, rect, 1000, 500), [1000, 500]);
});

test("a moved box keeps its size and stays inside", () => {
  assert.deepEqual(moveBox([10, 10, 30, 40], 5, -3, 100, 100), [15, 7, 35, 37]);
  assert.deepEqual(moveBox([10, 10, 30, 40], 500, -300, 100, 100), [80, 0, 100, 30]);
});

test("resizing by each handle, and past the opposite side", () => {
  const b = [10, 10, 50, 50];
  assert.deepEqual(resizeBox(b, "se", 60, 70, 100, 100), [10, 10, 60, 70]);
  assert.deepEqual(resizeBox(b, "nw", 0, 5, 100, 100), [0, 5, 50, 50]);
  assert.deepEqual(resizeBox(b, "n", 99, 20, 100, 100), [10, 20, 50, 50]); // x ignored
  assert.deepEqual(resizeBox(b, "e", 0, 0, 100, 100), [0, 10, 10, 50]); // flipped
});

test("a drawn box, and a click that is not one", () => {
  assert.deepEqual(boxFromDrag(40, 30, 10, 5, 100, 100), [10, 5, 40, 30]);
  assert.equal(boxFromDrag(10, 10, 11, 30, 100, 100), null);
});

test("vertices, handles, keys", () => {
  assert.deepEqual(moveVertex([[0, 0], [5, 5]], 1, 7, 200, 100, 100), [[0, 0], [7, 100]]);
  assert.equal(handlesOf([0, 0, 10, 20]).length, 8);
  assert.equal(handleAt([0, 0, 10, 20], 10.5, 19, 2), "se");
  assert.equal(handleAt([0, 0, 10, 20], 5, 5, 2), null);
  assert.equal(labelForKey("2", ["car", "bus"]), "bus");
  assert.equal(labelForKey("3", ["car", "bus"]), null);
  assert.equal(labelForKey("a", ["car"]), null);
});

test("labels never cover each other", () => {
  const tags = [{ x: 0, y: 0, w: 50, h: 10 }, { x: 10, y: 2, w: 50, h: 10 }, { x: 200, y: 0, w: 5, h: 10 }];
  const at = placeLabels(tags, 100);
  assert.deepEqual(at[0], [0, 0]);
  assert.deepEqual(at[1], [10, 10]); // moved below the first
  assert.deepEqual(at[2], [200, 0]); // far away: stays
});
