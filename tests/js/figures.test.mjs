// What each chart shows at iteration k (static/figures.js), from a small run written out by hand:
// the ranges and the traces, against values worked out here.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Run, decodePayload } from "../../static/payload.js";
import { contourFrame, fitFrame, followHigh, linesFrame, rateFrame, ratePoint, surfaceUpdate, tagsOf, trailSteps } from "../../static/figures.js";

// A run of T = 4 updates of 2 parameters, theta_k = (k, 10 - 2k); G = I, c = 0: grad = 2 theta.
function data(over = {}) {
  const T = 4;
  const P = new Float64Array((T + 1) * 2);
  for (let k = 0; k <= T; k++) [P[2 * k], P[2 * k + 1]] = [k, 10 - 2 * k];
  return {
    T, p: 2, i: 0, j: 1, span: [4, 8], points: 500, learning_rate: 0.1, floor: 1e-3, eig_floor: 1e-6,
    theta_star: [0, 0], eigenvectors: Float64Array.of(1, 0, 0, 1), G: Float64Array.of(1, 0, 0, 1), c: Float64Array.of(0, 0),
    anchors: null, steps: null, play: [0, 1, 2, 3, 4], path: null, varying_rate: false,
    text: { optimizer: "gradient descent" }, fit: { kind: "line" }, figures: { surface: { data: [] } },
    runs: [
      {
        T, drawn: { 500: [0, 1, 2, 3, 4], 100: [0, 2, 4] }, P, rate: 0.25,
        excess: Float64Array.of(8, 4, 2, 1e-4, 0), loss: Float64Array.of(9, 5, 3, 1, 1), z: Float32Array.of(5, 4, 3, 2, 1),
      },
      { T: 2, drawn: { 500: [0, 1, 2] }, P: Float32Array.of(0, 0, 1, 1, 2, 2), excess: Float32Array.of(3, 2, 1) },
    ],
    ...over,
  };
}

const contourTags = { path: [{ index: 1, run: 0 }, { index: 2, run: 1 }], point: [{ index: 3 }], arrow: [{ index: 4, n: 0 }, { index: 5, n: 1 }] };

test("the run computes the gradient the payload leaves out: 2 (G theta - c)", () => {
  const run = new Run(data());
  assert.deepEqual(run.gradient(3), [6, 8]);
  assert.deepEqual(Array.from(run.runs[0].eig.subarray(4, 6)), [2, 6]); // |theta_2 - theta*|
  assert.deepEqual(Array.from(run.runs[0].rate), [0.25, 0.25, 0.25, 0.25, 0.25]); // one constant rate
});

test("the contour map at k draws each run's path up to k, the point and the two arrows", () => {
  const frame = contourFrame(new Run(data()), contourTags, 2);
  assert.deepEqual(frame.traces, [1, 2, 3, 4, 5]);
  assert.deepEqual(frame.data[0], { x: [0, 1, 2], y: [10, 8, 6] });
  assert.deepEqual(frame.data[1], { x: [0, 1, 2], y: [0, 1, 2] }); // the compared run ends at its T = 2
  assert.deepEqual(frame.data[2], { x: [2], y: [6] });
  // g = -0.25 * (4, 12) = (-1, -3), u = theta_3 - theta_2 = (1, -2); in view widths (4, 8):
  // |g| = hypot(0.25, 0.375), |u| = hypot(0.25, 0.25): g is the longer, drawn 0.15 of the view
  const factor = 0.15 / Math.hypot(0.25, 0.375);
  assert.deepEqual(frame.data[3], { x: [2, 2 - factor], y: [6, 6 - 3 * factor] });
  assert.deepEqual(frame.data[4], { x: [2, 2 + factor], y: [6, 6 - 2 * factor] });
  assert.equal(frame.caption, "Arrows from the current point: the plain gradient step −η∇L and the update gradient descent made, both drawn 0.333× their length.");
  // on a stage, the scale alone (the legend names the arrows), as a student reads it
  const stage = contourFrame(new Run(data({ presenter: true, span: [4e-4, 8e-4] })), contourTags, 2);
  assert.equal(stage.caption, "Arrows drawn 3.328×10⁻⁵× their length");
});

