"""The two things every input's check uses: `InputError` and `Range`.

A module of its own so that both the optimizer registry (gd.registry) and the table of inputs
(gd.inputs) can use them; gd.inputs re-exports both.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


class InputError(ValueError):
    """A value a user gave is not allowed; the message says which and what is."""


def fmt(x: float) -> str:
    """A number as people write it: 1000000 -> 1,000,000; 1e-06 stays."""
    if abs(x) < 1e15 and float(x).is_integer():
        return f"{int(x):,}"
    return f"{float(x):g}"


@dataclass(frozen=True)
class Range:
    """The allowed values of one numeric input, inclusive unless `open_max` (then below it).

    label: the name messages use; flag: the CLI's option; help: the CLI's and the widget's help;
    step: the widget's step. Widgets, the URL, the CLI and docs/guide.md's bounds all read these.
    """

    label: str
    flag: str
    minimum: float
    maximum: float
    help: str = ""
    step: float = 1.0
    integer: bool = False
    open_max: bool = False
    open_min: bool = False  # above `minimum` rather than at least it

    def check(self, value: float, typed: str | None = None) -> float | int:
        """The value if allowed, else InputError naming it: as `typed` where given (the text a
        float64 could not hold, 1e-400 read as 0 or 1e400 as inf, is what the user knows)."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InputError(f"{self.label} must be a number, got {value!r}")
        if not math.isfinite(value):
            raise InputError(f"{self.label} must be a finite number, got {typed or value}")
        if self.integer:
            if value != int(value):
                raise InputError(f"{self.label} must be a whole number, got {value}")
            value = int(value)
        too_big = value >= self.maximum if self.open_max else value > self.maximum
        too_small = value <= self.minimum if self.open_min else value < self.minimum
        if too_small or too_big:
            raise InputError(f"{self.label} must be {self.bottom} and {self.top}, got {typed or fmt(value)}")
        return value

    @property
    def bottom(self) -> str:
        """The lower bound in words: 'at least 0' or 'above 0'."""
        return f"above {fmt(self.minimum)}" if self.open_min else f"at least {fmt(self.minimum)}"

    @property
    def top(self) -> str:
        """The upper bound in words: 'at most 100' or 'below 1'."""
        return f"below {fmt(self.maximum)}" if self.open_max else f"at most {fmt(self.maximum)}"

    @property
    def largest(self) -> float | int:
        """The largest allowed value (a widget's max_value)."""
        if self.integer:
            return int(self.maximum) - (1 if self.open_max else 0)
        return math.nextafter(self.maximum, -math.inf) if self.open_max else float(self.maximum)

    @property
    def smallest(self) -> float | int:
        """The smallest allowed value (a widget's min_value)."""
        if self.integer:
            return int(self.minimum) + (1 if self.open_min else 0)
        return math.nextafter(self.minimum, math.inf) if self.open_min else float(self.minimum)

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
        # a number beyond float64's range reads as 0 or inf: the message quotes what was typed
        underflow = value == 0 and any(ch in "123456789" for ch in text.lower().split("e")[0])
        overflow = math.isinf(value) and "inf" not in text.lower()
        return self.check(value, text if underflow or overflow else None)


def quote(text, limit: int = 40) -> str:
    """A value quoted for a message, at most about `limit` characters even once escaped."""
    quoted = repr(str(text)[: limit + 1])
    return quoted if len(quoted) <= limit + 2 else quoted[:limit] + "…'"
