"""Every optimizer, one entry each: the only place an optimizer is described.

An entry gives the optimizer's name (the URL's and the CLI's value), its label (the page's),
its hyper-parameters (each with its range and torch.optim's default), the update rule that
builds it (gd.optimizers), its stability limit on a quadratic (or none) and its formula for the
page. Everything else is derived from `OPTIMIZERS`: the optimizer choices and hyper-parameter
inputs of gd.inputs (hence the widgets, the URL keys and the CLI's flags and help), the limits of
gd.problem, the run labels of gd.run and the formulas of gd.explain. Other modules ask an entry's
capabilities (`Entry`, `Schedule`), never compare names (tests/test_registry_names.py). Adding an
optimizer is one entry here, its rule in gd.optimizers (and the browser's engine) plus its tests:
docs/adding-an-optimizer.md; a new kind of hyper-parameter is also one `Settings` field.

Learning-rate schedules are a second table (`SCHEDULES`) of the same pattern: a name, a label,
parameters as `Hyper`, the factor eta_t / eta as a function of the step, and a formula. Each follows
torch.optim.lr_scheduler stepped once after every optimizer step (closed forms of its recursions;
their powers and cosines are gd.ordered's, which the browser's engine repeats to the bit).

linesearch, newton and cg read the quadratic itself (`quadratic=True`: their rule is built from
the gd.problem.Problem) and have no learning rate: for them the rate and the schedule have no effect.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from gd import optimizers, ordered
from gd.checks import InputError, Range, quote


@dataclass(frozen=True)
class Hyper:
    """One hyper-parameter of one optimizer: `name` is its Settings field, URL key and widget key
    (the CLI's flag is range.flag); `default` is torch.optim's for this optimizer."""

    name: str
    range: Range
    default: float
    symbol: str  # in run labels: "μ" (the formulas write theirs in LaTeX)
    main: bool = False  # its widget is beside the learning rate; run labels name it even at its default
    positive: bool = False  # this optimizer needs it above 0 (a rule of gd.inputs; the range allows 0)


@dataclass(frozen=True)
class Entry:
    """One optimizer. `rule(learning_rate, **hyper)` builds its update (gd.optimizers);
    `limit(lambda_max, **hyper)` is the largest stable learning rate on a quadratic whose Hessian's
    largest eigenvalue is 2 lambda_max (None: no fixed limit); `formula(**hyper)` is its update in
    LaTeX with the hyper-parameters' values.

    What it is, each a capability the other modules ask instead of comparing names:
    `minibatch`: it needs the samples, its gradient a mini-batch's (it uses batch_size, its limit is
    the full-batch one, a guide; a sweep runs it full-batch); `quadratic`: it reads the quadratic
    itself and has no learning rate, so no schedule (`rate` is the converse); `step_rate(problem,
    gradients)`: the rate each step took, for one that picks its own (exact line search; None
    otherwise); `second_order`: a damped Newton step, e_t = (1 - h)^t e_0 on the quadratic;
    `finite`: it reaches a quadratic's optimum in at most p steps and holds it there (the page
    reports the steps it took); its limit (or None), and its hypers (momentum's mu, ...)."""

    name: str
    label: str
    rule: Callable[..., optimizers.Optimizer]
    formula: Callable[..., str]
    hypers: tuple[Hyper, ...] = ()
    limit: Callable[..., float] | None = None
    minibatch: bool = False
    quadratic: bool = False  # rule(problem, **hyper): reads G; no learning rate
    step_rate: Callable[..., np.ndarray] | None = None
    second_order: bool = False
    finite: bool = False
    defaults: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "defaults", {h.name: h.default for h in self.hypers})

    def resolve(self, values: Mapping | None = None) -> dict:
        """This optimizer's hyper-parameters from `values` (a Settings' dict, say): each checked
        against its range, torch's default where missing or None; the others ignored."""
        values = values or {}
        out = {}
        for h in self.hypers:
            value = values.get(h.name)
            out[h.name] = h.default if value is None else h.range.check(value)
        return out

    @property
    def rate(self) -> bool:
        """Whether it has a learning rate (and so a schedule)."""
        return not self.quadratic

    @property
    def picks_rate(self) -> bool:
        """Whether it picks each step's rate itself (its rates are reported, the math writes eta_k)."""
        return self.step_rate is not None

    def make(self, learning_rate, problem=None, **hyper) -> optimizers.Optimizer:
        """The optimizer at this learning rate (a number, or an (R, 1) array for R runs at once);
        the quadratic ones are built from `problem` (a gd.problem.Problem) and ignore the rate."""
        if self.quadratic:
            if problem is None:
                raise ValueError(f"{self.name} reads the problem: pass problem=")
            return self.rule(problem, **self.resolve(hyper))._replace(name=self.name)
        return self.rule(learning_rate, **self.resolve(hyper))._replace(name=self.name)

    def stability_limit(self, lambda_max: float, **hyper) -> float | None:
        return None if self.limit is None else float(self.limit(lambda_max, **self.resolve(hyper)))

    def rule_tex(self, **hyper) -> str:
        return self.formula(**self.resolve(hyper))


