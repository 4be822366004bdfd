// Numbers as the page writes them: Python's format(x, ".Ng") (`formatG`), gd.live.compact
// (`compact`, a metric's box) and a table's power of ten (`tableNumber`). Pure: no DOM.
// The cases both sides must agree on are in tests/rules.json (pytest and node --test check them).

function strip(text) {
  return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
}

// x as Python's format(x, f".{digits}g") writes it (nan, inf, e-05 and e+06 as Python does).
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

// Round to a whole number, a half to the even one (as Python's format(x, ",.0f")).
export function roundHalfEven(x) {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

// A number short enough for a metric's box (gd.live.compact): 4 significant digits from 0.001 to
// 10,000, whole numbers with separators below a million, otherwise 3 significant digits in
// scientific notation without "+" or leading zeros.
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

const SUPERSCRIPT = "⁻⁰¹²³⁴⁵⁶⁷⁸⁹";

// A number in a table: 4 significant digits, a power of ten as ×10⁴ rather than e+04.
export function tableNumber(x) {
  const text = formatG(x, 4);
  if (!text.includes("e")) return text;
  const [mantissa, exponent] = text.split("e");
  const power = String(Number(exponent)).replace(/[-0-9]/g, (c) => SUPERSCRIPT["-0123456789".indexOf(c)]);
  return `${mantissa}×10${power}`;
}

// formatG split for MathML (gd.explain.number writes 1.234 × 10^-5 rather than 1.234e-05):
// {mantissa, exponent} with minus signs as "−", exponent null where there is none.
export function scientific(x, digits = 4) {
  const text = formatG(x, digits);
  if (!text.includes("e")) return { mantissa: text.replace("-", "−"), exponent: null };
  const [mantissa, exponent] = text.split("e");
  return { mantissa: mantissa.replace("-", "−"), exponent: String(Number(exponent)).replace("-", "−") };
}
