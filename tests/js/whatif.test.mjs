// The what-if controls' pure part (static/whatif.js): the log slider both ways, the stability
// limit's place, the run computed again as the payload's data, checked against hand computations
// (and gd.figures.common.milestones's own output, pasted from Python).
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  guidance, limitOf, milestones, momentumAt, momentumPosition, nearestPosition, positionOf, rateAt, threeDigits, whatifData,
} from "../../static/whatif.js";

const BOUNDS = { min: 1e-6, max: 100, positions: 401 }; // gd.inputs.RANGES["learning_rate"], gd.live.RATE_POSITIONS
const BETA = { min: 0, max: 0.99, positions: 100 };

const digits = (x) => x.toExponential().split("e")[0].replace(/[-.]/g, "").replace(/0+$/, "").length;

test("the rate slider spans the sidebar's range on a log scale, 401 positions, 3 significant digits", () => {
  assert.equal(rateAt(0, BOUNDS), 1e-6);
  assert.equal(rateAt(400, BOUNDS), 100);
  assert.equal(rateAt(200, BOUNDS), 0.01); // the middle of 1e-6 .. 1e2
  assert.equal(rateAt(50, BOUNDS), 1e-5);
  assert.equal(rateAt(-3, BOUNDS), 1e-6); // clamped
  assert.equal(rateAt(999, BOUNDS), 100);
  let last = 0;
  for (let n = 0; n < BOUNDS.positions; n++) {
    const rate = rateAt(n, BOUNDS);
    assert.ok(rate > last, `position ${n}: ${rate} after ${last}`); // 401 distinct rates, rising
    assert.ok(digits(rate) <= 3, `${rate}`);
    assert.equal(nearestPosition(rate, BOUNDS), n); // and back
    last = rate;
  }
});

test("a typed or shared rate sits at its nearest position; threeDigits rounds as the sidebar reads", () => {
  assert.equal(threeDigits(0.0123456), 0.0123);
  assert.equal(threeDigits(1.0049e-3), 0.001);
  assert.equal(threeDigits(96.44), 96.4);
  assert.equal(nearestPosition(0.0105, BOUNDS), 201);
  assert.equal(nearestPosition(1e-9, BOUNDS), 0);
  assert.equal(nearestPosition(1e9, BOUNDS), 400);
  assert.equal(nearestPosition(NaN, BOUNDS), 0);
});

test("the stability limit's place on the slider: log(limit / min) / log(max / min) of the way", () => {
  const limit = 0.9644106916591251; // the article's 1 / λmax
  const at = positionOf(limit, BOUNDS);
  assert.ok(Math.abs(at - (400 * Math.log10(limit / 1e-6)) / 8) < 1e-9);
  assert.ok(at > 299 && at < 300);
  assert.equal(positionOf(null, BOUNDS), null);
  assert.equal(positionOf(0, BOUNDS), null);
  assert.equal(positionOf(Infinity, BOUNDS), null);
});

test("momentum's slider: 0, 0.01, ..., 0.99 both ways", () => {
  assert.equal(momentumAt(0, BETA), 0);
  assert.equal(momentumAt(90, BETA), 0.9);
  assert.equal(momentumAt(99, BETA), 0.99);
  for (let n = 0; n < BETA.positions; n++) assert.equal(momentumPosition(momentumAt(n, BETA), BETA), n);
  assert.equal(momentumPosition(0.9999, BETA), 99);
});

test("milestones are gd.figures.common.milestones's", () => {
  assert.deepEqual(Array.from(milestones(1000, 12)), [0, 1, 2, 7, 24, 83, 289, 333, 667, 1000]);
  assert.deepEqual(Array.from(milestones(37, 20)), [0, 1, 2, 3, 4, 5, 6, 7, 9, 12, 16, 18, 21, 25, 28, 31, 37]);
  assert.deepEqual(Array.from(milestones(5000, 300)), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 55, 57, 58, 60, 62, 64, 66, 68, 70, 72, 75, 77, 79, 82, 85, 87, 90, 93, 96, 99, 101, 102, 105, 108, 112, 115, 119, 123, 126, 130, 134, 139, 143, 147, 152, 157, 162, 167, 172, 178, 183, 189, 195, 201, 202, 207, 214, 220, 227, 234, 242, 249, 253, 257, 265, 274, 282, 291, 300, 303, 310, 319, 329, 340, 350, 354, 361, 373, 384, 397, 404, 409, 422, 435, 449, 455, 463, 477, 492, 505, 508, 524, 540, 556, 557, 575, 593, 606, 611, 630, 650, 657, 671, 692, 707, 713, 736, 758, 759, 783, 807, 808, 833, 859, 886, 909, 914, 942, 960, 972, 1002, 1010, 1034, 1061, 1066, 1100, 1111, 1134, 1162, 1170, 1206, 1212, 1244, 1263, 1283, 1313, 1324, 1364, 1365, 1408, 1414, 1452, 1465, 1498, 1515, 1545, 1566, 1593, 1616, 1643, 1667, 1695, 1717, 1748, 1768, 1803, 1818, 1860, 1869, 1918, 1919, 1970, 1978, 2020, 2040, 2071, 2104, 2121, 2170, 2172, 2222, 2239, 2273, 2309, 2323, 2374, 2381, 2424, 2456, 2475, 2525, 2533, 2576, 2613, 2626, 2677, 2695, 2727, 2778, 2779, 2828, 2867, 2879, 2929, 2957, 2980, 3030, 3049, 3081, 3131, 3145, 3182, 3232, 3244, 3283, 3333, 3346, 3384, 3434, 3451, 3485, 3535, 3559, 3586, 3636, 3671, 3687, 3737, 3786, 3788, 3838, 3889, 3905, 3939, 3990, 4027, 4040, 4091, 4141, 4154, 4192, 4242, 4284, 4293, 4343, 4394, 4419, 4444, 4495, 4545, 4557, 4596, 4646, 4697, 4700, 4747, 4798, 4848, 4899, 4949, 5000]);
  assert.deepEqual(Array.from(milestones(5, 300)), [0, 1, 2, 3, 4, 5]);
});

