// The words of a browser's run (static/captions.js), worked by hand on G = diag(2, 1) (eigenvalues
// 1 and 2, kappa = 2, (kappa - 1)/(kappa + 1) = 1/3): each branch of gd.spectrum.eigen_note and
// gd.live.rate_caption. tests/test_ranges_js.py checks them against gd.live's own words.
import { test } from "node:test";
import assert from "node:assert/strict";
import { eigenNote, whatifText } from "../../static/captions.js";

const LEAD = "Along each eigenvector vᵢ of G the error is multiplied by 1 − 2ηλᵢ per step of plain gradient descent.";
const PACE = " No constant rate does better than η = 1/(λmax + λmin), where both shrink by (κ − 1)/(κ + 1) = 0.3333 (κ = 2): the condition number alone sets the pace.";
const data = (eigenvalues, rank, over = {}) => ({
  eigenvalues, condition_number: 2, whatif: { rank, constant_schedule: true, ...over },
});
const DIAG = data([1, 2], 2);

test("every direction shrinks: the factors, and the slowest one's steps per factor e", () => {
  // eta = 0.1: |1 - 0.2| = 0.8, |1 - 0.4| = 0.6; 1 / -ln 0.8 = 4.48: about 4 steps
  assert.equal(eigenNote(DIAG, 0.1, true),
    `${LEAD} The slowest direction is v1 (λ = 1), the fastest v2 (λ = 2). At η = 0.1 they shrink by factors 0.8 and 0.6 a step. v1 needs about 4 steps per factor e.${PACE}`);
  // eta = 1e-4: 0.9998, and 1 / -ln 0.9998 = 4999.49998: 4,999 steps, thousands separated
  assert.match(eigenNote(DIAG, 1e-4, true), /At η = 0\.0001 they shrink by factors 0\.9998 and 0\.9996 a step\. v1 needs about 4,999 steps per factor e\./);
});

test("one direction grows, every direction grows, a factor of exactly 1", () => {
  // eta = 0.75: 0.5 and |1 - 3| = 2; 1 / -ln 0.5 = 1.44: about 1 step (one, not "steps")
  assert.match(eigenNote(DIAG, 0.75, true),
    /At η = 0\.75 the error along v1 shrinks by a factor 0\.5 a step, along v2 grows by a factor 2\. v2 grows: η is past 1\/λᵢ for it\. v1 needs about 1 step per factor e\. No constant/);
  // eta = 1.5: 2 and 5
  assert.match(eigenNote(DIAG, 1.5, true), /along v2 grows by a factor 5\. The error along every direction grows: η is past 1\/λmin\./);
  // eta = 0.5: 0 (no steps line: past e^-1) and exactly 1
  assert.match(eigenNote(DIAG, 0.5, true),
    /At η = 0\.5 the error along v1 shrinks by a factor 0 a step, along v2 keeps its size \(a factor of exactly 1: it flips sign each step\)\. No constant/);
});

test("no rate: the directions and the pace only; a zero eigenvalue is no direction to shrink", () => {
  assert.equal(eigenNote(DIAG, 0.1, false), `${LEAD} The slowest direction is v1 (λ = 1), the fastest v2 (λ = 2).${PACE}`);
  // eigenvalues 0, 1, 2 of rank 2: the slowest is v2; eta = 1.5 grows v2 and v3, "every direction with λ > 0"
  const text = eigenNote(data([0, 1, 2], 2), 1.5, true);
  assert.match(text, /The slowest direction is v2 \(λ = 1\), the fastest v3 \(λ = 2\)\./);
  assert.match(text, /The error along every direction with λ > 0 grows/);
  assert.ok(text.endsWith(" 1 direction(s) have λ = 0: no step moves them, and none needs to."));
});

test("the rate chart's caption and both charts' names follow the optimizer, the schedule and the limit", () => {
  const gd = { rate: true, picks_rate: false };
  const at = (settings, entry, limit, block = DIAG) => whatifText(block, { optimizer: "gd", learning_rate: 0.1, schedule: "constant", ...settings }, entry, limit);
  const plain = at({ learning_rate: 1e-7 }, gd, 0.5); // written as Python's :g writes it
  assert.equal(plain.rate_caption, "A constant rate η = 1e-07 (choose a schedule under Advanced).");
  assert.ok(plain.rate.endsWith(", with the stability limit dashed."));
  assert.ok(plain.eigen.endsWith(", beside plain gradient descent's prediction (dashed)."));
  assert.equal(plain.optimizer, "gd");
  assert.equal(at({ learning_rate: 123456789 }, gd, 0.5).rate_caption, "A constant rate η = 1.23457e+08 (choose a schedule under Advanced).");
  assert.equal(at({ schedule: "cosine" }, gd, 0.5, data([1, 2], 2, { constant_schedule: false })).rate_caption,
    "The cosine schedule, as torch.optim.lr_scheduler steps it after every update.");
  const newton = at({ optimizer: "newton" }, { rate: false, picks_rate: false }, null);
  assert.equal(newton.rate_caption, "newton has no learning rate: the rate and the schedule have no effect on it.");
  assert.ok(newton.rate.endsWith("the current one marked.") && newton.eigen.endsWith("against the iteration."));
  assert.ok(!newton.eigen_caption.includes("At η"));
  assert.match(at({ optimizer: "linesearch" }, { rate: false, picks_rate: true }, null).rate_caption, /^linesearch picks/);
});
