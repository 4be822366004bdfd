"""The runs and what is drawn from them, cached: the run the PageState asks for (or the last valid
one, and why), the live panel's payload, the learning-rate sweep.

State flows one way: link/widgets/panel message → transition (ui.state) → PageState → the run
(here) → the page (ui.view). Small results only, bounded; every result is shared by every
session that asks for it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import replace
from typing import NamedTuple

import plotly.io as pio
import streamlit as st

from gd import figures, live, registry
from gd.data import load_csv
from gd.inputs import InputError, StartMismatch
from gd.run import Experiment, check_scales, experiment
from ui.state import Note, RunInputs, RunShown, run_id

UPLOAD_ROWS = 100_000  # rows of an uploaded CSV the app accepts (the uploader caps bytes first)


# One result serves every session that asks for it: cache_resource shares the object (the engine
# makes its arrays read-only) where cache_data would unpickle a copy per session and per hit.
# Large runs take turns inside `experiment` (gd.run.heavy_pass: two at a time in the process); a
# session whose run waits for its turn sees this spinner meanwhile, and is answered after.
#
# A cache looks a call up by its arguments, hashed on every page view. The run's own arguments
# (settings, the upload, comparisons) are hashed once a view, into `key` (ui.state.run_id),
# which also tells a new run from the last; the functions take them as underscore arguments,
# which Streamlit leaves out of the hash: hashing the dataclasses again, three times a view, was a
# sixth of a view's server time. They are called with keywords only: for each positional argument
# Streamlit looks its name up with inspect.signature, on every call.
@st.cache_resource(max_entries=8, show_spinner="Running gradient descent… (large data sets take turns)")
def run_experiment(*, key: str, _settings, _upload: bytes | None, _compare: tuple) -> Experiment:
    data = load_csv(_upload, max_rows=UPLOAD_ROWS, target=_settings.target) if _upload is not None else None
    ex = experiment(_settings, data, _compare)
    check_scales(ex)  # numbers the page knows would be wrong: refused, the last good run kept
    return ex


@st.cache_resource(max_entries=16, show_spinner="Drawing the charts…")
def live_payload(*, key: str, i: int, j: int, presenter: bool, _settings, _upload, _compare) -> bytes:
    """The live panel's data (gd.live.payload's bytes) for a run and a view: built once, shared by
    every session."""
    ex = run_experiment(key=key, _settings=_settings, _upload=_upload, _compare=_compare)
    return live.payload(ex, i, j, presenter)


@st.cache_resource(max_entries=16, show_spinner="Sweeping learning rates…")
def rate_sweep(*, key: str, _settings, _upload, _compare, _shown: Experiment | None = None) -> bytes:
    """The sweep chart's JSON text (as bytes): built once, shared by every session (no
    unpickling). `_shown`: settings the browser runs over the made run's problem (`Run.sweep`)."""
    if _shown is not None:
        return pio.to_json(figures.rate_sweep_figure(_shown, run_known=False), validate=False).encode()
    ex = run_experiment(key=key, _settings=_settings, _upload=_upload, _compare=_compare)  # a cache hit
    data = (  # sgd's rows
        load_csv(_upload, max_rows=UPLOAD_ROWS, target=_settings.target) if _upload is not None else None
    )
    return pio.to_json(figures.rate_sweep_figure(ex, data=data), validate=False).encode()


# The page's hot path: the last few results, in front of the caches above. A hit in Streamlit's
# cache still costs a page view about 0.1 ms a call (the arguments hashed, locks, statistics); a
# class opens the same few runs, so a dict of the last ones answers most views for a microsecond.
# A miss goes to Streamlit's cache (its spinner, and one computation for sessions asking at once).
# It holds what the caches hold already (shared, read-only), at most RECENT of them.
RECENT = 6
_recent: OrderedDict = OrderedDict()
_recent_lock = threading.Lock()


def recent(cached, **arguments):
    """`cached(**arguments)`, one of the caches above, looked up by its hashed arguments (those
    without a leading underscore, as Streamlit's)."""
    name = (cached.__name__, *((k, v) for k, v in sorted(arguments.items()) if not k.startswith("_")))
    with _recent_lock:
        if name in _recent:
            _recent.move_to_end(name)
            return _recent[name]
    result = cached(**arguments)
    with _recent_lock:
        _recent[name] = result
        while len(_recent) > RECENT:
            _recent.popitem(last=False)
    return result


# What the browser runs again itself, from the problem of a run the server made (static/engine.js,
# equal to gd.run): a change of these alone, between full-batch runs, costs the server no run.
BROWSER_SETTINGS = ("learning_rate", "optimizer", "momentum", "start")


def browser_runs(asked: RunInputs, made: RunInputs, p: int) -> bool:
    """Whether the browser can show the run `asked` from the problem of the run `made` (of p
    parameters): both full-batch (mini-batches need the samples), neither compared with other
    runs, their settings alike but for BROWSER_SETTINGS, and a start of p numbers (or none)."""
    a, m = asked.settings, made.settings
    if asked.compare or made.compare or a.minibatch or m.minibatch or len(a.start) not in (0, p):
        return False
    return replace(a, **{name: getattr(m, name) for name in BROWSER_SETTINGS}) == m


