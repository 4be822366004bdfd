// The live panel: Step, Play/Pause, Reset and the scrubber move every view of a run in the browser.
//
// The server sends a run once (gd/live.py builds the payload: the five Plotly figures at
// iteration 0, the traces that move tagged by `meta`, and the run's numbers at every iteration
// the browser can show). From then on the current iteration is browser state: nothing here waits
// for the server, and nothing is sent while moving. Once the user stops (Pause, a burst of Steps,
// a scrub) the iteration is sent once, debounced, so that share links and downloads hold it.
//
// Every number drawn here is one the engine computed (float64), formatted as gd.live.compact and
// gd.explain.number format it; every moving trace is drawn as gd.figures draws it at that
// iteration (the browser tests compare the two).

// The 3-D scene is drawn at the screen's pixel ratio: plotly.js's default (2) draws four times the
// pixels a common screen or projector (ratio 1) shows, which costs a CPU-drawn scene (no GPU)
// about half of each frame; a sharper screen keeps its ratio (up to plotly.js's 2).
const PLOTLY_CONFIG = {
  displaylogo: false,
  responsive: true,
  plotGlPixelRatio: Math.min(Math.max(window.devicePixelRatio || 1, 1), 2),
};
const MIN_CHART_PX = 280; // the least height a chart is drawn at in presenter mode
const SHORT_VECTOR = 6; // a longer vector is shortened to its first 3 entries, "…", its last
const SYNC_DELAY_MS = 700; // after the user stops, before the iteration is sent
const SCENE_INTERVAL_MS = 120; // the 3-D scene redraws at most this often while playing,
const SCENE_SHARE = 8; // and takes at most 1/8 of the time (a CPU-drawn scene redraws rarely)
const TRAIL = 8; // points of the 3-D trail behind the marker (gd.figures.common.TRAIL)
const MATHML = "http://www.w3.org/1998/Math/MathML";
const MOVE = { transition: { duration: 0 }, frame: { duration: 0, redraw: false }, mode: "immediate" };

// ---- numbers, as gd.live.compact and Python's format(x, ".Ng") write them ----------------------

function strip(text) {
  return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
}

