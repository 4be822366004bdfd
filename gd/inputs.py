"""One description of every input: names, defaults, ranges and validation.

The same table serves the command line (`python -m gd`), the Streamlit widgets, the share-link URL
and the tests, so a range is written once. Every check raises `InputError` with a message that names
the bad value and what is allowed; nothing here evaluates user text.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace

OPTIMIZERS = ("gd", "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
OPTIMIZER_LABELS = {
    "gd": "Gradient descent (full batch)",
    "sgd": "Stochastic gradient descent (mini-batch)",
    "momentum": "Momentum",
    "nesterov": "Nesterov momentum",
    "adagrad": "Adagrad",
    "rmsprop": "RMSprop",
    "adam": "Adam",
}

MAX_FEATURES = 20
MAX_SAMPLES = 1_000_000
MAX_STEPS = 20_000  # the CLI benchmark needs 10,100; the app caches trajectories (T x p floats)
# Mini-batch steps touch the samples themselves: bound samples drawn over the whole run.
MAX_SGD_SAMPLE_STEPS = 20_000_000
MAX_ABS_VALUE = 1e6  # true weights, bias and noise; keeps every loss far from overflow
MAX_TEXT = 2_000  # characters of weights text worth reading
MAX_MOMENTUM = 0.9999  # momentum must stay below 1; the widget and the URL share this bound


class InputError(ValueError):
    """A value a user gave is not allowed; the message says which and what is."""


@dataclass(frozen=True)
class Range:
    """The allowed values of one numeric input, inclusive unless `open_max`."""

    label: str
    flag: str
    minimum: float
    maximum: float
    integer: bool = False
    open_max: bool = False

    def check(self, value: float) -> float | int:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InputError(f"{self.label} must be a number, got {value!r}")
        if not math.isfinite(value):
            raise InputError(f"{self.label} must be a finite number, got {value}")
        if self.integer:
            if value != int(value):
                raise InputError(f"{self.label} must be a whole number, got {value}")
            value = int(value)
        too_big = value >= self.maximum if self.open_max else value > self.maximum
        if value < self.minimum or too_big:
            top = f"below {_fmt(self.maximum)}" if self.open_max else f"at most {_fmt(self.maximum)}"
            raise InputError(
                f"{self.label} must be at least {_fmt(self.minimum)} and {top}, got {_fmt(value)}"
            )
        return value

    def parse(self, text: str) -> float | int:
        """Read a number as a user types it: '5000', '1e6', '-2e3', ' 0.01 '."""
        text = str(text).strip()
        if len(text) > 100:
            raise InputError(f"{self.label} must be a number, got a text of {len(text)} characters")
        try:
            value = float(text)
        except ValueError:
            raise InputError(f"{self.label} must be a number, got {text!r}") from None
        if self.integer and math.isfinite(value) and value.is_integer():
            value = int(value)
        return self.check(value)


def _fmt(x: float) -> str:
    """A number as people write it: 1000000 -> 1,000,000; 1e-06 stays."""
    if abs(x) < 1e15 and float(x).is_integer():
        return f"{int(x):,}"
    return f"{float(x):g}"


RANGES = {
    "bias": Range("bias", "--bias", -MAX_ABS_VALUE, MAX_ABS_VALUE),
    "samples": Range("samples", "--samples", 1, MAX_SAMPLES, integer=True),
    "noise": Range("noise", "--noise", 0.0, MAX_ABS_VALUE),
    "seed": Range("seed", "--seed", 0, 2**32 - 1, integer=True),
    "learning_rate": Range("learning rate", "--lr", 1e-6, 100.0),
    "steps": Range("steps", "--steps", 1, MAX_STEPS, integer=True),
    "batch_size": Range("batch size", "--batch-size", 1, MAX_SAMPLES, integer=True),
    "momentum": Range("momentum", "--momentum", 0.0, MAX_MOMENTUM),
    "feature_scale": Range("feature scale", "--feature-scale", 1.0, 1000.0),
    "feature_mean": Range("feature mean", "--feature-mean", -1000.0, 1000.0),
    "outlier": Range("outlier", "--outlier", -MAX_ABS_VALUE, MAX_ABS_VALUE),
}
WEIGHT = Range("each true weight", "--weights", -MAX_ABS_VALUE, MAX_ABS_VALUE)


def parse_weights(text: str) -> tuple[float, ...]:
    """'2, 4, 5' -> (2.0, 4.0, 5.0); 1 to MAX_FEATURES finite numbers separated by commas."""
    text = str(text)
    if len(text) > MAX_TEXT:
        raise InputError(f"true weights: the text is {len(text):,} characters long; at most {MAX_TEXT:,}")
    parts = [p.strip() for p in text.strip().strip("[]()").split(",")]
    if parts == [""]:
        raise InputError("true weights: give at least one number, e.g. 2, 4, 5")
    if len(parts) > MAX_FEATURES:
        raise InputError(f"true weights: at most {MAX_FEATURES} numbers, got {len(parts)}")
    weights = []
    for i, part in enumerate(parts, 1):
        if not part:
            raise InputError(f"true weights: number {i} is empty (two commas in a row?)")
        try:
            weights.append(float(WEIGHT.parse(part)))
        except InputError as err:
            raise InputError(f"true weights: number {i}: {err}") from None
    return tuple(weights)


def check_weights(weights) -> tuple[float, ...]:
    """Weights given as numbers (not text): the same rules as `parse_weights`."""
    if isinstance(weights, str):
        return parse_weights(weights)
    weights = tuple(weights)
    if not 1 <= len(weights) <= MAX_FEATURES:
        raise InputError(f"true weights: 1 to {MAX_FEATURES} numbers, got {len(weights)}")
    return tuple(float(WEIGHT.check(w)) for w in weights)


def short(x: float) -> str:
    """The shortest text that reads back as the same float: 2, 0.01, 1.23456789."""
    text = f"{x:g}"
    return text if float(text) == x else repr(float(x))


def format_weights(weights) -> str:
    return ", ".join(short(w) for w in weights)


@dataclass(frozen=True)
class Settings:
    """Every input of a run. Defaults are the article's experiment."""

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
    standardize: bool = False
    # Beyond the article: features of unequal scale, off-centre features, one corrupted target.
    feature_scale: float = 1.0  # std of feature i is feature_scale ** (i / (d - 1)): 1 to this
    feature_mean: float = 0.0  # every feature's mean
    outlier: float = 0.0  # added to the first sample's y

    def validated(self) -> Settings:
        """The same settings with numbers normalised, or InputError naming the first bad one."""
        values = {"true_weights": check_weights(self.true_weights)}
        for name, rng in RANGES.items():
            values[name] = rng.check(getattr(self, name))
        if self.optimizer not in OPTIMIZERS:
            raise InputError(
                f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {str(self.optimizer)[:40]!r}"
            )
        if self.optimizer == "nesterov" and values["momentum"] == 0:
            raise InputError("nesterov needs a momentum above 0 (try 0.9)")
        return replace(self, **values, standardize=bool(self.standardize))

    def check_work(self, features: int, samples: int) -> None:
        """Bound the run's cost for data of this size: the synthetic data's or a CSV's, whichever
        the run learns from (gd.run.experiment calls this once the data are known)."""
        if self.standardize and samples < 2:
            raise InputError("cannot standardise a single row: its standard deviation is zero")
        if self.optimizer == "sgd":
            work = self.sgd_work(samples)
            if work > MAX_SGD_SAMPLE_STEPS:
                raise InputError(
                    f"sgd: batch size x steps = {work:,} samples drawn; at most "
                    f"{MAX_SGD_SAMPLE_STEPS:,} (use fewer steps or a smaller batch)"
                )

    def sgd_work(self, samples: int) -> int:
        """Samples a run draws one at a time (0 for the full-batch optimizers)."""
        return min(self.batch_size, samples) * self.steps if self.optimizer == "sgd" else 0

    def to_dict(self) -> dict:
        return asdict(self)


FIELD_NAMES = tuple(f.name for f in fields(Settings))
