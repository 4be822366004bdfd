"""Every optimizer, one entry each: the only place an optimizer is described.

An entry gives the optimizer's name (the URL's and the CLI's value), its label (the page's),
its hyper-parameters (each with its range and torch.optim's default), the update rule that
builds it (gd.optimizers), its stability limit on a quadratic (or none) and its formula for the
page. Everything else is derived from `OPTIMIZERS`: the optimizer choices and hyper-parameter
inputs of gd.inputs (hence the widgets, the URL keys and the CLI's flags and help), the limits of
gd.problem, the run labels of gd.run and the formulas of gd.explain. Adding an optimizer is one
entry here plus its tests (its first steps by hand in tests/test_optimizers.py, its limit if it has
one in tests/test_problem.py); a new kind of hyper-parameter is also one `Settings` field.

Learning-rate schedules (a later issue) fit the same pattern: a second table of entries with a
name, a label, parameters as `Hyper`, a function of the step and a formula.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from gd import optimizers
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


@dataclass(frozen=True)
class Entry:
    """One optimizer. `rule(learning_rate, **hyper)` builds its update (gd.optimizers);
    `limit(lambda_max, **hyper)` is the largest stable learning rate on a quadratic whose Hessian's
    largest eigenvalue is 2 lambda_max (None: no fixed limit); `formula(**hyper)` is its update in
    LaTeX with the hyper-parameters' values; `minibatch`: its gradient is a mini-batch's (it uses
    batch_size; a sweep runs it full-batch)."""

    name: str
    label: str
    rule: Callable[..., optimizers.Optimizer]
    formula: Callable[..., str]
    hypers: tuple[Hyper, ...] = ()
    limit: Callable[..., float] | None = None
    minibatch: bool = False
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

    def make(self, learning_rate, **hyper) -> optimizers.Optimizer:
        """The optimizer at this learning rate (a number, or an (R, 1) array for R runs at once)."""
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


def _mu(default: float = 0.9) -> Hyper:
    return Hyper("momentum", MOMENTUM, default, "μ", main=True)


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
        hypers=(_mu(),),
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
)

OPTIMIZERS: dict[str, Entry] = {e.name: e for e in _ENTRIES}
NAMES = tuple(OPTIMIZERS)


def _hyper_ranges() -> dict[str, Range]:
    ranges: dict[str, Range] = {}
    for entry in _ENTRIES:
        for h in entry.hypers:
            if ranges.setdefault(h.name, h.range) is not h.range:
                raise AssertionError(f"{h.name}: one range for every optimizer that has it")
    return ranges


HYPER_RANGES = _hyper_ranges()  # momentum, eps, alpha, beta1, beta2: each an ordinary input


def entry(name: str) -> Entry:
    try:
        return OPTIMIZERS[name]
    except (KeyError, TypeError):
        raise InputError(f"unknown optimizer {quote(name)}; one of {', '.join(NAMES)}") from None


def make(name: str, learning_rate, **hyper) -> optimizers.Optimizer:
    """The optimizer called `name` with these hyper-parameters (torch's defaults for the rest)."""
    return entry(name).make(learning_rate, **hyper)
