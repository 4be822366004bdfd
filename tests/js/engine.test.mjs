// static/engine.js on problems small enough to compute by hand. The comparison with gd.run itself,
// bit for bit on thousands of random problems, is tests/test_engine_js.py.
import assert from "node:assert/strict";
import { test } from "node:test";

import { build, loss, run } from "../../static/engine.js";
import { cos, power, scheduleRates } from "../../static/schedules.js";

// L(theta) = 0.5 + 2 (theta - 2)^2: G = [2], c = [4], theta* = 2, L* = 0.5; grad = 4 theta - 8.
const line = { p: 1, G: [2], c: [4], theta_star: [2], loss_star: 0.5, pseudo_inverse: [0.5], residual_tolerance: 1e-14 };
// L = 1 + (theta1 - 1)^2 + 4 (theta2 - 0.25)^2: G = diag(1, 4), c = (1, 1).
const plane = {
  p: 2,
  G: [1, 0, 0, 4],
  c: [1, 1],
  theta_star: [1, 0.25],
  loss_star: 1,
  pseudo_inverse: [1, 0, 0, 0.25],
  residual_tolerance: 1e-14,
};

const close = (actual, expected, tolerance = 1e-15) =>
  assert.ok(Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)), `${actual} vs ${expected}`);

test("one gd step: theta - eta g", () => {
  const out = run(line, { optimizer: "gd", learning_rate: 0.1, steps: 1 });
  close(out.params[1], 0.8); // g = -8 at 0
  close(out.loss[0], 8.5); // 0.5 + 2 * 4
  close(out.loss[1], 0.5 + 2 * 1.2 * 1.2);
});

test("two momentum steps: b = mu b + g, theta - eta b", () => {
  const out = run(line, { optimizer: "momentum", learning_rate: 0.1, momentum: 0.9, steps: 2 });
  close(out.params[1], 0.8); // b1 = g1 = -8
  close(out.params[2], 2.0); // g2 = -4.8, b2 = -7.2 - 4.8 = -12, theta = 0.8 + 1.2
});

test("nesterov looks ahead along the new buffer: theta - eta (g + mu b)", () => {
  const out = run(line, { optimizer: "nesterov", learning_rate: 0.1, momentum: 0.5, steps: 1 });
  close(out.params[1], 1.2); // b = -8, direction = -8 - 4 = -12
});

test("adam's first step, bias-corrected, is eta g / (|g| + eps): one eta whatever |g|", () => {
  const out = run(line, { optimizer: "adam", learning_rate: 0.1, steps: 1 });
  // m = 0.1 (-8), v = 0.001 (64); m / (1 - 0.9) = -8, sqrt(v / (1 - 0.999)) = 8
  close(out.params[1], (0.1 * 8) / (8 + 1e-8));
  const eps = run(line, { optimizer: "adam", learning_rate: 0.1, eps: 8, steps: 1 });
  close(eps.params[1], 0.05); // eps as large as |g| halves the step
});

test("adagrad's and rmsprop's first steps", () => {
  close(run(line, { optimizer: "adagrad", learning_rate: 0.1, steps: 1 }).params[1], 0.8 / (8 + 1e-10));
  // v = 0.01 * 64 = 0.64, sqrt = 0.8: step 0.1 * 8 / 0.8
  close(run(line, { optimizer: "rmsprop", learning_rate: 0.1, steps: 1 }).params[1], 0.8 / (0.8 + 1e-8));
});

test("linesearch takes the exact step g^T g / (2 g^T G g)", () => {
  const out = run(plane, { optimizer: "linesearch", steps: 1 });
  // g = (-2, -2): g^T g = 8, g^T G g = 4 + 16 = 20, eta = 0.2
  close(out.params[2], 0.4);
  close(out.params[3], 0.4);
});

