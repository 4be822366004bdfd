// The charts' ranges from a run (static/ranges.js): gd.figures's rules, chart by chart, on small
// runs written out by hand (tests/test_ranges_js.py checks them against the server's figures).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Run } from "../../static/payload.js";
import { chartRanges, extent, floors, logRange, predictionExtent } from "../../static/ranges.js";

const close = (got, want, where = "") =>
  want.forEach((w, n) => assert.ok(Math.abs(got[n] - w) <= 1e-12 * Math.max(1, Math.abs(w)), `${where} ${got} vs ${want}`));

const entry = (name, over = {}) => ({ name, rate: true, picks_rate: false, limit: null, limits: null, ...over });
// momentum's limit (1 + beta) / lambda_max at each slider position, lambda_max = 2
const BETAS = Array.from({ length: 100 }, (_, n) => (1 + n / 100) / 2);

// T = 3 updates of 2 parameters toward theta* = (1, 2) from 0; G's eigenvectors the axes
// (eigenvalues 0.5 and 2): the errors along them are |theta - theta*|, (1, 2), (0.5, 1),
// (0.1, 0.2), (0, 0). Excess loss 100, 10, 1, 0; a constant rate 0.25; the floors 0.01 and 1e-6.
function data(over = {}, run = {}) {
  return {
    T: 3, p: 2, steps: null, theta_star: [1, 2], true_theta: null, floor: 0.01, eig_floor: 1e-6,
    eigenvectors: Float64Array.of(1, 0, 0, 1), eigenvalues: Float64Array.of(0.5, 2),
    G: Float64Array.of(0.5, 0, 0, 2), c: Float64Array.of(0.5, 4), play: [0, 1, 2, 3],
    text: { optimizer: "gd" },
    whatif: {
      problem: { loss_star: 0.5 },
      settings: { optimizer: "gd", momentum: 0.9, start: [0, 0] },
      momentum: { min: 0, max: 0.99, positions: 100 },
      optimizers: [
        entry("gd", { limit: 0.5 }), entry("momentum", { limit: 0.95, limits: BETAS }), entry("adam"),
        entry("newton", { rate: false }), entry("linesearch", { rate: false, picks_rate: true }),
      ],
    },
    runs: [
      {
        T: 3, drawn: {}, P: Float64Array.of(0, 0, 0.5, 1, 0.9, 1.8, 1, 2), excess: Float64Array.of(100, 10, 1, 0),
        loss: Float64Array.of(100.5, 10.5, 1.5, 0.5), rate: 0.25, ...run,
      },
    ],
    ...over,
  };
}

test("numpy's min and max, a NaN among the values making both NaN", () => {
  assert.deepEqual(extent([3, -1, 2]), [-1, 3]);
  assert.deepEqual(extent(Float64Array.of(5, 1, 9, 0), 1, 3), [1, 9]);
  assert.deepEqual(extent([1, NaN, 2]), [NaN, NaN]);
  assert.deepEqual(extent([Infinity, 1]), [1, Infinity]);
});

test("log_layout: every array's decades, 5% of them each side, 1 where they are flat", () => {
  assert.deepEqual(logRange(3, [[0.01, 100]]), { x: [0, 3], y: [-2.2, 2.2] });
  close(logRange(10, [[0.1, 10], [1e-3, 1]]).y, [-3.2, 1.2]);
  assert.deepEqual(logRange(0, [[10, 10]]), { x: [0, 1], y: [0, 2] }); // T = 0 still spans 0..1
});