# ---- ranges of the hyper-parameters (several optimizers share one) ------------------------------

MAX_MOMENTUM = 0.9999  # momentum must stay below 1; the widget and the URL share this bound
MOMENTUM = Range(
    "momentum", "--momentum", 0.0, MAX_MOMENTUM, help="momentum for momentum and nesterov", step=0.05
)
EPS = Range(
    "eps",
    "--eps",
    0.0,
    1.0,
    help="term added to the denominator of adagrad, rmsprop and adam "
    "(default: torch's, 1e-10 for adagrad, 1e-8 for the others)",
    step=1e-8,
)
ALPHA = Range("alpha", "--alpha", 0.0, 1.0, open_max=True, help="smoothing constant of rmsprop", step=0.01)
BETA1 = Range(
    "beta1", "--beta1", 0.0, 1.0, open_max=True, help="adam's decay of the gradient's mean", step=0.01
)
DAMPING = Range("damping", "--damping", 0.0, 1.0, open_min=True, help="newton's step fraction h", step=0.1)
BETA2 = Range(
    "beta2", "--beta2", 0.0, 1.0, open_max=True, help="adam's decay of the squared gradient", step=0.001
)


def tex_number(x: float, digits: int = 4) -> str:
    """A float as LaTeX: 1.234 \\times 10^{-5} rather than 1.234e-05."""
    x = float(x)
    if not np.isfinite(x):
        return r"\infty" if x > 0 else (r"-\infty" if x < 0 else r"\text{NaN}")
    if x == 0:
        return "0"
    text = f"{x:.{digits}g}"
    if "e" in text:
        mantissa, exp = text.split("e")
        return rf"{mantissa} \times 10^{{{int(exp)}}}"
    return text


n = tex_number  # short, in the formulas below

# ---- the optimizers, in order of increasing complexity -------------------------------------------


def _mu(default: float = 0.9, positive: bool = False) -> Hyper:
    return Hyper("momentum", MOMENTUM, default, "μ", main=True, positive=positive)


def _eps(default: float) -> Hyper:
    return Hyper("eps", EPS, default, "ε")


