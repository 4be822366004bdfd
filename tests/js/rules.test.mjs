// The browser's side of the rules it shares with the engine (tests/rules.json; the engine's side is
// tests/test_rules.py): each case as the browser's own modules compute it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { compact, formatG } from "../../static/format.js";
import { eigenErrors, gradients, originalUnits } from "../../static/payload.js";
import { arrowTips, stepRate, trailSteps } from "../../static/figures.js";

const RULES = JSON.parse(readFileSync(new URL("../rules.json", import.meta.url), "utf-8"));
const value = (x) => (x === "nan" ? NaN : x === "inf" ? Infinity : x === "-inf" ? -Infinity : x);
const values = (xs) => Float64Array.from(xs, value);

test("compact writes every case of the table as tests/reference.py's compact does", () => {
  for (const [x, text] of RULES.compact) assert.equal(compact(value(x)), text, `compact(${x})`);
});

test("formatG writes every case of the table as Python's format(x, '.Ng') does", () => {
  for (const [x, digits, text] of RULES.format_g) assert.equal(formatG(value(x), digits), text, `formatG(${x}, ${digits})`);
});

for (const c of RULES.products) {
  test(`the gradient of the ${c.name} problem is the engine's to the bit`, () => {
    const got = gradients(values(c.P), values(c.G), values(c.c), c.p);
    assert.deepEqual(Array.from(got), c.gradient.map(value));
  });
  test(`the eigen errors of the ${c.name} problem are the engine's to the bit`, () => {
    const got = eigenErrors(values(c.P), values(c.theta_star), values(c.V), c.p);
    assert.deepEqual(Array.from(got), c.eigen_errors.map(value));
  });
}

test("another order of the sum would fail: the table tells the engine's order apart", () => {
  let differs = false;
  for (const c of RULES.products) {
    const P = values(c.P);
    const G = values(c.G);
    for (let r = 0; r < P.length; r += c.p) {
      for (let n = 0; n < c.p; n++) {
        let sum = 0;
        for (let m = c.p - 1; m >= 0; m--) sum += P[r + m] * G[m * c.p + n];
        if (2 * (sum - c.c[n]) !== c.gradient[r + n]) differs = true;
      }
    }
  }
  assert.ok(differs);
});

test("parameters in original units as gd.data.to_original_units gives them", () => {
  for (const c of RULES.original_units) {
    const got = originalUnits(c.theta, c.mean, c.scale);
    assert.equal(got.length, c.original.length);
    got.forEach((v, n) => assert.ok(Math.abs(v - c.original[n]) <= 1e-14 * Math.abs(c.original[n]), `${v} vs ${c.original[n]}`));
  }
});

test("the arrows' tips and factor are gd.figures.charts.arrow_tips's", () => {
  for (const c of RULES.arrows) {
    const got = arrowTips(c.origin[0], c.origin[1], c.g, c.u, c.span);
    if (c.factor === null) {
      assert.equal(got, null);
      continue;
    }
    // Math.hypot and numpy's norm may round the length an ulp apart: positions on a chart, to 1e-12
    const close = (a, b) => assert.ok(Math.abs(a - b) <= 1e-12 * Math.abs(b), `${a} vs ${b}`);
    close(got.factor, c.factor);
    got.tips.forEach((tip, n) => tip.forEach((v, m) => close(v, c.tips[n][m])));
  }
});

test("the rate an update's arrow takes is gd.figures.charts.step_rate's", () => {
  for (const c of RULES.rates) assert.equal(stepRate(value(c.rates[c.k]), c.learning_rate), c.eta, `k = ${c.k}`);
});

test("the 3-D trail is gd.figures.surface.trail_steps's", () => {
  for (const c of RULES.trail) assert.deepEqual(trailSteps(c.drawn, c.k), c.steps, `T = ${c.T}, k = ${c.k}`);
});