test("loss: the excess of every run held at the floor; a compared run's by its extremes, longer too", () => {
  const own = chartRanges(data()).loss; // 100 .. 0, the 0 held at 0.01
  assert.deepEqual(own.x, [0, 3]);
  close(own.y, [-2.2, 2.2]);
  const other = { T: 10, drawn: {}, P: new Float32Array(2), excess: new Float32Array(1), extremes: { excess: [1e-5, 1e4], params: [0, 1] } };
  const both = chartRanges(data({ runs: [data().runs[0], other] })).loss;
  assert.deepEqual(both.x, [0, 10]); // the longest run's iterations
  close(both.y, [-2.3, 4.3]); // 1e-5 held at 0.01: -2 .. 4, padded by 0.3
  const flat = chartRanges(data({}, { excess: Float64Array.of(1, 1, 1, 1) })).loss;
  assert.deepEqual(flat.y, [-1, 1]);
  const broken = chartRanges(data({}, { excess: Float64Array.of(1, NaN, 1, 1) })).loss;
  assert.ok(broken.y.every(Number.isNaN)); // numpy's min of a NaN is NaN, and so is the range
});

test("eigen: the main run's errors held at the floor, without a prediction (newton, line search)", () => {
  const lo = -6; // the last row's (0, 0) held at 1e-6
  const hi = Math.log10(2);
  const want = [lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo)];
  for (const optimizer of ["newton", "linesearch"]) {
    const rate = optimizer === "newton" ? undefined : Float64Array.of(0.3, 0.2, 0.1, 0.1);
    const ranges = chartRanges(data({}, { rate }), { optimizer, momentum: 0.9 });
    assert.deepEqual(ranges.eigen.x, [0, 3]);
    close(ranges.eigen.y, want, optimizer);
  }
});

test("eigen: plain GD's prediction |v_i^T e_0| |1 - 2 eta lambda_i|^t sets the range up to 1000 times E", () => {
  // eta = 1.5: factors |1 - 1.5| = 0.5 and |1 - 6| = 5; from e_0 = (1, 2): 1, 0.5, 0.25, 0.125 and
  // 2, 10, 50, 250; E's largest is 2, so up to 2000 counts
  close(predictionExtent([1, 2], [0.5, 2], 1.5, 3, 1e-6, 2000), [0.125, 250]);
  const ranges = chartRanges(data({}, { rate: 1.5 }));
  const [lo, hi] = [-6, Math.log10(250)];
  close(ranges.eigen.y, [lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo)]);
  // two updates more: 1250 counts, 6250 is past 2000 and leaves the chart
  close(predictionExtent([1, 2], [0.5, 2], 1.5, 5, 1e-6, 2000), [0.03125, 1250]);
  // a rate of each update (a schedule): 1.5 then 0.25 (factors 0.75 and 0): 2, 10, 0
  close(predictionExtent([1, 2], [0.5, 2], Float64Array.of(1.5, 0.25, 0.25), 2, 1e-6, 2000), [0.375, 10]);
  // below the floor: none (zeros, from a start at theta*), or past the ceiling: none
  assert.equal(predictionExtent([0, 0], [0.5, 2], 0.25, 3, 1e-6, 2000), null);
  assert.equal(predictionExtent([1, 2], [0.5, 2], 0.25, 3, 1e-6, 0.4), null); // 1 .. 0.42 and 2, 0, 0, 0
});

test("eigen: with no prediction within the range, E's first row stands in for it", () => {
  // from theta* itself: every error 0, held at the floor, and the prediction all zeros
  const P = Float64Array.of(1, 2, 1, 2, 1, 2, 1, 2);
  const start = { start: [1, 2], optimizer: "gd", momentum: 0.9 };
  const d = data({ whatif: { ...data().whatif, settings: start } }, { P });
  assert.deepEqual(chartRanges(d).eigen.y, [-7, -5]); // 1e-6 throughout: flat, padded by 1
});

test("convergence: every run's parameters, theta* and the true theta, padded by 6%", () => {
  const own = chartRanges(data()).convergence; // 0 .. 2
  assert.deepEqual(own.x, [0, 3]);
  close(own.y, [-0.12, 2.12]);
  close(chartRanges(data({ true_theta: [3, -1] })).convergence.y, [-1.24, 3.24]);
  const other = { T: 2, drawn: {}, P: new Float32Array(2), excess: new Float32Array(1), extremes: { excess: [1, 1], params: [-5, 1] } };
  close(chartRanges(data({ runs: [data().runs[0], other] })).convergence.y, [-5.42, 2.42]);
  const still = data({ theta_star: [0, 0] }, { P: new Float64Array(8) });
  assert.deepEqual(chartRanges(still).convergence.y, [-1, 1]); // all zero: padded by 1
});

