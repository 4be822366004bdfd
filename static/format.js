// Numbers as the page writes them: Python's format(x, ".Ng") (`formatG`), the tests' compact
// (`compact`, a metric's box) and a table's power of ten (`tableNumber`). Pure: no DOM.
// The cases both sides must agree on are in tests/rules.json (pytest and node --test check them).

function strip(text) {
  return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
}

// x.toExponential(f), but an exact tie rounded to the even digit as Python rounds it
// (toExponential rounds a tie up: 1234.5 to 4 digits is 1235 there, 1234 in Python).
export function exponential(x, f) {
  const text = x.toExponential(f);
  const [exact, e] = x.toExponential(100).split("e"); // x's own digits (a double's end well before)
  const digits = exact.replace(/[-.]/g, "");
  if (digits[f + 1] !== "5" || !/^0*$/.test(digits.slice(f + 2)) || Number(digits[f]) % 2 !== 0) return text;
  const kept = digits.slice(0, f + 1); // a tie whose last kept digit is even: down, not up
  return `${x < 0 ? "-" : ""}${kept[0]}${f > 0 ? `.${kept.slice(1)}` : ""}e${e}`;
}

// x as Python's format(x, f".{digits}g") writes it (nan, inf, e-05 and e+06 as Python does).
export function formatG(x, digits) {
  if (x === 0) return "0";
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
  const [mantissa, e] = exponential(x, digits - 1).split("e");
  const exponent = Number(e);
  if (exponent < -4 || exponent >= digits) {
    const sign = exponent < 0 ? "-" : "+";
    return `${strip(mantissa)}e${sign}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  // the same digits written out: d.ddd × 10^exponent with the point moved
  const sign = mantissa.startsWith("-") ? "-" : "";
  const ds = mantissa.replace(/[-.]/g, "");
  const text = exponent >= 0 ? `${ds.slice(0, exponent + 1)}.${ds.slice(exponent + 1)}` : `0.${"0".repeat(-exponent - 1)}${ds}`;
  return sign + strip(text.replace(/\.$/, ""));
}

// Round to a whole number, a half to the even one (as Python's format(x, ",.0f")).
export function roundHalfEven(x) {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

// A number short enough for a metric's box (tests/reference.py's compact, its twin): 4 significant digits from 0.001 to
// 10,000, whole numbers with separators below a million, otherwise 3 significant digits in
// scientific notation without "+" or leading zeros.
export function compact(x) {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "∞" : "−∞";
  const a = Math.abs(x);
  if (a === 0) return "0";
  if (a >= 1e-3 && a < 1e4 && !formatG(x, 4).includes("e")) return formatG(x, 4);
  if (a >= 1e-3 && a < 1e6) return roundHalfEven(x).toLocaleString("en-US"); // 9999.5 rounds to 10,000
  const [mantissa, e] = exponential(x, 2).split("e");
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

// A factor as a student reads it at a glance: 3 significant digits with thousands separated
// ("6,760", "8.43", "0.0123"); a power of ten only past a billion or below 1/10,000.
export function plainNumber(x) {
  const a = Math.abs(x);
  if (a >= 1e-4 && a < 1e9) return x.toLocaleString("en-US", { maximumSignificantDigits: 3 });
  return tableNumber(x);
}
