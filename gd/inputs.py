"""One description of every input: names, defaults, ranges, cross-field rules and validation.

`RANGES` (each numeric input: label, CLI flag, bounds, help, widget step; the optimizers'
hyper-parameters from gd.registry), `Settings` (every input by name, with its default) and `RULES`
(inputs allowed alone but not together) serve the command line (`python -m gd`), the Streamlit
widgets, the share-link URL and the tests, so a range is written once. Every check raises
`InputError` with a message that names the bad value and what is allowed; nothing here evaluates
user text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, fields, replace

import numpy as np

from gd.checks import InputError as InputError  # re-exported: callers import it from here
from gd.checks import Range as Range
from gd.checks import fmt as fmt
from gd.registry import HYPER_RANGES, NAMES, OWN_DEFAULT, SCHEDULE_RANGES, SCHEDULES
from gd.registry import MAX_MOMENTUM as MAX_MOMENTUM
from gd.registry import OPTIMIZERS as REGISTRY
from gd.registry import SCHEDULE_NAMES as SCHEDULE_NAMES

OPTIMIZERS = NAMES  # ("gd", "sgd", ...): gd.registry's entries, in order
OPTIMIZER_LABELS = {name: e.label for name, e in REGISTRY.items()}
SCHEDULE_LABELS = {name: sch.label for name, sch in SCHEDULES.items()}
# The inputs chosen by name from a table of gd.registry: {Settings field: {name: label}}.
CHOICES = {"optimizer": OPTIMIZER_LABELS, "schedule": SCHEDULE_LABELS}

MAX_FEATURES = 20
MAX_SAMPLES = 1_000_000
MAX_STEPS = 20_000  # the CLI benchmark needs 10,100; the app caches trajectories (T x p floats)
# Mini-batch steps touch the samples themselves: bound samples drawn over the whole run.
MAX_SGD_SAMPLE_STEPS = 20_000_000
MAX_ABS_VALUE = 1e6  # true weights, bias and noise; keeps every loss far from overflow
MAX_TEXT = 2_000  # characters of weights text worth reading
FEATURE_SCALE = 1000.0  # feature scale: 1 to this; feature mean: minus this to this


# Every numeric input: its Settings field (= widget key = URL key), label, CLI flag, bounds, CLI
# help and widget step. The optimizers' hyper-parameters come from their entries in gd.registry.
RANGES = {
    "bias": Range("bias", "--bias", -MAX_ABS_VALUE, MAX_ABS_VALUE, "true bias", step=0.5),
    "samples": Range("samples", "--samples", 1, MAX_SAMPLES, "number of samples", 1000, integer=True),
    "noise": Range("noise", "--noise", 0.0, MAX_ABS_VALUE, "standard deviation of Gaussian noise on y", 0.1),
    "seed": Range("seed", "--seed", 0, 2**32 - 1, "random seed", integer=True),
    "learning_rate": Range("learning rate", "--lr", 1e-6, 100.0, "learning rate", step=0.001),
    "steps": Range("steps", "--steps", 1, MAX_STEPS, "number of updates", step=100, integer=True),
    "batch_size": Range(
        "batch size", "--batch-size", 1, MAX_SAMPLES, "mini-batch size for sgd", integer=True
    ),
    **HYPER_RANGES,
    **SCHEDULE_RANGES,
    "l2": Range("l2", "--l2", 0.0, 1e6, "ridge penalty λ on the weights (not the bias)", step=0.01),
    "feature_scale": Range(
        "feature scale",
        "--feature-scale",
        1.0,
        FEATURE_SCALE,
        "std of the last feature; the others range from 1 to it",
    ),
    "feature_mean": Range(
        "feature mean", "--feature-mean", -FEATURE_SCALE, FEATURE_SCALE, "mean of every feature"
    ),
    "outlier": Range(
        "outlier", "--outlier", -MAX_ABS_VALUE, MAX_ABS_VALUE, "added to the first sample's y", step=10.0
    ),
}
WEIGHT = Range("each true weight", "--weights", -MAX_ABS_VALUE, MAX_ABS_VALUE)
START = Range("each start value", "--start", -1e9, 1e9)


def widget_bounds(name: str) -> dict:
    """min_value, max_value and step of the number widget for input `name`, typed as it holds
    them (int for whole numbers)."""
    rng = RANGES[name]
    kind = int if rng.integer else float
    return {"min_value": rng.smallest, "max_value": rng.largest, "step": kind(rng.step)}


def _numbers(text: str, what: str, rng: Range, most: int, order: str = "") -> tuple[float, ...]:
    """'2, 4, 5' -> (2.0, 4.0, 5.0): at most `most` numbers within `rng`, separated by commas
    (brackets around them allowed); '' -> (). Messages begin with `what`; `order` follows the
    count where the numbers have one ("(w1..wd, b)")."""
    text = str(text)
    if len(text) > MAX_TEXT:
        raise InputError(f"{what}: the text is {len(text):,} characters long; at most {MAX_TEXT:,}")
    parts = [p.strip() for p in text.strip().strip("[]()").split(",")]
    if parts == [""]:
        return ()
    if len(parts) > most:
        raise InputError(f"{what}: at most {most} numbers{order}, got {len(parts)}")
    values = []
    for i, part in enumerate(parts, 1):
        if not part:
            raise InputError(f"{what}: number {i} is empty (two commas in a row?)")
        try:
            values.append(float(rng.parse(part)))
        except InputError as err:
            raise InputError(f"{what}: number {i}: {err}") from None
    return tuple(values)


def parse_weights(text: str) -> tuple[float, ...]:
    """'2, 4, 5' -> (2.0, 4.0, 5.0); 1 to MAX_FEATURES finite numbers separated by commas."""
    weights = _numbers(text, "true weights", WEIGHT, MAX_FEATURES)
    if not weights:
        raise InputError("true weights: give at least one number, e.g. 2, 4, 5")
    return weights


def check_weights(weights) -> tuple[float, ...]:
    """Weights given as numbers (not text): the same rules as `parse_weights`."""
    if isinstance(weights, str):
        return parse_weights(weights)
    weights = tuple(weights)
    if not 1 <= len(weights) <= MAX_FEATURES:
        raise InputError(f"true weights: 1 to {MAX_FEATURES} numbers, got {len(weights)}")
    return tuple(float(WEIGHT.check(w)) for w in weights)


def parse_start(text: str) -> tuple[float, ...]:
    """'1, -2, 0.5' -> (1.0, -2.0, 0.5): the initial parameters w1..wd, b; '' -> () (zeros)."""
    return _numbers(text, "start", START, MAX_FEATURES + 1, " (w1..wd, b)")


def check_start(start) -> tuple[float, ...]:
    """A start given as numbers (or text): the same rules as `parse_start`."""
    if isinstance(start, str):
        return parse_start(start)
    start = tuple(start or ())
    if len(start) > MAX_FEATURES + 1:
        raise InputError(f"start: at most {MAX_FEATURES + 1} numbers (w1..wd, b), got {len(start)}")
    return tuple(float(START.check(v)) for v in start)


def check_target(name) -> str:
    """A target column's name as given (surrounding spaces removed: a header's are); "" automatic."""
    if not isinstance(name, str):
        raise InputError(f"target: a column's name, got {str(name)[:40]!r}")
    if len(name) > MAX_TEXT:
        raise InputError(f"target: the name is {len(name):,} characters long; at most {MAX_TEXT:,}")
    return name.strip()


class StartMismatch(InputError):
    """A start whose length does not fit the data's parameters: the start is what cannot be used
    (the page keeps an uploaded file and drops the start)."""


def start_message(start, p: int) -> str | None:
    """Why `start` cannot start a run over p parameters (None if it can: empty means zeros)."""
    if start and len(start) != p:
        return (
            f"start: give {p} numbers (w1..w{p - 1}, b), one for each parameter, or none for zeros; "
            f"got {len(start)}"
        )
    return None


def short(x: float) -> str:
    """The shortest text that reads back as the same float: 2, 0.01, 1.23456789."""
    text = f"{x:g}"
    return text if float(text) == x else repr(float(x))


def format_weights(weights) -> str:
    return ", ".join(short(w) for w in weights)


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Every input of a run, by name only. Defaults are the article's experiment, and torch.optim's
    for the hyper-parameters (eps None: the optimizer's own, 1e-10 for adagrad, 1e-8 otherwise)."""

    true_weights: tuple[float, ...] = (2.0, 4.0, 5.0, 9.0, 11.0)
    bias: float = 2.0
    samples: int = 5000
    noise: float = 0.0
    seed: int = 0
    learning_rate: float = 0.01
    steps: int = 1000
    optimizer: str = "gd"
    batch_size: int = 32
    momentum: float = 0.9
    eps: float | None = None
    alpha: float = 0.99
    beta1: float = 0.9
    beta2: float = 0.999
    standardize: bool = False
    # Beyond the article: features of unequal scale, off-centre features, one corrupted target.
    feature_scale: float = 1.0  # std of feature i is feature_scale ** (i / (d - 1)): 1 to this
    feature_mean: float = 0.0  # every feature's mean
    outlier: float = 0.0  # added to the first sample's y
    # Beyond plain descent: where it starts, the rate's schedule, newton's step, ridge.
    start: tuple[float, ...] = ()  # theta_0 = (w1..wd, b); empty: zeros, as the article
    schedule: str = "constant"
    gamma: float | None = None  # None: the schedule's own (0.5 step, 0.99 exponential, 0.1 inverse)
    step_size: int = 100
    damping: float = 1.0
    l2: float = 0.0
    # A CSV's target column by name; "" the automatic choice: the column y, else the last one
    # (gd.data.target_column). The synthetic data have their own y.
    target: str = ""

    def validated(self) -> Settings:
        """The same settings with numbers normalised, or InputError naming the first bad one."""
        values = {
            "true_weights": check_weights(self.true_weights),
            "start": check_start(self.start),
            "target": check_target(self.target),
        }
        for name, rng in RANGES.items():
            value = getattr(self, name)
            values[name] = None if value is None and name in OWN_DEFAULT else rng.check(value)
        for name, labels in CHOICES.items():
            value, names = getattr(self, name), tuple(labels)  # a tuple: an unhashable value is just not one
            if value not in names:
                raise InputError(f"{name} must be one of {', '.join(names)}, got {str(value)[:40]!r}")
        settings = replace(self, **values, standardize=bool(self.standardize))
        settings.check_rules()
        return settings

    def check_rules(self, samples: int | None = None) -> None:
        """InputError for the first cross-field rule these settings break: those that need the
        data's size when `samples` (the rows the run learns from) is given, the others if not."""
        broken = first_broken(self, samples)
        if broken is not None:
            raise InputError(broken[1])

    def check_work(self, samples: int) -> None:
        """The rules that need the data's size, for data of `samples` rows: the synthetic data's
        or a CSV's, whichever the run learns from (gd.run.experiment calls this once it is known)."""
        self.check_rules(samples)

    @property
    def hyper(self) -> dict:
        """The optimizer's hyper-parameters, torch's default for any left None."""
        return REGISTRY[self.optimizer].resolve(vars(self))

    @property
    def schedule_params(self) -> dict:
        """The schedule's parameters, its own default for gamma when None."""
        return SCHEDULES[self.schedule].resolve(vars(self))

    def schedule_rates(self) -> np.ndarray:
        """eta_t for the updates t = 0..steps-1: the learning rate under the schedule, the whole of it
        (a run that diverges makes fewer updates)."""
        return SCHEDULES[self.schedule].rates(self.learning_rate, self.steps, **self.schedule_params)

    @property
    def has_rate(self) -> bool:
        """Whether the optimizer has a learning rate (linesearch, newton and cg do not)."""
        return REGISTRY[self.optimizer].rate

    def theta0(self, p: int):
        """The start as p numbers (zeros when not given); InputError if it has another length."""
        message = start_message(self.start, p)
        if message:
            raise StartMismatch(message)
        return np.array(self.start, dtype=float) if self.start else np.zeros(p)

    @property
    def minibatch(self) -> bool:
        return REGISTRY[self.optimizer].minibatch

    def sgd_work(self, samples: int) -> int:
        """Samples a run draws one at a time (0 for the full-batch optimizers)."""
        return min(self.batch_size, samples) * self.steps if self.minibatch else 0

    def to_dict(self) -> dict:
        return asdict(self)


