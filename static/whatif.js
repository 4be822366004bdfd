// What if the rate, the optimizer or momentum were other? The main run computed again in the
// browser (engine.js, equal to gd.run to the bit) from the payload's `whatif` block (gd.live
// .whatif: the problem's statistics, the settings in force, the sliders' bounds, each optimizer's
// capabilities and stability limit), and rebuilt as the payload's data, so that the panel draws
// it as it draws the server's run. Pure: no DOM, no plotly.js (whatif-panel.js is the controls).

import { run as engineRun, products, dot } from "./engine.js";
import { OPTIMIZERS, scheduleRates } from "./schedules.js";
import { whatifText } from "./captions.js";

const PATH_POINTS = 1000; // the 3-D path's points (gd.figures.common.PATH_POINTS)

// A number to 3 significant digits, as the sidebar's rates read (0.0123, 1.5, 100).
export function threeDigits(x) {
  return Number(x.toPrecision(3));
}

// The rate at slider position `at` of `positions` (0 .. positions - 1), on a log scale from min to
// max, rounded to 3 significant digits (and kept within the bounds).
export function rateAt(at, { min, max, positions }) {
  const share = Math.min(Math.max(at, 0), positions - 1) / (positions - 1);
  const rate = threeDigits(min * (max / min) ** share);
  return Math.min(Math.max(rate, min), max);
}

// Where `rate` lies on the slider: a position 0 .. positions - 1, not rounded (the stability
// limit's marker), or null for a rate that is not a positive finite number.
export function positionOf(rate, { min, max, positions }) {
  if (!(rate > 0) || !Number.isFinite(rate)) return null;
  return (Math.log(rate / min) / Math.log(max / min)) * (positions - 1);
}

// The slider's position nearest `rate` (within the slider).
export function nearestPosition(rate, bounds) {
  const at = positionOf(rate, bounds);
  return at === null ? 0 : Math.min(Math.max(Math.round(at), 0), bounds.positions - 1);
}

// Momentum's value at its slider's position (0, 0.01, ..., max) and back.
export function momentumAt(at, { max, positions }) {
  return Math.round(Math.min(Math.max(at, 0), positions - 1) * (max / (positions - 1)) * 100) / 100;
}

export function momentumPosition(mu, { max, positions }) {
  return Math.min(Math.max(Math.round((mu * (positions - 1)) / max), 0), positions - 1);
}

