// A run as the browser holds it: gd.live's payload decoded (`decodePayload`), the numbers the
// payload leaves to the browser computed to the engine's bits (`gradients`, `eigenErrors`), and
// the run's numbers at any iteration (`Run`). Pure: no DOM, no plotly.js.

// gd.live's payload: one line of JSON, then (from the next multiple of 8) the arrays' raw
// little-endian bytes, which the JSON references as {dtype, offset, length[, shape]}: each becomes
// a typed-array view of them (plotly.js takes typed arrays in a figure's data), a 2-D grid an
// array of its rows.
const TYPED = {
  f8: Float64Array, f4: Float32Array, i4: Int32Array, u4: Uint32Array,
  i2: Int16Array, u2: Uint16Array, i1: Int8Array, u1: Uint8Array,
};

const isRef = (v) =>
  v !== null && typeof v === "object" && typeof v.dtype === "string" && typeof v.offset === "number" && typeof v.length === "number";

export function decodePayload(bytes) {
  let end = bytes.indexOf(10);
  if (end < 0) end = bytes.length;
  const start = Math.min(end + 1 + ((8 - ((end + 1) % 8)) % 8), bytes.length);
  let binary = bytes.subarray(start);
  if (binary.byteOffset % 8 !== 0) binary = binary.slice(); // a view needs its elements aligned
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
export function orderedProducts(P, M, p, shift = new Float64Array(p)) {
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
export function eigenErrors(P, star, V, p) {
  const out = orderedProducts(P, V, p, star);
  for (let n = 0; n < out.length; n++) out[n] = Math.abs(out[n]); // in place: a loop, not map's callback
  return out;
}

// grad L = 2 (G theta - c) at each row of P, as gd.problem.Problem.gradient computes it: float64,
// which the payload does not carry.
export function gradients(P, G, c, p) {
  const out = orderedProducts(P, G, p);
  for (let at = 0; at < out.length; at++) out[at] = 2 * (out[at] - c[at % p]);
  return out;
}

// Parameters learned on z-scores as a model of the original features (gd.data.to_original_units):
// w / scale, and b - sum(w / scale * mean).
export function originalUnits(theta, mean, scale) {
  const w = theta.slice(0, -1).map((v, n) => v / scale[n]);
  const b = theta[theta.length - 1] - w.reduce((sum, v, n) => sum + v * mean[n], 0);
  return [...w, b];
}

// A decoded payload's runs, and their numbers at any iteration the browser can show: every one of
// 0..T, or for a very long run the anchors (gd.live.anchor_steps) and the rows sent with them.
// Builds what the payload leaves to the browser: the main run's gradients and eigen errors, its
// rate at every row (one number where constant), the 3-D path's points where they stayed home.
export class Run {
  constructor(data) {
    this.data = data;
    this.T = data.T;
    this.p = data.p;
    this.anchors = data.anchors ? Int32Array.from(data.anchors) : null;
    this.sent = data.steps ? Int32Array.from(data.steps) : null;
    this.marks = Int32Array.from(data.play);
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
    if (data.path) {
      // the 3-D path, sent without its points: the main run's own at the iterations it draws
      const path = data.figures.surface.data.find((t) => t.meta?.gd === "path");
      const steps = Array.from(data.path);
      path.x = steps.map((s) => this.param(0, s, data.i));
      path.y = steps.map((s) => this.param(0, s, data.j));
      path.z = steps.map((s) => main.z[this.row(s)]);
    }
  }

  // The row of the arrays that holds iteration s.
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

  param(run, s, n) {
    return this.runs[run].P[this.row(s) * this.p + n];
  }

  params(run, s) {
    const r = this.row(s);
    return Array.from(this.runs[run].P.subarray(r * this.p, (r + 1) * this.p));
  }

  gradient(s) {
    const r = this.row(s);
    return Array.from(this.runs[0].grad.subarray(r * this.p, (r + 1) * this.p));
  }

  // The main run's rate of the update after iteration s (NaN where it has none).
  rate(s) {
    return this.runs[0].rate ? this.runs[0].rate[this.row(s)] : NaN;
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
}
