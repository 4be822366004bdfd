// The browser side's entry, and the only module that speaks Streamlit's component API
// (Components v2: panel.py's loader imports this module and calls `mount`). Streamlit calls the
// loader with the data of every run that changed the element, which panel.py packs as one line of
// JSON (`head`) and the bytes of a payload (the live panel: panel.js) or a figure's JSON (a chart
// that does not follow the iteration: `mountFigure`). `mount` returns the cleanup Streamlit calls
// when it unmounts the element: everything mounted there is taken off the page.

import { Panel } from "./panel.js";
import { PLOTLY_CONFIG } from "./panel-view.js";
import { reserveLegend } from "./legend.js";
import { clickedAt, resizeTo } from "./patches.js";
import { el, textWidth, withLegend } from "./dom.js";
import { loadPlotly } from "./load.js";
import { hoverEndsWithTouch, oneTabStop } from "./chart-access.js";
import { listenForKeys } from "./keys.js";

export function mount({ parentElement, setStateValue, setTriggerValue }, head, body) {
  // Streamlit keeps the cleanup of the last call only (and runs a call's at once when that call
  // ends after its element was replaced): each call's cleanup acts only if it is the last call's
  const call = (parentElement.__gdCalls = (parentElement.__gdCalls || 0) + 1);
  const cleanup = () => {
    if (parentElement.__gdCalls !== call) return;
    parentElement.__gdCleanup?.();
    parentElement.__gdCleanup = null;
  };
  if (head.figure) {
    mountFigure(parentElement, head, body, setTriggerValue);
    return cleanup;
  }
  if (head.problem) {
    keepPayload(parentElement, head.problem, body);
    return cleanup;
  }
  let panel = parentElement.__gdPanel;
  if (!panel) {
    // the report names its run and the `opened` it was made under, so that the server can tell a
    // late report (about another run, or from before a preset reopened the panel) apart
    panel = new Panel(parentElement, {
      report: (k) => setStateValue("iteration", { run: panel.data.run, k, opened: panel.opened }),
      pick: (at) => setTriggerValue("pick", { run: panel.data.run, i: panel.data.i, j: panel.data.j, ...at }),
      // the what-if controls' settled choice, once: {learning_rate, optimizer, momentum, k[, start], seq}
      settings: (choice) => setTriggerValue("settings", { run: panel.data.run, ...choice }),
    });
    parentElement.__gdPanel = panel;
    listenForKeys(panel); // Space, the arrows, the page keys, Home and End (a clicker's)
    parentElement.__gdCleanup = () => {
      panel.destroy();
      parentElement.__gdPanel = null;
    };
  }
  payloadOf(head.payload)
    .then((bytes) => {
      if (parentElement.__gdCalls !== call || panel.dead) return null; // a newer call shows its own
      return panel.show(bytes, head.start, head.plotly, head.opened, head.settings, head.heard ?? null);
    })
    .catch((error) => {
      if (panel.dead) return; // unmounted while drawing: nothing is on screen to tell
      panel.status.textContent = `The charts could not be drawn: ${error.message}`;
      console.error(error);
    });
  return cleanup;
}

// The payloads the page's "problem" elements hold, by id (panel.py's live_panel: the payload has
// an element of its own, which a change of the settings alone does not send again), and the
// panels waiting for one (Streamlit mounts the two elements in no promised order).
const payloads = new Map();
const waiting = new Map();
const KEPT_PAYLOADS = 3; // a rerun's new payload arrives while the panel may still show the last

function keepPayload(parentElement, id, body) {
  parentElement.classList.add("gd-problem"); // nothing on screen (live.css hides its element)
  payloads.delete(id);
  payloads.set(id, body);
  while (payloads.size > KEPT_PAYLOADS) payloads.delete(payloads.keys().next().value);
  for (const resolve of waiting.get(id) ?? []) resolve(body);
  waiting.delete(id);
}

function payloadOf(id) {
  if (payloads.has(id)) return Promise.resolve(payloads.get(id));
  return new Promise((resolve) => waiting.set(id, [...(waiting.get(id) ?? []), resolve]));
}

