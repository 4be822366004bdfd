// The live panel: Step, Play/Pause, Reset and the scrubber move every view of a run in the browser.
//
// The server sends a run once (gd/live.py builds the payload: the Plotly figures at iteration 0,
// the traces that move tagged by `meta`, and the run's numbers at every iteration the browser can
// show). From then on the current iteration is browser state (timeline.js): nothing here waits for
// the server, and nothing is sent while moving. Once the user stops (Pause, a burst of Steps, a
// scrub) the iteration is sent once, debounced, so that share links and downloads hold it.
//
// Data flows one way: payload (payload.js) -> timeline state (timeline.js) -> what each chart and
// readout shows (figures.js, mathml.js, format.js) -> plotly.js and the DOM, here. Everything the
// panel adds to the page (listeners, observers, timers, frames, plotly.js's charts) it removes in
// `destroy`.

import { Run, decodePayload } from "./payload.js";
import { advance, timeline } from "./timeline.js";
import { contourFrame, fitFrame, linesFrame, rateFrame, surfaceUpdate } from "./figures.js";
import { restyleMarker } from "./patches.js";
import { announceRun, widthSettled } from "./dom.js";
import { loadPlotly } from "./load.js";
import { buildPanel } from "./panel-view.js";
import { describe, renderControls, renderReadouts } from "./readouts.js";
import { fitHeights } from "./sizes.js";
import { WhatIf } from "./whatif-panel.js";
import { LINES, drawFigure } from "./panel-draw.js";

const SYNC_DELAY_MS = 700; // after the user stops, before the iteration is sent
const SCENE_INTERVAL_MS = 120; // the 3-D scene redraws at most this often while playing,
const SCENE_SHARE = 8; // and takes at most 1/8 of the time (a CPU-drawn scene redraws rarely)
const MOVE = { transition: { duration: 0 }, frame: { duration: 0, redraw: false }, mode: "immediate" };
const ONE_MOVE = new Set(["step", "back", "reset", "end"]);

// The iteration each run was last shown at, for the page's life: a panel that Streamlit mounts
// anew (an element above it came or went) goes on where it was.
const lastShown = new Map();

export class Panel {
  // `report(k)`: the user stopped on k; `pick(at)`: a click on the map ({x, y}); `settings(s)`:
  // the what-if controls' settled choice (whatif-panel.js).
  constructor(host, { report, pick, settings }) {
    this.report = report;
    this.pick = pick;
    this.stale = new Set();
    this.inSight = new Set();
    this.sentK = null;
    this.state = null;
    this.alive = new AbortController(); // every listener the panel adds goes with it
    this.timers = new Map(); // name -> timeout id (`later`)
    this.frames = new Map(); // name -> animation frame id (`frame`)
    this.observers = [];
    Object.assign(this, buildPanel());
    host.append(this.root);
    this.listen();
    this.whatif = new WhatIf(this, settings);
  }

  later(name, ms, run) {
    clearTimeout(this.timers.get(name));
    this.timers.set(name, setTimeout(() => (this.timers.delete(name), run()), ms));
  }

  frame(name, run) {
    cancelAnimationFrame(this.frames.get(name));
    this.frames.set(name, requestAnimationFrame((now) => (this.frames.delete(name), run(now))));
  }