test("the contour map at the last iteration draws no arrows and says why", () => {
  const frame = contourFrame(new Run(data()), contourTags, 4);
  assert.deepEqual(frame.data.slice(3), [{ x: [null, null], y: [null, null] }, { x: [null, null], y: [null, null] }]);
  assert.equal(frame.caption, "No arrows at the last iteration: no update follows it.");
  assert.equal(contourFrame(new Run(data({ presenter: true })), contourTags, 4).caption, "No update after the last iteration");
});

test("the loss chart follows k: its lines, its point above the floor, its range a quarter ahead", () => {
  const run = new Run(data({ T: 40 }));
  run.runs[0].T = 4;
  const tagged = { line: [{ index: 0, run: 0, points: 500 }, { index: 1, run: 1, points: 500 }], point: [{ index: 2 }] };
  const frame = linesFrame(run, tagged, "loss", 4, { whole: [0, 40], high: null, follow: true, user: false });
  assert.deepEqual(frame.data[0], { x: [0, 1, 2, 3, 4], y: [8, 4, 2, 1e-3, 1e-3] }); // below the floor: the floor
  assert.deepEqual(frame.data[1].x, [0, 1, 2]);
  assert.deepEqual(frame.data[2], { x: [4], y: [1e-3] });
  assert.equal(frame.high, 10); // at least 10
  assert.deepEqual(frame.layout, { "xaxis.range": [0, 10] });
});

test("the follow window: a quarter ahead of k, at least 10, never past the run or the whole range", () => {
  assert.deepEqual([followHigh(0, 1000, [0, 1000], true), followHigh(100, 1000, [0, 1000], true), followHigh(900, 1000, [0, 1000], true)], [10, 125, 1000]);
  assert.equal(followHigh(3, 4, [0, 4], true), 4);
  assert.equal(followHigh(5, 0, [0, 1], true), 1);
  assert.equal(followHigh(100, 1000, [0, 1000], false), 1000); // the whole run
});

test("a line chart moves its range only when it changes, and never over the user's zoom", () => {
  const run = new Run(data());
  const tagged = { line: [{ index: 0, run: 0, param: 1, points: 100 }], point: [{ index: 1 }] };
  const same = linesFrame(run, tagged, "convergence", 2, { whole: [0, 4], high: 4, follow: true, user: false });
  assert.equal(same.layout, undefined);
  assert.deepEqual(same.data[0], { x: [0, 2], y: [10, 6] }); // param 1 at the 100-point sample, k last
  assert.deepEqual(same.data[1], { x: [2, 2], y: [2, 6] }); // every parameter's point at k
  const zoomed = linesFrame(run, tagged, "convergence", 2, { whole: [0, 4], high: null, follow: true, user: true });
  assert.deepEqual([zoomed.layout, zoomed.high], [undefined, null]);
});

test("the eigen view draws each direction's error, floored", () => {
  const run = new Run(data());
  const tagged = { line: [{ index: 0, run: 0, param: 0, points: 500 }], point: [{ index: 1 }] };
  const frame = linesFrame(run, tagged, "eigen", 0, { whole: [0, 4], high: null, follow: false, user: false });
  assert.deepEqual(frame.data[0], { x: [0], y: [1e-6] }); // theta_0 = (0, 10): 0 along v1, floored
  assert.deepEqual(frame.data[1], { x: [0, 0], y: [1e-6, 10] });
  assert.deepEqual(frame.layout, { "xaxis.range": [0, 4] });
});

test("the rate chart marks the update after k, the last one's at T, none without a rate", () => {
  const run = new Run(data());
  assert.deepEqual(rateFrame(run, { point: [{ index: 7 }] }, 4), { traces: [7], data: [{ x: [3], y: [0.25] }] });
  assert.deepEqual(ratePoint(0, 0, NaN), { x: 0, y: null });
  assert.deepEqual(ratePoint(2, 10, 0.5), { x: 2, y: 0.5 });
});