// A chart that does not follow the iteration (the learning-rate sweep): drawn once per figure.
function mountFigure(parentElement, head, body, setTriggerValue) {
  let box = parentElement.querySelector("figure.gd-static");
  if (!box) {
    box = el("figure", { class: "gd-figure gd-static" }, [el("div", { class: "gd-chart" }), el("figcaption", { class: "gd-caption" })]);
    parentElement.append(box);
    const gd = box.firstChild;
    let observer = null;
    let timer = null;
    box.watch = () => {
      // the width follows the window and the sidebar (which Plotly does not see), the legend's rows it
      if (observer) return;
      let width = box.clientWidth;
      observer = new ResizeObserver(() => {
        if (Math.abs(box.clientWidth - width) < 1) return;
        width = box.clientWidth;
        clearTimeout(timer);
        timer = setTimeout(() => box.fit(), 250);
      });
      observer.observe(box);
    };
    parentElement.__gdCleanup = () => {
      box.dead = true;
      box.unfollow?.();
      observer?.disconnect();
      clearTimeout(timer);
      window.Plotly?.purge(gd);
      box.remove();
    };
  }
  box.pick = (at) => setTriggerValue("pick", { id: head.id, ...at });
  box.lastChild.textContent = head.caption ?? ""; // plain text, never markup
  if (box.dataset.id === head.id) return;
  box.dataset.id = head.id;
  box.setAttribute("aria-label", head.label);
  const fig = JSON.parse(new TextDecoder().decode(body));
  if (head.pickable) fig.layout.hovermode = "x"; // a click anywhere above a rate reports it
  loadPlotly(head.plotly).then(async (Plotly) => {
    if (box.dead) return;
    const gd = box.firstChild;
    const height = fig.layout.height;
    delete fig.layout.height; // as the panel's charts: the element holds the height (sizes.js)
    gd.style.height = `${height + reserveLegend(fig, gd.clientWidth, textWidth).below}px`; // drawn once, as theirs
    const plot = await Plotly.react(gd, fig.data, fig.layout, PLOTLY_CONFIG);
    if (box.dead) return;
    oneTabStop(gd, "Learning-rate sweep");
    hoverEndsWithTouch(Plotly, gd);
    box.fit = () => gd.offsetParent !== null && !box.dead && resizeTo(Plotly, gd, () => withLegend(gd, height));
    await box.fit();
    box.watch();
    if (head.marks) followRun(Plotly, gd, box);
    box.dataset.ready = "true";
    if (!head.pickable || plot.__gdPicking) return;
    plot.__gdPicking = true; // a click on the chart reports where it fell (the sweep: a rate)
    plot.on("plotly_click", (event) => {
      const at = clickedAt(plot, event);
      if (at) box.pick(at);
    });
  });
}

// The sweep's mark of the current rate, at the panel's run's loss after its steps (dom.js's
// announceRun: the browser's run of a rate the server ran no run for, gd.figures.rate_sweep_figure);
// hidden while the panel runs another optimizer than the one swept (the server sweeps it on release).
function followRun(Plotly, gd, box) {
  const place = (run) => {
    const at = gd.data.findIndex((t) => t.meta?.gd === "current");
    const { gd_floor: floor, gd_top: top, gd_optimizer: swept } = gd.layout.meta ?? {};
    if (!run || at < 0 || box.dead) return;
    const y = run.diverged || !Number.isFinite(run.excess) ? top : Math.max(run.excess, floor);
    const name = `η = ${run.learning_rate} (${run.optimizer}): this run`;
    Plotly.restyle(gd, { x: [[run.learning_rate]], y: [[y]], name, visible: run.optimizer === swept }, [at]);
  };
  place(window.__gdRun);
  if (box.following) return;
  box.following = true;
  const follow = (event) => place(event.detail);
  window.addEventListener("gd-run", follow);
  box.unfollow = () => window.removeEventListener("gd-run", follow);
}
