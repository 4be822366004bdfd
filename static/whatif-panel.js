// The panel's what-if controls (issue 22): the learning rate on a log slider (the stability limit
// marked on it), the optimizer, momentum's β. While one is dragged, the main run is computed again
// in the browser (whatif.js, engine.js) and every view redraws at the iteration shown, at most
// once a frame; nothing is sent to the server. Once the user lets go (a short quiet after the last
// change), the settings are sent once (`commit`: mount.js's "settings" trigger): the server
// records them in the sidebar's inputs and the link, computes no run, and answers with the
// settings (the panel's element), which the panel already shows; the charts' axes follow the run
// once it is let go (whatif-fit.js). Settings the page sends (a rate typed in the sidebar, a click
// on the sweep) are run here the same way (`adopt`). Mini-batch SGD needs the samples: chosen
// here, it commits at once and runs on the server.

import { Run } from "./payload.js";
import { timeline } from "./timeline.js";
import { describe, describeCharts } from "./readouts.js";
import { announceRun, el } from "./dom.js";
import { OPTIMIZERS } from "./schedules.js";
import { listenForStartDrags } from "./whatif-start.js";
import { fitCharts } from "./whatif-fit.js";
import { floors } from "./ranges.js";
import { referenceLines } from "./theory.js";
import {
  guidance, limitOf, momentumAt, momentumPosition, nearestPosition, optimizerOf, positionOf, rateAt, threeDigits, whatifData, whatifSettings,
} from "./whatif.js";

const COMMIT_DELAY_MS = 600; // after the last change, before the settings are sent
const FIT_DELAY_MS = 120; // after it, before the charts' axes follow the run (its frame drawn first)

export class WhatIf {
  // `panel`: the Panel whose run it replaces; `commit(settings)`: the settled choice, for the server.
  constructor(panel, commit) {
    this.panel = panel;
    this.commit = commit;
    this.sent = 0; // the choices sent (each carries its number, `seq`, which the server echoes as `heard`)
    this.session = null; // the server's session, as its last element named it
    this.sentTo = null; // the session the last choice went to
    this.rate = el("input", { type: "range", min: "0", step: "1", "data-testid": "gd-rate", "aria-label": "What-if learning rate η, log scale" });
    this.rateText = el("output", { class: "gd-whatif-value" });
    this.marker = el("div", { class: "gd-limit", title: "The stability limit" });
    this.optimizer = el("select", { "data-testid": "gd-optimizer", "aria-label": "What-if optimizer" });
    this.momentum = el("input", { type: "range", min: "0", step: "1", "data-testid": "gd-momentum", "aria-label": "What-if momentum β" });
    this.momentumText = el("output", { class: "gd-whatif-value" });
    this.momentumBox = el("label", { class: "gd-whatif-momentum" }, ["β ", this.momentum, this.momentumText]);
    this.note = el("div", { class: "gd-whatif-note", "data-testid": "gd-whatif-note", "aria-live": "polite" });
    const rateBox = el("label", { class: "gd-whatif-rate" }, ["η ", el("span", { class: "gd-rate-track" }, [this.rate, this.marker]), this.rateText]);
    this.root = el("div", { class: "gd-whatif", hidden: "" }, [rateBox, this.optimizer, this.momentumBox, this.note]);
    // above the scrubber (in presenter mode beside it: live.css), in place before any chart is sized
    panel.root.querySelector(".gd-scrubrow").before(this.root);
    const on = (target, type, handler) => target.addEventListener(type, handler, { signal: panel.alive.signal });
    on(this.rate, "input", () => this.choose({ learning_rate: rateAt(Number(this.rate.value), this.block.rate) }));
    on(this.momentum, "input", () => this.choose({ momentum: momentumAt(Number(this.momentum.value), this.block.momentum) }));
    on(this.optimizer, "change", () => this.choose({ optimizer: this.optimizer.value }));
    for (const input of [this.rate, this.momentum]) {
      on(input, "change", () => this.settle());
      // held: the views out of sight wait, the 3-D scene follows when it has time (as in Play);
      // let go, every view catches up at once
      on(input, "pointerdown", () => (panel.tuning = true));
    }
    const release = () => {
      if (!panel.tuning) return;
      panel.tuning = false;
      if (panel.state) panel.render(true);
    };
    for (const type of ["pointerup", "pointercancel"]) on(window, type, release);
    listenForStartDrags(this); // the start, dragged on the contour map
    on(this.optimizer, "change", () => this.settle());
  }

