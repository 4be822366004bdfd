// The browser's engine: gd.run's full-batch runs, from the problem's statistics, to the bit.
//
// Contract (as gd.optimizers', after optax): an optimizer is a pair of pure functions
//
//     init(theta) -> state
//     update(g, state) -> [delta, state]          theta_{t+1} = theta_t + delta
//
// with a state that is never changed in place, built from a problem's statistics (below) and
// settings named as gd.inputs.Settings names them. `run(problem, settings)` returns what gd.run.run
// returns for the same problem, settings and start:
//
//     { params: Float64Array((T + 1) p), rows 0..T, row 0 the start (zeros by default);
//       loss: Float64Array(T + 1), L* + max(e^T G e, 0), e = theta - theta*;
//       steps: T, fewer than asked when the run diverged;
//       divergedAt: the first update whose parameters are not finite or whose loss exceeds 1e10
//                   times the loss's scale (the larger of L(theta_0) and L(0)), else null }
//
// Exactness: every sum is taken as gd.ordered takes it, component by component in order from +0,
// one rounding a product and one a sum; every update rule is gd.optimizers', the same operations
// in the same order; the powers (adam's bias correction, the step and exponential schedules) and
// the cosine (the cosine schedule) are gd.ordered's, written out in + − × ÷ (Math's last place is
// not the C library's). So the iterates and losses equal gd.run's bit for bit, for every optimizer
// and schedule, ridge included. tests/test_engine_js.py holds the two against each other on
// thousands of random problems.
//
// problem (plain arrays or Float64Arrays; gd.problem.Problem.statistics() writes it):
//   p                    the number of parameters (d weights and the bias, last)
//   G                    (p x p, row by row) A^T A / n; under ridge G + l2 D, D = diag(1, ..., 1, 0)
//   c                    (p) A^T y / n
//   theta_star           (p) the problem's minimiser (lstsq's minimum-norm one; ridge's)
//   loss_star            L(theta_star)
//   pseudo_inverse       (p x p) G^+ (newton's solve)
//   residual_tolerance   |c - G theta| that cg takes for round-off
// settings: optimizer (a gd.registry name), learning_rate, steps, start (p numbers, or empty for
//   zeros), the optimizer's hyper-parameters (momentum, eps, alpha, beta1, beta2, damping; torch's
//   default where missing or null) and the schedule (schedule, gamma, step_size).
// Mini-batch SGD needs the samples and stays on the server: the engine refuses it, as it refuses an
// unknown name, with an Error saying why.

import { OPTIMIZERS, SERVER_ONLY, power, resolve, scheduleFactor } from "./schedules.js";

export { scheduleRates } from "./schedules.js";

export const DIVERGENCE_FACTOR = 1e10;

// ---- sums in gd.ordered's order --------------------------------------------------------------------

// (v M)_n = sum_m v_m M[m, n], in order from +0 (gd.ordered.products).
export function products(v, M, p) {
  const out = new Float64Array(p);
  for (let n = 0; n < p; n++) {
    let sum = 0;
    for (let m = 0; m < p; m++) sum += v[m] * M[m * p + n];
    out[n] = sum;
  }
  return out;
}

// u . v in order from +0 (gd.ordered.dot).
export function dot(u, v) {
  let sum = 0;
  for (let i = 0; i < u.length; i++) sum += u[i] * v[i];
  return sum;
}

// e^T M e = dot(e, products(e, M)) (gd.ordered.quadratic).
export function quadratic(e, M, p) {
  return dot(e, products(e, M, p));
}

// 2^-k with 2^k near `size` (frexp's exponent k; 1 where size is 0 or not finite), as
// gd.optimizers.power_of_two: scaling by it is exact.
export function powerOfTwo(size) {
  if (size === 0 || !Number.isFinite(size)) return 1;
  const view = new DataView(new ArrayBuffer(8));
  let shift = 0;
  if (Math.abs(size) < 2 ** -1022) {
    size *= 2 ** 64; // a subnormal: make it normal to read its exponent
    shift = 64;
  }
  view.setFloat64(0, size);
  const k = ((view.getUint16(0) >> 4) & 0x7ff) - 1022 - shift; // size = f 2^k, 0.5 <= |f| < 1
  return k > 1022 ? 2 ** -1022 * 2 ** (1022 - k) : 2 ** -k; // exact: powers of two
}

function largest(v) {
  let top = 0;
  for (const x of v) top = Math.max(top, Math.abs(x));
  return top;
}

const allFinite = (v) => v.every(Number.isFinite);
// Float64Array.from(v, f), as a plain loop: V8's `from` with a function costs several times as much,
// and a run calls this a few times an update
function map(v, f) {
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = f(v[i], i);
  return out;
}

// ---- the update rules (gd.optimizers), in order of increasing complexity ---------------------------

// theta <- theta - eta g.
export function gd(rate) {
  return { init: () => null, update: (g, state) => [map(g, (x) => -rate * x), state] };
}

