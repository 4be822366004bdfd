// One of the panel's figures drawn whole by plotly.js (a new payload: panel.js's `show`), at the
// size it will have, the iteration shown, its legend's room and its listeners.

import { followHigh, tagsOf } from "./figures.js";
import { reserveLegend } from "./legend.js";
import { pinContourFill } from "./patches.js";
import { listenForPicks, listenForZoom } from "./chart-events.js";
import { hoverEndsWithTouch, oneTabStop } from "./chart-access.js";
import { textWidth } from "./dom.js";
import { PLOTLY_CONFIG } from "./panel-view.js";
import { fitHeight, plotHeight, presenterHeight } from "./sizes.js";

export const LINES = ["convergence", "loss", "eigen"];

export async function drawFigure(panel, name, fig) {
  const chart = panel.charts[name];
  const presenter = panel.data.presenter;
  chart.drawn = false; // until plotly.js has drawn it, nothing else touches it (render, a refit)
  chart.tagged = tagsOf(fig);
  chart.xs = name === "fit" ? Array.from(fig.data[chart.tagged.fit[0].index].x) : null;
  chart.user = false;
  chart.high = null;
  if (LINES.includes(name)) {
    fig.layout.uirevision = name; // a zoom the user made survives Step and Play
    fig.layout.xaxis.autorange = false;
    chart.wholeRange = fig.layout.xaxis.range.slice();
    // drawn with Follow's window at the iteration shown: the render after it moves no window
    chart.high = followHigh(panel.state.k, panel.run.T, chart.wholeRange, panel.state.follow);
    fig.layout.xaxis.range = [0, chart.high];
  }
  chart.baseHeight = fig.layout.height;
  delete fig.layout.height; // the element's (fitHeight)
  // the height it will have, its legend's included, so that it is drawn once (fitHeight checks);
  // in presenter mode the window's, the legend's room inside it, in the margin from the start too
  const { guess, below } = reserveLegend(fig, chart.chart.clientWidth, textWidth);
  chart.legendGuess = guess; // for tests
  const height = presenter ? presenterHeight(panel) : plotHeight(panel.charts[name], name) + below;
  chart.chart.style.height = `${height}px`;
  if (presenter && panel.data.runs.length > 1) {
    // on a stage the runs are named once, by the loss chart's legend beside the map: the map
    // and the surface keep their own entries only, and their room
    if (name === "surface") fig.layout.showlegend = false;
    if (name === "contour") for (const t of fig.data) if (t.meta?.gd === "path") t.showlegend = false;
  }
  // drawn at the element's size, once (Plotly.react draws a chart at the size it drew it at
  // before); the size is dropped after the draw, so that plotly.js's resizing follows the element
  if (chart.chart.clientWidth > 0) Object.assign(fig.layout, { width: chart.chart.clientWidth, height });
  if (name === "contour") {
    // drawn anew: plotly.js's react onto the previous map keeps a stale 1:1 constraint and widens
    // the x range past the grid (the fill then stopped short of the axes after a preset); newPlot
    // drops the map's listeners too, so they are attached again below
    await panel.Plotly.newPlot(chart.chart, fig.data, fig.layout, PLOTLY_CONFIG);
    chart.picking = false;
  } else {
    await panel.Plotly.react(chart.chart, fig.data, fig.layout, PLOTLY_CONFIG);
  }
  if (panel.dead) return;
  delete chart.chart.layout.width;
  delete chart.chart.layout.height;
  oneTabStop(chart.chart, chart.box.querySelector("h3").textContent);
  hoverEndsWithTouch(panel.Plotly, chart.chart);
  if (name === "contour") await pinContourFill(panel.Plotly, chart.chart);
  await fitHeight(panel, name);
  panel.root.dataset.draws = String(Number(panel.root.dataset.draws || 0) + 1); // whole redraws, for tests
  chart.drawn = true;
  if (name === "contour" && !chart.picking) listenForPicks(panel, chart);
  if (!chart.listening && LINES.includes(name)) listenForZoom(panel, chart);
}
