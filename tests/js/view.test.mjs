// The legend's room (static/legend.js) and the math as data (static/mathml.js).
import { test } from "node:test";
import assert from "node:assert/strict";
import { legendHeight, marginOf, reserveLegend } from "../../static/legend.js";
import { entryColumns, equation, mathLines, mvector, parameterColumns } from "../../static/mathml.js";

const measure = (text, font) => text.length * font.size * 0.5; // half an em a character
const h = (names, over = {}) => ({
  data: names.map((name) => ({ name, type: "scatter" })),
  layout: { legend: { orientation: "h" }, margin: { l: 50, r: 50 }, ...over },
});

test("no legend for a single trace, none where the figure hides it", () => {
  assert.equal(legendHeight(h(["one"]), 800, measure), 0);
  assert.equal(legendHeight(h(["a", "b"], { showlegend: false }), 800, measure), 0);
});

test("a horizontal legend that fits is one row: max(1.3 font, 16) + 3, with 2 (border + gap) around", () => {
  assert.equal(legendHeight(h(["a", "b"]), 800, measure), 16 + 3 + 2 * 5);
});

test("entries that do not fit wrap onto rows of the widest", () => {
  // each entry 40 + 60 = 100 px, 5 px apart; a plot 700 - 100 = 600 px wide holds 5 a row
  const names = Array.from({ length: 12 }, () => "x".repeat(10));
  assert.equal(legendHeight(h(names, { margin: { l: 50, r: 50 } }), 700, measure), 3 * 19 + 10);
});

test("a vertical legend, or names with markup, cannot be told before the draw", () => {
  assert.equal(legendHeight({ data: [{ name: "a" }, { name: "b" }], layout: {} }, 800, measure), null);
  assert.equal(legendHeight(h(["<b>a</b>", "b"]), 800, measure), null);
});

test("reserveLegend puts the legend's room in the bottom margin, over the template's", () => {
  const fig = h(["a", "b"], { template: { layout: { margin: { b: 40 } } } });
  const { guess, below } = reserveLegend(fig, 800, measure);
  assert.deepEqual([guess, below], [29, 37]);
  assert.deepEqual(fig.layout.margin, { l: 50, r: 50, t: 100, b: 40 + 37 });
  assert.deepEqual(marginOf({}), { l: 80, r: 80, t: 100, b: 80 });
});

const text = (node) => (node.text ?? "") + node.children.map(text).join("");

test("a vector of up to 6 entries is written whole, a longer one as its first 3, …, its last", () => {
  assert.deepEqual(mvector([1, 2]).map((parts) => parts.map(text).join("")), ["[1,", "2]"]);
  assert.deepEqual(mvector([1, 2, 3, 4, 5, 6, 7]).map((parts) => parts.map(text).join("")), ["[1,", "2,", "3,", "…,", "7]"]);
});

test("an equation puts one formula to each vector entry and the rest in formulas between", () => {
  const formulas = equation({ tag: "mi", text: "x", attrs: {}, children: [] }, mvector([1, 2]));
  assert.deepEqual(formulas.map((f) => f.map(text).join("")), ["x", "[1,", "2]"]);
});

test("the math at k: theta, the loss, the gradient, its last entry and the update with its rate", () => {
  const lines = mathLines({ k: 3, theta: [1.5, -2e-5], grad: [0.25, 4], loss: 12.3456789, after: [1.25, 0], rate: 0.1, varying: true });
  // one formula to each vector entry (a long vector wraps between them), "|" between formulas here
  const texts = lines.map((line) => line.formulas.map((f) => f.map(text).join("")).join("|"));
  assert.deepEqual(texts, ["w3=|[1.5]|\u2003b3=−2×10−5", "L(w3,b3)=12.3457", "∇wL=|[0.25]", "∂L∂b=4", "θ4−θ3=|[−0.25,|2×10−5]|\u2003(η3=0.1)"]);
  assert.equal(lines[0].title, "w = [1.5]");
});

test("the tables: six significant digits, original units where the features were standardised", () => {
  const d = { names: ["w1", "b"], theta_star: [2, 1], true_theta: null, scale: [2], mean: [10] };
  assert.deepEqual(parameterColumns(d, 5, [4, 3]), [
    ["parameter", ["w1", "b"]], ["iteration 5", ["4", "3"]], ["least squares", ["2", "1"]],
    ["iteration 5, original units", ["2", "-17"]],
  ]);
  assert.deepEqual(entryColumns(["w1", "b"], 0, [1e5, 0.5], [2, 3], [1e5, 1]), [
    ["parameter", ["w1", "b"]], ["iteration 0", ["1×10⁵", "0.5"]], ["gradient", ["2", "3"]], ["update to 1", ["0", "0.5"]],
  ]);
});

test("a click on the map is rounded to a thousandth of the view, as a start one can type", async () => {
  const { roundToView } = await import("../../static/chart-events.js");
  assert.deepEqual([roundToView(1.23456789, 4), roundToView(-0.000123456, 0.01), roundToView(123456.7, 2e5)], [1.235, -0.00012, 123500]);
});

test("the map's grid colour is read as rgb from #rrggbb or rgb(), else null", async () => {
  const { colourOf } = await import("../../static/patches.js");
  assert.deepEqual([colourOf("#0072B2"), colourOf("rgb(1, 2,3)"), colourOf("red"), colourOf(undefined)], [[0, 114, 178], [1, 2, 3], null, null]);
});

test("a chart's toolbar: arrows move along it, wrapping, Home and End to its ends", async () => {
  const { toolbarTarget } = await import("../../static/chart-access.js");
  assert.deepEqual([toolbarTarget("ArrowRight", 9, 10), toolbarTarget("ArrowLeft", 0, 10), toolbarTarget("ArrowDown", 3, 10), toolbarTarget("Home", 5, 10), toolbarTarget("End", 0, 10), toolbarTarget("a", 0, 10)], [0, 9, 4, 0, 9, null]);
});