test("rate: the updates 0..T-1, up to the larger of the largest finite rate and the limit, 8% over", () => {
  const gd = chartRanges(data()).rate; // 0.25 under gd's limit 0.5
  assert.deepEqual(gd.x, [0, 2]);
  close(gd.y, [0, 0.54]);
  close(chartRanges(data(), { optimizer: "adam", momentum: 0.9 }).rate.y, [0, 0.27]); // no limit
  // momentum's limit: the payload's at its own beta, the slider position's at another
  close(chartRanges(data(), { optimizer: "momentum", momentum: 0.9 }).rate.y, [0, 0.95 * 1.08]);
  close(chartRanges(data(), { optimizer: "momentum", momentum: 0.5 }).rate.y, [0, 0.75 * 1.08]);
  // the rate of each update: the last row repeats the last update's and is not one of them
  const rates = Float64Array.of(0.1, 0.7, NaN, 9);
  close(chartRanges(data({}, { rate: rates }), { optimizer: "adam" }).rate.y, [0, 0.7 * 1.08]);
  const none = Float64Array.of(NaN, NaN, NaN, NaN); // line search where g = 0: no finite rate, 1
  close(chartRanges(data({}, { rate: none }), { optimizer: "linesearch" }).rate.y, [0, 1.08]);
  const one = data({ T: 1 }, { T: 1, P: Float64Array.of(0, 0, 1, 2), excess: Float64Array.of(9, 0), loss: Float64Array.of(9.5, 0.5) });
  assert.deepEqual(chartRanges(one).rate.x, [0, 1]); // a single update still spans 0..1
  assert.equal(chartRanges(data({}, { rate: undefined }), { optimizer: "newton" }).rate, null);
  const none0 = data({ T: 0 }, { T: 0, P: Float64Array.of(0, 0), excess: Float64Array.of(9), loss: Float64Array.of(9.5), rate: NaN });
  assert.equal(chartRanges(none0).rate, null); // no update: no chart
});

test("the floors: the payload's for its own start, computed as gd's for a start dragged", () => {
  assert.deepEqual(floors(data()), { loss: 0.01, eigen: 1e-6 });
  // from (3, 4): L(theta_0) = 7.5 over L* = 0.5; |theta_0| = 5 over |theta*| = sqrt(5)
  const P = Float64Array.of(3, 4, 1, 2, 1, 2, 1, 2);
  const moved = data({}, { P, loss: Float64Array.of(7.5, 0.5, 0.5, 0.5) });
  assert.deepEqual(floors(moved), { loss: 7.5e-16, eigen: 5e-16 });
  const tiny = data({ theta_star: [0, 0], whatif: { ...data().whatif, problem: { loss_star: 0 } } }, { P: Float64Array.of(1e-300, 0, 0, 0, 0, 0, 0, 0), loss: new Float64Array(4) });
  assert.deepEqual(floors(tiny), { loss: 1e-300, eigen: 1e-300 }); // never below 1e-300
});

test("a main run not sent whole takes its extremes; a Run of the data gives the data's ranges", () => {
  const extremes = { excess: [1e-4, 1e4], params: [-3, 7], eigen: [1e-3, 1e3], prediction: [1e-5, 1e2], rate: [0.4] };
  const d = data({ steps: [0, 1, 3] }, { extremes });
  const ranges = chartRanges(d);
  close(ranges.loss.y, [-2.3, 4.3]);
  close(ranges.eigen.y, [-5.4, 3.4]);
  close(ranges.convergence.y, [-3.6, 7.6]);
  close(ranges.rate.y, [0, 0.54]); // 0.4, under gd's limit 0.5
  assert.deepEqual(chartRanges(new Run(data())), chartRanges(data()));
});
