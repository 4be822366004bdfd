// The run's start dragged on the contour map (issue 22): the what-if controls' last one. A press
// within a few pixels of the path's first point (theta_0 over the two parameters shown) takes the
// pointer from plotly.js (no zoom box, no click: a click elsewhere on the map still sets the start
// through the server, chart-events.js); while it moves, theta_0's two coordinates follow it (to a
// thousandth of the view, as a click's) and the run is computed again in the browser
// (whatif-panel.js's `choose`); let go, the settled choice goes to the server once, start included.

import { roundToView } from "./chart-events.js";

const GRAB_PX = 12; // how near the start a press takes it

// The map's pixel of (x, y) in the page's coordinates, and back, from plotly.js's axes.
function axes(plot) {
  const layout = plot._fullLayout;
  if (!layout?.xaxis?.d2p) return null;
  const box = plot.getBoundingClientRect();
  const { xaxis: xa, yaxis: ya } = layout;
  return {
    toPage: (x, y) => [box.left + xa._offset + xa.d2p(x), box.top + ya._offset + ya.d2p(y)],
    toData: (px, py) => [xa.p2d(px - box.left - xa._offset), ya.p2d(py - box.top - ya._offset)],
  };
}

export function listenForStartDrags(whatif) {
  const panel = whatif.panel;
  const plot = panel.charts.contour.chart;
  const on = (type, handler, capture = false) => plot.addEventListener(type, handler, { signal: panel.alive.signal, capture });
  let held = null; // the pointer's id while the start is held
  on("pointerdown", (event) => {
    const start = whatif.start();
    const map = start && panel.root.dataset.ready === "true" ? axes(plot) : null;
    if (!map || event.button !== 0) return;
    const { i, j } = panel.data;
    const [px, py] = map.toPage(start[i], start[j]);
    if (Math.hypot(event.clientX - px, event.clientY - py) > GRAB_PX) return;
    event.preventDefault(); // no mouse events for plotly.js: no zoom box, no click
    event.stopPropagation();
    held = event.pointerId;
    plot.setPointerCapture(held);
    panel.tuning = true;
    plot.dataset.holding = "start";
  }, true);
  on("pointermove", (event) => {
    if (event.pointerId !== held) return;
    const map = axes(plot);
    if (!map) return;
    const [x, y] = map.toData(event.clientX, event.clientY);
    if (!Number.isFinite(x) || !Number.isFinite(y)) return;
    const { i, j, span } = panel.data;
    const start = whatif.start().slice();
    start[i] = roundToView(x, span[0]);
    start[j] = roundToView(y, span[1]);
    whatif.choose({ start });
  });
  const release = (event) => {
    if (event.pointerId !== held) return;
    held = null;
    delete plot.dataset.holding;
    whatif.settle();
  };
  on("pointerup", release);
  on("pointercancel", release);
}