export function formatG(x, digits) {
  if (x === 0) return "0";
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
  const [mantissa, e] = x.toExponential(digits - 1).split("e");
  const exponent = Number(e);
  if (exponent < -4 || exponent >= digits) {
    const sign = exponent < 0 ? "-" : "+";
    return `${strip(mantissa)}e${sign}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  return strip(x.toFixed(Math.max(digits - 1 - exponent, 0)));
}

function roundHalfEven(x) {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function compact(x) {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "∞" : "−∞";
  const a = Math.abs(x);
  if (a === 0) return "0";
  if (a >= 1e-3 && a < 1e4 && !formatG(x, 4).includes("e")) return formatG(x, 4);
  if (a >= 1e-3 && a < 1e6) return roundHalfEven(x).toLocaleString("en-US"); // 9999.5 rounds to 10,000
  const [mantissa, e] = x.toExponential(2).split("e");
  return `${mantissa}e${Number(e)}`;
}

// A number in a table: 4 significant digits, a power of ten as ×10⁴ rather than e+04.
function tableNumber(x) {
  const text = formatG(x, 4);
  if (!text.includes("e")) return text;
  const [mantissa, exponent] = text.split("e");
  const power = String(Number(exponent)).replace(/[-0-9]/g, (c) => "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"["-0123456789".indexOf(c)]);
  return `${mantissa}×10${power}`;
}

// A factor as a student reads it at a glance: 3 significant digits with thousands separated
// ("6,760", "8.43", "0.0123"); a power of ten only past a billion or below 1/10,000.
export function plainNumber(x) {
  const a = Math.abs(x);
  if (a >= 1e-4 && a < 1e9) return x.toLocaleString("en-US", { maximumSignificantDigits: 3 });
  return tableNumber(x);
}

// The contour map's caption: what the arrows are and the one scale both are drawn at (null: no
// arrows). On a stage (presenter mode, where the caption sits beside the map's title) the scale
// alone: the legend names the arrows.
function arrowsCaption(factor, data) {
  if (factor === null) return data.presenter ? "No update after the last iteration" : "No arrows at the last iteration: no update follows it.";
  const scale = `${plainNumber(factor)}×`;
  if (data.presenter) return `Arrows drawn ${scale} their length`;
  const step = data.varying_rate ? "−ηₖ∇L" : "−η∇L";
  return `Arrows from the current point: the plain gradient step ${step} and the update ${data.text.optimizer} made, both drawn ${scale} their length.`;
}

// ---- loading ---------------------------------------------------------------------------------

let plotlyLoading = null;
// The iteration each run was last shown at, for the page's life: a panel that Streamlit mounts
// anew (an element above it came or went) goes on where it was.
const lastShown = new Map();

function loadPlotly(src) {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!plotlyLoading) {
    plotlyLoading = scriptUrl(src)
      .then(inject)
      .catch(() => inject(plainUrl(src))) // not fetched, not unpacked, or a blob: script refused
      .catch((error) => {
        plotlyLoading = null;
        throw error;
      });
  }
  return plotlyLoading;
}

function inject(url) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = url;
    script.onload = () => resolve(window.Plotly);
    script.onerror = () => {
      script.remove();
      reject(new Error(`could not load ${url}`));
    };
    document.head.appendChild(script);
  });
}

// The plain script beside the gzip (panel.py writes both).
function plainUrl(src) {
  const url = new URL(src, document.baseURI);
  url.pathname = url.pathname.replace(/\.gz$/, "");
  return url.href;
}

// plotly.js comes gzip-compressed (panel.py compresses it once, so that the server does not for
// every browser): unpacked here into a script of the page's own. A browser without
// DecompressionStream, or one that fails to, loads the plain script beside it.
async function scriptUrl(src) {
  const url = new URL(src, document.baseURI);
  if (!url.pathname.endsWith(".gz") || typeof DecompressionStream === "undefined") return plainUrl(src);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`could not load ${src}: ${response.status}`);
  const bytes = await new Response(response.body.pipeThrough(new DecompressionStream("gzip"))).blob();
  return URL.createObjectURL(new Blob([bytes], { type: "text/javascript" }));
}

// gd.live's payload: one line of JSON, then (from the next multiple of 8) the arrays' raw
// little-endian bytes, which the JSON references as {dtype, offset, length[, shape]}: each becomes
// a typed-array view of them (plotly.js takes typed arrays in a figure's data), a 2-D grid an
// array of its rows.
const TYPED = {
  f8: Float64Array, f4: Float32Array, i4: Int32Array, u4: Uint32Array,
  i2: Int16Array, u2: Uint16Array, i1: Int8Array, u1: Uint8Array,
};

function decodePayload(bytes) {
  let end = bytes.indexOf(10);
  if (end < 0) end = bytes.length;
  const start = Math.min(end + 1 + ((8 - ((end + 1) % 8)) % 8), bytes.length);
  let binary = bytes.subarray(start);
  if (binary.byteOffset % 8 !== 0) binary = binary.slice(); // a view needs its elements aligned
  const isRef = (v) =>
    v !== null && typeof v === "object" && typeof v.dtype === "string" && typeof v.offset === "number" && typeof v.length === "number";
  return JSON.parse(new TextDecoder().decode(bytes.subarray(0, end)), (key, value) => {
    if (!isRef(value)) return value;
    const array = new TYPED[value.dtype](binary.buffer, binary.byteOffset + value.offset, value.length);
    if (!value.shape) return array;
    const [rows, columns] = value.shape.split(",").map(Number);
    return Array.from({ length: rows }, (_, r) => array.subarray(r * columns, (r + 1) * columns));
  });
}

// sum_m (P[r + m] - shift[m]) M[m, n] for each row r of P (rows of p) and each column n of M (p x p,
// row by row), component by component in order, one rounding a product and one a sum: the order
// gd.problem sums in (`gd.ordered.products`), so that what the browser computes from the payload is
// the engine's to the bit. (x - 0 is x: no shift changes nothing.)
function orderedProducts(P, M, p, shift = new Float64Array(p)) {
  const out = new Float64Array(P.length);
  const e = new Float64Array(p);
  for (let r = 0; r < P.length; r += p) {
    for (let m = 0; m < p; m++) e[m] = P[r + m] - shift[m];
    for (let n = 0; n < p; n++) {
      let sum = 0;
      for (let m = 0; m < p; m++) sum += e[m] * M[m * p + n];
      out[r + n] = sum;
    }
  }
  return out;
}

// |v_n^T (theta - theta*)| at each row of P for each eigenvector n of G (the columns of V), as
// gd.problem.eigen_errors computes them: float64, which the payload does not carry.
function eigenErrors(P, star, V, p) {
  return orderedProducts(P, V, p, star).map(Math.abs);
}

// grad L = 2 (G theta - c) at each row of P, as gd.problem.Problem.gradient computes it: float64,
// which the payload does not carry.
function gradients(P, G, c, p) {
  return orderedProducts(P, G, p).map((sum, at) => 2 * (sum - c[at % p]));
}

// ---- small DOM helpers -------------------------------------------------------------------------

function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (name === "text") node.textContent = value;
    else if (name === "class") node.className = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) node.append(child);
  return node;
}

function math(tag, text) {
  const node = document.createElementNS(MATHML, tag);
  if (text !== undefined) node.textContent = text;
  return node;
}

function mrow(...children) {
  const row = math("mrow");
  row.append(...children);
  return row;
}

function sub(base, index) {
  const node = math("msub");
  node.append(math("mi", base), math("mn", String(index)));
  return node;
}

// A float as gd.explain.number writes it in LaTeX: 1.234 × 10^-5 rather than 1.234e-05.
function mnumber(x, digits = 4) {
  const text = formatG(x, digits);
  if (!text.includes("e")) return math("mn", text.replace("-", "−"));
  const [mantissa, exponent] = text.split("e");
  const power = math("msup");
  power.append(math("mn", "10"), math("mn", String(Number(exponent)).replace("-", "−")));
  return mrow(math("mn", mantissa.replace("-", "−")), math("mo", "×"), power);
}

// An operator that keeps its size: a bracket beside an exponent would otherwise stretch to it.
function fence(text) {
  const node = math("mo", text);
  node.setAttribute("stretchy", "false");
  return node;
}

// A row vector: one inline formula an entry, so that a long vector wraps onto the next line;
// past SHORT_VECTOR entries the middle is shortened to "…" (the full vectors are in the math's
// "every entry" details and the line's tooltip).
function mvector(values) {
  const long = values.length > SHORT_VECTOR;
  const shown = long ? [...values.slice(0, 3), null, values[values.length - 1]] : values;
  return shown.map((v, n) => {
    const parts = [];
    if (n === 0) parts.push(fence("["));
    parts.push(v === null ? math("mi", "…") : mnumber(v));
    parts.push(n === shown.length - 1 ? fence("]") : math("mo", ","));
    return parts;
  });
}

// How far below the top of the page an element is (Streamlit scrolls an inner container).
function pageTop(node) {
  let y = node.getBoundingClientRect().top;
  for (let n = node.parentElement; n; n = n.parentElement) y += n.scrollTop;
  return y;
}

// ---- the panel ---------------------------------------------------------------------------------

class Panel {
  constructor(host) {
    this.host = host;
    this.k = 0;
    this.playing = false;
    this.follow = true;
    this.charts = {};
    this.sentK = null;
    this.build();
  }

  build() {
    const button = (act, text, title) => el("button", { "data-act": act, type: "button", title }, [text]);
    this.buttons = {
      step: button("step", "Step", "Advance one update"),
      play: button("play", "Play", "Play the run (about 15 s)"),
      reset: button("reset", "Reset", "Back to iteration 0; the inputs stay"),
    };
    this.buttons.play.classList.add("gd-primary");
    const metric = (label, value, title = "") =>
      el("div", { class: "gd-metric", title }, [el("div", { class: "gd-label", text: label }), value]);
    this.iteration = el("span", { "data-testid": "gd-iteration", text: "0" });
    this.of = el("span", { class: "gd-of" });
    this.loss = el("span", { "data-testid": "gd-loss", text: "" });
    this.delta = el("span", { class: "gd-delta" });
    this.distance = el("span", { "data-testid": "gd-metric" });
    this.gradNorm = el("span", { "data-testid": "gd-metric" });
    this.condition = el("span", { "data-testid": "gd-metric" });
    this.conditionBox = metric("Condition number", el("div", { class: "gd-value" }, [this.condition]));
    this.mse = el("span", { "data-testid": "gd-mse" });
    this.mseBox = metric("MSE", el("div", { class: "gd-value" }, [this.mse]), "Mean squared error, without the ridge penalty");
    this.lossBox = null;
    const metrics = el("div", { class: "gd-metrics" }, [
      metric("Iteration", el("div", { class: "gd-value" }, [this.iteration, this.of])),
      (this.lossBox = metric("Loss", el("div", { class: "gd-value" }, [this.loss, this.delta]), "Mean squared error")),
      this.mseBox,
      metric("Distance to optimum", el("div", { class: "gd-value" }, [this.distance]), "|θ − θ*|"),
      metric("Gradient norm", el("div", { class: "gd-value" }, [this.gradNorm]), "|∇L|"),
      this.conditionBox,
    ]);
    this.scrub = el("input", { type: "range", min: "0", max: "0", value: "0", class: "gd-scrub" });
    this.scrub.setAttribute("aria-label", "Go to iteration");
    this.status = el("div", { class: "gd-sr", "aria-live": "polite" });
    const bar = el("div", { class: "gd-bar" }, [
      el("div", { class: "gd-buttons" }, Object.values(this.buttons)),
      metrics,
    ]);
    this.bar = bar;
    const figure = (name, title) => {
      const chart = el("div", { class: "gd-chart" });
      const caption = el("figcaption", { class: "gd-caption" });
      const box = el("figure", { class: `gd-figure gd-${name}` }, [el("h3", { text: title }), chart, caption]);
      this.charts[name] = { box, chart, caption };
      return box;
    };
    this.followToggle = el("div", { class: "gd-toggle", role: "group", "aria-label": "x-axis" }, [
      el("button", { type: "button", "data-view": "follow", "aria-pressed": "true", text: "Follow" }),
      el("button", { type: "button", "data-view": "whole", "aria-pressed": "false", text: "Whole run" }),
    ]);
    this.table = el("table", { class: "gd-table" });
    this.mathTitle = el("h3", { text: "The math at iteration 0" });
    this.math = el("div", { class: "gd-math" });
    // every entry of the shortened vectors, on demand (drawn only while open)
    this.fullTable = el("table", { class: "gd-table" });
    this.full = el("details", { class: "gd-full" }, [el("summary", { text: "Every entry" }), this.fullTable]);
    this.full.addEventListener("toggle", () => this.full.open && this.renderNumbers(this.k));
    // The headings: the page's title is h1; this h2 (for screen readers; the views say what they
    // are) heads the panel's h3s, and the page's own sections below are h2s again.
    this.root = el("div", { class: "gd-panel" }, [
      el("h2", { class: "gd-sr", text: "The run, iteration by iteration" }),
      el("div", { class: "gd-head" }, [bar, el("div", { class: "gd-scrubrow" }, [this.scrub, this.followToggle])]),
      this.status,
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
        el("div", {}, [figure("fit", "Fit"), this.table]),
        el("section", { class: "gd-mathbox" }, [this.mathTitle, this.math, this.full]),
      ]),
    ]);
    this.host.append(this.root);
    this.inSight = new Set();
    this.stale = new Set();
    const watched = new Map(Object.entries(this.charts).map(([name, c]) => [c.box, name]));
    watched.set(this.math.parentElement, "math");
    const sight = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        const name = watched.get(entry.target);
        if (entry.isIntersecting) this.inSight.add(name);
        else this.inSight.delete(name);
      }
      if ([...this.stale].some((name) => this.inSight.has(name))) this.render(this.k, false);
    });
    for (const box of watched.keys()) sight.observe(box);

    this.buttons.step.addEventListener("click", () => this.stepOnce());
    this.buttons.play.addEventListener("click", () => (this.playing ? this.pause() : this.play()));
    this.buttons.reset.addEventListener("click", () => {
      this.stop();
      this.go(0);
      this.settled();
    });
    // While the scrubber's thumb is held, only the views in sight follow it (the 3-D scene, a
    // CPU-drawn WebGL scene, and the views out of sight wait): they catch up on release. A key
    // press moves it in one step, drawn whole.
    this.scrub.addEventListener("pointerdown", () => (this.dragging = true));
    const release = () => {
      if (!this.dragging) return;
      this.dragging = false;
      if (this.data) this.go(this.k);
    };
    for (const type of ["pointerup", "pointercancel"]) window.addEventListener(type, release);
    this.scrub.addEventListener("input", () => {
      this.stop();
      this.go(this.snap(Number(this.scrub.value)));
    });
    this.scrub.addEventListener("change", () => {
      release();
      this.settled();
    });
    this.followToggle.addEventListener("click", (event) => {
      const view = event.target.dataset.view;
      if (view) this.setFollow(view === "follow");
    });
    // The charts follow the panel's width (the window's, or the sidebar opening or closing, which
    // Plotly does not see) and their heights the legends and, in presenter mode, the window's.
    const refit = () => {
      clearTimeout(this.resizeTimer);
      this.resizeTimer = setTimeout(() => this.fitHeights(), 250);
    };
    window.addEventListener("resize", refit);
    let width = 0;
    new ResizeObserver(() => {
      if (Math.abs(this.root.clientWidth - width) < 1) return;
      width = this.root.clientWidth;
      refit();
    }).observe(this.root);
  }

  // Presenter mode: the height that puts the first row of charts whole in the window.
  presenterHeight() {
    const first = this.charts.contour.chart;
    const room = window.innerHeight - pageTop(first) - 8;
    return Math.round(Math.min(Math.max(room, MIN_CHART_PX), 1.2 * first.clientWidth || room));
  }

  // A chart's height: on the page, its figure's own plus what its legend takes below the plot,
  // so that a legend of many runs does not shrink the plot; in presenter mode, the window's room
  // (the legend inside it). The chart's element holds the height and Plotly sizes the figure to
  // its element (a figure's own height would be dropped by Plotly's resize on the next width).
  async fitHeight(name) {
    const chart = this.charts[name];
    const gd = chart.chart;
    if (!gd._fullLayout || !chart.baseHeight || gd.offsetParent === null) return; // hidden: later
    const wanted = () => (this.data.presenter ? this.presenterHeight() : withLegend(gd, this.plotHeight(name)));
    await resizeTo(this.Plotly, gd, wanted);
  }

  // A chart's height on the page without its legend: its figure's own, but the 3-D scene fits its
  // width (on a phone a full height left a blank band above it). Known before the first draw, so
  // that a chart without a legend is drawn once at its height (a redraw of the scene costs about
  // as much as its first draw on a CPU).
  plotHeight(name) {
    const { chart, baseHeight } = this.charts[name];
    if (name !== "surface" || !chart.clientWidth) return baseHeight;
    return Math.min(baseHeight, Math.max(320, Math.round(0.9 * chart.clientWidth)));
  }

  async fitHeights() {
    if (!this.Plotly || !this.data) return;
    for (const name of Object.keys(this.charts)) {
      if (this.charts[name].tagged) await this.fitHeight(name);
    }
  }

  // A new payload: parse it, draw the figures, go to `start` (or stay where a new view of the
  // same run was). The same payload again (a light rerun) changes nothing.
  // `opened` changes when the page asks for `start` whatever was shown (a preset was chosen).
  // A report names the `opened` it was made under (the server ignores one older than its own):
  // on a reopen, one still waiting predates it and is dropped, and the server already holds
  // `start`, where the panel now is.
  async show(bytes, start, plotlySrc, opened) {
    const head = new TextDecoder().decode(bytes.subarray(0, 80));
    const reopen = this.opened !== undefined && opened !== this.opened;
    this.opened = opened;
    if (reopen) {
      clearTimeout(this.syncTimer);
      this.sentK = start;
    }
    if (head === this.head) {
      if (reopen && this.data) {
        this.stop();
        this.go(this.snap(Math.min(start, this.T)));
      }
      return;
    }
    this.head = head;
    const data = decodePayload(bytes);
    const sameRun = this.data && this.data.run === data.run;
    if (!sameRun && !reopen) this.sentK = null;
    this.data = data;
    this.prepare(data);
    this.stop();
    const known = reopen ? undefined : sameRun ? this.k : lastShown.get(data.run);
    this.k = this.snap(Math.min(known ?? start, data.T));
    this.root.classList.toggle("gd-presenter", data.presenter);
    this.root.classList.toggle("gd-compared", data.runs.length > 1);
    this.root.dataset.ready = "false"; // tests and benchmarks wait for "true"
    this.describe(data);
    this.renderNumbers(this.k); // numbers and controls first, before plotly.js is there
    if (this.k !== start) this.settled(); // the server opened it at `start`: tell it where it is
    const Plotly = await loadPlotly(plotlySrc);
    await this.widthSettled();
    if (this.data !== data) return; // a newer payload arrived meanwhile
    performance.mark("gd:plotly");
    this.Plotly = Plotly;
    // the 2-D charts first, painted before the 3-D scene (far costlier to create) holds the page
    const { surface, ...flat } = data.figures;
    for (const [name, fig] of Object.entries(flat)) await this.drawFigure(name, fig);
    this.render(this.k, true);
    performance.mark("gd:2d");
    await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
    if (this.data !== data) return;
    await this.drawFigure("surface", surface);
    this.renderSurface(this.k);
    performance.mark("gd:3d");
    this.root.dataset.ready = "true";
  }

  // Presenter mode switched on or off collapses or opens the sidebar, which resizes the panel
  // over a CSS transition (0.3 s) that was running when the new figures arrived: drawn before it
  // ended, every chart was drawn at a passing width, then again at each width it passed while
  // drawing, and once more at the last (about 14 redraws of the 2-D charts on top of their 7
  // draws). Wait for the transitions that change the panel's width (at most about their 0.3 s),
  // then draw once.
  async widthSettled(limit = 400) {
    const sidebar = document.querySelector("[data-testid=stSidebar]");
    const resizing = document.getAnimations().filter((a) => {
      const target = a.effect?.target;
      return a.playState === "running" && target && (target === sidebar || target.contains(this.root));
    });
    if (!resizing.length) return;
    const ended = Promise.all(resizing.map((a) => a.finished.catch(() => null)));
    await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, limit))]);
  }

  prepare(data) {
    this.T = data.T;
    this.anchors = data.anchors ? Int32Array.from(data.anchors) : null;
    this.sent = data.steps ? Int32Array.from(data.steps) : null;
    this.runs = data.runs.map((run) => {
      const out = { T: run.T, drawn: {} };
      for (const [n, list] of Object.entries(run.drawn)) out.drawn[n] = Int32Array.from(list);
      for (const name of ["P", "excess", "z", "loss", "grad_norm", "rate", "mse"]) {
        if (run[name] != null) out[name] = run[name];
      }
      return out;
    });
    const main = this.runs[0];
    const rows = main.P.length / data.p;
    if (typeof main.rate === "number") main.rate = new Float64Array(rows).fill(main.rate); // a constant rate
    main.eig = eigenErrors(main.P, data.theta_star, data.eigenvectors, data.p);
    main.grad = gradients(main.P, data.G, data.c, data.p);
    this.marks = Int32Array.from(data.play);
    this.fitX = data.fit.X ?? null;
    if (data.path) {
      // the 3-D path, sent without its points: the main run's own at the iterations it draws
      const path = data.figures.surface.data.find((t) => t.meta?.gd === "path");
      const steps = Array.from(data.path);
      path.x = steps.map((s) => this.param(0, s, data.i));
      path.y = steps.map((s) => this.param(0, s, data.j));
      path.z = steps.map((s) => main.z[this.row(s)]);
    }
  }

  describe(data) {
    const text = data.text;
    for (const name of Object.keys(this.charts)) {
      this.charts[name].box.setAttribute("aria-label", text[name]);
    }
    this.charts.surface.caption.textContent = text.surface_caption;
    this.charts.eigen.caption.textContent = text.eigen_caption;
    this.charts.rate.caption.textContent = text.rate_caption;
    this.charts.rate.box.hidden = !data.figures.rate; // newton and cg have no rate to draw
    this.mseBox.hidden = !this.runs[0].mse; // ridge: the loss is MSE + λ|w|², the MSE beside it
    this.lossBox.title = this.runs[0].mse ? "MSE + λ|w|², the objective minimised" : "Mean squared error";
    if (!data.figures.rate) this.charts.rate.tagged = null;
    this.conditionBox.title = text.condition;
    this.condition.textContent = compact(data.condition_number);
    this.condition.title = String(data.condition_number);
    this.of.textContent = ` of ${this.T}`;
    this.iteration.style.minWidth = `${String(this.T).length}ch`; // its slot: the run's digits (live.css)
    this.scrub.max = String(this.T);
    this.scrub.step = this.anchors ? "any" : "1";
    this.buttons.play.disabled = this.T === 0;
  }

  async drawFigure(name, fig) {
    const chart = this.charts[name];
    const tagged = {};
    fig.data.forEach((trace, index) => {
      if (trace.meta?.gd) (tagged[trace.meta.gd] ||= []).push({ index, ...trace.meta });
    });
    chart.tagged = tagged;
    chart.xs = name === "fit" ? Array.from(fig.data[tagged.fit[0].index].x) : null;
    if (name === "convergence" || name === "loss" || name === "eigen") {
      fig.layout.uirevision = name; // a zoom the user made survives Step and Play
      fig.layout.xaxis.autorange = false;
      chart.wholeRange = fig.layout.xaxis.range.slice();
    }
    chart.user = false;
    chart.high = null;
    chart.baseHeight = fig.layout.height;
    delete fig.layout.height; // the element's (fitHeight)
    // the height it will have, its legend's included, so that it is drawn once (fitHeight checks);
    // in presenter mode the window's, the legend's room inside it, in the margin from the start too
    const { guess, below } = reserveLegend(fig, chart.chart.clientWidth);
    chart.legendGuess = guess; // for tests
    const height = this.data.presenter ? this.presenterHeight() : this.plotHeight(name) + below;
    chart.chart.style.height = `${height}px`;
    if (this.data.presenter) {
      // on a stage the runs are named once, by the loss chart's legend beside the map: the map
      // and the surface keep their own entries only, and their room
      if (this.data.runs.length > 1 && name === "surface") fig.layout.showlegend = false;
      if (this.data.runs.length > 1 && name === "contour") {
        for (const t of fig.data) if (t.meta?.gd === "path") t.showlegend = false;
      }
    }
    // Plotly.react draws a chart it has drawn before at the size it drew it at: a chart whose
    // element changed size (presenter mode's grid, the sidebar) was drawn twice, at the old size
    // and then, by fitHeight, at the new. Drawn at the element's size, once (the
    // size is dropped from its layout after the draw, so that plotly.js's own resizing still
    // follows the element).
    if (chart.chart.clientWidth > 0) Object.assign(fig.layout, { width: chart.chart.clientWidth, height });
    if (name === "contour") {
      // drawn anew: plotly.js's react onto the previous map keeps a stale 1:1 constraint and widens
      // the x range past the grid (the fill then stopped short of the axes after a preset); newPlot
      // drops the map's listeners too, so they are attached again below
      await this.Plotly.newPlot(chart.chart, fig.data, fig.layout, PLOTLY_CONFIG);
      chart.picking = false;
    } else {
      await this.Plotly.react(chart.chart, fig.data, fig.layout, PLOTLY_CONFIG);
    }
    delete chart.chart.layout.width;
    delete chart.chart.layout.height;
    oneTabStop(chart.chart, chart.box.querySelector("h3").textContent);
    hoverEndsWithTouch(this.Plotly, chart.chart);
    if (name === "contour") await this.pinFill(chart);
    await this.fitHeight(name);
    this.root.dataset.draws = String(Number(this.root.dataset.draws || 0) + 1); // whole redraws, for tests
    if (name === "contour" && !chart.picking) {
      // a click on the map starts the run there: theta_0 for the two parameters shown
      chart.picking = true;
      chart.chart.on("plotly_click", (event) => {
        const at = pointer(chart.chart, event);
        if (!at) return;
        // to a thousandth of the view: a start one can read and type again
        const round = (v, span) => {
          const unit = 10 ** Math.floor(Math.log10(span / 1000));
          return Number((Math.round(v / unit) * unit).toPrecision(12));
        };
        const { span } = this.data;
        // plotly reports a double click (which resets the axes) as a click, a double click and a
        // click again: a click counts once the double-click delay has passed with no double click
        // around it, so that resetting a zoom does not also start a new run
        const delay = chart.chart._context?.doubleClickDelay ?? 300;
        clearTimeout(chart.pickTimer);
        if (performance.now() - (chart.doubled ?? -Infinity) < delay) return;
        chart.pickTimer = setTimeout(() => this.pick?.({ x: round(at.x, span[0]), y: round(at.y, span[1]) }), delay);
      });
      chart.chart.on("plotly_doubleclick", () => {
        clearTimeout(chart.pickTimer);
        chart.doubled = performance.now();
      });
    }
    if (!chart.listening && (name === "convergence" || name === "loss" || name === "eigen")) {
      chart.listening = true;
      chart.chart.on("plotly_relayout", (event) => {
        const range = event["xaxis.range"] || [event["xaxis.range[0]"], event["xaxis.range[1]"]];
        const ours = range[0] === 0 && range[1] === chart.high; // a move of the follow window
        if (!ours && (range[1] !== undefined || event["xaxis.autorange"] !== undefined)) {
          chart.user = true; // the user's own zoom or pan: keep it until they choose a view
          this.markView(null);
        }
      });
    }
  }

  // Plotly.animate, which moves the map's paths, point and arrows, takes the contour trace's layer
  // off the map (plotly.js issue 4491: it redraws only the modules of the traces it moves). So
  // the fill and its lines, once drawn, are copied into an image under the plot, at the axes'
  // fixed ranges; the trace stays, transparent, and still answers the pointer with the loss.
  async pinFill(chart) {
    const gd = chart.chart;
    const layer = gd.querySelector(".contourlayer");
    if (!layer) return;
    const { xaxis: xa, yaxis: ya } = gd._fullLayout;
    const [w, h] = [xa._length, ya._length];
    const inner = layer.outerHTML.replace(/clip-path="[^"]*"/g, ""); // its clip paths live elsewhere
    const svg =
      `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" ` +
      `width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">${inner}</svg>`;
    const source = `data:image/svg+xml;base64,${btoa(unescape(encodeURIComponent(svg)))}`;
    const [x0, x1] = xa.range;
    const [y0, y1] = ya.range;
    const image = { source, xref: "x", yref: "y", x: x0, y: y1, sizex: x1 - x0, sizey: y1 - y0 };
    Object.assign(image, { sizing: "stretch", layer: "below", xanchor: "left", yanchor: "top" });
    // the grid, now drawn over the fill rather than under it, at a quarter of its strength: about
    // as the 75%-opaque fill lets it show through in gd.figures' map
    const faint = {};
    for (const axis of ["xaxis", "yaxis"]) {
      for (const part of ["gridcolor", "zerolinecolor"]) {
        const rgb = colourOf(gd._fullLayout[axis][part]);
        if (rgb) faint[`${axis}.${part}`] = `rgba(${rgb.join(",")},0.25)`;
      }
    }
    await this.Plotly.update(gd, { opacity: 0 }, { images: [image], ...faint }, [0]);
  }

  // ---- the numbers at step s ----

  row(s) {
    if (!this.sent) return s;
    let lo = 0;
    let hi = this.sent.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.sent[mid] < s) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  param(run, s, p) {
    return this.runs[run].P[this.row(s) * this.data.p + p];
  }

  params(run, s) {
    const p = this.data.p;
    const r = this.row(s);
    return Array.from(this.runs[run].P.subarray(r * p, (r + 1) * p));
  }

  // The nearest iteration the browser can stand on (every one unless the run is very long).
  snap(k) {
    k = Math.max(0, Math.min(Math.round(k), this.T));
    if (!this.anchors) return k;
    let best = this.anchors[0];
    for (const a of this.anchors) if (Math.abs(a - k) < Math.abs(best - k)) best = a;
    return best;
  }

  next(k) {
    if (!this.anchors) return Math.min(k + 1, this.T);
    for (const a of this.anchors) if (a > k) return a;
    return this.T;
  }

  // ---- moving ----

  go(k) {
    this.k = k;
    lastShown.set(this.data.run, k);
    if (!this.frame) {
      this.frame = requestAnimationFrame(() => {
        this.frame = null;
        this.render(this.k, !this.playing && !this.dragging);
      });
    }
  }

  stepOnce() {
    this.stop();
    if (this.k < this.T) this.go(this.next(this.k));
    this.settled();
  }

  play() {
    if (this.T === 0) return;
    if (this.k >= this.T) this.k = 0;
    const marks = this.marks;
    let index = marks.findIndex((m) => m > this.k);
    if (index < 0) index = marks.length - 1;
    this.playing = true;
    this.playStart = performance.now() - ((index - 1) / marks.length) * this.data.play_seconds * 1000;
    this.renderControls();
    const tick = (now) => {
      if (!this.playing) return;
      const position = Math.floor(((now - this.playStart) / (this.data.play_seconds * 1000)) * marks.length);
      const k = Math.max(marks[Math.min(Math.max(position, 0), marks.length - 1)], this.k);
      this.k = Math.min(k, this.T);
      lastShown.set(this.data.run, this.k);
      this.render(this.k, false);
      if (this.k >= this.T) {
        this.pause();
        return;
      }
      this.loop = requestAnimationFrame(tick);
    };
    this.loop = requestAnimationFrame(tick);
  }

  stop() {
    if (!this.playing) return;
    this.playing = false;
    cancelAnimationFrame(this.loop);
    this.renderControls();
  }

  pause() {
    this.stop();
    this.render(this.k, true); // the 3-D scene catches up with the iteration shown
    this.settled();
  }

  // The user stopped moving: after a short quiet, tell the server (share links, downloads).
  settled() {
    clearTimeout(this.syncTimer);
    this.status.textContent = `Iteration ${this.k}, loss ${this.loss.textContent}`;
    this.syncTimer = setTimeout(() => {
      if (this.playing || this.k === this.sentK) return;
      this.sentK = this.k;
      this.send?.(this.k);
    }, SYNC_DELAY_MS);
  }

  setFollow(follow) {
    this.follow = follow;
    for (const name of ["convergence", "loss", "eigen"]) Object.assign(this.charts[name], { user: false, high: null });
    this.markView(follow ? "follow" : "whole");
    this.render(this.k, false);
  }

  markView(view) {
    for (const b of this.followToggle.querySelectorAll("button")) {
      b.setAttribute("aria-pressed", String(b.dataset.view === view));
    }
  }

  // ---- drawing iteration k ----

  // Draw iteration k. The 2-D charts move at once through Plotly.animate with no transition: its
  // fast path moves scatter traces without recomputing the rest (the contour fill, the axes).
  // The 3-D scene costs far more (on a CPU-only browser hundreds of ms): it follows in a task of
  // its own, at most every few times its own drawing time, and always on the iteration shown
  // when the motion stops (`scene`).
  //
  // While playing or dragging the scrubber, a view scrolled out of sight is left as it is and
  // drawn when it comes back into sight or the motion stops: nobody sees it move, and the views in
  // sight move faster. While dragging, the 3-D scene too waits for the release.
  render(k, scene) {
    const moving = this.playing || this.dragging;
    const shown = (name) => scene || !moving || this.inSight.has(name);
    this.renderNumbers(k, shown("math"));
    this.stale[shown("math") ? "delete" : "add"]("math");
    if (!this.Plotly || !this.charts.contour.tagged) return;
    const drawers = {
      contour: () => this.renderContour(k),
      convergence: () => this.renderLines("convergence", k),
      loss: () => this.renderLines("loss", k),
      fit: () => this.renderFit(k),
      eigen: () => this.renderLines("eigen", k),
    };
    if (this.charts.rate.tagged) drawers.rate = () => this.renderRate(k);
    for (const [name, draw] of Object.entries(drawers)) {
      if (shown(name)) {
        draw();
        this.stale.delete(name);
      } else {
        this.stale.add(name);
      }
    }
    if (!shown("surface") || (this.dragging && !scene)) {
      this.stale.add("surface");
      return;
    }
    this.stale.delete("surface");
    const now = performance.now();
    if (scene || now - (this.sceneAt || 0) >= Math.max(SCENE_INTERVAL_MS, SCENE_SHARE * (this.sceneCost || 0))) {
      this.sceneAt = now;
      clearTimeout(this.sceneTimer);
      cancelAnimationFrame(this.sceneFrame);
      // after the frame that paints the 2-D charts and the numbers, so that they never wait for it
      this.sceneFrame = requestAnimationFrame(() => {
        this.sceneTimer = setTimeout(() => {
          const started = performance.now();
          const k = this.k;
          this.renderSurface(k);
          // the scene draws on the next frame: its cost is the time until the frame after it
          requestAnimationFrame(() => {
            this.sceneCost = performance.now() - started;
            this.root.dataset.scene = String(k); // the iteration the 3-D scene shows (benchmarks)
          });
        }, 0);
      });
    }
  }

  // Move traces of a chart to new x, y: one frame, no transition, no full redraw. (Never its axes:
  // moveWindow.)
  move(chart, traces, data) {
    return this.Plotly.animate(chart.chart, { data, traces }, MOVE);
  }

  renderControls() {
    this.buttons.play.textContent = this.playing ? "Pause" : "Play";
    this.buttons.play.title = this.playing ? "Stop on the iteration shown" : "Play the run (about 15 s)";
    this.buttons.step.disabled = this.k >= this.T || this.playing;
    const stride = this.next(this.k) - this.k;
    this.buttons.step.title =
      stride > 1 ? `Advance ${stride} updates (a long run keeps every iteration of its first part)` : "Advance one update";
  }

  renderNumbers(k, extras = true) {
    const main = this.runs[0];
    const r = this.row(k);
    const loss = main.loss[r];
    this.iteration.textContent = String(k);
    this.loss.textContent = compact(loss);
    this.loss.title = String(loss);
    if (k > 0) {
      const before = main.loss[this.row(this.prevOf(k))];
      const change = loss - before;
      this.delta.textContent = ` ${change <= 0 ? "▼" : "▲"} ${compact(Math.abs(change))}`;
      this.delta.className = `gd-delta ${change <= 0 ? "gd-down" : "gd-up"}`;
      this.delta.title = `change since iteration ${this.prevOf(k)}: ${change}`;
    } else {
      this.delta.textContent = "";
    }
    const theta = this.params(0, k);
    const star = this.data.theta_star;
    const distance = Math.sqrt(theta.reduce((sum, v, n) => sum + (v - star[n]) ** 2, 0));
    this.distance.textContent = compact(distance);
    this.distance.title = String(distance);
    if (main.mse) {
      this.mse.textContent = compact(main.mse[r]);
      this.mse.title = String(main.mse[r]);
    }
    this.gradNorm.textContent = compact(main.grad_norm[r]);
    this.gradNorm.title = String(main.grad_norm[r]);
    if (this.scrub.value !== String(k)) this.scrub.value = String(k);
    this.scrub.setAttribute("aria-valuetext", `iteration ${k} of ${this.T}`);
    this.renderControls();
    if (extras) {
      this.renderTable(k, theta);
      this.renderMath(k, theta, r);
    }
  }

  prevOf(k) {
    if (!this.anchors) return k - 1;
    let before = 0;
    for (const a of this.anchors) if (a < k) before = a;
    return before;
  }

  renderTable(k, theta) {
    const d = this.data;
    const columns = [["parameter", d.names.map(String)], [`iteration ${k}`, theta.map((v) => formatG(v, 6))]];
    columns.push(["least squares", d.theta_star.map((v) => formatG(v, 6))]);
    if (d.true_theta) columns.push(["true", d.true_theta.map((v) => formatG(v, 6))]);
    if (d.scale) {
      columns.push([`iteration ${k}, original units`, this.original(theta).map((v) => formatG(v, 6))]);
      if (d.true_theta) columns.push(["true, original units", this.original(d.true_theta).map((v) => formatG(v, 6))]);
    }
    const head = el("tr", {}, columns.map(([name]) => el("th", { scope: "col", text: name })));
    const rows = d.names.map((_, n) => el("tr", {}, columns.map(([, values]) => el("td", { text: values[n] }))));
    this.table.replaceChildren(el("thead", {}, [head]), el("tbody", {}, rows));
  }

  // Parameters learned on z-scores as a model of the original features (gd.data.to_original_units).
  original(theta) {
    const { mean, scale } = this.data;
    const w = theta.slice(0, -1).map((v, n) => v / scale[n]);
    const b = theta[theta.length - 1] - w.reduce((sum, v, n) => sum + v * mean[n], 0);
    return [...w, b];
  }

  renderMath(k, theta, r) {
    const d = this.data;
    const main = this.runs[0];
    const p = d.p;
    const grad = Array.from(main.grad.subarray(r * p, (r + 1) * p));
    this.mathTitle.textContent = `The math at iteration ${k}`;
    // A line of inline formulas: a part that is a vector adds one formula an entry.
    const line = (...parts) => {
      const node = el("div", { class: "gd-eq" });
      let current = [];
      const flush = () => {
        if (!current.length) return;
        const formula = math("math");
        formula.append(mrow(...current));
        node.append(formula);
        current = [];
      };
      for (const part of parts) {
        if (Array.isArray(part)) {
          flush();
          for (const entry of part) {
            current = entry;
            flush();
          }
        } else {
          current.push(part);
        }
      }
      flush();
      return node;
    };
    const lines = [
      line(sub("w", k), math("mo", "="), mvector(theta.slice(0, -1)), math("mo", "\u2003"), sub("b", k), math("mo", "="), mnumber(theta[p - 1])),
      line(math("mi", "L"), fence("("), sub("w", k), math("mo", ","), sub("b", k), fence(")"), math("mo", "="), mnumber(main.loss[r], 6)),
      line(sub("∇", "w"), math("mi", "L"), math("mo", "="), mvector(grad.slice(0, -1))),
      line(math("mfrac"), math("mo", "="), mnumber(grad[p - 1])),
    ];
    const frac = lines[3].querySelector("mfrac");
    frac.append(mrow(math("mi", "∂"), math("mi", "L")), mrow(math("mi", "∂"), math("mi", "b")));
    if (k < this.T) {
      const after = this.params(0, k + 1);
      lines.push(
        line(sub("θ", k + 1), math("mo", "−"), sub("θ", k), math("mo", "="), mvector(after.map((v, n) => v - theta[n])), ...this.rateOf(k, r)),
      );
    }
    lines.forEach((node, n) => {
      node.setAttribute("data-line", String(n));
    });
    lines[0].title = `w = [${theta.slice(0, -1).join(", ")}]`;
    lines[2].title = `∇w L = [${grad.slice(0, -1).join(", ")}]`;
    this.math.replaceChildren(...lines);
    this.full.hidden = p - 1 <= SHORT_VECTOR;
    if (!this.full.hidden && this.full.open) this.renderFull(k, theta, grad);
  }

  // Every entry of the vectors the math shortens: θ_k, ∇L and the update, one row a parameter.
  renderFull(k, theta, grad) {
    const after = k < this.T ? this.params(0, k + 1) : null;
    const columns = [
      ["parameter", this.data.names.map(String)],
      [`iteration ${k}`, theta.map(tableNumber)],
      ["gradient", grad.map(tableNumber)],
    ];
    if (after) columns.push([`update to ${k + 1}`, after.map((v, n) => tableNumber(v - theta[n]))]);
    const head = el("tr", {}, columns.map(([name]) => el("th", { scope: "col", text: name })));
    const rows = theta.map((_, n) => el("tr", {}, columns.map(([, values]) => el("td", { text: values[n] }))));
    this.fullTable.replaceChildren(el("thead", {}, [head]), el("tbody", {}, rows));
  }

  // "(η = 0.01)" or "(η_k = ...)" after the update, as gd.explain.current_math; nothing without a rate.
  rateOf(k, r) {
    const rate = this.runs[0].rate ? this.runs[0].rate[r] : NaN;
    if (!Number.isFinite(rate)) return [];
    const symbol = this.data.varying_rate ? sub("η", k) : math("mi", "η");
    return [math("mo", "\u2003"), fence("("), symbol, math("mo", "="), mnumber(rate), fence(")")];
  }

  // The iterations a line draws up to k: its fixed sample of 0..T cut at k, k itself last.
  drawn(run, points, k) {
    const list = this.runs[run].drawn[String(points)];
    const kk = Math.min(k, this.runs[run].T);
    const out = [];
    for (const s of list) {
      if (s >= kk) break;
      out.push(s);
    }
    out.push(kk);
    return out;
  }

  renderContour(k) {
    const chart = this.charts.contour;
    const { i, j, span, learning_rate: rate } = this.data;
    const traces = [];
    const data = [];
    for (const t of chart.tagged.path) {
      const q = this.drawn(t.run, this.data.points, k);
      traces.push(t.index);
      data.push({ x: q.map((s) => this.param(t.run, s, i)), y: q.map((s) => this.param(t.run, s, j)) });
    }
    const x0 = this.param(0, k, i);
    const y0 = this.param(0, k, j);
    traces.push(chart.tagged.point[0].index);
    data.push({ x: [x0], y: [y0] });
    // -eta grad L and the actual update, scaled alike so that the longer is 15% of the view
    let tips = null;
    let factor = null;
    if (k < this.T) {
      const r = this.row(k);
      const p = this.data.p;
      const grad = this.runs[0].grad;
      // eta_k, the rate of this update (gd.figures.charts.step_rate): a schedule's, linesearch's
      const own = this.runs[0].rate ? this.runs[0].rate[r] : NaN;
      const eta = Number.isFinite(own) ? own : rate;
      const g = [-eta * grad[r * p + i], -eta * grad[r * p + j]];
      const u = [this.param(0, k + 1, i) - x0, this.param(0, k + 1, j) - y0];
      const norm = (v) => Math.hypot(v[0] / span[0], v[1] / span[1]);
      const longest = Math.max(norm(g), norm(u));
      if (Number.isFinite(longest) && longest > 0) {
        factor = 0.15 / longest;
        tips = [g, u].map((v) => [x0 + factor * v[0], y0 + factor * v[1]]);
      }
    }
    for (const t of chart.tagged.arrow) {
      traces.push(t.index);
      data.push(tips ? { x: [x0, tips[t.n][0]], y: [y0, tips[t.n][1]] } : { x: [null, null], y: [null, null] });
    }
    chart.caption.textContent = arrowsCaption(tips ? factor : null, this.data);
    this.move(chart, traces, data);
  }

  renderLines(name, k) {
    const chart = this.charts[name];
    const traces = [];
    const data = [];
    const floor = this.data.floor;
    const p = this.data.p;
    const value = (run, s, param) => {
      if (name === "loss") return Math.max(this.runs[run].excess[this.row(s)], floor);
      if (name === "eigen") return Math.max(this.runs[run].eig[this.row(s) * p + param], this.data.eig_floor);
      return this.param(run, s, param);
    };
    for (const t of chart.tagged.line) {
      const q = this.drawn(t.run, t.points, k);
      traces.push(t.index);
      data.push({ x: q, y: q.map((s) => value(t.run, s, t.param)) });
    }
    traces.push(chart.tagged.point[0].index);
    if (name === "loss") {
      data.push({ x: [k], y: [value(0, k)] });
    } else if (name === "eigen") {
      const along = Array.from({ length: p }, (_, n) => value(0, k, n));
      data.push({ x: along.map(() => k), y: along });
    } else {
      const theta = this.params(0, k);
      data.push({ x: theta.map(() => k), y: theta });
    }
    if (!chart.user) {
      const whole = chart.wholeRange;
      const high = this.follow ? Math.min(whole[1], Math.max(10, Math.ceil(k * 1.25)), Math.max(this.T, 1)) : whole[1];
      if (high !== chart.high) this.moveWindow(chart, high);
    }
    this.move(chart, traces, data);
  }

  // Put a chart's x-range at [0, high] (Follow's window, or the whole run). By Plotly.relayout, not
  // in a frame of Plotly.animate: animate moves the axes on the next animation frame, and the next
  // frame of Play interrupts that move, which puts the old range back and reports it as a relayout
  // that read as the user's own zoom (Follow let go and the charts stayed at 0-10 while playing).
  moveWindow(chart, high) {
    chart.high = high;
    this.Plotly.relayout(chart.chart, { "xaxis.range": [0, high] });
  }

  // The rate of the update after iteration k (the last update's at k = T), as gd.figures.rate_figure.
  renderRate(k) {
    const chart = this.charts.rate;
    const rate = this.runs[0].rate[this.row(k)];
    const t = Math.min(k, Math.max(this.T - 1, 0));
    this.move(chart, [chart.tagged.point[0].index], [{ x: [t], y: [Number.isFinite(rate) ? rate : null] }]);
  }

  renderFit(k) {
    const chart = this.charts.fit;
    const theta = this.params(0, k);
    const b = theta[theta.length - 1];
    let y;
    if (this.data.fit.kind === "line") {
      y = chart.xs.map((x) => x * theta[0] + b);
    } else {
      const X = this.fitX;
      const d = this.data.fit.d;
      const rows = X.length / d;
      y = new Array(rows);
      for (let r = 0; r < rows; r++) {
        let sum = 0;
        for (let m = 0; m < d; m++) sum += X[r * d + m] * theta[m];
        y[r] = sum + b;
      }
    }
    this.move(chart, [chart.tagged.fit[0].index], [{ y }]);
  }

  renderSurface(k) {
    const chart = this.charts.surface;
    if (!chart.tagged) return; // drawn after the 2-D charts: not there yet
    const { i, j } = this.data;
    const z = this.runs[0].z;
    const trail = [];
    for (const s of this.runs[0].drawn[String(this.data.points)]) {
      if (s >= k) break;
      trail.push(s);
    }
    const steps = [...trail.slice(-TRAIL), k];
    const point = chart.tagged.point[0].index;
    const line = chart.tagged.trail[0].index;
    const scene = keepSurface(chart.chart);
    if (scene) scene.gdMarkerOnly = true;
    try {
      this.Plotly.restyle(
        chart.chart,
        {
          x: [[this.param(0, k, i)], steps.map((s) => this.param(0, s, i))],
          y: [[this.param(0, k, j)], steps.map((s) => this.param(0, s, j))],
          z: [[z[this.row(k)]], steps.map((s) => z[this.row(s)])],
        },
        [point, line],
      );
    } finally {
      if (scene) scene.gdMarkerOnly = false;
    }
  }
}

