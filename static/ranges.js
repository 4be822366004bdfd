// The axis ranges gd.figures draws for a run, for the charts whose ranges follow the run (the loss,
// the eigen view, the parameters, the rate), from the panel's data: the payload decoded
// (payload.js) or the main run rerun in the browser (whatif.js `whatifData`), whose charts would
// otherwise keep the ranges of the server's run and clip a run that converges further or diverges.
// Python's rules, array for array, floor for floor, pad for pad: the ranges are the server's to the
// last digit or two of a log or an exp. A run the data do not carry whole in float64 (a compared
// run: float32 rows; the server's main run where `steps` leaves iterations out) gives what the
// ranges take from it in its `extremes` (gd.live.extremes). Pure: no DOM, no plotly.js.

import { eigenErrors, Run } from "./payload.js";
import { limitOf, optimizerOf } from "./whatif.js";
import { walkPrediction } from "./theory.js";

const ROUND_OFF = 1e-16; // gd.problem.ROUND_OFF: the floors' share of their scale
const TINY = 1e-300; // and the floors' least
const REFERENCE_DECADES = 3; // gd.figures.eigen's: plain GD's prediction sets the range this far above E

// numpy's min and max of values[from..to) (not empty): NaN where any value is NaN.
export function extent(values, from = 0, to = values.length) {
  let lo = Infinity;
  let hi = -Infinity;
  for (let n = from; n < to; n++) {
    const v = values[n];
    if (Number.isNaN(v)) return [NaN, NaN];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

// Python's min() and max() of a list: the first unless a later one is strictly less (greater), so
// that a NaN among them counts as it does there.
const pyMin = (values) => values.reduce((best, v) => (v < best ? v : best));
const pyMax = (values) => values.reduce((best, v) => (v > best ? v : best));

// Python's `x or 1.0`: 1 for a zero (a flat range), x otherwise (a NaN too).
const orOne = (x) => (x === 0 ? 1 : x);

// np.maximum(values, floor)'s [min, max] from values' [min, max].
const floored = ([lo, hi], floor) => [Math.max(lo, floor), Math.max(hi, floor)];

// gd.figures.charts.log_layout: the iteration 0..T, and a log y range (log10 units, as Plotly
// takes a log axis's) holding every [min, max] of `shown`, padded by 5% of its decades.
export function logRange(T, shown) {
  const lo = pyMin(shown.map(([min]) => Math.log10(min)));
  const hi = pyMax(shown.map(([, max]) => Math.log10(max)));
  const pad = orOne(0.05 * (hi - lo));
  return { x: [0, Math.max(T, 1)], y: [lo - pad, hi + pad] };
}

// The floors of the main run's charts: the payload's (`floor`, `eig_floor`: gd.live's) for a run
// from the payload's start; for a start dragged in the browser, computed as gd.problem
// .excess_floor (1e-16 of the larger of L(theta_0) and L*) and gd.spectrum.eigen_floor (1e-16 of
// the larger of |theta*| and |theta_0|) do, never below 1e-300.
export function floors(data) {
  const main = data.runs[0];
  const p = data.p;
  const start = main.P.subarray(0, p);
  if (data.whatif.settings.start.every((v, m) => v === start[m])) return { loss: data.floor, eigen: data.eig_floor };
  const star = data.whatif.problem.loss_star;
  const L0 = main.loss[0];
  const lossScale = star > L0 ? star : L0;
  const norm = (v) => Math.sqrt(v.reduce((sum, x) => sum + x * x, 0));
  const [a, b] = [norm(data.theta_star), norm(start)];
  const eigenScale = b > a ? b : a;
  const floor = (scale) => (Number.isFinite(scale) ? Math.max(scale * ROUND_OFF, TINY) : TINY);
  return { loss: floor(lossScale), eigen: floor(eigenScale) };
}

// What a run gives the ranges: its `extremes` where it has them, else its own rows (every one of
// 0..T in float64 for the main run: the payload's where `steps` is null, the browser's always;
// its eigen errors a Run's own, `eig`, where it has them: the largest part of the work).
// Each a [min, max] but `rate`, [the largest finite rate of the updates 0..T-1, or 0].
function runExtremes(data, r, eig) {
  const run = data.runs[r];
  if (run.extremes) return run.extremes;
  const out = { excess: extent(run.excess), params: extent(run.P) };
  if (r > 0) return out;
  out.eig = eig ?? eigenErrors(run.P, data.theta_star, data.eigenvectors, data.p);
  out.eigen = extent(out.eig);
  if (run.rate != null) {
    let top = 0;
    for (let t = 0; t < run.T; t++) {
      const rate = typeof run.rate === "number" ? run.rate : run.rate[t];
      if (Number.isFinite(rate) && rate > top) top = rate;
    }
    out.rate = [top];
  }
  return out;
}

// The [min, max] of plain GD's prediction (theory.js walkPrediction) over t = 0..T: of its finite
// values from `floor` up to `ceiling` (gd.figures.eigen.eigen_shown), null for none.
export function predictionExtent(e0, eigenvalues, rate, T, floor, ceiling) {
  let lo = Infinity;
  let hi = -Infinity;
  walkPrediction(e0, eigenvalues, rate, T, (t, i, v) => {
    if (Number.isFinite(v) && v >= floor && v <= ceiling) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  });
  return lo <= hi ? [lo, hi] : null;
}

// The settings' stability limit: the payload's for its own momentum (gd.live computed it at the
// run's hyper-parameters), the momentum slider's position's for another (whatif.js limitOf).
function limitFor(block, settings) {
  if (!optimizerOf(block, settings.optimizer)) return null;
  if (settings.momentum === block.settings.momentum) return optimizerOf(block, settings.optimizer).limit;
  return limitOf(block, settings.optimizer, settings.momentum);
}

// The ranges gd.figures draws for the run of `data` (decoded payload data, whatifData's, or a Run
// of either) under `settings` (those it ran with: whatifData's; by default the payload's own):
// {loss, eigen, convergence: {x, y}, rate: {x, y} or null (no rate chart)}, log axes' y in log10.
export function chartRanges(data, settings = null) {
  const d = data instanceof Run ? data.data : data;
  const block = d.whatif;
  const chosen = settings ?? block.settings;
  const main = d.runs[0];
  const T = main.T;
  const all = d.runs.map((_, r) => runExtremes(d, r, data instanceof Run ? data.runs[0].eig : null));
  const own = all[0];
  const floor = floors(d);
  const longest = pyMax(d.runs.map((run) => run.T)); // a compared run may be longer

  // loss_figure: every run's excess loss held at the floor; plain GD's bound is drawn, not ranged
  const loss = logRange(longest, all.map((e) => floored(e.excess, floor.loss)));

  // eigen_figure: the main run's errors held at the eigen floor, and plain GD's prediction where
  // the run has a rate of its own (eigen_shown: up to REFERENCE_DECADES above them, or E's first row)
  const E = floored(own.eigen, floor.eigen);
  const shown = [E];
  if (main.rate != null && !optimizerOf(block, chosen.optimizer)?.picks_rate) {
    let part = own.prediction; // the server's, for a main run it did not send whole
    if (part === undefined) {
      const first = own.eig.subarray(0, d.p);
      const ceiling = E[1] * 10 ** REFERENCE_DECADES;
      part = predictionExtent(first, d.eigenvalues, main.rate, T, floor.eigen, ceiling);
      part ??= floored(extent(first), floor.eigen);
    }
    if (part) shown.push(part);
  }
  const eigen = logRange(T, shown);

  // convergence_figure: every run's parameters, theta* and the true theta, padded by 6%
  const refs = [...all.map((e) => e.params), extent(d.theta_star)];
  if (d.true_theta != null) refs.push(extent(d.true_theta));
  const lo = pyMin(refs.map(([min]) => min));
  const hi = pyMax(refs.map(([, max]) => max));
  const pad = orOne(0.06 * (hi - lo));
  const convergence = { x: [0, Math.max(longest, 1)], y: [lo - pad, hi + pad] };

  // rate_figure: the updates 0..T-1, up to the largest finite rate (1 for none) or the limit
  let rate = null;
  if (main.rate != null && T > 0) {
    let top = orOne(own.rate[0]);
    const limit = limitFor(block, chosen);
    if (limit != null && limit > top) top = limit;
    rate = { x: [0, Math.max(T - 1, 1)], y: [0, top * 1.08] };
  }
  return { loss, eigen, convergence, rate };
}
