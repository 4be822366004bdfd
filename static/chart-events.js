// What the panel hears from its charts (plotly.js events): a click on the contour map (a new
// start) and the user's own zoom of a line chart. plotly.js removes these with the chart
// (Plotly.purge, panel.js's destroy).

import { clickedAt } from "./patches.js";

// To a thousandth of the view: a start one can read and type again.
export function roundToView(v, span) {
  const unit = 10 ** Math.floor(Math.log10(span / 1000));
  return Number((Math.round(v / unit) * unit).toPrecision(12));
}

// A click on the map starts the run there: theta_0 for the two parameters shown (panel.pick).
export function listenForPicks(panel, chart) {
  chart.picking = true;
  chart.chart.on("plotly_click", (event) => {
    const at = clickedAt(chart.chart, event);
    if (!at) return;
    const { span } = panel.data;
    // plotly reports a double click (which resets the axes) as a click, a double click and a
    // click again: a click counts once the double-click delay has passed with no double click
    // around it, so that resetting a zoom does not also start a new run
    const delay = chart.chart._context?.doubleClickDelay ?? 300;
    clearTimeout(panel.timers.get("pick"));
    if (performance.now() - (chart.doubled ?? -Infinity) < delay) return;
    panel.later("pick", delay, () => panel.pick({ x: roundToView(at.x, span[0]), y: roundToView(at.y, span[1]) }));
  });
  chart.chart.on("plotly_doubleclick", () => {
    clearTimeout(panel.timers.get("pick"));
    chart.doubled = performance.now();
  });
}

// A line chart's x-axis moved by the user (not by the follow window): keep their range until they
// choose a view.
export function listenForZoom(panel, chart) {
  chart.listening = true;
  chart.chart.on("plotly_relayout", (event) => {
    const range = event["xaxis.range"] || [event["xaxis.range[0]"], event["xaxis.range[1]"]];
    const ours = range[0] === 0 && range[1] === chart.high; // a move of the follow window
    if (!ours && (range[1] !== undefined || event["xaxis.autorange"] !== undefined)) {
      chart.user = true;
      panel.markView(null);
    }
  });
}