FIELD_NAMES = tuple(f.name for f in fields(Settings))


@dataclass(frozen=True)
class Rule:
    """Inputs each allowed alone but not together (scikit-learn's parameter constraints, across
    fields). `broken(settings, samples)` is the message when the rule does not hold, else None;
    `samples` is the rows the run learns from, None for the rules checked without data.
    `fields` are the inputs the rule ties, in the order a share link drops them to make a run."""

    fields: tuple[str, ...]
    broken: Callable[[Settings, int | None], str | None]
    needs_data: bool = False


def _positive(s: Settings, samples) -> str | None:
    """A hyper-parameter the optimizer needs above 0 though its range allows 0 (nesterov's momentum)."""
    entry = REGISTRY.get(s.optimizer)
    for h in entry.hypers if entry is not None else ():
        if h.positive and getattr(s, h.name) == 0:
            return f"{s.optimizer} needs a {h.name} above 0 (try {h.default:g})"
    return None


# the inputs the positive rule ties: each hyper-parameter some optimizer needs above 0
_POSITIVE = tuple(dict.fromkeys(h.name for e in REGISTRY.values() for h in e.hypers if h.positive))


def _gamma(s: Settings, samples) -> str | None:
    sch = SCHEDULES.get(s.schedule)
    if sch is None or s.gamma is None or not any(h.name == "gamma" for h in sch.params):
        return None
    try:
        sch.gamma_range.check(s.gamma)
    except InputError as err:
        return f"{err} for the {s.schedule} schedule"
    return None


ONE_ROW = "cannot standardise a single row: its standard deviation is zero"


def _one_row(s: Settings, samples: int) -> str | None:
    return ONE_ROW if s.standardize and samples < 2 else None


def _sgd_work(s: Settings, samples: int) -> str | None:
    work = s.sgd_work(samples)
    if work > MAX_SGD_SAMPLE_STEPS:
        return (
            f"{s.optimizer}: batch size x steps = {work:,} samples drawn; at most "
            f"{MAX_SGD_SAMPLE_STEPS:,} (use fewer steps or a smaller batch)"
        )
    return None


RULES = (
    Rule((*_POSITIVE, "optimizer"), _positive),
    Rule(("gamma", "schedule"), _gamma),
    Rule(("standardize", "samples"), _one_row, needs_data=True),
    Rule(("batch_size", "steps", "samples", "optimizer"), _sgd_work, needs_data=True),
)


def first_broken(settings: Settings, samples: int | None = None) -> tuple[Rule, str] | None:
    """The first rule `settings` break and its message: the data-size rules when `samples` is
    given, the others when it is None."""
    for rule in RULES:
        if rule.needs_data == (samples is not None):
            message = rule.broken(settings, samples)
            if message is not None:
                return rule, message
    return None
