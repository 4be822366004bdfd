"""The messages the browser sends the page (the live panel's iteration report and map click, the
sweep chart's click): read, then turned into the page's next state. One place dispatches them all
(`from_panel`, by `PANEL`): a new message is one reader, one function and one entry. No Streamlit
here (ui.view's callbacks hand the component's field in, and commit what comes back).

State flows one way: link/widgets/panel message (here) → transition → PageState (ui.state) → run →
page.

A component's state is whatever the browser's websocket carried: any JSON (Infinity and NaN
included, which Python's json reads), or nothing. Each message the modules send has one form;
these read it as a URL parameter is read, and answer None for anything else, so that the
transition leaves the page's state untouched: no exception. Only JSON numbers count as numbers
(not True, not "3").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import NamedTuple

from gd import registry
from gd.inputs import RANGES, START, InputError, format_weights
from ui.state import Note, PageState, Transition

# ---- what the browser sends, read ----------------------------------------------------------------


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


def read_seq(message) -> int | None:
    """The count a settled choice of the what-if controls carries (`seq`: the panel's choices
    sent), a whole number >= 0; None where it has none or another value."""
    return whole(message.get("seq"), 0, 2**53) if isinstance(message, dict) else None


def read_settings(message, run: str | None, steps: int, p: int = 0) -> dict | None:
    """The what-if controls' settled choice {run, learning_rate, optimizer, momentum, k[, start]
    [, seq]} on this run of `steps` updates and p parameters (static/whatif-panel.js): each field
    checked as its URL parameter is (the rate and momentum within the sidebar's ranges, the
    optimizer one of gd.registry's, k an iteration of the run, the start dragged on the map p
    numbers each within the start's range, seq the panel's count of choices it sent, a whole number
    >= 0); None for anything else, which the transition then ignores."""
    if not isinstance(message, dict) or not isinstance(message.get("run"), str) or message["run"] != run:
        return None
    rate, mu = number(message.get("learning_rate")), number(message.get("momentum"))
    optimizer, k = message.get("optimizer"), whole(message.get("k"), 0, steps)
    if None in (rate, mu, k) or not isinstance(optimizer, str) or optimizer not in registry.NAMES:
        return None
    start = message.get("start", ())
    if not isinstance(start, list | tuple) or (start and len(start) != p):
        return None
    try:
        rate, mu = RANGES["learning_rate"].check(rate), registry.MOMENTUM.check(mu)
        start = [START.check(v) for v in start]  # a bool, text or non-finite value: InputError
    except InputError:
        return None
    seq = read_seq(message)
    if "seq" in message and seq is None:
        return None
    chosen = {"learning_rate": rate, "optimizer": optimizer, "momentum": mu, "k": k}
    return chosen | ({"start": start} if start else {}) | ({"seq": seq} if seq is not None else {})


# ---- the panel's messages -----------------------------------------------------------------------


class PanelMessage(NamedTuple):
    """A message from the browser: `kind` names it (a key of PANEL), `body` is the component's
    field as the browser sent it (any JSON, or None)."""

    kind: str
    body: object


def iteration_reported(state: PageState, report, inputs: Mapping[str, object]) -> Transition:
    """The browser stopped on an iteration (after Pause, Steps or a scrub): keep it for share links
    and downloads. A report names its run: one about another run (a late one), or one that is not
    an iteration of this run, changes nothing.

    It also names the `opened` it was made under. One made before the last preset was chosen (sent
    while that preset's rerun was on its way to the browser) changes nothing either, and more: its
    rerun carries every input as that browser still showed it, the values from before the preset,
    which Streamlit takes as the user's. Those echoes are undone (`inputs`: the inputs' values
    now), so the preset's run stays on screen at its own iteration; an input the user did change
    since is left as it is."""
    heard = read_report(report, state.run.key, state.run.steps, state.opened)
    if heard is None or heard.kind == "other":
        return Transition(state)
    if heard.kind == "stale":
        undo = {
            c.key: c.after
            for c in state.preset_set
            if c.key in inputs and inputs[c.key] == c.before and c.before != c.after
        }
        return Transition(state, undo)
    return Transition(replace(state, iteration=heard.k))


def start_picked(state: PageState, pick, inputs: Mapping[str, object]) -> Transition:
    """A click on the contour map: its point becomes θ₀ for the two parameters shown, the others
    keep the run's start; the start box (its fold opened) shows it and the rerun starts there."""
    theta0 = list(state.run.theta0)
    picked = read_map_pick(pick, state.run.key, len(theta0))
    if picked is None:
        return Transition(state)  # not a click the map makes: ignored, as a URL parameter not allowed
    try:
        theta0[picked.i], theta0[picked.j] = START.check(picked.x), START.check(picked.y)
    except InputError:
        return Transition(state)  # beyond any start the page allows: the map never offers such a point
    text = format_weights(theta0)
    return Transition(replace(state, map_start=text), {"start": text, "fold_advanced": True})


