// The panel's words that depend on the what-if settings (the rate, the optimizer, momentum's β),
// for a run the browser computed (whatif.js whatifData): the eigen view's and the rate chart's
// captions and accessible names, as gd.live._text writes them for the server's run
// (gd.spectrum.eigen_note, gd.live.rate_caption). Without them a browser's run showed the words of
// the run the server made: "A constant rate η = 0.01" under a slider held at 0.5, "shrink by
// factors" where the error grows. Python's formats (`:g`, `:.4g`, `:,`) through format.js.
// Pure: no DOM.

import { formatG, roundHalfEven } from "./format.js";

const g = (x) => formatG(x, 6); // Python's f"{x:g}"
const g4 = (x) => formatG(x, 4); // f"{x:.4g}"

// gd.live._text's entries that follow the settings: {eigen, eigen_caption, rate, rate_caption,
// optimizer}. `data`: the payload's (its eigenvalues, condition number and what-if block);
// `settings`: the run's (whatif.js whatifSettings); `entry`: the optimizer's row of the block;
// `limit`: its stability limit at these settings (null where it has none).
export function whatifText(data, settings, entry, limit) {
  const hasRate = Boolean(entry.rate); // gd.live.rate_view: a schedule of rates to predict from
  return {
    optimizer: settings.optimizer,
    eigen: "The error along each eigenvector of G on a log scale against the iteration"
      + (hasRate ? ", beside plain gradient descent's prediction (dashed)." : "."),
    eigen_caption: eigenNote(data, settings.learning_rate, hasRate),
    rate: "The learning rate of each update against the update, the current one marked"
      + (limit !== null ? ", with the stability limit dashed." : "."),
    rate_caption: rateCaption(data.whatif, settings, entry),
  };
}

// gd.live.rate_caption.
function rateCaption(block, settings, entry) {
  if (entry.picks_rate) return "linesearch picks each step's rate itself: ηₜ = gᵀg / (2 gᵀGg), the exact minimum along −g.";
  if (!entry.rate) return `${settings.optimizer} has no learning rate: the rate and the schedule have no effect on it.`;
  if (block.constant_schedule) return `A constant rate η = ${g(settings.learning_rate)} (choose a schedule under Advanced).`;
  return `The ${settings.schedule} schedule, as torch.optim.lr_scheduler steps it after every update.`;
}

// gd.spectrum.eigen_note: why the condition number sets the pace, with the run's numbers.
export function eigenNote(data, eta, hasRate) {
  const lam = data.eigenvalues;
  const p = lam.length;
  const rank = data.whatif.rank;
  const deficient = rank < p;
  const lo = p - rank;
  const hi = p - 1;
  const kappa = data.condition_number;
  const best = (kappa - 1) / (kappa + 1);
  let text = `Along each eigenvector vᵢ of G the error is multiplied by 1 − 2ηλᵢ per step of plain gradient `
    + `descent. The slowest direction is v${lo + 1} (λ = ${g4(lam[lo])}), the fastest v${hi + 1} `
    + `(λ = ${g4(lam[hi])}).`;
  if (hasRate) {
    const factors = Array.from(lam, (l) => Math.abs(1 - 2 * eta * l));
    const fLo = factors[lo];
    text += ` ${factorWords(eta, lo, hi, factors, deficient)}`;
    if (Math.exp(-1) <= fLo && fLo < 1) {
      const steps = roundHalfEven(1 / -Math.log(fLo));
      text += ` v${lo + 1} needs about ${steps.toLocaleString("en-US")} step${steps !== 1 ? "s" : ""} per factor e.`;
    }
  }
  text += ` No constant rate does better than η = 1/(λmax + λmin), where both shrink by `
    + `(κ − 1)/(κ + 1) = ${g4(best)} (κ = ${g4(kappa)}): the condition number alone sets the pace.`;
  if (deficient) text += ` ${p - rank} direction(s) have λ = 0: no step moves them, and none needs to.`;
  return text;
}

// gd.spectrum._change: what a factor |1 - 2 eta lambda| does to the error a step.
function change(f) {
  if (f < 1) return `shrinks by a factor ${g4(f)}`;
  if (f > 1) return `grows by a factor ${g4(f)}`;
  return "keeps its size (a factor of exactly 1: it flips sign each step)";
}

// gd.spectrum._names: "v2, v5 and v6".
function names(indices) {
  const all = indices.map((i) => `v${i + 1}`);
  return all.length === 1 ? all[0] : `${all.slice(0, -1).join(", ")} and ${all.at(-1)}`;
}

// gd.spectrum.factor_words: the slowest (lo) and fastest (hi) directions' factors at eta, and
// every growing direction named.
function factorWords(eta, lo, hi, factors, deficient) {
  const fLo = factors[lo];
  const fHi = factors[hi];
  if (fLo < 1 && fHi < 1) return `At η = ${g(eta)} they shrink by factors ${g4(fLo)} and ${g4(fHi)} a step.`;
  let text = `At η = ${g(eta)} the error along v${lo + 1} ${change(fLo)} a step, along v${hi + 1} ${change(fHi)}.`;
  const growing = [];
  for (let i = lo; i < factors.length; i++) if (factors[i] > 1) growing.push(i);
  if (growing.length === factors.length - lo) {
    text += ` The error along ${deficient ? "every direction with λ > 0" : "every direction"} grows: η is past 1/λmin.`;
  } else if (growing.length) {
    const one = growing.length === 1;
    text += ` ${names(growing)} ${one ? "grows" : "grow"}: η is past 1/λᵢ for ${one ? "it." : "each of them."}`;
  }
  return text;
}
