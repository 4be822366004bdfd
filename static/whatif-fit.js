// The charts fitted to the run shown where it is the browser's (what-if settings, run over the
// payload's problem): the server drew the figures for its own run, with its axes and its rate
// chart's stability limit. Once a choice is let go (not while it is dragged: the paths move then,
// the axes hold still) and when a payload is shown under other settings than its own.

import { chartRanges } from "./ranges.js";
import { limitOf } from "./whatif.js";

// The axes each chart's range sets (ranges.js). Plain GD's bound on the loss chart and its
// predictions in the eigen view follow the run as it is dragged (theory.js, panel.js renderLines).
const FITTED = ["loss", "eigen", "convergence", "rate"];

export function fitCharts(panel, settings) {
  const { Plotly, run } = panel;
  const ranges = chartRanges(run, settings);
  for (const name of FITTED) {
    const chart = panel.charts[name];
    const range = ranges[name];
    if (!chart.drawn || !range) continue;
    if (name === "rate") rateLimit(panel, chart, chart.chart.data, settings);
    const update = { "yaxis.range": range.y };
    if (chart.wholeRange) {
      chart.wholeRange = range.x.slice(); // Follow's window moves within the run's own length
      chart.high = null;
      chart.user = false;
    } else {
      update["xaxis.range"] = range.x;
    }
    Plotly.relayout(chart.chart, update);
  }
  panel.render(true);
}

// The rate chart's stability limit, for the run (its line of eta_t goes with each frame of a run
// of the browser's: figures.js rateFrame).
function rateLimit(panel, chart, traces, settings) {
  const { run } = panel;
  const T = run.T;
  const at = traces.findIndex((t) => String(t.name).startsWith("stability limit"));
  if (at < 0) return;
  const limit = limitOf(run.data.whatif, settings.optimizer, settings.momentum);
  const shown = limit !== null && Number.isFinite(limit);
  const name = shown ? `stability limit ${Number(limit.toPrecision(4))}` : traces[at].name;
  panel.Plotly.restyle(chart.chart, { x: [[0, Math.max(T - 1, 1)]], y: [[limit, limit]], name, visible: shown }, [at]);
}