test("the fit draws y = w x + b on its line, or the model's predictions of its sample", () => {
  const line = fitFrame(new Run(data()), { fit: [{ index: 0 }] }, 2, [-1, 0, 1]);
  assert.deepEqual(line, { traces: [0], data: [{ y: [4, 6, 8] }] }); // theta_2 = (2, 6)
  const P = Float64Array.of(1, 2, 3, 0.5, 0.5, 0.5);
  const sample = data({ p: 3, fit: { kind: "points", d: 2, X: Float64Array.of(1, 1, 2, -1) }, theta_star: [0, 0, 0],
    eigenvectors: new Float64Array(9), G: new Float64Array(9), c: new Float64Array(3), T: 1 });
  sample.runs = [{ T: 1, drawn: { 500: [0, 1] }, P, rate: 0.1, excess: Float64Array.of(1, 0), loss: Float64Array.of(1, 0), z: Float32Array.of(0, 0) }];
  assert.deepEqual(fitFrame(new Run(sample), { fit: [{ index: 2 }] }, 0, null).data, [{ y: [1 + 2 + 3, 2 - 2 + 3] }]);
});

test("the 3-D marker and trail at k: the point, then the last TRAIL drawn points and k", () => {
  const update = surfaceUpdate(new Run(data()), { point: [{ index: 1 }], trail: [{ index: 2 }] }, 3);
  assert.deepEqual(update.traces, [1, 2]);
  assert.deepEqual(update.update, { x: [[3], [0, 1, 2, 3]], y: [[4], [10, 8, 6, 4]], z: [[2], [5, 4, 3, 2]] });
  // the eight drawn points before 50 (0 and 1 fall out), then 50
  assert.deepEqual(trailSteps([0, 1, 2, 5, 9, 14, 20, 27, 35, 44, 54], 50), [2, 5, 9, 14, 20, 27, 35, 44, 50]);
  assert.deepEqual(trailSteps([0, 1, 2], 0), [0]);
});

test("tagsOf finds the moving traces by their meta tags, in order", () => {
  const fig = { data: [{}, { meta: { gd: "path", run: 0 } }, { meta: { gd: "point" } }, { meta: { gd: "path", run: 1 } }] };
  assert.deepEqual(tagsOf(fig), { path: [{ index: 1, gd: "path", run: 0 }, { index: 3, gd: "path", run: 1 }], point: [{ index: 2, gd: "point" }] });
});

test("a long run's rows are found by iteration: anchors and the rows sent beside them", () => {
  const run = new Run(data({ steps: [0, 1, 3, 4], anchors: [0, 3, 4] }));
  assert.deepEqual([run.row(0), run.row(1), run.row(3), run.row(4)], [0, 1, 2, 3]);
  assert.deepEqual(run.params(0, 3), [2, 6]); // the third row sent is iteration 3's
});

test("decodePayload views the arrays after the JSON line, aligned to 8, a grid as its rows", () => {
  const values = Float64Array.of(1.5, -2.25, 3, 4, 5, 6);
  const head = JSON.stringify({ a: { dtype: "f8", offset: 0, length: 2 }, g: { dtype: "f8", offset: 16, length: 4, shape: "2, 2" }, n: 7 });
  const start = Math.ceil((head.length + 1) / 8) * 8;
  const bytes = new Uint8Array(start + values.byteLength);
  bytes.set(new TextEncoder().encode(`${head}\n`));
  bytes.set(new Uint8Array(values.buffer), start);
  const out = decodePayload(bytes);
  assert.deepEqual(Array.from(out.a), [1.5, -2.25]);
  assert.deepEqual(out.g.map((row) => Array.from(row)), [[3, 4], [5, 6]]);
  assert.equal(out.n, 7);
  assert.ok(out.a instanceof Float64Array);
});