// numpy's rint: to the nearest whole number, a half to the even one.
function rint(x) {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

// About `count` iterations in [0, T], 0 and T included, dense early (gd.figures.common.milestones):
// the iterations a line draws and Play shows.
export function milestones(T, count) {
  if (count >= T + 1) return Int32Array.from({ length: T + 1 }, (_, s) => s);
  const first = Math.floor(count / 6);
  const out = new Set([...Array(first).keys(), T]);
  const grows = Math.floor(count / 2);
  const lo = Math.log10(Math.max(first, 1));
  const hi = Math.log10(T);
  for (let n = 0; n < grows; n++) out.add(rint(10 ** (grows > 1 ? lo + ((hi - lo) * n) / (grows - 1) : lo)));
  const even = count - grows - first;
  for (let n = 0; n < even; n++) out.add(rint(even > 1 ? (T * n) / (even - 1) : 0));
  return Int32Array.from([...out].sort((a, b) => a - b));
}

// The settings the engine runs: those in force with the controls' choices over them.
export function whatifSettings(block, choice) {
  return { ...block.settings, ...choice };
}

// The optimizer's entry of the payload's list (its capabilities, its limit), by name.
export function optimizerOf(block, name) {
  return block.optimizers.find((o) => o.name === name) ?? null;
}

// The stability limit of `name` at momentum `mu` (at the nearest slider position where it
// takes momentum), or null where it has none.
export function limitOf(block, name, mu) {
  const entry = optimizerOf(block, name);
  if (!entry) return null;
  if (entry.limits && Object.hasOwn(OPTIMIZERS[name]?.hypers ?? {}, "momentum")) {
    return entry.limits[momentumPosition(mu, block.momentum)];
  }
  return entry.limit;
}

// The payload's data with its main run replaced by the engine's run under `settings`: every
// iteration 0..T sent (no anchors), the lines' and Play's samples of the new T, the rates of
// each update, the 3-D heights. The compared runs stay as they are. Returns {data, run}.
export function whatifData(data, settings) {
  const block = data.whatif;
  const problem = block.problem;
  const p = problem.p;
  const result = engineRun(problem, settings);
  const T = result.steps;
  const P = result.params;
  const star = problem.theta_star;
  const rows = T + 1;
  const excess = new Float64Array(rows);
  const z = new Float64Array(rows);
  const gradNorm = new Float64Array(rows);
  const e = new Float64Array(p);
  const Ge = new Float64Array(p);
  const G = problem.G;
  const { i, j } = data;
  // e^T G e as engine.js's quadratic sums it (products, then dot, in order from +0), in place
  const quadraticOf = (v) => {
    for (let n = 0; n < p; n++) {
      let sum = 0;
      for (let m = 0; m < p; m++) sum += v[m] * G[m * p + n];
      Ge[n] = sum;
    }
    let total = 0;
    for (let n = 0; n < p; n++) total += v[n] * Ge[n];
    return total;
  };
  for (let r = 0; r < rows; r++) {
    const at = r * p;
    for (let m = 0; m < p; m++) e[m] = P[at + m] - star[m];
    excess[r] = Math.max(quadraticOf(e), 0);
    let squares = 0; // |2 (G theta - c)|
    for (let n = 0; n < p; n++) {
      let sum = 0;
      for (let m = 0; m < p; m++) sum += P[at + m] * G[m * p + n];
      const g = 2 * (sum - problem.c[n]);
      squares += g * g;
    }
    gradNorm[r] = Math.sqrt(squares);
    e.fill(0);
    e[i] = P[at + i] - star[i];
    e[j] = P[at + j] - star[j];
    z[r] = problem.loss_star + Math.max(quadraticOf(e), 0) + block.lift;
  }
  const main = data.runs[0];
  const drawn = {};
  for (const n of Object.keys(main.drawn)) drawn[n] = milestones(T, Number(n));
  const entry = optimizerOf(block, settings.optimizer);
  const rate = stepRates(settings, T, P, problem, entry.picks_rate);
  const out = { label: main.label, T, drawn, P, excess, z, loss: result.loss, grad_norm: gradNorm };
  if (rate !== null) out.rate = rate;
  if (main.mse) out.mse = result.loss.map((L, r) => L - block.l2 * dot(P.subarray(r * p, (r + 1) * p - 1), P.subarray(r * p, (r + 1) * p - 1)));
  const varying = rate !== null && (!block.constant_schedule || entry.picks_rate);
  const shown = {
    ...data, T, steps: null, anchors: null, path: null, play: milestones(T, block.play_frames), runs: [out, ...data.runs.slice(1)],
    redrawn_path: milestones(T, PATH_POINTS), learning_rate: settings.learning_rate, diverged_at: result.divergedAt, varying_rate: varying,
    text: { ...data.text, ...whatifText(data, settings, entry, limitOf(block, settings.optimizer, settings.momentum)) },
  };
  return { data: shown, result };
}

// The rate of the update after each iteration 0..T (the last one's at T), as gd.live sends it:
// the schedule's where the optimizer has a rate, the exact line search's g^T g / (2 g^T G g)
// where it picks its own, null where it has none (newton, cg).
export function stepRates(settings, T, P, problem, picks) {
  const out = new Float64Array(T + 1);
  if (OPTIMIZERS[settings.optimizer].rate) {
    const rates = scheduleRates(settings, Math.max(Number(settings.steps), 1));
    for (let s = 0; s <= T; s++) out[s] = T > 0 ? rates[Math.min(s, T - 1)] : NaN;
    return out;
  }
  if (!picks) return null;
  const { G, c, p } = problem;
  for (let s = 0; s <= T; s++) {
    const at = Math.min(s, T - 1) * p;
    const g = products(P.subarray(at, at + p), G, p).map((x, n) => 2 * (x - c[n]));
    const gg = dot(g, g);
    out[s] = T > 0 && gg > 0 ? gg / (2 * dot(g, products(g, G, p))) : NaN;
  }
  return out;
}

// The guidance line under the controls, for the browser's run.
export function guidance(result, rate, limit, hasRate) {
  if (result.divergedAt !== null) return `Diverged at step ${result.divergedAt}: past the stability limit η < ${limit === null ? "?" : threeDigits(limit)}.`;
  if (hasRate && limit !== null && rate >= limit) return `Past the stability limit η < ${threeDigits(limit)}: the error along the fastest direction grows every step.`;
  if (hasRate && limit !== null && rate < limit / 100) return `η is under 1/100 of the stability limit ${threeDigits(limit)}: the run crawls.`;
  return "";
}