  // A new payload: the controls show the settings the page holds (`chosen`: the live element's
  // {learning_rate, optimizer, momentum, start}, which the browser runs over the payload's
  // problem; null: the payload's own run's).
  show(data, chosen = null, heard = null) {
    this.session = heard?.session ?? null;
    this.block = data.whatif;
    this.base = data;
    this.owed = false;
    this.root.hidden = !this.block;
    if (!this.block) return;
    const { settings, rate, momentum } = this.block;
    this.choice = { learning_rate: settings.learning_rate, optimizer: settings.optimizer, momentum: settings.momentum };
    if (chosen) Object.assign(this.choice, chosen);
    this.rate.max = String(rate.positions - 1);
    this.momentum.max = String(momentum.positions - 1);
    const names = this.block.optimizers.map((o) => `${o.name}:${o.browser}`).join();
    if (this.optimizer.dataset.names !== names) {
      this.optimizer.dataset.names = names;
      this.optimizer.replaceChildren(...this.block.optimizers.map((o) =>
        el("option", { value: o.name, text: o.browser ? o.label : `${o.label} (on the server, on release)` })));
    }
    this.note.textContent = "";
    this.renderControls();
  }

  // Whether the choice is the payload's own run (nothing for the browser to run).
  own() {
    const s = this.block.settings;
    const start = this.choice.start ?? s.start;
    return ["learning_rate", "optimizer", "momentum"].every((name) => this.choice[name] === s[name]) && start.every((v, n) => v === s.start[n]);
  }

  // The data the panel shows for a new payload: the payload's own run, or the browser's run of
  // the choice over its problem (a setting changed since the server made the run: ui.runs).
  dataOf(base) {
    if (!this.block || this.own() || !optimizerOf(this.block, this.choice.optimizer)?.browser) return base;
    const { data, result } = browserRun(base, whatifSettings(this.block, this.choice));
    const { hasRate, limit } = this.renderControls();
    this.note.textContent = guidance(result, this.choice.learning_rate, limit, hasRate);
    return data;
  }

  // The live element's settings again on the same payload (a rate typed in the sidebar, a click
  // on the sweep, the echo of the panel's own choice): run where they differ from those shown,
  // unless the user is choosing meanwhile (their choice goes to the server next), or the page was
  // made before the server heard the last choice sent (`heard` {session, seq}: seq < `sent` in
  // the session it went to, a slow rerun answering an earlier choice; a new session, a replica
  // taking over, has heard none of them and is taken).
  adopt(chosen, heard = null) {
    const early = heard !== null && heard.session === this.sentTo && heard.seq < this.sent;
    this.session = heard?.session ?? null;
    if (!chosen || !this.block || this.panel.tuning || this.panel.timers.has("commit") || early) return;
    const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
    const now = { ...this.choice, start: this.choice.start ?? this.block.settings.start };
    if (same(chosen, { learning_rate: now.learning_rate, optimizer: now.optimizer, momentum: now.momentum, start: now.start })) return;
    Object.assign(this.choice, chosen);
    if (!optimizerOf(this.block, this.choice.optimizer)?.browser) return;
    if (this.panel.root.dataset.ready !== "true") return void (this.owed = true); // run once drawn (panel.js)
    this.apply();
    this.held = undefined;
    this.fit();
  }

  // The start the browser's run takes (theta_0: dragged, or the run's), or null where the choice
  // runs on the server.
  start() {
    if (!this.block || !optimizerOf(this.block, this.choice.optimizer)?.browser) return null;
    return this.choice.start ?? this.block.settings.start;
  }

