// What each chart shows at iteration k, as plotly.js takes it: pure builders from a Run
// (payload.js) and a chart's tagged traces to {traces, data[, layout]} (a Plotly.animate frame's
// parts) or a restyle's update. Every moving trace is drawn as gd.figures draws it at that
// iteration (the browser tests compare the two; tests/rules.json holds the shared rules: the
// arrows, the trail, the rate shown for a schedule, the follow window). No DOM, no plotly.js.

import { plainNumber } from "./format.js";
import { milestones } from "./whatif.js";

export const TRAIL = 8; // points of the 3-D trail behind the marker (gd.figures.common.TRAIL)
export const ARROW_SHARE = 0.15; // the longer arrow's length, a share of the view

// The rate of the update after iteration k as the arrows take it (gd.figures.charts.step_rate):
// the run's own where it has one (a schedule's, linesearch's exact step), else the input's.
export function stepRate(rate, learningRate) {
  return Number.isFinite(rate) ? rate : learningRate;
}

// The rate chart's marker at iteration k (gd.figures.eigen.rate_figure): the update after k, the
// last one's at k = T; no marker (y null) where the update has no rate.
export function ratePoint(k, T, rate) {
  return { x: Math.min(k, Math.max(T - 1, 0)), y: Number.isFinite(rate) ? rate : null };
}

// The arrows from (x0, y0) (gd.figures.charts.update_arrows): the plain gradient step g and the
// update u, scaled alike so that the longer is ARROW_SHARE of the view (`span`, the axes' widths).
// {tips: [[x, y] of g, [x, y] of u], factor}, or null where both are zero (or not finite).
export function arrowTips(x0, y0, g, u, span) {
  const norm = (v) => Math.hypot(v[0] / span[0], v[1] / span[1]);
  const longest = Math.max(norm(g), norm(u));
  if (!Number.isFinite(longest) || longest <= 0) return null;
  const factor = ARROW_SHARE / longest;
  return { tips: [g, u].map((v) => [x0 + factor * v[0], y0 + factor * v[1]]), factor };
}

// The 3-D trail at iteration k (gd.figures.surface.trail_steps): the last `trail` of the points
// the 2-D lines draw before k (`drawn`, sorted), then k.
export function trailSteps(drawn, k, trail = TRAIL) {
  const before = [];
  for (const s of drawn) {
    if (s >= k) break;
    before.push(s);
  }
  return [...before.slice(-trail), k];
}

// The upper end of a line chart's x-axis at iteration k: following k (a quarter ahead of it, at
// least 10, at most the run's end and the whole range's), or the whole range's.
export function followHigh(k, T, whole, follow) {
  return follow ? Math.min(whole[1], Math.max(10, Math.ceil(k * 1.25)), Math.max(T, 1)) : whole[1];
}

// The contour map at k: each run's path, the current point, the two arrows, and the caption.
export function contourFrame(run, tagged, k) {
  const d = run.data;
  const { i, j, span } = d;
  const traces = [];
  const data = [];
  for (const t of tagged.path) {
    const q = run.drawn(t.run, d.points, k);
    traces.push(t.index);
    data.push({ x: q.map((s) => run.param(t.run, s, i)), y: q.map((s) => run.param(t.run, s, j)) });
  }
  const x0 = run.param(0, k, i);
  const y0 = run.param(0, k, j);
  traces.push(tagged.point[0].index);
  data.push({ x: [x0], y: [y0] });
  let arrows = null;
  if (k < run.T) {
    const grad = run.gradient(k);
    const eta = stepRate(run.rate(k), d.learning_rate);
    const g = [-eta * grad[i], -eta * grad[j]];
    const u = [run.param(0, k + 1, i) - x0, run.param(0, k + 1, j) - y0];
    arrows = arrowTips(x0, y0, g, u, span);
  }
  for (const t of tagged.arrow) {
    traces.push(t.index);
    const tip = arrows?.tips[t.n];
    data.push(tip ? { x: [x0, tip[0]], y: [y0, tip[1]] } : { x: [null, null], y: [null, null] });
  }
  const caption = arrowsCaption(arrows ? arrows.factor : null, d);
  return { traces, data, caption };
}

// The contour map's caption: what the arrows are and the one scale both are drawn at (null: no
// arrows). On a stage (presenter mode, where the caption sits beside the map's title) the scale
// alone: the legend names the arrows.
export function arrowsCaption(factor, data) {
  if (factor === null) return data.presenter ? "No update after the last iteration" : "No arrows at the last iteration: no update follows it.";
  const scale = `${plainNumber(factor)}×`;
  if (data.presenter) return `Arrows drawn ${scale} their length`;
  const step = data.varying_rate ? "−ηₖ∇L" : "−η∇L";
  return `Arrows from the current point: the plain gradient step ${step} and the update ${data.text.optimizer} made, both drawn ${scale} their length.`;
}