test("newton lands in one step and cg in p steps, then both hold", () => {
  const newton = run(plane, { optimizer: "newton", steps: 3 });
  assert.deepEqual(Array.from(newton.params.slice(2)), [1, 0.25, 1, 0.25, 1, 0.25]);
  const half = run(plane, { optimizer: "newton", damping: 0.5, steps: 1 });
  assert.deepEqual(Array.from(half.params.slice(2)), [0.5, 0.125]);
  const cg = run(plane, { optimizer: "cg", steps: 4 });
  for (const at of [4, 6, 8]) {
    close(cg.params[at], 1);
    close(cg.params[at + 1], 0.25);
  }
  close(cg.loss[4], 1);
});

test("past the stability limit gd diverges where the loss first passes 1e10 times L(0)", () => {
  // eta = 1 > 1 / lambda_max = 0.5: e_k = -2 (-3)^k, L = 0.5 + 8 * 9^k > 8.5e10 first at k = 11
  const out = run(line, { optimizer: "gd", learning_rate: 1, steps: 50 });
  assert.equal(out.divergedAt, 11);
  assert.equal(out.steps, 11);
  assert.equal(out.loss.length, 12);
  close(out.loss[11], 0.5 + 8 * 9 ** 11);
  assert.equal(run(line, { optimizer: "gd", learning_rate: 0.49, steps: 50 }).divergedAt, null);
});

test("schedules scale the rate: step, exponential, cosine, inverse", () => {
  const base = { learning_rate: 2, gamma: 0.5, step_size: 2 };
  assert.deepEqual(Array.from(scheduleRates({ ...base, schedule: "step" }, 5)), [2, 2, 1, 1, 0.5]);
  assert.deepEqual(Array.from(scheduleRates({ ...base, schedule: "exponential" }, 3)), [2, 1, 0.5]);
  assert.deepEqual(Array.from(scheduleRates({ ...base, schedule: "inverse" }, 3)), [2, 2 / 1.5, 1]); // 2 / (1 + 0.5 t)
  const cosine = scheduleRates({ learning_rate: 2, schedule: "cosine" }, 4);
  [2, 1 + Math.SQRT1_2, 1, 1 - Math.SQRT1_2].forEach((want, t) => close(cosine[t], want, 4e-16));
  // under gd, the factor multiplies the step: the second update at half the rate
  const out = run(line, { optimizer: "gd", learning_rate: 0.1, schedule: "exponential", gamma: 0.5, steps: 2 });
  close(out.params[2], 0.8 + 0.05 * 4.8);
});

test("power and cos by + - x / only", () => {
  assert.equal(power(3, 0), 1);
  assert.equal(power(3, 5), 243);
  assert.equal(power(0.5, 10), 1 / 1024);
  assert.equal(cos(0), 1);
  assert.equal(cos(Math.PI), -1);
  close(cos(Math.PI / 3), 0.5, 4e-16);
});

test("the loss is L* + e^T G e", () => {
  assert.equal(loss(plane, Float64Array.from([1, 0.25])), 1);
  assert.equal(loss(plane, Float64Array.from([2, 0.75])), 1 + 1 + 4 * 0.25);
});

test("sgd and unknown names are refused with a reason", () => {
  assert.throws(() => run(line, { optimizer: "sgd", learning_rate: 0.1, steps: 3 }), /runs on the server.*samples/);
  assert.throws(() => build(line, { optimizer: "lbfgs", steps: 3 }), /unknown optimizer "lbfgs"; one of gd, momentum/);
  assert.throws(() => run(line, { optimizer: "gd", schedule: "warmup", steps: 3 }), /unknown schedule "warmup"/);
  assert.throws(() => run(line, { optimizer: "gd", start: [1, 2], steps: 3 }), /start: 1 numbers expected/);
  assert.throws(() => run(line, { optimizer: "gd", steps: -1 }), /steps: a whole number/);
  const bare = { ...line, pseudo_inverse: undefined, residual_tolerance: undefined };
  assert.throws(() => run(bare, { optimizer: "newton", steps: 1 }), /newton: problem.pseudo_inverse, 1 numbers/);
  assert.throws(() => run(bare, { optimizer: "cg", steps: 1 }), /cg: problem.residual_tolerance/);
});
