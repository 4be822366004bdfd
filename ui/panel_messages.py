"""What the browser sends the page: the live panel's and the sweep chart's messages, read.

A component's state is whatever the browser's websocket carried: any JSON (Infinity and NaN
included, which Python's json reads), or nothing. Each message the modules send has one form;
these read it as a URL parameter is read, and answer None for anything else, so that the
transition it feeds (ui.state.from_panel) leaves the page's state untouched: no exception. Only
JSON numbers count as numbers (not True, not "3"). No Streamlit here: ui.state uses these.

State flows one way: link/widgets/panel message (read here) → transition (ui.state.from_panel) →
PageState → run → page.
"""

from __future__ import annotations

import math
from typing import NamedTuple


class Report(NamedTuple):
    """The live panel's report of where the user stopped: `kind` "at" (iteration `k` of the run
    shown), "stale" (made before the last preset was chosen) or "other" (about another run)."""

    kind: str
    k: int | None = None


class MapPick(NamedTuple):
    """A click on the contour map: parameters `i` (horizontal) and `j` (depth) at (`x`, `y`)."""

    i: int
    j: int
    x: float
    y: float


def number(value) -> float | None:
    """`value` if it is a finite JSON number (not a bool, not text), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return value if math.isfinite(value) else None
    except OverflowError:  # an int past float64's range
        return None


def whole(value, low: int, high: int) -> int | None:
    """`value` as an int if it is a whole JSON number within low..high (both included), else None."""
    value = number(value)
    if value is None or value != int(value) or not low <= value <= high:
        return None
    return int(value)


def state_field(state, name: str):
    """One field of a component's state (`.iteration`, `.pick`), or None however the state looks."""
    return state.get(name) if isinstance(state, dict) else None


def read_report(report, run: str | None, steps: int, opened: int) -> Report | None:
    """The live panel's report {run, k, opened}: "stale" for one made under another `opened`
    (before the last preset), "other" for one about another run, "at" k for iteration k of this
    run, None for anything not in that form."""
    if not isinstance(report, dict) or whole(report.get("opened"), 0, 2**53) is None:
        return None
    if report["opened"] != opened:
        return Report("stale")
    if not isinstance(report.get("run"), str) or report["run"] != run:
        return Report("other")
    k = whole(report.get("k"), 0, steps)
    return None if k is None else Report("at", k)


def read_map_pick(pick, run: str | None, p: int) -> MapPick | None:
    """The contour map's click {run, i, j, x, y} on this run of p parameters: two distinct
    parameters and finite numbers; None for anything else."""
    if not isinstance(pick, dict) or not isinstance(pick.get("run"), str) or pick["run"] != run:
        return None
    i, j = whole(pick.get("i"), 0, p - 1), whole(pick.get("j"), 0, p - 1)
    x, y = number(pick.get("x")), number(pick.get("y"))
    if None in (i, j, x, y) or i == j:
        return None
    return MapPick(i, j, x, y)


def read_chart_pick(pick, figure: str | None) -> float | None:
    """A static chart's click {id, x, y} on this figure: x, a finite number; None for anything else."""
    if not isinstance(pick, dict) or not isinstance(pick.get("id"), str) or pick["id"] != figure:
        return None
    return number(pick.get("x"))
