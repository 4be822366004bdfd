// Plain GD's lines for a run of the browser's (static/theory.js), on problems small enough to work
// out by hand; tests/test_ranges_js.py checks them against gd.figures' for every kind of run.
import { test } from "node:test";
import assert from "node:assert/strict";
import { boundLine, predictionLines, walkPrediction } from "../../static/theory.js";

const close = (got, want, where = "") =>
  want.forEach((w, n) => assert.ok(Math.abs(got[n] - w) <= 1e-12 * Math.abs(w), `${where}: ${got} vs ${want}`));

// eigenvalues 0.5 and 2, a constant rate 0.2: factors |1 - 2 eta lambda| = 0.8 and 0.2
test("the prediction shrinks each direction by |1 - 2 eta lambda_i| an update", () => {
  const seen = [];
  walkPrediction([1, 3], Float64Array.of(0.5, 2), 0.2, 2, (t, i, v) => seen.push([t, i, v]));
  assert.deepEqual(seen.map(([t, i]) => [t, i]), [[0, 0], [0, 1], [1, 0], [1, 1], [2, 0], [2, 1]]);
  close(seen.map(([, , v]) => v), [1, 3, 0.8, 0.6, 0.64, 0.12]);
  // a rate per update: 0.2 then 0.5 (factors 0.5 and 1 - 2 = |-1|)
  const varying = [];
  walkPrediction([1, 3], Float64Array.of(0.5, 2), Float64Array.of(0.2, 0.5), 2, (t, i, v) => varying.push(v));
  close(varying, [1, 3, 0.8, 0.6, 0.4, 0.6]);
});

test("the lines keep the iterations drawn, and the values at or above the floor", () => {
  const lines = predictionLines([1, 3], Float64Array.of(0.5, 2), 0.2, 4, Int32Array.of(0, 2, 4), 0.1);
  assert.deepEqual(lines[0].x, [0, 2, 4]);
  close(lines[0].y, [1, 0.64, 0.4096]);
  // 3 * 0.2^t: 3, 0.12, then 0.0048 under the floor
  assert.deepEqual(lines[1].x, [0, 2]);
  close(lines[1].y, [3, 0.12]);
});

test("the bound is the worst direction's squared factor: a power of it, or a product where the rate varies", () => {
  const lam = Float64Array.of(0.5, 2);
  const constant = boundLine(10, lam, { rate: null, learningRate: 0.2, varying: false, steps: [0, 1, 3], floor: 0 });
  assert.deepEqual(constant.x, [0, 1, 3]);
  close(constant.y, [10, 6.4, 10 * 0.64 ** 3]); // max(0.8^2, 0.2^2) = 0.64
  // rates 0.2, 0.5, 0.1: worst factors 0.64, max(0.25, 1) = 1, max(0.81, 0.36) = 0.81
  const schedule = boundLine(10, lam, { rate: Float64Array.of(0.2, 0.5, 0.1), learningRate: 0.2, varying: true, steps: [0, 1, 2, 3], floor: 0 });
  close(schedule.y, [10, 6.4, 6.4, 6.4 * 0.81]);
  // past the limit the bound grows; what overflows or falls under the floor is not drawn
  const past = boundLine(1, lam, { rate: null, learningRate: 1e200, varying: false, steps: [0, 1, 2], floor: 0.5 });
  assert.deepEqual(past.x, [0]);
  const under = boundLine(1, lam, { rate: null, learningRate: 0.2, varying: false, steps: [0, 1, 2, 3], floor: 0.5 });
  assert.deepEqual(under.x, [0, 1]);
});
