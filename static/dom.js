// Small DOM helpers of the mount module: elements, MathML from mathml.js's trees, tables from
// columns, SVG text measured as plotly.js measures it, and the drawn legend's height.

import { LEGEND_GAP } from "./legend.js";

const MATHML = "http://www.w3.org/1998/Math/MathML";
const SVG = "http://www.w3.org/2000/svg";

export function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (name === "text") node.textContent = value;
    else if (name === "class") node.className = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) node.append(child);
  return node;
}

// A MathML element from a mathml.js tree.
export function mathElement({ tag, text, attrs, children }) {
  const node = document.createElementNS(MATHML, tag);
  if (text !== null) node.textContent = text;
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  for (const child of children) node.append(mathElement(child));
  return node;
}

// A line of the math (mathml.js's mathLines): a <div> of inline <math> formulas.
export function equationElement({ formulas, title }, n) {
  const line = el("div", { class: "gd-eq", "data-line": String(n) });
  for (const parts of formulas) {
    const formula = document.createElementNS(MATHML, "math");
    formula.append(mathElement({ tag: "mrow", text: null, attrs: {}, children: parts }));
    line.append(formula);
  }
  if (title) line.title = title;
  return line;
}

// A table's head and body from [heading, texts] columns (texts set as text: never markup).
export function fillTable(table, columns) {
  const head = el("tr", {}, columns.map(([name]) => el("th", { scope: "col", text: name })));
  const rows = columns[0][1].map((_, n) => el("tr", {}, columns.map(([, values]) => el("td", { text: values[n] }))));
  table.replaceChildren(el("thead", {}, [head]), el("tbody", {}, rows));
}

// How far below the top of the page an element is (Streamlit scrolls an inner container).
export function pageTop(node) {
  let y = node.getBoundingClientRect().top;
  for (let n = node.parentElement; n; n = n.parentElement) y += n.scrollTop;
  return y;
}

let measuring = null;

// The width of `text` drawn as SVG text in `font`, as plotly.js measures its legend's entries (a
// canvas's measureText differs from it by up to half a pixel, enough to put a legend that just
// fits in one row on two). The <text> lives in a hidden <svg> of the page's own, made once.
export function textWidth(text, font) {
  if (!measuring?.isConnected) {
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("aria-hidden", "true");
    svg.style.cssText = "position:absolute;left:-10000px;top:0;width:1px;height:1px;overflow:hidden;visibility:hidden";
    measuring = document.createElementNS(SVG, "text");
    measuring.style.whiteSpace = "pre";
    svg.appendChild(measuring);
    document.body.appendChild(svg);
  }
  measuring.style.fontFamily = font.family;
  measuring.style.fontSize = `${font.size}px`;
  measuring.textContent = text;
  return measuring.getBBox().width;
}

// A figure below its plot: the drawn legend's height added (the legend adds to the height, the
// plot keeps its own).
export function withLegend(gd, height) {
  const legend = gd._fullLayout.showlegend && gd.querySelector(".legend");
  return legend ? height + Math.ceil(legend.getBoundingClientRect().height) + LEGEND_GAP : height;
}

// Presenter mode switched on or off collapses or opens the sidebar, which resizes the panel
// over a CSS transition (0.3 s) that was running when the new figures arrived: drawn before it
// ended, every chart was drawn at a passing width, then again at each width it passed while
// drawing, and once more at the last. Wait for the transitions that change `root`'s width (at
// most `limit` ms), then draw once.
export async function widthSettled(root, limit = 400) {
  const sidebar = document.querySelector("[data-testid=stSidebar]");
  const resizing = document.getAnimations().filter((a) => {
    const target = a.effect?.target;
    return a.playState === "running" && target && (target === sidebar || target.contains(root));
  });
  if (!resizing.length) return;
  const ended = Promise.all(resizing.map((a) => a.finished.catch(() => null)));
  let timer;
  await Promise.race([ended, new Promise((resolve) => (timer = setTimeout(resolve, limit)))]);
  clearTimeout(timer);
}

// The panel's run, told to the page's other charts (the sweep marks its rate at its loss): the
// last one kept, for a chart drawn after it was told.
export function announceRun(data) {
  const main = data.runs[0];
  const run = {
    learning_rate: data.learning_rate,
    optimizer: data.text.optimizer,
    excess: main.excess[main.excess.length - 1],
    diverged: data.diverged_at !== null && data.diverged_at !== undefined,
  };
  window.__gdRun = run;
  window.dispatchEvent(new CustomEvent("gd-run", { detail: run }));
}