// A restyle of a 3-D scene's marker and trail makes plotly.js rebuild every trace of the scene,
// the surface too: its grid scaled again, its contour lines traced again, its buffers uploaded
// again (about a quarter of a Step's scene redraw on this project's machine), for a surface that
// has not changed. While renderSurface restyles the marker and trail (scene.gdMarkerOnly), the
// surface keeps what it built, unless what its build reads from the scene has changed: the
// scale of the data (a marker beyond the surface widens the scene's bounds), the contour levels,
// the axes' types. Any other redraw (a new run, a legend click, a resize) rebuilds it as before.
// Returns the scene, or null where plotly.js has none (or keeps it elsewhere: nothing is held).
function keepSurface(gd) {
  const scene = gd._fullLayout?.scene?._scene;
  if (!scene?.traces) return null;
  for (const built of Object.values(scene.traces)) {
    if (built.data?.type !== "surface" || built.gdKeeps) continue;
    built.gdKeeps = true;
    const update = built.update;
    let was = null;
    built.update = function (data) {
      const layout = scene.fullSceneLayout;
      const now = [
        data.uid, data.z, ...scene.dataScale, ...scene.contourLevels.flat(),
        layout.xaxis.type, layout.yaxis.type, layout.zaxis.type,
      ];
      if (scene.gdMarkerOnly && was && now.length === was.length && now.every((v, n) => v === was[n])) {
        this.data = data; // what hover reads: the same trace, from this draw
        scene.gdKept = (scene.gdKept || 0) + 1; // for tests
        return;
      }
      was = now;
      return update.call(this, data);
    };
  }
  return scene;
}