_ENTRIES = (
    Entry(
        "gd",
        "Gradient descent (full batch)",
        lambda learning_rate: optimizers.gd(learning_rate),
        lambda: r"\theta_{t+1} = \theta_t - \eta\, g_t",
        limit=lambda lam: 1.0 / lam,
    ),
    Entry(
        "sgd",
        "Stochastic gradient descent (mini-batch)",
        lambda learning_rate: optimizers.gd(learning_rate),
        lambda: (
            r"\theta_{t+1} = \theta_t - \eta\, g_t^{\text{batch}}"
            r"\quad (g^{\text{batch}}: \text{the same formulas over the next } B \text{ samples})"
        ),
        limit=lambda lam: 1.0 / lam,  # the full-batch limit: a guide, since mini-batches vary
        minibatch=True,
    ),
    Entry(
        "momentum",
        "Momentum",
        optimizers.momentum,
        lambda momentum: (
            rf"v_{{t+1}} = {n(momentum)}\, v_t + g_t, \quad "
            r"\theta_{t+1} = \theta_t - \eta\, v_{t+1}"
        ),
        hypers=(_mu(),),
        limit=lambda lam, momentum: (1.0 + momentum) / lam,
    ),
    Entry(
        "nesterov",
        "Nesterov momentum",
        partial(optimizers.momentum, nesterov=True),
        lambda momentum: (
            rf"v_{{t+1}} = {n(momentum)}\, v_t + g_t, \quad "
            rf"\theta_{{t+1}} = \theta_t - \eta\,(g_t + {n(momentum)}\, v_{{t+1}})"
        ),
        hypers=(_mu(positive=True),),  # torch's SGD refuses nesterov without momentum
        limit=lambda lam, momentum: (1.0 + momentum) / ((1.0 + 2.0 * momentum) * lam),
    ),
    Entry(
        "adagrad",
        "Adagrad",
        optimizers.adagrad,
        lambda eps: (
            r"s_{t+1} = s_t + g_t^2, \quad \theta_{t+1} = \theta_t - "
            rf"\frac{{\eta\, g_t}}{{\sqrt{{s_{{t+1}}}} + {n(eps)}}}"
        ),
        hypers=(_eps(1e-10),),
        limit=None,  # adaptive: no fixed stability limit
    ),
    Entry(
        "rmsprop",
        "RMSprop",
        optimizers.rmsprop,
        lambda alpha, eps: (
            rf"v_{{t+1}} = {n(alpha)}\, v_t + {n(1 - alpha)}\, g_t^2, \quad "
            rf"\theta_{{t+1}} = \theta_t - \frac{{\eta\, g_t}}{{\sqrt{{v_{{t+1}}}} + {n(eps)}}}"
        ),
        hypers=(Hyper("alpha", ALPHA, 0.99, "α"), _eps(1e-8)),
        limit=None,  # adaptive: no fixed stability limit
    ),
    Entry(
        "adam",
        "Adam",
        optimizers.adam,
        lambda beta1, beta2, eps: (
            rf"m_{{t}} = {n(beta1)}\, m_{{t-1}} + {n(1 - beta1)}\, g_t,\; "
            rf"v_t = {n(beta2)}\, v_{{t-1}} + {n(1 - beta2)}\, g_t^2,\; "
            rf"\theta_{{t}} = \theta_{{t-1}} - \eta \frac{{m_t / (1 - {n(beta1)}^t)}}"
            rf"{{\sqrt{{v_t / (1 - {n(beta2)}^t)}} + {n(eps)}}}"
        ),
        hypers=(
            Hyper("beta1", BETA1, 0.9, "β1"),
            Hyper("beta2", BETA2, 0.999, "β2"),
            _eps(1e-8),
        ),
        limit=None,  # adaptive: no fixed stability limit
    ),
    Entry(
        "linesearch",
        "Steepest descent, exact line search",
        lambda problem: optimizers.linesearch(problem.G),
        lambda: (
            r"\eta_t = \frac{g_t^\top g_t}{2\, g_t^\top G\, g_t}, \quad "
            r"\theta_{t+1} = \theta_t - \eta_t\, g_t"
        ),
        quadratic=True,
        step_rate=lambda problem, gradients: optimizers.exact_rate(gradients, problem.G),
    ),
    Entry(
        "newton",
        "Newton's method",
        lambda problem, damping: optimizers.newton(problem.solve, damping),
        lambda damping: rf"\theta_{{t+1}} = \theta_t - {n(damping)}\,(2G)^{{+}} g_t",
        hypers=(Hyper("damping", DAMPING, 1.0, "h", main=True),),
        quadratic=True,
        second_order=True,
    ),
    Entry(
        "cg",
        "Conjugate gradient",
        lambda problem: optimizers.cg(problem.G, problem.residual_tolerance),
        lambda: (
            r"r_t = -\tfrac{1}{2} g_t,\; p_t = r_t + \frac{r_t^\top r_t}{r_{t-1}^\top r_{t-1}}\, p_{t-1},"
            r"\; \theta_{t+1} = \theta_t + \frac{r_t^\top r_t}{p_t^\top G\, p_t}\, p_t"
        ),
        quadratic=True,
        finite=True,
    ),
)