// G = diag(2, 1), c = (2, 1): theta* = (1, 1); L* = 0.5. From 0 at eta = 0.1: g0 = 2 (G 0 - c) =
// (-4, -2), theta1 = (0.4, 0.2), e1 = (-0.6, -0.8), L1 = 0.5 + 2 0.36 + 0.64 = 1.86; g1 = 2 (G theta1
// - c) = (-2.4, -1.6), theta2 = (0.64, 0.36).
const PROBLEM = { p: 2, G: [2, 0, 0, 1], c: [2, 1], theta_star: [1, 1], loss_star: 0.5, pseudo_inverse: [0.5, 0, 0, 1], residual_tolerance: 1e-12 };
const entry = (name, over = {}) => ({ name, label: name, rate: true, momentum: false, picks_rate: false, browser: true, limit: 0.5, limits: null, ...over });
const DATA = {
  T: 3, p: 2, i: 0, j: 1, play_seconds: 15, learning_rate: 0.1, varying_rate: false, text: { optimizer: "gd" },
  eigenvalues: [1, 2], condition_number: 2,
  runs: [{ label: "main", T: 3, drawn: { 300: [0, 1, 2, 3] } }, { label: "other", T: 3, drawn: { 300: [0, 1, 2, 3] } }],
  whatif: {
    problem: PROBLEM, settings: { optimizer: "gd", learning_rate: 0.1, steps: 2, start: [0, 0], schedule: "constant", momentum: 0.9 },
    rate: BOUNDS, momentum: BETA, lift: 0.25, l2: 0, constant_schedule: true, play_frames: 300, rank: 2,
    optimizers: [entry("gd"), entry("sgd", { browser: false }), entry("momentum", { momentum: true, limits: Array.from({ length: 100 }, (_, n) => (1 + n / 100) / 2) }), entry("linesearch", { rate: false, picks_rate: true, limit: null })],
  },
};

test("the browser's run as the payload's data: every row, by hand", () => {
  const { data, result } = whatifData(DATA, DATA.whatif.settings);
  assert.equal(result.divergedAt, null);
  assert.equal(data.T, 2);
  const main = data.runs[0];
  const close = (a, b) => Array.from(a).forEach((x, n) => assert.ok(Math.abs(x - b[n]) < 1e-14, `${a} vs ${b}`));
  close(main.P, [0, 0, 0.4, 0.2, 0.64, 0.36]);
  close(main.loss, [3.5, 1.86, 0.5 + 2 * 0.36 ** 2 + 0.64 ** 2]);
  close(main.excess, [3, 1.36, 2 * 0.36 ** 2 + 0.64 ** 2]);
  close(main.grad_norm, [Math.hypot(4, 2), Math.hypot(2.4, 1.6), Math.hypot(2 * (2 * 0.64 - 2), 2 * (0.36 - 1))]);
  close(main.z, [3.75, 1.86 + 0.25, 0.5 + 2 * 0.36 ** 2 + 0.64 ** 2 + 0.25]); // theta_i, theta_j are all of theta
  close(main.rate, [0.1, 0.1, 0.1]); // the update after each row; the last one's at T
  assert.deepEqual(Array.from(main.drawn[300]), [0, 1, 2]);
  assert.equal(data.steps, null);
  assert.equal(data.anchors, null);
  assert.deepEqual(Array.from(data.play), [0, 1, 2]);
  assert.equal(data.runs[1], DATA.runs[1]); // a compared run stays
  assert.equal(data.varying_rate, false);
});

test("line search's own rates, momentum's limit at its slider's β, sgd left to the server", () => {
  const { data } = whatifData(DATA, { ...DATA.whatif.settings, optimizer: "linesearch" });
  // g0 = (-4, -2): g.g = 20, g.G.g = 2 16 + 4 = 36: eta0 = 20 / 72
  assert.ok(Math.abs(data.runs[0].rate[0] - 20 / 72) < 1e-15);
  assert.equal(data.varying_rate, true);
  assert.equal(data.text.optimizer, "linesearch");
  assert.match(data.text.rate_caption, /^linesearch picks each step's rate itself/); // captions.js
  assert.equal(limitOf(DATA.whatif, "momentum", 0.5), 0.75);
  assert.equal(limitOf(DATA.whatif, "gd", 0.5), 0.5);
  assert.equal(limitOf(DATA.whatif, "linesearch", 0.5), null);
  assert.throws(() => whatifData(DATA, { ...DATA.whatif.settings, optimizer: "sgd" }), /server/);
});

test("the guidance follows the browser's run", () => {
  assert.match(guidance({ divergedAt: 7 }, 2, 0.96, true), /Diverged at step 7/);
  assert.match(guidance({ divergedAt: null }, 1, 0.96, true), /Past the stability limit/);
  assert.match(guidance({ divergedAt: null }, 1e-4, 0.96, true), /crawls/);
  assert.equal(guidance({ divergedAt: null }, 0.1, 0.96, true), "");
  assert.equal(guidance({ divergedAt: null }, 0.1, null, false), "");
});
