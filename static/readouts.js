// The panel's numbers at iteration k: the metrics, the scrubber's position, the parameters' table
// and the math (with its every-entry table). What they show comes from format.js and mathml.js;
// this writes it into the panel's elements (panel-view.js's).

import { compact } from "./format.js";
import { next, previous } from "./timeline.js";
import { SHORT_VECTOR, entryColumns, mathLines, parameterColumns } from "./mathml.js";
import { equationElement, fillTable } from "./dom.js";

// Write iteration `state.k` of `run` into `view`; with `extras`, the table and the math too.
export function renderReadouts(view, run, state, extras) {
  const { k, T } = state;
  const main = run.runs[0];
  const r = run.row(k);
  const loss = main.loss[r];
  view.iteration.textContent = String(k);
  view.loss.textContent = compact(loss);
  view.loss.title = String(loss);
  if (k > 0) {
    const before = previous(state, k);
    const change = loss - main.loss[run.row(before)];
    view.delta.textContent = ` ${change <= 0 ? "▼" : "▲"} ${compact(Math.abs(change))}`;
    view.delta.className = `gd-delta ${change <= 0 ? "gd-down" : "gd-up"}`;
    view.delta.title = `change since iteration ${before}: ${change}`;
  } else {
    view.delta.textContent = "";
  }
  const theta = run.params(0, k);
  const star = run.data.theta_star;
  const distance = Math.sqrt(theta.reduce((sum, v, n) => sum + (v - star[n]) ** 2, 0));
  view.distance.textContent = compact(distance);
  view.distance.title = String(distance);
  if (main.mse) {
    view.mse.textContent = compact(main.mse[r]);
    view.mse.title = String(main.mse[r]);
  }
  view.gradNorm.textContent = compact(main.grad_norm[r]);
  view.gradNorm.title = String(main.grad_norm[r]);
  if (view.scrub.value !== String(k)) view.scrub.value = String(k);
  view.scrub.setAttribute("aria-valuetext", `iteration ${k} of ${T}`);
  if (!extras) return;
  fillTable(view.table, parameterColumns(run.data, k, theta));
  const grad = run.gradient(k);
  const after = k < T ? run.params(0, k + 1) : null;
  view.mathTitle.textContent = `The math at iteration ${k}`;
  const lines = mathLines({ k, theta, grad, loss, after, rate: run.rate(k), varying: run.data.varying_rate });
  view.math.replaceChildren(...lines.map(equationElement));
  view.full.hidden = theta.length - 1 <= SHORT_VECTOR;
  if (!view.full.hidden && view.full.open) fillTable(view.fullTable, entryColumns(run.data.names, k, theta, grad, after));
}

// What does not move with k: the charts' names and captions, which boxes a run shows, the
// condition number, the run's length.
export function describe(view, run) {
  const data = run.data;
  const text = data.text;
  describeCharts(view, text);
  const main = run.runs[0];
  view.charts.rate.box.hidden = !data.figures.rate || !main.rate; // newton and cg have no rate to draw
  view.mseBox.hidden = !main.mse; // ridge: the loss is MSE + λ|w|², the MSE beside it
  view.lossBox.title = main.mse ? "MSE + λ|w|², the objective minimised" : "Mean squared error";
  if (!data.figures.rate) Object.assign(view.charts.rate, { tagged: null, drawn: false });
  view.conditionBox.title = text.condition;
  view.condition.textContent = compact(data.condition_number);
  view.condition.title = String(data.condition_number);
  view.of.textContent = ` of ${data.T}`;
  view.iteration.style.minWidth = `${String(data.T).length}ch`; // its slot: the run's digits (live.css)
  view.scrub.max = String(data.T);
  view.scrub.step = run.anchors ? "any" : "1";
  view.buttons.play.disabled = data.T === 0;
}

// The buttons as the state has them: Play or Pause, Step while there is an update to make.
export function renderControls(view, state) {
  const { k, T, playing } = state;
  view.buttons.play.textContent = playing ? "Pause" : "Play";
  view.buttons.play.title = playing ? "Stop on the iteration shown" : "Play the run (about 15 s)";
  view.buttons.step.disabled = k >= T || playing;
  const stride = next(state, k) - k;
  view.buttons.step.title =
    stride > 1 ? `Advance ${stride} updates (a long run keeps every iteration of its first part)` : "Advance one update";
}

// The charts' accessible names and captions (gd.live._text's; a browser's run has its own for the
// eigen view and the rate chart: captions.js), written where they changed: a run of the browser's
// writes them each time a control moves.
export function describeCharts(view, text) {
  for (const [name, chart] of Object.entries(view.charts)) {
    if (chart.box.getAttribute("aria-label") !== text[name]) chart.box.setAttribute("aria-label", text[name]);
  }
  for (const name of ["surface", "eigen", "rate"]) {
    const caption = view.charts[name].caption;
    if (caption.textContent !== text[`${name}_caption`]) caption.textContent = text[`${name}_caption`];
  }
}