// A chart's toolbar (plotly.js's modebar, about ten buttons a chart) as one Tab stop, as a
// WAI-ARIA toolbar: Tab reaches the button last used (at first the first), the arrow keys, Home
// and End move along the bar. plotly.js makes its buttons again when it changes the bar: each
// time, they are made one stop again.
function oneTabStop(gd, name) {
  const container = gd.querySelector(".modebar-container");
  if (!container) return;
  const apply = () => {
    const bar = container.querySelector(".modebar");
    if (!bar) return;
    bar.setAttribute("role", "toolbar");
    bar.setAttribute("aria-label", `${name}: chart tools`);
    const buttons = [...bar.querySelectorAll(".modebar-btn")];
    const current = buttons.find((b) => b.dataset.gdStop === "true") ?? buttons[0];
    for (const b of buttons) {
      b.tabIndex = b === current ? 0 : -1;
      b.dataset.gdStop = String(b === current);
    }
  };
  apply();
  if (container.gdToolbar) return;
  container.gdToolbar = true;
  new MutationObserver(apply).observe(container, { childList: true, subtree: true });
  container.addEventListener("keydown", (event) => {
    const buttons = [...container.querySelectorAll(".modebar-btn")];
    const at = buttons.indexOf(document.activeElement);
    const to = { ArrowRight: at + 1, ArrowDown: at + 1, ArrowLeft: at - 1, ArrowUp: at - 1, Home: 0, End: buttons.length - 1 }[event.key];
    if (at < 0 || to === undefined) return;
    event.preventDefault();
    const next = buttons[(to + buttons.length) % buttons.length];
    for (const b of buttons) b.dataset.gdStop = String(b === next);
    apply();
    next.focus();
  });
}

