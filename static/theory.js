// Plain gradient descent's references, for a run the browser computed (whatif.js whatifData): the
// loss chart's bound and the eigen view's dashed predictions, as gd.figures draws them for the
// server's run (gd.figures.charts.loss_figure, gd.spectrum.gd_bound and gd_theory), so that they
// follow the rate while it is dragged rather than keep the server's. Python's arithmetic in
// Python's order: the values are the server's to the last place of an exp, a log or a pow.
// Pure: no DOM, no plotly.js.

import { eigenErrors } from "./payload.js";
import { scheduleRates } from "./schedules.js";
import { milestones } from "./whatif.js";

// Plain GD's prediction |v_i^T e_0| prod_{s<t} |1 - 2 eta_s lambda_i| (gd.spectrum.gd_theory: in
// logs, log|v_i^T e_0| added to the updates' running sums, in numpy's order), for t = 0..T:
// `visit(t, i, value)` for each t in turn and each direction i.
export function walkPrediction(e0, eigenvalues, rate, T, visit) {
  const p = eigenvalues.length;
  const logs = Array.from(e0, Math.log);
  const sums = new Float64Array(p);
  const step = new Float64Array(p); // log |1 - 2 eta lambda_i|: once for a constant rate
  const factors = (eta) => {
    for (let i = 0; i < p; i++) step[i] = Math.log(Math.abs(1 - 2 * eta * eigenvalues[i]));
  };
  if (typeof rate === "number") factors(rate);
  for (let t = 0; t <= T; t++) {
    if (t > 0) {
      if (typeof rate !== "number") factors(rate[t - 1]);
      for (let i = 0; i < p; i++) sums[i] += step[i];
    }
    for (let i = 0; i < p; i++) visit(t, i, Math.exp(logs[i] + sums[i]));
  }
}

// The loss chart's "plain GD bound" at the iterations `steps`: excess_0 times the worst factor
// max_i (1 - 2 eta lambda_i)^2 over the nonzero eigenvalues `lam`, a power of the constant rate's
// (gd.problem.Problem.gd_rate), or the product of each update's (gd_bound) where the schedule's
// rate varies (`rate`: the schedule's eta_s, s = 0..); the values at or above `floor` and finite,
// as drawn.
export function boundLine(excess0, lam, { rate, learningRate, varying, steps, floor }) {
  const worst = (eta) => {
    let top = -Infinity;
    for (const l of lam) {
      const f = 1 - 2 * eta * l;
      if (f * f > top || Number.isNaN(f)) top = f * f;
    }
    return top;
  };
  const value = new Float64Array(steps.length);
  if (varying) {
    let sum = 0; // numpy's exp(cumsum(log(worst))), the first 0
    let s = 0;
    steps.forEach((t, n) => {
      for (; s < t; s++) sum += Math.log(worst(rate[s]));
      value[n] = excess0 * Math.exp(sum);
    });
  } else {
    const factor = worst(learningRate);
    steps.forEach((t, n) => (value[n] = excess0 * factor ** t));
  }
  return kept(steps, value, floor);
}

// The iterations and values of a line whose values are finite and at or above `floor`.
function kept(steps, values, floor) {
  const x = [];
  const y = [];
  values.forEach((v, n) => {
    if (Number.isFinite(v) && v >= floor) x.push(steps[n]), y.push(v);
  });
  return { x, y };
}

// The eigen view's dashed lines, one per direction of G (the order of `eigenvalues`), at `steps`.
export function predictionLines(e0, eigenvalues, rate, T, steps, floor) {
  const p = eigenvalues.length;
  const rows = Array.from({ length: p }, () => new Float64Array(steps.length));
  let n = 0;
  walkPrediction(e0, eigenvalues, rate, T, (t, i, v) => {
    if (t === steps[n]) rows[i][n] = v;
    if (t === steps[n] && i === p - 1) n++;
  });
  return rows.map((row) => kept(steps, row, floor));
}

// The references for the browser's run in `data` (whatifData's) under `settings`, its `entry` (the
// payload's optimizer entry) and the floors of its charts (ranges.js floors): {bound: {x, y},
// eigen: one {x, y} per direction, or null where gd.figures draws no prediction (an optimizer
// with no rate of its own, or one that picks it: newton, cg, linesearch)}.
export function referenceLines(data, settings, entry, floors) {
  const block = data.whatif;
  const main = data.runs[0];
  const { T } = main;
  const { p } = data;
  // the bound over the longest run's iterations (a compared run may be longer), the predictions
  // over the main run's
  const longest = Math.max(...data.runs.map((run) => run.T));
  const lam = data.eigenvalues.subarray(p - block.rank);
  const excess0 = Math.max(main.excess[0], floors.loss);
  const varying = !block.constant_schedule && entry.rate;
  let steps = milestones(longest, data.points);
  // the schedule's rates, all of them: a compared run may outlast a main run that diverged
  const rates = varying ? scheduleRates(settings, Math.max(Number(settings.steps), 1)) : null;
  if (varying) steps = steps.filter((t) => t <= rates.length);
  const bound = boundLine(excess0, lam, { rate: rates, learningRate: settings.learning_rate, varying, steps, floor: floors.loss });
  if (main.rate == null || entry.picks_rate) return { bound, eigen: null };
  const e0 = eigenErrors(main.P.subarray(0, p), data.theta_star, data.eigenvectors, p);
  return { bound, eigen: predictionLines(e0, data.eigenvalues, main.rate, T, milestones(T, data.points), floors.eigen) };
}