OPTIMIZERS: dict[str, Entry] = {e.name: e for e in _ENTRIES}
NAMES = tuple(OPTIMIZERS)


def _inputs(groups) -> tuple[dict[str, Range], frozenset[str]]:
    """The inputs a table's entries take, from each entry's `Hyper`s (`groups`: one tuple an
    entry): {name: range}, one range a name whichever entry has it; and the names whose default
    differs between entries (an input left None takes its entry's own)."""
    ranges: dict[str, Range] = {}
    defaults: dict[str, set] = {}
    for hypers in groups:
        for h in hypers:
            if ranges.setdefault(h.name, h.range) is not h.range:
                raise AssertionError(f"{h.name}: one range for every entry that has it")
            defaults.setdefault(h.name, set()).add(h.default)
    return ranges, frozenset(name for name, values in defaults.items() if len(values) > 1)


# momentum, eps, alpha, beta1, beta2, damping: each an ordinary input
HYPER_RANGES, _HYPER_OWN = _inputs(e.hypers for e in _ENTRIES)


def entry(name: str) -> Entry:
    try:
        return OPTIMIZERS[name]
    except (KeyError, TypeError):
        raise InputError(f"unknown optimizer {quote(name)}; one of {', '.join(NAMES)}") from None


def make(name: str, learning_rate, problem=None, **hyper) -> optimizers.Optimizer:
    """The optimizer called `name` with these hyper-parameters (torch's defaults for the rest);
    `problem` for the quadratic ones (linesearch, newton, cg)."""
    return entry(name).make(learning_rate, problem, **hyper)


# ---- learning-rate schedules: eta_t = eta * factor(t), t the 0-based update -----------------------

# gamma's widest range (inverse's); step and exponential narrow it to (0, 1] (a rule in gd.inputs)
GAMMA = Range(
    "gamma",
    "--gamma",
    0.0,
    1000.0,
    help="the schedule's factor (default: 0.5 for step, 0.99 for exponential, 0.1 for inverse)",
    step=0.01,
)
DECAY = Range("gamma", "--gamma", 0.0, 1.0, open_min=True)  # step's and exponential's gamma
STEP_SIZE = Range(
    "step size",
    "--step-size",
    1,
    20_000,
    help="updates between the step schedule's drops",
    step=10,
    integer=True,
)


@dataclass(frozen=True)
class Schedule:
    """One learning-rate schedule. `factor(steps, **params)` returns t -> eta_t / eta for a run of
    `steps` updates (None: constant); `formula(**params)` is eta_t in LaTeX; `gamma_range` the
    gamma it accepts (narrower than GAMMA for some). What it is: `constant`, it leaves the rate as
    it is (eta_t = eta: the math writes eta, run labels leave it out); `horizon`, its factor reads
    the run's length T = steps (its formula is followed by T's value)."""

    name: str
    label: str
    factor: Callable[..., Callable[[int], float] | None]
    formula: Callable[..., str]
    params: tuple[Hyper, ...] = ()
    gamma_range: Range = GAMMA
    constant: bool = False
    horizon: bool = False

    def resolve(self, values: Mapping | None = None) -> dict:
        """This schedule's parameters from `values`, each checked, its default where None."""
        values = values or {}
        out = {}
        for h in self.params:
            value = values.get(h.name)
            rng = self.gamma_range if h.name == "gamma" else h.range
            out[h.name] = h.default if value is None else rng.check(value)
        return out

    def rates(self, learning_rate: float, steps: int, **params) -> np.ndarray:
        """eta_t for t = 0..steps-1."""
        factor = self.factor(steps, **self.resolve(params))
        if factor is None:
            return np.full(steps, float(learning_rate))
        return learning_rate * np.array([factor(t) for t in range(steps)])


