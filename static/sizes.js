// How tall each of the panel's charts is drawn: on the page its figure's own height plus its
// legend's, in presenter mode the window's room.

import { pageTop, withLegend } from "./dom.js";
import { resizeTo } from "./patches.js";

const MIN_CHART_PX = 280; // the least height a chart is drawn at in presenter mode

// Presenter mode: the height that puts the first row of charts whole in the window.
export function presenterHeight(panel) {
  const first = panel.charts.contour.chart;
  const room = window.innerHeight - pageTop(first) - 8;
  return Math.round(Math.min(Math.max(room, MIN_CHART_PX), 1.2 * first.clientWidth || room));
}

// A chart's height on the page without its legend: its figure's own, but the 3-D scene fits its
// width (on a phone a full height left a blank band above it). Known before the first draw, so
// that a chart without a legend is drawn once at its height (a redraw of the scene costs about
// as much as its first draw on a CPU).
export function plotHeight({ chart, baseHeight }, name) {
  if (name !== "surface" || !chart.clientWidth) return baseHeight;
  return Math.min(baseHeight, Math.max(320, Math.round(0.9 * chart.clientWidth)));
}

// A chart's height: on the page, its figure's own plus what its legend takes below the plot,
// so that a legend of many runs does not shrink the plot; in presenter mode, the window's room
// (the legend inside it). The chart's element holds the height and plotly.js sizes the figure to
// its element (a figure's own height would be dropped by plotly.js's resize on the next width).
export async function fitHeight(panel, name) {
  const chart = panel.charts[name];
  const gd = chart.chart;
  if (!gd._fullLayout || !chart.baseHeight || gd.offsetParent === null) return; // hidden: later
  const wanted = () => (panel.data.presenter ? presenterHeight(panel) : withLegend(gd, plotHeight(chart, name)));
  await resizeTo(panel.Plotly, gd, wanted);
}

// Every chart drawn so far, to its height (the window or the panel's width changed).
export async function fitHeights(panel) {
  if (!panel.Plotly || !panel.data) return;
  for (const name of Object.keys(panel.charts)) {
    if (panel.charts[name].drawn && !panel.dead) await fitHeight(panel, name);
  }
}