  // The controls as the choice has them: positions, values, words, the limit's marker.
  renderControls() {
    const { block, choice } = this;
    const entry = optimizerOf(block, choice.optimizer);
    const hasRate = Boolean(entry?.rate);
    this.rate.value = String(nearestPosition(choice.learning_rate, block.rate));
    this.rate.dataset.value = String(choice.learning_rate);
    this.rate.setAttribute("aria-valuetext", `learning rate ${choice.learning_rate}`);
    this.rate.disabled = !hasRate;
    this.rateText.textContent = hasRate ? String(choice.learning_rate) : "no rate";
    this.optimizer.value = choice.optimizer;
    const takes = Object.hasOwn(OPTIMIZERS[choice.optimizer]?.hypers ?? {}, "momentum");
    this.momentumBox.hidden = !takes;
    this.momentum.value = String(momentumPosition(choice.momentum, block.momentum));
    this.momentum.dataset.value = String(choice.momentum);
    this.momentum.setAttribute("aria-valuetext", `momentum ${choice.momentum}`);
    this.momentumText.textContent = String(choice.momentum);
    const limit = hasRate ? limitOf(block, choice.optimizer, choice.momentum) : null;
    const at = positionOf(limit, block.rate);
    this.marker.hidden = at === null || at < 0 || at > block.rate.positions - 1;
    if (!this.marker.hidden) {
      this.marker.style.left = `${(100 * at) / (block.rate.positions - 1)}%`;
      this.marker.dataset.value = String(limit);
      this.marker.title = `The stability limit η = ${threeDigits(limit)}`;
    }
    return { entry, hasRate, limit };
  }

  // A control moved: the run again on the next frame (a burst of moves computes once).
  choose(change) {
    if (!this.block) return;
    Object.assign(this.choice, change);
    this.renderControls();
    if (!this.panel.frames.has("whatif")) this.panel.frame("whatif", () => this.apply());
    clearTimeout(this.panel.timers.get("commit"));
  }

  // The browser's run of the choice, drawn as the server's at the iteration shown (or its last,
  // where it diverged before). The shown iteration is the one the user stood on when they began.
  apply() {
    const panel = this.panel;
    this.owed = false;
    const { entry, hasRate, limit } = this.renderControls();
    if (!entry?.browser || panel.root.dataset.ready !== "true" || panel.data.run !== this.base.run) return;
    this.held ??= panel.state.k;
    const { data, result } = browserRun(this.base, whatifSettings(this.block, this.choice));
    // the length changed, or the rate chart comes or goes (newton and cg have none): described anew
    const before = panel.data;
    const anew = before === this.base || before.T !== data.T || !before.runs[0].rate !== !data.runs[0].rate;
    panel.data = data;
    panel.run = new Run(data);
    panel.state = timeline({ T: data.T, marks: panel.run.marks, seconds: data.play_seconds, k: Math.min(this.held, data.T), follow: panel.state.follow });
    if (anew) describe(panel, panel.run);
    else describeCharts(panel, data.text); // the eigen view's and the rate chart's words: the run's
    panel.render(false);
    this.note.textContent = guidance(result, this.choice.learning_rate, limit, hasRate);
    panel.root.dataset.whatif = String(Number(panel.root.dataset.whatif || 0) + 1); // runs drawn, for tests and benchmarks
  }

  // The charts' axes and the lines drawn for the server's run, fitted to the browser's run shown
  // (whatif-fit.js): once a choice is let go, not while it is dragged.
  fit() {
    const panel = this.panel;
    if (!this.block || !optimizerOf(this.block, this.choice.optimizer)?.browser || panel.root.dataset.ready !== "true") return;
    fitCharts(panel, whatifSettings(this.block, this.choice));
    announceRun(panel.data); // the sweep's mark, once let go (not while dragged: a redraw of its own)
  }

  // The user let go: after a short quiet, the settings once to the server.
  settle() {
    const panel = this.panel;
    panel.later("fit", FIT_DELAY_MS, () => this.fit());
    panel.later("commit", COMMIT_DELAY_MS, () => {
      this.held = undefined;
      this.sentTo = this.session;
      this.commit({ ...this.choice, k: panel.state ? panel.state.k : 0, seq: ++this.sent });
    });
  }
}

// The run of `settings` over the problem of `base` (whatifData), with plain GD's lines for it
// (theory.js: the loss chart's bound, the eigen view's predictions), which the panel draws in
// place of those the server drew for its own run.
function browserRun(base, settings) {
  const out = whatifData(base, settings);
  const entry = optimizerOf(base.whatif, settings.optimizer);
  out.data.theory = referenceLines(out.data, settings, entry, floors(out.data));
  return out;
}