// b <- mu b + g; theta <- theta - eta b (Nesterov: theta - eta (g + mu b)), PyTorch's form.
export function momentum(rate, mu, nesterov = false) {
  return {
    init: (theta) => new Float64Array(theta.length),
    update(g, buffer) {
      const next = map(g, (x, i) => mu * buffer[i] + x);
      const direction = nesterov ? map(g, (x, i) => x + mu * next[i]) : next;
      return [map(direction, (x) => -rate * x), next];
    },
  };
}

// s <- s + g^2; theta <- theta - eta g / (sqrt(s) + eps).
export function adagrad(rate, eps) {
  return {
    init: (theta) => new Float64Array(theta.length),
    update(g, total) {
      const next = map(g, (x, i) => total[i] + x * x);
      return [map(g, (x, i) => (-rate * x) / (Math.sqrt(next[i]) + eps)), next];
    },
  };
}

// v <- alpha v + (1 - alpha) g^2; theta <- theta - eta g / (sqrt(v) + eps).
export function rmsprop(rate, alpha, eps) {
  return {
    init: (theta) => new Float64Array(theta.length),
    update(g, total) {
      const next = map(g, (x, i) => alpha * total[i] + (1.0 - alpha) * (x * x));
      return [map(g, (x, i) => (-rate * x) / (Math.sqrt(next[i]) + eps)), next];
    },
  };
}

// m <- b1 m + (1 - b1) g; v <- b2 v + (1 - b2) g^2;
// theta <- theta - (eta / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps)   (bias correction)
export function adam(rate, beta1, beta2, eps) {
  return {
    init: (theta) => ({ step: 0, mean: new Float64Array(theta.length), square: new Float64Array(theta.length) }),
    update(g, state) {
      const t = state.step + 1;
      const mean = map(g, (x, i) => beta1 * state.mean[i] + (1.0 - beta1) * x);
      const square = map(g, (x, i) => beta2 * state.square[i] + (1.0 - beta2) * (x * x));
      const stepSize = rate / (1.0 - power(beta1, t));
      const correction = Math.sqrt(1.0 - power(beta2, t));
      const delta = map(mean, (m, i) => (-stepSize * m) / (Math.sqrt(square[i]) / correction + eps));
      return [delta, { step: t, mean, square }];
    },
  };
}

// linesearch's exact step g^T g / (2 g^T G g) (NaN where g^T G g is not positive), from g scaled by
// a power of two where a product leaves float64's range (gd.optimizers.exact_rate).
export function exactRate(g, G, p) {
  let gg = dot(g, g);
  let curvature = quadratic(g, G, p);
  if (!(Number.isFinite(gg) && Number.isFinite(curvature)) && allFinite(g)) {
    const scale = powerOfTwo(largest(g));
    const u = map(g, (x) => x * scale);
    gg = dot(u, u);
    curvature = quadratic(u, G, p);
  }
  return curvature > 0 ? gg / (2.0 * curvature) : NaN;
}

// Steepest descent with the exact step; at the optimum (g = 0) it stays where it is.
export function linesearch(G, p) {
  return {
    init: () => null,
    update(g, state) {
      const rate = exactRate(g, G, p);
      if (!(rate > 0)) return [new Float64Array(p), state];
      return [map(g, (x) => -rate * x), state];
    },
  };
}

// theta <- theta - h G^+ (g / 2): one step with h = 1 reaches a minimiser.
export function newton(pseudoInverse, p, damping) {
  return {
    init: () => null,
    update(g, state) {
      const solved = products(map(g, (x) => 0.5 * x), pseudoInverse, p);
      return [map(solved, (x) => -damping * x), state];
    },
  };
}

// Linear conjugate gradient on G theta = c, r = -g / 2, residuals and directions held times s, a
// power of two near r_0's largest entry (gd.optimizers.cg); holds its point once |r| <= tolerance or
// the direction has no curvature left.
export function cg(G, p, tolerance) {
  return {
    init: () => ({ direction: new Float64Array(p), rr: 0.0, held: false, scale: 0.0 }),
    update(g, state) {
      const zero = new Float64Array(p);
      if (state.held) return [zero, state];
      const scale = state.scale || (allFinite(g) ? powerOfTwo(largest(g)) : 1.0);
      const r = map(g, (x) => -0.5 * scale * x);
      const rr = dot(r, r);
      const least = tolerance * scale;
      if (!(rr > least * least)) return [zero, { ...state, held: true }];
      const ratio = rr / state.rr;
      const direction = state.rr === 0 ? r : map(r, (x, i) => x + ratio * state.direction[i]);
      const curvature = quadratic(direction, G, p);
      if (!(curvature > 0)) return [zero, { ...state, held: true }];
      const length = rr / curvature / scale;
      return [map(direction, (x) => length * x), { direction, rr, held: false, scale }];
    },
  };
}

// `optimizer` with its update times factor(t) at update t (gd.optimizers.scheduled).
export function scheduled(optimizer, factor) {
  return {
    init: (theta) => ({ step: 0, inner: optimizer.init(theta) }),
    update(g, state) {
      const [delta, inner] = optimizer.update(g, state.inner);
      const f = factor(state.step);
      return [map(delta, (x) => f * x), { step: state.step + 1, inner }];
    },
  };
}