  listen() {
    const on = (target, type, handler) => target.addEventListener(type, handler, { signal: this.alive.signal });
    const watched = new Map(Object.entries(this.charts).map(([name, c]) => [c.box, name]));
    watched.set(this.math.parentElement, "math");
    const sight = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        const name = watched.get(entry.target);
        if (entry.isIntersecting) this.inSight.add(name);
        else this.inSight.delete(name);
      }
      if ([...this.stale].some((name) => this.inSight.has(name))) this.render(false);
    });
    for (const box of watched.keys()) sight.observe(box);
    on(this.full, "toggle", () => this.full.open && this.state && this.renderNumbers(true));
    on(this.buttons.step, "click", () => this.dispatch({ type: "step" }));
    on(this.buttons.play, "click", () => this.dispatch({ type: "toggle", now: performance.now() }));
    on(this.buttons.reset, "click", () => this.dispatch({ type: "reset" }));
    // While the scrubber's thumb is held, only the views in sight follow it (the 3-D scene, a
    // CPU-drawn WebGL scene, and the views out of sight wait): they catch up on release. A key
    // press moves it in one step, drawn whole.
    on(this.scrub, "pointerdown", () => (this.dragging = true));
    const release = () => {
      if (!this.dragging) return;
      this.dragging = false;
      if (this.state) this.go();
    };
    for (const type of ["pointerup", "pointercancel"]) on(window, type, release);
    on(this.scrub, "input", () => this.dispatch({ type: "scrub", k: Number(this.scrub.value) }));
    on(this.scrub, "change", () => {
      release();
      this.dispatch({ type: "scrubbed" });
    });
    on(this.followToggle, "click", (event) => {
      const view = event.target.dataset.view;
      if (view) this.setFollow(view === "follow");
    });
    // The charts follow the panel's width (the window's, or the sidebar opening or closing, which
    // Plotly does not see) and their heights the legends and, in presenter mode, the window's.
    const refit = () => this.later("resize", 250, () => fitHeights(this));
    on(window, "resize", refit);
    let width = 0;
    const resize = new ResizeObserver(() => {
      if (Math.abs(this.root.clientWidth - width) < 1) return;
      width = this.root.clientWidth;
      refit();
    });
    resize.observe(this.root);
    this.observers.push(sight, resize);
  }

  // Everything the panel added to the page, removed: Streamlit unmounted it.
  destroy() {
    this.dead = true;
    this.alive.abort();
    for (const observer of this.observers) observer.disconnect();
    for (const id of this.timers.values()) clearTimeout(id);
    for (const id of this.frames.values()) cancelAnimationFrame(id);
    this.timers.clear();
    this.frames.clear();
    // purged once the figure plotly.js is drawing is done (a purge under a draw broke inside it)
    const purge = () => { for (const chart of Object.values(this.charts)) this.Plotly.purge(chart.chart); };
    if (this.Plotly) Promise.resolve(this.drawing).catch(() => null).then(purge);
    this.root.remove();
  }

  // ---- the timeline ----

  // An event for the timeline: the page follows the state it returns.
  dispatch(event) {
    if (!this.state) return;
    const before = this.state;
    const state = advance(before, event);
    this.state = state;
    lastShown.set(this.data.run, state.k);
    if (state.playing && !before.playing) this.frame("play", (now) => this.tick(now));
    if (!state.playing && before.playing) cancelAnimationFrame(this.frames.get("play"));
    if (state.playing !== before.playing) this.renderControls();
    // Play's frames (and its end) and a pause draw at once; so does a single move (Step, back,
    // Reset, End: the views in sight, the rest after the paint); a scrub on the next frame (Play
    // draws its first frame itself)
    const pausing = before.playing && (event.type === "pause" || event.type === "toggle");
    if (event.type === "tick" || pausing) this.render(state.scene);
    else if (ONE_MOVE.has(event.type) && !state.playing && !this.dragging) this.render(false, true);
    else if (!state.playing && (state.k !== before.k || state.scene)) this.go();
    if (state.settle) this.settled();
  }

  tick(now) {
    this.dispatch({ type: "tick", now });
    if (this.state.playing) this.frame("play", (t) => this.tick(t));
  }

  // Draw the iteration on the next frame (a burst of events draws once).
  go() {
    if (!this.frames.has("go")) this.frame("go", () => this.render(!this.state.playing && !this.dragging));
  }

  // The user stopped moving: after a short quiet, tell the server (share links, downloads).
  settled() {
    this.status.textContent = `Iteration ${this.state.k}, loss ${this.loss.textContent}`;
    this.later("sync", SYNC_DELAY_MS, () => {
      if (this.state.playing || this.state.k === this.sentK) return;
      this.report((this.sentK = this.state.k));
    });
  }

  setFollow(follow) {
    this.dispatch({ type: "follow", follow });
    for (const name of LINES) Object.assign(this.charts[name], { user: false, high: null });
    this.markView(follow ? "follow" : "whole");
    this.render(false);
  }

  markView(view) { for (const b of this.followToggle.querySelectorAll("button")) b.setAttribute("aria-pressed", String(b.dataset.view === view)); }

  // ---- a payload ----

  // A new payload: decode it, draw the figures, go to `start` (or stay where a new view of the
  // same run was); the same payload again (a light rerun) changes nothing. `opened` changes when
  // the page asks for `start` whatever was shown (a preset): a report names the `opened` it was
  // made under (the server ignores older ones), so one still waiting is dropped on a reopen.
  async show(bytes, start, plotlySrc, opened, chosen = null, heard = null) {
    const head = new TextDecoder().decode(bytes.subarray(0, 80));
    const reopen = this.opened !== undefined && opened !== this.opened;
    this.opened = opened;
    if (reopen) {
      clearTimeout(this.timers.get("sync"));
      this.sentK = start;
    }
    if (head === this.head) {
      if (reopen && this.state) this.dispatch({ type: "open", k: start });
      this.whatif.adopt(chosen, heard);
      return;
    }
    this.head = head;
    const base = decodePayload(bytes);
    this.whatif.show(base, chosen, heard);
    const run = new Run(this.whatif.dataOf(base)); // the payload's run, or the browser's of `chosen`
    const data = run.data;
    const sameRun = this.data && this.data.run === data.run;
    if (!sameRun && !reopen) this.sentK = null;
    const known = reopen ? undefined : sameRun ? this.state.k : lastShown.get(data.run);
    cancelAnimationFrame(this.frames.get("play"));
    this.data = data;
    this.run = run;
    announceRun(data);
    this.state = timeline({
      T: data.T, anchors: run.anchors, marks: run.marks, seconds: data.play_seconds,
      k: Math.min(known ?? start, data.T), follow: this.state ? this.state.follow : true,
    });
    this.root.classList.toggle("gd-presenter", data.presenter);
    this.root.classList.toggle("gd-compared", data.runs.length > 1);
    this.root.dataset.ready = "false"; // tests and benchmarks wait for "true"
    describe(this, run);
    this.renderNumbers(true); // numbers and controls first, before plotly.js is there
    if (this.state.k !== start) this.settled(); // the server opened it at `start`: tell it where it is
    const Plotly = await loadPlotly(plotlySrc);
    await widthSettled(this.root);
    if (this.data !== data || this.dead) return; // a newer payload arrived meanwhile, or unmounted
    this.Plotly = Plotly;
    // one figure at a time, whichever payload asks (a newer one waits for the figure being drawn:
    // two draws of one chart at once broke inside plotly.js); the 2-D charts first, painted
    // before the 3-D scene (far costlier to create) holds the page
    const current = () => this.data === data && !this.dead;
    const draw = async (name, fig) => {
      await this.drawing?.catch(() => null);
      if (current()) await (this.drawing = drawFigure(this, name, fig));
      return current();
    };
    const { surface, ...flat } = data.figures;
    for (const [name, fig] of Object.entries(flat)) if (!(await draw(name, fig))) return;
    this.render(true);
    await new Promise((resolve) => this.frame("first", () => this.later("first", 0, resolve)));
    if (!current() || !(await draw("surface", surface))) return;
    this.renderSurface(this.state.k);
    this.root.dataset.ready = "true";
    if (this.whatif.owed) this.whatif.apply(); // settings that came while it drew
    if (this.whatif.block && !this.whatif.own()) this.whatif.fit(); // a run of the browser's: its axes
  }

  // ---- drawing ----

  // Draw the iteration shown. The 2-D charts move at once through Plotly.animate with no
  // transition: its fast path moves scatter traces without recomputing the rest (the contour fill,
  // the axes). The 3-D scene costs far more (on a CPU-only browser hundreds of ms): it follows in a
  // task of its own, at most every few times its own drawing time, and always on the iteration
  // shown when the motion stops (`scene`).
  //
  // While playing, a view scrolled out of sight is left as it is and drawn when it comes back
  // into sight or the motion stops: nobody sees it move, and the views in sight move faster. A
  // single move (`quick`: a Step) draws the views in sight in the event's own task, so that the
  // next frame paints them, and the rest (the 3-D scene too) in a task after that paint (`only`:
  // the views that are then stale).
  render(scene, quick = false, only = null) {
    if (!this.state || this.dead) return;
    const moving = this.state.playing || this.dragging || this.tuning || quick; // tuning: a what-if slider held
    const { k } = this.state;
    const shown = (name) => scene || !moving || this.inSight.has(name);
    const wanted = (name) => !only || only.has(name);
    if (wanted("math")) this.renderNumbers(shown("math"));
    if (wanted("math")) this.stale[shown("math") ? "delete" : "add"]("math");
    const catchUp = () => this.render(true, false, new Set(this.stale));
    if (quick) this.frame("catchUp", () => this.later("catchUp", 0, catchUp));
    if (!this.Plotly || !this.charts.contour.tagged) return;
    const { run, charts } = this;
    const drawers = {
      contour: () => {
        const { caption, ...frame } = contourFrame(run, charts.contour.tagged, k);
        charts.contour.caption.textContent = caption;
        this.move(charts.contour, frame);
      },
      convergence: () => this.renderLines("convergence", k),
      loss: () => this.renderLines("loss", k),
      fit: () => this.move(charts.fit, fitFrame(run, charts.fit.tagged, k, charts.fit.xs)),
      eigen: () => this.renderLines("eigen", k),
    };
    if (charts.rate.tagged) {
      drawers.rate = () => {
        // a run of the browser's: its rates too, in the frame that moves the run's own lines (they
        // change with each move of a control)
        this.move(charts.rate, rateFrame(run, charts.rate.tagged, k, Boolean(run.data.theory)));
      };
    }
    for (const [name, draw] of Object.entries(drawers)) {
      if (!wanted(name) || !charts[name].drawn) continue; // drawn whole by show(): it renders then
      if (shown(name)) {
        draw();
        this.stale.delete(name);
      } else {
        this.stale.add(name);
      }
    }
    if (!wanted("surface")) return;
    if (!shown("surface") || quick || (this.dragging && !scene)) {
      this.stale.add("surface");
      return;
    }
    this.stale.delete("surface");
    const now = performance.now();
    if (scene || now - (this.sceneAt || 0) >= Math.max(SCENE_INTERVAL_MS, SCENE_SHARE * (this.sceneCost || 0))) {
      this.sceneAt = now;
      clearTimeout(this.timers.get("scene"));
      // after the frame that paints the 2-D charts and the numbers, so that they never wait for it
      this.frame("scene", () =>
        this.later("scene", 0, () => {
          const started = performance.now();
          const at = this.state.k;
          this.renderSurface(at);
          // the scene draws on the next frame: its cost is the time until the frame after it
          this.frame("sceneCost", () => {
            this.sceneCost = performance.now() - started;
            this.root.dataset.scene = String(at); // the iteration the 3-D scene shows (benchmarks)
          });
        }),
      );
    }
  }

  renderLines(name, k) {
    const chart = this.charts[name];
    // plain GD's lines for a run of the browser's (theory.js), in the frame that moves the run's
    // own lines: they change with each move of a control, and one call keeps them in step
    const theory = this.run.data.theory ?? null;
    const frame = linesFrame(this.run, chart.tagged, name, k, { whole: chart.wholeRange, high: chart.high, follow: this.state.follow, user: chart.user, theory });
    // Follow's window by Plotly.relayout, not in an animate frame: Play's next frame interrupted
    // that move, put the old range back and reported it as the user's own zoom (Follow let go)
    chart.high = frame.high;
    if (frame.layout) this.Plotly.relayout(chart.chart, frame.layout);
    this.move(chart, { traces: frame.traces, data: frame.data });
    if (!theory || name !== "eigen") return;
    // the eigen view's note on the dashed lines, where there are any
    const notes = chart.chart.layout.annotations ?? [];
    const at = notes.findIndex((note) => note.name === "prediction");
    const shown = theory.eigen !== null;
    if (at >= 0 && notes[at].visible !== shown) this.Plotly.relayout(chart.chart, { [`annotations[${at}].visible`]: shown });
  }

  renderSurface(k) {
    const chart = this.charts.surface;
    if (!chart.drawn || this.dead) return; // drawn after the 2-D charts: not there yet
    restyleMarker(this.Plotly, chart.chart, surfaceUpdate(this.run, chart.tagged, k));
  }

  // Move traces of a chart to new x, y: one frame, no transition, no full redraw.
  move(chart, { traces, data }) {
    return this.Plotly.animate(chart.chart, { data, traces }, MOVE);
  }

  // The numbers and controls at the iteration shown; with `extras`, the table and the math too.
  renderNumbers(extras) {
    renderReadouts(this, this.run, this.state, extras);
    this.renderControls();
  }

  renderControls() { renderControls(this, this.state); }
}
