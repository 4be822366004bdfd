// The live panel's elements: the buttons, the metrics, the scrubber, the Follow toggle, a figure
// for each chart, the table and the math. Built once a panel; panel.js fills and moves them.

import { el } from "./dom.js";

// The 3-D scene is drawn at the screen's pixel ratio: plotly.js's default (2) draws four times the
// pixels a common screen or projector (ratio 1) shows, which costs a CPU-drawn scene (no GPU)
// about half of each frame; a sharper screen keeps its ratio (up to plotly.js's 2).
export const PLOTLY_CONFIG = {
  displaylogo: false,
  responsive: true,
  plotGlPixelRatio: Math.min(Math.max(window.devicePixelRatio || 1, 1), 2),
};

export function buildPanel() {
  const view = { charts: {} };
  const button = (act, text, title) => el("button", { "data-act": act, type: "button", title }, [text]);
  view.buttons = {
    step: button("step", "Step", "Advance one update"),
    play: button("play", "Play", "Play the run (about 15 s)"),
    reset: button("reset", "Reset", "Back to iteration 0; the inputs stay"),
  };
  view.buttons.play.classList.add("gd-primary");
  const metric = (label, value, title = "") =>
    el("div", { class: "gd-metric", title }, [el("div", { class: "gd-label", text: label }), value]);
  view.iteration = el("span", { "data-testid": "gd-iteration", text: "0" });
  view.of = el("span", { class: "gd-of" });
  view.loss = el("span", { "data-testid": "gd-loss", text: "" });
  view.delta = el("span", { class: "gd-delta" });
  view.distance = el("span", { "data-testid": "gd-metric" });
  view.gradNorm = el("span", { "data-testid": "gd-metric" });
  view.condition = el("span", { "data-testid": "gd-metric" });
  view.conditionBox = metric("Condition number", el("div", { class: "gd-value" }, [view.condition]));
  view.mse = el("span", { "data-testid": "gd-mse" });
  view.mseBox = metric("MSE", el("div", { class: "gd-value" }, [view.mse]), "Mean squared error, without the ridge penalty");
  view.lossBox = metric("Loss", el("div", { class: "gd-value" }, [view.loss, view.delta]), "Mean squared error");
  const metrics = el("div", { class: "gd-metrics" }, [
    metric("Iteration", el("div", { class: "gd-value" }, [view.iteration, view.of])),
    view.lossBox,
    view.mseBox,
    metric("Distance to optimum", el("div", { class: "gd-value" }, [view.distance]), "|θ − θ*|"),
    metric("Gradient norm", el("div", { class: "gd-value" }, [view.gradNorm]), "|∇L|"),
    view.conditionBox,
  ]);
  view.scrub = el("input", { type: "range", min: "0", max: "0", value: "0", class: "gd-scrub" });
  view.scrub.setAttribute("aria-label", "Go to iteration");
  view.status = el("div", { class: "gd-sr", "aria-live": "polite" });
  view.bar = el("div", { class: "gd-bar" }, [el("div", { class: "gd-buttons" }, Object.values(view.buttons)), metrics]);
  const figure = (name, title) => {
    const chart = el("div", { class: "gd-chart" });
    const caption = el("figcaption", { class: "gd-caption" });
    const box = el("figure", { class: `gd-figure gd-${name}` }, [el("h3", { text: title }), chart, caption]);
    view.charts[name] = { box, chart, caption };
    return box;
  };
  view.followToggle = el("div", { class: "gd-toggle", role: "group", "aria-label": "x-axis" }, [
    el("button", { type: "button", "data-view": "follow", "aria-pressed": "true", text: "Follow" }),
    el("button", { type: "button", "data-view": "whole", "aria-pressed": "false", text: "Whole run" }),
  ]);
  view.table = el("table", { class: "gd-table" });
  view.mathTitle = el("h3", { text: "The math at iteration 0" });
  view.math = el("div", { class: "gd-math" });
  // every entry of the shortened vectors, on demand (drawn only while open)
  view.fullTable = el("table", { class: "gd-table" });
  view.full = el("details", { class: "gd-full" }, [el("summary", { text: "Every entry" }), view.fullTable]);
  // The headings: the page's title is h1; this h2 (for screen readers; the views say what they
  // are) heads the panel's h3s, and the page's own sections below are h2s again.
  view.root = el("div", { class: "gd-panel" }, [
    el("h2", { class: "gd-sr", text: "The run, iteration by iteration" }),
    el("div", { class: "gd-head" }, [view.bar, el("div", { class: "gd-scrubrow" }, [view.scrub, view.followToggle])]),
    view.status,
    // presenter mode shows the map and the parameters (or, compared, the loss) first: see live.css
    el("div", { class: "gd-views" }, [
      el("div", { class: "gd-grid" }, [figure("surface", "Loss surface"), figure("contour", "Contour map")]),
      el("div", { class: "gd-grid" }, [
        figure("convergence", "Parameters"),
        el("div", { class: "gd-lossbox" }, [figure("loss", "Loss"), figure("rate", "Learning rate ηₜ")]),
      ]),
      el("div", { class: "gd-grid" }, [figure("eigen", "Error along each eigenvector of G")]),
    ]),
    el("div", { class: "gd-grid gd-extra" }, [
      el("div", {}, [figure("fit", "Fit"), view.table]),
      el("section", { class: "gd-mathbox" }, [view.mathTitle, view.math, view.full]),
    ]),
  ]);
  return view;
}