// A chart's tooltip goes when the finger leaves the screen: plotly.js hides it on the mouse's
// leaving, which a touch never does, so that on a phone it stayed over the chart.
function hoverEndsWithTouch(Plotly, gd) {
  if (gd.gdTouch) return;
  gd.gdTouch = true;
  const hide = () => Plotly.Fx.unhover(gd);
  gd.addEventListener("touchend", hide, { passive: true });
  gd.addEventListener("touchcancel", hide, { passive: true });
}

// Size a drawn figure to its element: as wide as the element now is, `wanted()` px tall (which
// may depend on the legend's rows at that width: measured again after each resize). Not
// Plotly.Plots.resize, whose promise never settles when another resize (Plotly's own, on the
// window's) comes within its 100 ms.
async function resizeTo(Plotly, gd, wanted) {
  for (let round = 0; round < 3; round++) {
    const height = wanted();
    const wider = Math.abs(gd._fullLayout.width - gd.clientWidth) > 1;
    if (Math.abs(height - gd._fullLayout.height) <= 2 && !wider) return;
    gd.style.height = `${height}px`;
    await Plotly.relayout(gd, { autosize: true });
    gd.dataset.refits = String(Number(gd.dataset.refits || 0) + 1); // for tests
  }
}

const LEGEND_GAP = 8; // px between a chart's legend and what lies below it

