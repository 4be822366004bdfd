// The math under the charts at iteration k, and the tables beside it, as plain data: MathML as
// trees of {tag, text, attrs, children} (dom.js makes elements of them), tables as columns of
// text. As gd.explain's tables write them. Pure: no DOM.

import { formatG, scientific, tableNumber } from "./format.js";
import { originalUnits } from "./payload.js";

export const SHORT_VECTOR = 6; // a longer vector is shortened to its first 3 entries, "…", its last

export const node = (tag, text = null, children = [], attrs = {}) => ({ tag, text, attrs, children });
const mi = (text) => node("mi", text);
const mo = (text) => node("mo", text);
const mn = (text) => node("mn", text);
export const mrow = (...children) => node("mrow", null, children);
export const sub = (base, index) => node("msub", null, [mi(base), mn(String(index))]);

// A float as gd.explain.number writes it in LaTeX: 1.234 × 10^-5 rather than 1.234e-05.
export function mnumber(x, digits = 4) {
  const { mantissa, exponent } = scientific(x, digits);
  if (exponent === null) return mn(mantissa);
  return mrow(mn(mantissa), mo("×"), node("msup", null, [mn("10"), mn(exponent)]));
}

// An operator that keeps its size: a bracket beside an exponent would otherwise stretch to it.
export const fence = (text) => node("mo", text, [], { stretchy: "false" });

// A row vector: one inline formula an entry (an array of parts), so that a long vector wraps onto
// the next line; past SHORT_VECTOR entries the middle is shortened to "…" (the full vectors are in
// the math's "every entry" details and the line's tooltip).
export function mvector(values) {
  const long = values.length > SHORT_VECTOR;
  const shown = long ? [...values.slice(0, 3), null, values[values.length - 1]] : values;
  return shown.map((v, n) => {
    const parts = [];
    if (n === 0) parts.push(fence("["));
    parts.push(v === null ? mi("…") : mnumber(v));
    parts.push(n === shown.length - 1 ? fence("]") : mo(","));
    return parts;
  });
}

// A line of inline formulas: a part that is a vector (mvector's) adds one formula an entry.
// Returns the formulas, each a list of nodes (one <math><mrow> each).
export function equation(...parts) {
  const formulas = [];
  let current = [];
  const flush = () => {
    if (current.length) formulas.push(current);
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
  return formulas;
}

// "(η = 0.01)" or "(η_k = ...)" after the update; nothing without a rate.
function rateOf(k, rate, varying) {
  if (!Number.isFinite(rate)) return [];
  const symbol = varying ? sub("η", k) : mi("η");
  return [mo("\u2003"), fence("("), symbol, mo("="), mnumber(rate), fence(")")];
}

// The math at iteration k: {formulas, title} a line. `after`: theta at k + 1 (null at the end).
export function mathLines({ k, theta, grad, loss, after, rate, varying }) {
  const p = theta.length;
  const frac = node("mfrac", null, [mrow(mi("∂"), mi("L")), mrow(mi("∂"), mi("b"))]);
  const lines = [
    { formulas: equation(sub("w", k), mo("="), mvector(theta.slice(0, -1)), mo("\u2003"), sub("b", k), mo("="), mnumber(theta[p - 1])), title: `w = [${theta.slice(0, -1).join(", ")}]` },
    { formulas: equation(mi("L"), fence("("), sub("w", k), mo(","), sub("b", k), fence(")"), mo("="), mnumber(loss, 6)), title: null },
    { formulas: equation(sub("∇", "w"), mi("L"), mo("="), mvector(grad.slice(0, -1))), title: `∇w L = [${grad.slice(0, -1).join(", ")}]` },
    { formulas: equation(frac, mo("="), mnumber(grad[p - 1])), title: null },
  ];
  if (after) {
    const update = mvector(after.map((v, n) => v - theta[n]));
    lines.push({ formulas: equation(sub("θ", k + 1), mo("−"), sub("θ", k), mo("="), update, ...rateOf(k, rate, varying)), title: null });
  }
  return lines;
}

// The parameters' table at iteration k (as gd.explain's): [heading, texts] columns.
export function parameterColumns(d, k, theta) {
  const six = (values) => values.map((v) => formatG(v, 6));
  const columns = [["parameter", d.names.map(String)], [`iteration ${k}`, six(theta)], ["least squares", six(d.theta_star)]];
  if (d.true_theta) columns.push(["true", six(d.true_theta)]);
  if (d.scale) {
    columns.push([`iteration ${k}, original units`, six(originalUnits(theta, d.mean, d.scale))]);
    if (d.true_theta) columns.push(["true, original units", six(originalUnits(d.true_theta, d.mean, d.scale))]);
  }
  return columns;
}

// Every entry of the vectors the math shortens: theta_k, grad L and the update, one row a parameter.
export function entryColumns(names, k, theta, grad, after) {
  const columns = [["parameter", names.map(String)], [`iteration ${k}`, theta.map(tableNumber)], ["gradient", grad.map(tableNumber)]];
  if (after) columns.push([`update to ${k + 1}`, after.map((v, n) => tableNumber(v - theta[n]))]);
  return columns;
}