// A line chart at k ("convergence": the parameters, "loss": the excess loss, "eigen": the errors
// along the eigenvectors): each run's lines up to k, the current points, and the x-axis's range
// where it moves (`high`: the range's end the chart last drew, null for none; `user`: the user
// zoomed, the range is theirs; `theory`: plain GD's lines for the run, theory.js
// referenceLines', to draw as well).
export function linesFrame(run, tagged, name, k, { whole, high, follow, user, theory = null }) {
  const d = run.data;
  const p = run.p;
  const value = (r, s, param) => {
    if (name === "loss") return Math.max(run.runs[r].excess[run.row(s)], d.floor);
    if (name === "eigen") return Math.max(run.runs[r].eig[run.row(s) * p + param], d.eig_floor);
    return run.param(r, s, param);
  };
  const traces = [];
  const data = [];
  for (const t of tagged.line) {
    const q = run.drawn(t.run, t.points, k);
    traces.push(t.index);
    data.push({ x: q, y: q.map((s) => value(t.run, s, t.param)) });
  }
  traces.push(tagged.point[0].index);
  if (name === "loss") {
    data.push({ x: [k], y: [value(0, k)] });
  } else if (name === "eigen") {
    const along = Array.from({ length: p }, (_, n) => value(0, k, n));
    data.push({ x: along.map(() => k), y: along });
  } else {
    const theta = run.params(0, k);
    data.push({ x: theta.map(() => k), y: theta });
  }
  // plain GD's references for a run of the browser's (theory.js)
  if (theory) {
    for (const t of tagged.theory ?? []) {
      traces.push(t.index);
      data.push(name === "loss" ? theory.bound : (theory.eigen?.[t.param] ?? { x: [], y: [] }));
    }
  }
  const frame = { traces, data, high };
  if (!user) {
    const end = followHigh(k, run.T, whole, follow);
    if (end !== high) {
      frame.high = end;
      frame.layout = { "xaxis.range": [0, end] };
    }
  }
  return frame;
}

// The learning-rate chart's marker at k; with `line`, its line of eta_t too (a run of the
// browser's, whose rates are not those the server drew).
export function rateFrame(run, tagged, k, line = false) {
  const frame = { traces: [tagged.point[0].index], data: [ratePoint(k, run.T, run.rate(k))].map(({ x, y }) => ({ x: [x], y: [y] })) };
  if (line && tagged.rates) frame.traces.push(tagged.rates[0].index), frame.data.push(rateLine(run));
  return frame;
}

// The rate chart's line of eta_t over the updates t = 0..T-1 that gd.figures.eigen.rate_figure
// draws (a sample of them, as the other lines'), the finite ones.
function rateLine(run) {
  const x = [];
  const y = [];
  if (run.T < 1) return { x, y };
  for (const t of milestones(run.T - 1, run.data.points)) {
    const rate = run.rate(t);
    if (Number.isFinite(rate)) x.push(t), y.push(rate);
  }
  return { x, y };
}

// The fit at k: the line (one feature: y = w x + b at the chart's xs) or the predictions of the
// fit's sample X (rows of d features) in the order of its features.
export function fitFrame(run, tagged, k, xs) {
  const theta = run.params(0, k);
  const b = theta[theta.length - 1];
  const fit = run.data.fit;
  let y;
  if (fit.kind === "line") {
    y = xs.map((x) => x * theta[0] + b);
  } else {
    const X = fit.X;
    const d = fit.d;
    const rows = X.length / d;
    y = new Array(rows);
    for (let r = 0; r < rows; r++) {
      let sum = 0;
      for (let m = 0; m < d; m++) sum += X[r * d + m] * theta[m];
      y[r] = sum + b;
    }
  }
  return { traces: [tagged.fit[0].index], data: [{ y }] };
}

// The 3-D scene's marker and trail at k, as a Plotly.restyle's update and its traces.
export function surfaceUpdate(run, tagged, k) {
  const { i, j, points } = run.data;
  const z = run.runs[0].z;
  const steps = trailSteps(run.runs[0].drawn[String(points)], k);
  const lists = [[k], steps];
  const traces = [tagged.point[0].index, tagged.trail[0].index];
  const path = tagged.path?.find((t) => t.run === 0);
  if (run.data.redrawn_path && path) {
    // a run the browser computed (whatif.js): its whole 3-D path is new too
    lists.push(run.data.redrawn_path);
    traces.push(path.index);
  }
  return {
    update: {
      x: lists.map((q) => Array.from(q, (s) => run.param(0, s, i))),
      y: lists.map((q) => Array.from(q, (s) => run.param(0, s, j))),
      z: lists.map((q) => Array.from(q, (s) => z[run.row(s)])),
    },
    traces,
  };
}

// A figure's moving traces by tag: {path: [{index, run}], point: [{index}], ...}.
export function tagsOf(fig) {
  const tagged = {};
  fig.data.forEach((trace, index) => {
    if (trace.meta?.gd) (tagged[trace.meta.gd] ||= []).push({ index, ...trace.meta });
  });
  return tagged;
}
