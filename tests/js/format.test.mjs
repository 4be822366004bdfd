// Numbers as the browser writes them (static/format.js) beyond the cases shared with the engine
// (tests/rules.json): signs, exponents, thousands, and the widths a readout takes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { compact, formatG, roundHalfEven, scientific, tableNumber } from "../../static/format.js";

test("compact keeps a sign, a minus for negatives, none for zero", () => {
  assert.deepEqual([compact(-0), compact(-0.25), compact(-12345), compact(-2e-9)], ["0", "-0.25", "-12,345", "-2.00e-9"]);
});

test("compact writes thousands with separators from 10,000 to a million, scientific past it", () => {
  // 999,999.5 rounds (half to even) to the whole 1,000,000, as Python's format(x, ",.0f")
  assert.deepEqual([compact(1234.4), compact(12345.6), compact(999999.49), compact(999999.5), compact(4.56e7)], ["1234", "12,346", "999,999", "1,000,000", "4.56e7"]);
});

test("compact rounds an exact tie to the even digit, as Python (toExponential would round it up)", () => {
  assert.deepEqual([compact(1234.5), compact(1235.5), compact(0.0625), compact(-12.125)], ["1234", "1236", "0.0625", "-12.12"]);
});

test("compact's exponents carry no '+' and no leading zeros", () => {
  assert.deepEqual([compact(1.5e-5), compact(2.5e100), compact(-7.77e-300)], ["1.50e-5", "2.50e100", "-7.77e-300"]);
});

test("a metric's readout is at most 10 characters, whatever the number", () => {
  // the widest forms: -9.99e-300, -999,999, -0.001234, -4.94e-324
  const texts = [-9.99e-300, -999_999.4, -0.0012345, 1e308, -5e-324, 123.456].map(compact);
  assert.deepEqual(texts, ["-9.99e-300", "-999,999", "-0.001234", "1.00e308", "-4.94e-324", "123.5"]);
  assert.ok(Math.max(...texts.map((t) => t.length)) <= 10);
});

test("roundHalfEven rounds a half to the even whole number, as Python", () => {
  assert.deepEqual([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, 2.6].map(roundHalfEven), [0, 2, 2, -0, -2, 2, 3]);
});

test("formatG drops trailing zeros and pads exponents to two digits", () => {
  assert.deepEqual([formatG(1.5, 6), formatG(1e-7, 4), formatG(123400000, 4), formatG(0.5, 1)], ["1.5", "1e-07", "1.234e+08", "0.5"]);
});

test("tableNumber writes a power of ten as ×10 and superscripts", () => {
  assert.deepEqual([tableNumber(1.5e-5), tableNumber(-2.345e12), tableNumber(0.25), tableNumber(12345)], ["1.5×10⁻⁵", "-2.345×10¹²", "0.25", "1.234×10⁴"]);
});

test("scientific splits a number for MathML with real minus signs", () => {
  assert.deepEqual(scientific(-1.234e-5), { mantissa: "−1.234", exponent: "−5" });
  assert.deepEqual(scientific(0.5), { mantissa: "0.5", exponent: null });
  assert.deepEqual(scientific(1.23456789, 6), { mantissa: "1.23457", exponent: null });
});

test("plainNumber: 3 significant digits with separators, a power of ten only far out", async () => {
  const { plainNumber } = await import("../../static/format.js");
  assert.deepEqual([6759.8, 8.4321, 0.012345, 3010.2, 2e9, 1.5e-5].map(plainNumber), ["6,760", "8.43", "0.0123", "3,010", "2×10⁹", "1.5×10⁻⁵"]);
});