def rate_picked(state: PageState, pick, inputs: Mapping[str, object]) -> Transition:
    """A click on the learning-rate sweep: its rate (3 significant digits) becomes η."""
    x = read_chart_pick(pick, state.sweep_id)
    if x is None:
        return Transition(state)  # not a click the chart makes: ignored
    try:
        rate = RANGES["learning_rate"].check(float(f"{x:.3g}"))
    except InputError as err:
        return Transition(state, {}, (Note("warning", f"The clicked rate is not allowed: {err}."),))
    return Transition(state, {"learning_rate": rate})


def settings_chosen(state: PageState, message, inputs: Mapping[str, object]) -> Transition:
    """The panel's what-if controls let go: the rate, optimizer and momentum (and a start dragged
    on the map) the browser ran become the sidebar's inputs, so that sidebar, panel and share link
    agree, and the iteration shown is kept for the link. For a full-batch optimizer the server then
    computes no run (ui.runs.the_run: the browser already runs the choice over the problem it
    holds); for mini-batches (sgd) it computes the new run, which opens at the iteration shown, as
    a link's `iteration=` does.

    The choice's `seq` is kept (`PageState.heard`) and goes back in the panel's element: the panel
    then knows a page made before its last choice was heard (a slow rerun's, answering an earlier
    choice) from one made after, and keeps the newer choice it shows rather than go back to the
    older one (seen in CI: newton's echo arriving after gd was chosen and sent)."""
    chosen = read_settings(message, state.run.key, state.run.steps, len(state.run.theta0))
    if chosen is None:
        # not a message the controls send (or about another run): ignored, as a URL parameter not
        # allowed; its count heard all the same, or the panel would wait for it for ever
        seq = read_seq(message)
        return Transition(state if seq is None else replace(state, heard=seq))
    state = replace(state, heard=chosen.pop("seq", state.heard))
    k = chosen.pop("k")
    if tuple(chosen.get("start", ())) == tuple(state.run.theta0):
        chosen.pop("start", None)  # the start shown, echoed: the start box (empty for zeros) stays
    widgets: dict[str, object] = dict(chosen)
    if "start" in chosen:  # dragged on the map: the start box shows it, as after a click
        widgets["start"] = format_weights(chosen["start"])
        widgets["fold_advanced"] = True
        state = replace(state, map_start=widgets["start"])
    changed = any(inputs.get(key) != widgets[key] for key in chosen)
    return Transition(replace(state, iteration=k, open_at=k if changed else state.open_at), widgets)


# Every message the browser sends, by kind: a new one is one function and one entry.
PANEL: dict[str, Callable[[PageState, object, Mapping[str, object]], Transition]] = {
    "iteration": iteration_reported,
    "pick": start_picked,
    "rate": rate_picked,
    "settings": settings_chosen,
}


def from_panel(state: PageState, message: PanelMessage, inputs: Mapping[str, object] = {}) -> Transition:
    """A message from the panel or the sweep chart, dispatched by kind (`PANEL`); one of no known
    kind changes nothing. `inputs`: the inputs' values now (read only)."""
    handle = PANEL.get(message.kind)
    return Transition(state) if handle is None else handle(state, message.body, inputs)