def _cosine(steps: int):
    # CosineAnnealingLR, T_max = steps, eta_min = 0: eta (1 + cos(pi t / T_max)) / 2, with
    # gd.ordered's cos (math.cos's bits are not JavaScript's)
    return lambda t: 0.5 * (1.0 + ordered.cos(math.pi * t / steps))


_SCHEDULES = (
    Schedule("constant", "Constant", lambda steps: None, lambda: r"\eta_t = \eta", constant=True),
    Schedule(
        "step",
        "Step (StepLR)",
        lambda steps, gamma, step_size: lambda t: ordered.power(gamma, t // step_size),
        lambda gamma, step_size: rf"\eta_t = \eta \cdot {n(gamma)}^{{\lfloor t / {step_size} \rfloor}}",
        (Hyper("gamma", GAMMA, 0.5, "γ"), Hyper("step_size", STEP_SIZE, 100, "K")),
        DECAY,
    ),
    Schedule(
        "exponential",
        "Exponential (ExponentialLR)",
        lambda steps, gamma: lambda t: ordered.power(gamma, t),
        lambda gamma: rf"\eta_t = \eta \cdot {n(gamma)}^{{t}}",
        (Hyper("gamma", GAMMA, 0.99, "γ"),),
        DECAY,
    ),
    Schedule(
        "cosine",
        "Cosine (CosineAnnealingLR)",
        _cosine,
        lambda: r"\eta_t = \eta\, \frac{1 + \cos(\pi t / T)}{2}",
        horizon=True,
    ),
    Schedule(
        "inverse",
        "Inverse time (LambdaLR)",
        lambda steps, gamma: lambda t: 1.0 / (1.0 + gamma * t),
        lambda gamma: rf"\eta_t = \frac{{\eta}}{{1 + {n(gamma)}\, t}}",
        (Hyper("gamma", GAMMA, 0.1, "γ"),),
    ),
)

SCHEDULES: dict[str, Schedule] = {sch.name: sch for sch in _SCHEDULES}
SCHEDULE_NAMES = tuple(SCHEDULES)
SCHEDULE_RANGES, _SCHEDULE_OWN = _inputs(sch.params for sch in _SCHEDULES)  # gamma, step_size
# Inputs that may be None: the optimizer's or schedule's own default then (torch's eps differs
# between optimizers, gamma between schedules).
OWN_DEFAULT = _HYPER_OWN | _SCHEDULE_OWN


def schedule(name: str) -> Schedule:
    try:
        return SCHEDULES[name]
    except (KeyError, TypeError):
        raise InputError(f"unknown schedule {quote(name)}; one of {', '.join(SCHEDULE_NAMES)}") from None


def build(settings, problem=None, steps: int | None = None, learning_rate=None) -> optimizers.Optimizer:
    """The optimizer a Settings describes, its schedule applied (over `steps` updates, the
    settings' by default) where it has a learning rate; `learning_rate` overrides the settings'
    (an (R, 1) array for a sweep)."""
    e = entry(settings.optimizer)
    rate = settings.learning_rate if learning_rate is None else learning_rate
    opt = e.make(rate, problem, **e.resolve(vars(settings)))
    if not e.rate:
        return opt
    sch = schedule(settings.schedule)
    steps = settings.steps if steps is None else steps
    factor = sch.factor(steps, **sch.resolve(vars(settings)))
    return opt if factor is None else optimizers.scheduled(opt, factor, steps)