// A figure's margins as plotly.js takes them: its own, over its template's, over plotly.js's.
function marginOf(layout) {
  return { l: 80, r: 80, t: 100, b: 80, ...layout.template?.layout?.margin, ...layout.margin };
}

// The legend of figure `fig` drawn `width` px wide, worked out before the draw (`legendHeight`:
// `guess`), and its room put in the figure's bottom margin from the start: plotly.js otherwise
// reserves it as it draws the legend, and a margin that changes makes it draw the whole chart a
// second time. `below`: the px the legend adds under the plot (the chart's element is that much
// taller, so that the plot keeps its height).
function reserveLegend(fig, width) {
  const guess = legendHeight(fig, width);
  if (!guess) return { guess, below: 0 };
  const margin = marginOf(fig.layout);
  fig.layout.margin = { ...margin, b: margin.b + guess + LEGEND_GAP };
  return { guess, below: guess + LEGEND_GAP };
}

// Trace types whose legend entry plotly.js hides unless asked (their showlegend defaults to false).
const NO_LEGEND_ENTRY = new Set(["contour", "heatmap", "surface", "histogram2d", "histogram2dcontour", "mesh3d"]);
let measuring = null;

// The width of `text` drawn as SVG text in `font`, as plotly.js measures its legend's entries (a
// canvas's measureText differs from it by up to half a pixel, enough to put a legend that just
// fits in one row on two). The <text> lives in a hidden <svg> of the page's own, made once.
function textWidth(text, font) {
  if (!measuring) {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("aria-hidden", "true");
    svg.style.cssText = "position:absolute;left:-10000px;top:0;width:1px;height:1px;overflow:hidden;visibility:hidden";
    measuring = document.createElementNS(ns, "text");
    measuring.style.whiteSpace = "pre";
    svg.appendChild(measuring);
    document.body.appendChild(svg);
  }
  measuring.style.fontFamily = font.family;
  measuring.style.fontSize = `${font.size}px`;
  measuring.textContent = text;
  return measuring.getBBox().width;
}

