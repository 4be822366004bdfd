// The charts fitted to the run shown where it is the browser's (what-if settings, run over the
// payload's problem): the server drew the figures for its own run, with its axes, its rate line
// and plain GD's lines. Once a choice is let go (not while it is dragged: the paths move then, the
// axes hold still) and when a payload is shown under other settings than its own.

import { chartRanges } from "./ranges.js";
import { limitOf } from "./whatif.js";

// The axes each chart's range sets (ranges.js), and the traces drawn for the server's run alone:
// plain GD's bound on the loss chart and its predictions in the eigen view (dashed) are shown for
// the payload's own run only.
const FITTED = ["loss", "eigen", "convergence", "rate"];
const ITS_OWN = { loss: (t) => t.name === "plain GD bound", eigen: (t) => t.line?.dash === "dash" && !t.meta };

export function fitCharts(panel, settings, own) {
  const { Plotly, run } = panel;
  const ranges = chartRanges(run, settings);
  for (const name of FITTED) {
    const chart = panel.charts[name];
    const range = ranges[name];
    if (!chart.drawn || !range) continue;
    const traces = chart.chart.data;
    if (name in ITS_OWN) {
      const mine = traces.flatMap((t, n) => (ITS_OWN[name](t) ? [n] : []));
      if (mine.length) Plotly.restyle(chart.chart, { visible: own }, mine);
    }
    if (name === "rate") rateLines(panel, chart, traces, settings);
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

// The rate chart's line of eta_t (t = 0..T-1, finite ones) and its stability limit, for the run.
function rateLines(panel, chart, traces, settings) {
  const { run } = panel;
  const T = run.T;
  const x = [];
  const y = [];
  for (let t = 0; t < T; t++) {
    const rate = run.rate(t);
    if (Number.isFinite(rate)) x.push(t), y.push(rate);
  }
  const line = traces.findIndex((t) => t.name === "ηₜ");
  if (line >= 0) panel.Plotly.restyle(chart.chart, { x: [x], y: [y] }, [line]);
  const at = traces.findIndex((t) => String(t.name).startsWith("stability limit"));
  if (at < 0) return;
  const limit = limitOf(run.data.whatif, settings.optimizer, settings.momentum);
  const shown = limit !== null && Number.isFinite(limit);
  const name = shown ? `stability limit ${Number(limit.toPrecision(4))}` : traces[at].name;
  panel.Plotly.restyle(chart.chart, { x: [[0, Math.max(T - 1, 1)]], y: [[limit, limit]], name, visible: shown }, [at]);
}
