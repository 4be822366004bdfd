// Learning-rate schedules and the defaults of the browser's engine, as gd.registry describes them.
//
// A schedule multiplies the optimizer's update at update t (0-based) by factor(t) = eta_t / eta, as
// torch.optim.lr_scheduler stepped once after every optimizer step (the closed forms of its
// recursions), each written as gd.registry writes it, the same operations in the same order:
//
//   constant     1 (no factor)
//   step         gamma ** floor(t / step_size)          StepLR
//   exponential  gamma ** t                              ExponentialLR
//   cosine       0.5 * (1 + cos(pi * t / steps))         CosineAnnealingLR, T_max = steps, eta_min = 0
//   inverse      1 / (1 + gamma * t)                     LambdaLR
//
// Every factor is gd's to the bit: the powers and the cosine are not Math's (whose last place differs
// from the C library's in 3 to 9 per cent of them) but gd.ordered's power and cos, written out in
// + − × ÷ below in the same order.

// x^k for a whole k >= 0 by squaring, from the lowest bit of k up (gd.ordered.power).
export function power(x, k) {
  let result = 1.0;
  let base = x;
  while (k > 0) {
    if (k % 2 === 1) result = result * base;
    base = base * base;
    k = Math.floor(k / 2);
  }
  return result;
}

// 1 / (2k)! as float64, k = 0..13 (gd.ordered's).
const COS_TERMS = [
  1.0, 0.5, 0.041666666666666664, 0.001388888888888889, 2.48015873015873e-5, 2.755731922398589e-7,
  2.08767569878681e-9, 1.1470745597729725e-11, 4.779477332387385e-14, 1.5619206968586225e-16,
  4.110317623312165e-19, 8.896791392450574e-22, 1.6117375710961184e-24, 2.4795962632247976e-27,
];

// cos x for x in [0, pi]: Taylor's series by Horner's rule on [0, pi / 2], -cos(pi - x) above it
// (gd.ordered.cos).
export function cos(x) {
  if (x > 0.5 * Math.PI) return -cos(Math.PI - x);
  const y = -(x * x);
  let total = COS_TERMS[COS_TERMS.length - 1];
  for (let k = COS_TERMS.length - 2; k >= 0; k--) total = COS_TERMS[k] + y * total;
  return total;
}

// Each optimizer's hyper-parameters with torch.optim's defaults (gd.registry's entries), and whether
// it has a learning rate (linesearch, newton and cg read the quadratic instead).
export const OPTIMIZERS = {
  gd: { rate: true, hypers: {} },
  momentum: { rate: true, hypers: { momentum: 0.9 } },
  nesterov: { rate: true, hypers: { momentum: 0.9 } },
  adagrad: { rate: true, hypers: { eps: 1e-10 } },
  rmsprop: { rate: true, hypers: { alpha: 0.99, eps: 1e-8 } },
  adam: { rate: true, hypers: { beta1: 0.9, beta2: 0.999, eps: 1e-8 } },
  linesearch: { rate: false, hypers: {} },
  newton: { rate: false, hypers: { damping: 1.0 } },
  cg: { rate: false, hypers: {} },
};

// Optimizers of gd.registry that need the samples themselves: they stay on the server.
export const SERVER_ONLY = { sgd: "mini-batch SGD draws its gradients from the samples" };

// Each schedule's parameters with their defaults (gd.registry's SCHEDULES).
export const SCHEDULES = {
  constant: {},
  step: { gamma: 0.5, step_size: 100 },
  exponential: { gamma: 0.99 },
  cosine: {},
  inverse: { gamma: 0.1 },
};

// The values of `names` (an object of defaults) taken from `settings`, the default where a value is
// missing or null (gd.registry's resolve: an eps of None is the optimizer's own).
export function resolve(defaults, settings) {
  const out = {};
  for (const [name, fallback] of Object.entries(defaults)) {
    const value = settings[name];
    out[name] = value === undefined || value === null ? fallback : Number(value);
  }
  return out;
}

// t -> eta_t / eta for a run of `steps` updates under `settings.schedule`, or null for constant.
export function scheduleFactor(settings, steps) {
  const name = settings.schedule ?? "constant";
  if (!Object.hasOwn(SCHEDULES, name)) {
    throw new Error(`unknown schedule "${name}"; one of ${Object.keys(SCHEDULES).join(", ")}`);
  }
  const { gamma, step_size: stepSize } = resolve(SCHEDULES[name], settings);
  switch (name) {
    case "step":
      return (t) => power(gamma, Math.floor(t / stepSize));
    case "exponential":
      return (t) => power(gamma, t);
    case "cosine":
      return (t) => 0.5 * (1.0 + cos((Math.PI * t) / steps));
    case "inverse":
      return (t) => 1.0 / (1.0 + gamma * t);
    default:
      return null;
  }
}

// eta_t for t = 0..steps-1 (gd.registry's Schedule.rates): eta times each factor.
export function scheduleRates(settings, steps) {
  const rate = Number(settings.learning_rate);
  const factor = scheduleFactor(settings, steps);
  const out = new Float64Array(steps);
  for (let t = 0; t < steps; t++) out[t] = factor === null ? rate : rate * factor(t);
  return out;
}