// The height of a legend in a row (wrapping) at the foot of figure `fig` drawn `width` px wide, as
// plotly.js 4 lays it out (components/legend/draw.js), before it is drawn: 0 where the figure shows
// none, null where this cannot tell (another kind of legend, names with markup). Entries are
// itemwidth + 2 itemGap px plus their text; all in one row when they fit the plot's width, else a
// grid of the widest (grouped: each legendgroup a column of its entries, rows of columns
// tracegroupgap apart); a row is max(1.3 font size, 16) + 3 px, with 2 (borderwidth + itemGap)
// around. Text widths are measured as SVG text in the legend's font. A guess: the drawn legend is
// measured after the draw (`fitHeight`), and a wrong guess costs the relayout it saves when right.
function legendHeight(fig, width) {
  const { data, layout } = fig;
  const base = layout.template?.layout ?? {};
  const legend = { ...base.legend, ...layout.legend };
  const visible = data.filter((t) => t.visible !== false);
  const entry = (t) => !NO_LEGEND_ENTRY.has(t.type ?? "scatter");
  const shown = visible.filter((t) => t.showlegend ?? entry(t));
  // plotly.js's default: a legend where some entry shows and two could (a trace whose
  // showlegend is false but whose type has entries counts; one set true counts twice)
  const could = visible.filter((t) => t.showlegend === true || entry(t)).length + visible.filter((t) => t.showlegend === true).length;
  const show = layout.showlegend ?? (shown.length > 0 && could > 1);
  if (!show || shown.length === 0) return 0;
  if ((legend.orientation ?? "v") !== "h" || legend.entrywidth || legend.title?.text) return null;
  if (shown.some((t) => /[<&\n]/.test(t.name ?? ""))) return null; // markup: measured otherwise
  const font = { size: 12, family: '"Open Sans", verdana, arial, sans-serif', ...base.font, ...layout.font, ...base.legend?.font, ...layout.legend?.font };
  const margin = marginOf(layout);
  const gap = 5; // plotly.js's itemGap
  const border = legend.borderwidth ?? 0;
  const item = (legend.indentation ?? 0) + (legend.itemwidth ?? 30) + 2 * gap;
  const row = Math.max(1.3 * font.size, 16) + 3;
  const widest = Math.max(width - margin.l - margin.r, 2 * item);
  const widthOf = (t) => item + textWidth(t.name ?? "", font);
  let height;
  if (visible.some((t) => t.legendgroup)) {
    // grouped (plotly's default traceorder where any trace has a legendgroup)
    const groups = new Map();
    shown.forEach((t, i) => {
      const key = t.legendgroup || `~${i}`;
      groups.set(key, [...(groups.get(key) ?? []), widthOf(t)]);
    });
    let x = 0;
    let y = 0;
    let tallest = 0;
    for (const widths of groups.values()) {
      const w = Math.max(...widths) + gap;
      const h = row * widths.length;
      if (x > 0 && w + border + x > widest) {
        y += tallest + (legend.tracegroupgap ?? 10);
        x = 0;
        tallest = h;
      } else tallest = Math.max(tallest, h);
      x += w;
    }
    height = y + tallest;
  } else {
    const widths = shown.map(widthOf);
    const oneRow = widths.reduce((a, b) => a + b, 0) + 2 * border + (widths.length - 1) * gap < widest;
    const cell = Math.max(...widths);
    let x = 0;
    let rows = 1;
    for (const w of widths) {
      const next = (oneRow ? w : cell) + gap;
      if (x > 0 && next + border + x - gap >= widest) {
        rows += 1;
        x = 0;
      }
      x += next;
    }
    height = rows * row;
  }
  return Math.ceil(height + 2 * (border + gap));
}