// ---- a problem, an optimizer from settings, a run ----------------------------------------------------

function checkedProblem(problem) {
  const p = Number(problem.p);
  const arrays = { G: p * p, c: p, theta_star: p };
  for (const [name, length] of Object.entries(arrays)) {
    if (!problem[name] || problem[name].length !== length) {
      throw new Error(`problem.${name}: ${length} numbers expected for p = ${p}`);
    }
  }
  return { ...problem, p, G: Float64Array.from(problem.G), c: Float64Array.from(problem.c) };
}

// The optimizer `settings` describe on `problem`, its schedule over `steps` updates applied where it
// has a learning rate (gd.registry.build). An Error for sgd (the server's) and for unknown names.
export function build(problem, settings, steps = settings.steps) {
  const name = settings.optimizer ?? "gd";
  if (Object.hasOwn(SERVER_ONLY, name)) {
    throw new Error(`${name} runs on the server, not in the browser: ${SERVER_ONLY[name]}`);
  }
  if (!Object.hasOwn(OPTIMIZERS, name)) {
    throw new Error(`unknown optimizer "${name}"; one of ${Object.keys(OPTIMIZERS).join(", ")}`);
  }
  const h = resolve(OPTIMIZERS[name].hypers, settings);
  const { p, G } = problem;
  if (name === "linesearch") return linesearch(G, p);
  if (name === "newton") {
    if (problem.pseudo_inverse?.length !== p * p) throw new Error(`newton: problem.pseudo_inverse, ${p * p} numbers`);
    return newton(Float64Array.from(problem.pseudo_inverse), p, h.damping);
  }
  if (name === "cg") {
    if (!(problem.residual_tolerance >= 0)) throw new Error("cg: problem.residual_tolerance, a number >= 0");
    return cg(G, p, Number(problem.residual_tolerance));
  }
  const rate = Number(settings.learning_rate);
  const rule = {
    gd: () => gd(rate),
    momentum: () => momentum(rate, h.momentum),
    nesterov: () => momentum(rate, h.momentum, true),
    adagrad: () => adagrad(rate, h.eps),
    rmsprop: () => rmsprop(rate, h.alpha, h.eps),
    adam: () => adam(rate, h.beta1, h.beta2, h.eps),
  }[name]();
  const factor = scheduleFactor(settings, steps);
  return factor === null ? rule : scheduled(rule, factor);
}

// L(theta) = L* + max(e^T G e, 0), e = theta - theta* (gd.problem.Problem.loss).
export function loss(problem, theta) {
  const e = map(theta, (x, i) => x - problem.theta_star[i]);
  const excess = quadratic(e, problem.G, problem.p);
  return problem.loss_star + (excess >= 0 || Number.isNaN(excess) ? excess : 0.0);
}

// The loss past which a run from theta0 has diverged (gd.run.divergence_limit).
export function divergenceLimit(problem, theta0) {
  const start = loss(problem, theta0);
  const zero = loss(problem, new Float64Array(problem.p));
  const scale = zero > start ? zero : start; // Python's max(start, zero)
  return scale > 0 ? DIVERGENCE_FACTOR * scale : Infinity;
}

// grad L = (2G) theta - 2c, (2G) theta in order (gd.run.full_batch).
function fullBatch(problem) {
  const H = map(problem.G, (x) => 2.0 * x);
  const h = map(problem.c, (x) => 2.0 * x);
  const p = problem.p;
  return (theta) => {
    const g = products(theta, H, p);
    for (let n = 0; n < p; n++) g[n] -= h[n];
    return g;
  };
}

// gd.run.run: `settings.steps` updates from settings.start (zeros), stopping at divergence.
export function run(problem, settings) {
  problem = checkedProblem(problem);
  const p = problem.p;
  const steps = Number(settings.steps);
  if (!Number.isInteger(steps) || steps < 0) throw new Error(`steps: a whole number >= 0, got ${settings.steps}`);
  const start = settings.start && settings.start.length ? Float64Array.from(settings.start) : new Float64Array(p);
  if (start.length !== p) throw new Error(`start: ${p} numbers expected (the weights, then the bias), got ${start.length}`);
  const optimizer = build(problem, settings, steps);
  const gradient = fullBatch(problem);
  const limit = divergenceLimit(problem, start);
  const params = new Float64Array((steps + 1) * p);
  const losses = new Float64Array(steps + 1);
  params.set(start);
  losses[0] = loss(problem, start);
  let theta = start;
  let state = optimizer.init(theta);
  let last = steps;
  let divergedAt = null;
  for (let k = 1; k <= steps; k++) {
    const [delta, next] = optimizer.update(gradient(theta), state);
    state = next;
    theta = map(theta, (x, i) => x + delta[i]);
    const value = loss(problem, theta);
    const finite = allFinite(theta);
    params.set(theta, k * p);
    losses[k] = value;
    if (!(finite && value <= limit)) {
      divergedAt = k;
      last = finite && Number.isFinite(value) ? k : k - 1;
      break;
    }
  }
  return { params: params.slice(0, (last + 1) * p), loss: losses.slice(0, last + 1), steps: last, divergedAt };
}