class Run(NamedTuple):
    """The run shown: the experiment, its cache key, what it was made of, its file (None for the
    synthetic data), whether the inputs' start was left out (it did not fit the file), and why
    it is not the run the inputs ask for, where it is not. Where `made` is given, the experiment
    is that run's and the browser shows `inputs` from its problem (`browser_runs`): its numbers,
    its guidance, the sweep's mark and its texts follow `inputs` there, not the experiment's."""

    experiment: Experiment
    id: str
    inputs: RunInputs
    upload: bytes | None
    start_dropped: bool = False
    notes: tuple[Note, ...] = ()
    made: RunInputs | None = None

    def caches(self) -> dict:
        """The keywords the caches above are called with for the experiment."""
        made = self.made or self.inputs
        return {
            "key": self.id,
            "_settings": made.settings,
            "_upload": self.upload,
            "_compare": made.compare,
        }

    def as_shown(self) -> Experiment:
        """The experiment with the settings shown: its problem, data and limit are right for
        them, its trajectory is the made run's (texts that need the shown run's trajectory ask
        `self.made` first)."""
        ex = self.experiment
        return ex if self.made is None else replace(ex, settings=self.inputs.settings)

    def theta0(self) -> tuple[float, ...]:
        """The start of the run shown."""
        if self.made is None:
            return tuple(self.experiment.trajectory.params[0].tolist())
        return tuple(self.inputs.settings.theta0(self.experiment.problem.p).tolist())

    def chosen(self) -> dict:
        """What the browser runs (the live panel's `settings`): the settings the what-if controls
        set, the start in full."""
        s = self.inputs.settings
        return {
            "learning_rate": s.learning_rate,
            "optimizer": s.optimizer,
            "momentum": s.momentum,
            "start": list(self.theta0()),
        }

    def sweep(self) -> dict:
        """The keywords the sweep's cache is called with: the made run's, or where the browser runs
        the settings shown, theirs, keyed without the rate where the sweep does not depend on it
        (rates around a stability limit, or no rate at all: gd.figures.rate_sweep_figure)."""
        if self.made is None:
            return self.caches()
        shown = self.as_shown()
        s = shown.settings
        free = shown.limit is not None or not registry.entry(s.optimizer).rate
        keyed = replace(s, learning_rate=1.0) if free else s
        return {**self.caches(), "key": "sweep " + run_id(RunInputs(keyed), self.upload), "_shown": shown}

    def computed(self) -> Experiment:
        """The run shown as the server computes it (an export asks: computed then, not on every
        change)."""
        if self.made is None:
            return self.experiment
        return _made(self.inputs, self.upload).experiment

    def shown(self) -> RunShown:
        """The run as the page's state keeps it (ui.state.run_shown): under the made run's key
        (what the panel's messages name), the iterations the browser's run may have."""
        ex = self.experiment
        steps = ex.trajectory.steps if self.made is None else self.inputs.settings.steps
        return RunShown(
            self.id, self.inputs, steps, live.run_key(ex), self.theta0(), self.start_dropped, self.made
        )


def _made(inputs: RunInputs, upload: bytes | None) -> Run:
    key = run_id(inputs, upload)
    ex = recent(run_experiment, key=key, _settings=inputs.settings, _upload=upload, _compare=inputs.compare)
    return Run(ex, key, inputs, upload)


def the_run(asked: RunInputs, good: RunInputs, upload: bytes | None, shown: RunShown | None = None) -> Run:
    """The run the inputs ask for, or, where it cannot be made, the last valid one (`good`), and
    why. Where the run on screen (`shown`) was made by the server and the browser can show the
    asked one from its problem (`browser_runs`), the server makes no run: the made one, shown as
    asked."""
    if (
        shown is not None
        and shown.id is not None
        and shown.id == run_id(made := shown.made or shown.inputs, upload)
    ):
        run = _made(made, upload)  # the run on screen: a hit
        if asked != made and browser_runs(asked, made, run.experiment.problem.p):
            return run._replace(inputs=asked, made=made)
    try:
        return _made(asked, upload)
    except InputError as err:
        if upload is not None and isinstance(err, StartMismatch):
            # the file is fine, the start does not fit it: the file stays, the run starts at zeros
            plain = asked._replace(settings=replace(asked.settings, start=()))
            try:
                run = _made(plain, upload)
            except InputError:
                pass  # the file itself cannot be used either: said below
            else:
                why = f"The start cannot be used with this file: {err}. Starting from zeros instead."
                return run._replace(start_dropped=True, notes=(Note("error", why),))
        what = "file" if upload is not None else "settings"
        why = f"The {what} cannot be used: {err}." + (
            " Showing the synthetic data instead." if upload is not None else ""
        )
        return _made(good, None)._replace(notes=(Note("error", why),))