// A figure below its plot legend's height (the legend adds to the height, the plot keeps its own).
function withLegend(gd, height) {
  const legend = gd._fullLayout.showlegend && gd.querySelector(".legend");
  return legend ? height + Math.ceil(legend.getBoundingClientRect().height) + LEGEND_GAP : height;
}

// Where a click fell on a chart, in data units of its axes (a log axis's too), or null.
function pointer(plot, event) {
  const layout = plot._fullLayout;
  const mouse = event?.event;
  if (!layout || !mouse) return null;
  const box = plot.getBoundingClientRect();
  const { xaxis, yaxis } = layout;
  const x = xaxis.p2d(mouse.clientX - box.left - xaxis._offset);
  const y = yaxis.p2d(mouse.clientY - box.top - yaxis._offset);
  return Number.isFinite(x) && Number.isFinite(y) ? { x, y } : null;
}

// "#rrggbb" or "rgb(r, g, b)" as [r, g, b], or null.
function colourOf(text) {
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(text || "");
  if (hex) return hex.slice(1).map((h) => parseInt(h, 16));
  const rgb = /^rgb\((\d+),\s*(\d+),\s*(\d+)\)$/.exec(text || "");
  return rgb ? rgb.slice(1).map(Number) : null;
}

// A chart that does not follow the iteration (the learning-rate sweep): drawn once per figure.
function mountFigure(parentElement, data, body, setTriggerValue) {
  let box = parentElement.querySelector("figure.gd-static");
  if (!box) {
    box = el("figure", { class: "gd-figure gd-static" }, [
      el("div", { class: "gd-chart" }),
      el("figcaption", { class: "gd-caption" }),
    ]);
    parentElement.append(box);
  }
  box.lastChild.textContent = data.caption ?? ""; // plain text, never markup
  if (box.dataset.id === data.id) return;
  box.dataset.id = data.id;
  box.setAttribute("aria-label", data.label);
  const fig = JSON.parse(new TextDecoder().decode(body));
  if (data.pickable) fig.layout.hovermode = "x"; // a click anywhere above a rate reports it
  loadPlotly(data.plotly).then(async (Plotly) => {
    const gd = box.firstChild;
    const height = fig.layout.height;
    delete fig.layout.height; // as the panel's charts: the element holds the height (fitHeight)
    gd.style.height = `${height + reserveLegend(fig, gd.clientWidth).below}px`; // drawn once, as theirs
    const plot = await Plotly.react(gd, fig.data, fig.layout, PLOTLY_CONFIG);
    oneTabStop(gd, "Learning-rate sweep");
    hoverEndsWithTouch(Plotly, gd);
    box.fit = () => gd.offsetParent !== null && resizeTo(Plotly, gd, () => withLegend(gd, height));
    await box.fit();
    if (!box.watched) {
      // the width follows the window and the sidebar (which Plotly does not see), the legend's rows it
      box.watched = true;
      let width = box.clientWidth;
      let timer = null;
      new ResizeObserver(() => {
        if (Math.abs(box.clientWidth - width) < 1) return;
        width = box.clientWidth;
        clearTimeout(timer);
        timer = setTimeout(() => box.fit(), 250);
      }).observe(box);
    }
    box.dataset.ready = "true";
    if (!data.pickable || plot.__gdPicking) return;
    plot.__gdPicking = true; // a click on the chart reports where it fell (the sweep: a rate)
    plot.on("plotly_click", (event) => {
      const at = pointer(plot, event);
      if (at) box.__gdPick?.(at);
    });
  });
  box.__gdPick = (at) => setTriggerValue("pick", { id: data.id, ...at });
}

// The component's entry point: Streamlit calls it with the data of every run that changed it,
// which panel.py packs as one line of JSON (`data`) and the JSON text of a payload or figure.
export function mount({ parentElement, setStateValue, setTriggerValue }, data, body) {
  if (data.figure) {
    mountFigure(parentElement, data, body, setTriggerValue);
    return;
  }
  let panel = parentElement.__gdPanel;
  if (!panel) {
    panel = new Panel(parentElement);
    parentElement.__gdPanel = panel;
  }
  // the report names its run and the `opened` it was made under, so that the server can tell a
  // late report (about another run, or from before a preset reopened the panel) apart
  panel.send = (k) => setStateValue("iteration", { run: panel.data.run, k, opened: panel.opened });
  panel.pick = (at) => setTriggerValue("pick", { run: panel.data.run, i: panel.data.i, j: panel.data.j, ...at });
  panel.show(body, data.start, data.plotly, data.opened).catch((error) => {
    panel.status.textContent = `The charts could not be drawn: ${error.message}`;
    console.error(error);
  });
}
