"""The page's state and the pure transitions that move it. No Streamlit here (tests/test_page_state.py
checks that importing this module does not import it).

State flows one way:

    a change arrives              the link (a session's first run), the sidebar's widgets (every
                                  run), a preset chosen, a file's header read, the run's parameter
                                  names known, a message from the panel or the sweep chart
                                  (ui.panel_events.from_panel)
      → a transition here         (state, event) → Transition(next state, inputs to set, notes)
      → PageState                 kept in session state by ui.session.commit
      → the run                   ui.runs makes the run the state asks for; `run_shown` follows it
      → the page                  ui.view draws it; ui.link writes the address bar (`to_link`)

A transition never reads the widgets or the address bar itself: the caller hands it what arrived,
and writes back what it returns (`Transition.inputs`: widget values to set, as a link or a click
on the map sets the start box). What it tells the user (`Transition.notes`) is said once, on the
page's next draw; the link's warnings last the session (`PageState.link_warnings`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import NamedTuple

from gd import share
from gd.checks import quote
from gd.data import TargetMismatch, target_column
from gd.inputs import (
    FIELD_NAMES,
    RANGES,
    InputError,
    Settings,
    format_weights,
    parse_start,
    parse_weights,
)
from gd.presets import PRESETS
from gd.run import variants
from ui.folds import folds_of

# ---- the named types ---------------------------------------------------------------------------


class RunInputs(NamedTuple):
    """What a run is made of besides its data: its settings and the comparisons drawn with it."""

    settings: Settings
    compare: tuple[Settings, ...] = ()


class Note(NamedTuple):
    """Something to tell the user once: `kind` "info", "error" or "warning" (said in that order),
    `text` possibly holding user input (the page escapes it)."""

    kind: str
    text: str


KINDS = ("info", "error", "warning")  # the order notes are said in


class RunShown(NamedTuple):
    """The run on screen, as the messages from the browser must name it."""

    id: str | None  # the run's cache key (`run_id`): its settings, comparisons and data
    inputs: RunInputs  # what it was made of (the last valid inputs: shown while input is refused)
    steps: int = 0
    key: str | None = None  # gd.live.run_key: what the panel's reports and picks name
    theta0: tuple[float, ...] = ()  # its start (a click on the map keeps the other parameters)
    start_dropped: bool = False  # the inputs' run on an uploaded file, from zeros (the start did not fit)
    # the run the server computed, where the browser runs `inputs` over its problem (a full-batch
    # rate, optimizer, momentum or start changed: ui.runs.the_run); None: `inputs` themselves
    made: RunInputs | None = None


class AxisNames(NamedTuple):
    """The parameters (by name: w1, ..., b) a surface is drawn over: horizontal, depth."""

    x: str
    y: str


class LinkAxis(NamedTuple):
    """A surface axis a link names (`axis`: surface_x or surface_y), to check against the data's
    parameter names once they are known."""

    axis: str
    name: str


class PresetChange(NamedTuple):
    """An input the last preset set: what it was and what it became."""

    key: str
    before: object
    after: object


DEFAULT_RUN = RunInputs(Settings())


@dataclass(frozen=True)
class PageState:
    """Everything the page keeps from run to run besides the widgets' values (one key of session
    state: every widget Streamlit draws scans every key, ui.folds)."""

    asked: RunInputs = DEFAULT_RUN  # the run the inputs ask for (the last valid one where refused)
    run: RunShown = RunShown(None, DEFAULT_RUN)  # the run on screen
    iteration: int = 0  # the iteration shown: the browser's last report (session state's "current")
    run_start: int = 0  # the iteration the panel opened the run shown at
    open_at: int = 0  # where the next new run opens (a link's or a preset's iteration)
    opened: int = 0  # bumped when a preset opens its run (the panel then goes to its iteration)
    heard: int = 0  # the `seq` of the panel's last settled choice heard (ui.panel_events.settings_chosen)
    session: str = ""  # this session's name (its first run's): `heard` counts within it (ui.view)
    preset_set: tuple[PresetChange, ...] = ()  # what the last preset changed
    link_warnings: tuple[str, ...] = ()  # what the link asked for that cannot be (said every run)
    link_uploaded: bool = False  # the link was made on an uploaded file it cannot carry
    link_axes: tuple[LinkAxis, ...] = ()  # checked once the data's names are known
    upload_key: str = "upload"  # the uploader's key in this session (`from_link`)
    auto_axes: AxisNames | None = None  # the surface axes chosen for the data (left out of links)
    sweep_id: str | None = None  # the sweep's figure_id (its clicks name it)
    map_start: str | None = None  # the start box's text as a click on the map set it
    notes: tuple[Note, ...] = ()  # said once, on the next draw


class Transition(NamedTuple):
    """A transition's answer: the next state, the widget values to set (session state keys), and
    what to tell the user."""

    state: PageState
    inputs: Mapping[str, object] = {}
    notes: tuple[Note, ...] = ()


def run_id(inputs: RunInputs, upload: bytes | None) -> str:
    """The run's cache key: its settings, comparisons and data (hashed once a page view)."""
    data = "" if upload is None else hashlib.blake2b(upload, digest_size=16).hexdigest()
    return repr((inputs.settings, inputs.compare, data))


def said(state: PageState, notes: tuple[Note, ...]) -> PageState:
    """`state` with `notes` to say on the next draw."""
    return replace(state, notes=state.notes + tuple(notes)) if notes else state


def in_order(notes) -> list[Note]:
    """Notes in the order the page says them: infos, errors, warnings (each kind in arrival order)."""
    return sorted(notes, key=lambda note: KINDS.index(note.kind))


# ---- the link ----------------------------------------------------------------------------------


def from_link(state: PageState, params: Mapping[str, str | list[str]], token: str = "") -> Transition:
    """A share link opened (a session's first run): its values set the inputs (and open the folds
    holding them), its iteration is where its run opens, and what it asks for that cannot be is
    dropped with a warning naming the parameter and why (the last valid state kept). `token`
    names this session's uploader where the link was made on a file (a replica taking over a
    browser from a stopped server must draw an empty uploader, not the old server's file)."""
    values, warnings = share.from_query(params)
    open_at = values.pop("iteration", 0)
    uploaded = values.pop("uploaded", False)
    axes = tuple(LinkAxis(k, values[k]) for k in ("surface_x", "surface_y") if k in values)
    try:
        asked = _asked({**share.DEFAULTS, **values}, uploaded=False)
    except InputError:  # share.from_query keeps only values that make a run together
        asked = state.asked
    inputs = {**values, **dict.fromkeys(folds_of(values), True)}  # what the link sets is shown
    notes = tuple(Note("warning", w) for w in warnings)
    return Transition(
        replace(
            state,
            asked=asked,
            open_at=open_at,
            link_uploaded=uploaded,
            upload_key=f"upload_{token}" if uploaded else state.upload_key,
            link_axes=axes,
            link_warnings=tuple(warnings),
        ),
        inputs,
        notes,
    )


def to_link(
    state: PageState,
    values: Mapping[str, object],
    iteration: int,
    inputs_shown: bool,
    uploaded: bool,
    query: Mapping[str, str],
) -> dict[str, str]:
    """The address bar's query: a share link of what is on screen (only what differs from the
    defaults), `values` being every shared input's value (share.SHARED). While some input is
    refused (`inputs_shown` false), the page shows the last valid run: the link (`query`, the
    address bar's now) keeps that run's inputs and follows only the iteration. `uploaded`: the
    run is on a file the link cannot carry (the link says so: uploaded=true). A start the file's
    run could not use (RunShown.start_dropped: the run shown starts from zeros) is left out, as
    the run left it; so are the surface axes the page chose itself."""
    if not inputs_shown:
        kept = {key: text for key, text in query.items() if key != "iteration"}
        return {**kept, "iteration": str(iteration)} if iteration else kept
    values = {key: values[key] for key in share.SHARED}
    if state.run.start_dropped:
        values["start"] = ""
    if not uploaded:  # a file's column: nothing to say on the synthetic data
        values["target"] = ""
    values["iteration"] = iteration
    values["uploaded"] = uploaded
    if AxisNames(values["surface_x"], values["surface_y"]) == state.auto_axes:
        values["surface_x"] = values["surface_y"] = None
    return share.to_query(values)


# ---- the widgets -------------------------------------------------------------------------------


def _asked(values: Mapping, uploaded: bool) -> RunInputs:
    """The run that input values describe, or InputError saying why there is none."""
    fields = {key: values[key] for key in FIELD_NAMES}
    fields["target"] = fields["target"] if uploaded else ""  # no column to name
    settings = share.settings_of(fields).validated()
    rates = share.parse_list(values["compare_rates"], RANGES["learning_rate"].parse, "learning rates")
    batches = share.parse_list(values["compare_batches"], RANGES["batch_size"].parse, "batch sizes")
    return RunInputs(settings, tuple(variants(settings, list(values["compare"]), rates, batches)))


def from_widgets(state: PageState, values: Mapping[str, object], uploaded: bool = False) -> Transition:
    """The sidebar's values on a run (`values`: every input of share.DEFAULTS): the run they ask
    for, or where some value is refused, the last valid run and why (the true weights alone fall
    back to the last valid weights). The iteration moves only when the run does (`run_shown`)."""
    notes = []
    values = dict(values)
    try:
        parse_weights(values["true_weights"])
    except InputError as err:
        weights = state.run.inputs.settings.true_weights
        values["true_weights"] = format_weights(weights)
        notes.append(Note("error", f"{err}. Showing the last valid weights: {format_weights(weights)}."))
    try:
        asked = _asked(values, uploaded)
    except InputError as err:
        asked = state.run.inputs
        notes.append(Note("error", f"{err}. Showing the last valid run."))
    return Transition(replace(state, asked=asked), {}, tuple(notes))


def preset_chosen(state: PageState, name: str, current: Mapping[str, object]) -> Transition:
    """A preset chosen: its inputs set (the rest to their defaults) and its run opened on its
    iteration, even where that run is the one on screen (`opened` tells the panel to go there).
    `current`: every input's value now (share.DEFAULTS' keys and the folds'). What each input was
    and became is kept (`preset_set`) for `iteration_reported`, which undoes a stale browser's
    echo of the old values."""
    preset = PRESETS[name]
    inputs, changes = {}, []
    for key, to in {**share.DEFAULTS, **preset.values}.items():
        if key not in ("iteration", "presenter", "uploaded"):  # a preset is a lesson, not a view
            changes.append(PresetChange(key, current.get(key, share.DEFAULTS[key]), to))
            inputs[key] = to
    changed = [key for key, value in preset.values.items() if value != share.DEFAULTS.get(key)]
    for fold in folds_of(changed):  # the inputs the lesson is about are shown
        changes.append(PresetChange(fold, current.get(fold), True))
        inputs[fold] = True
    return Transition(
        replace(
            state,
            preset_set=tuple(changes),
            open_at=preset.start,
            run=state.run._replace(id=None),
            opened=state.opened + 1,
        ),
        inputs,
    )


def file_read(state: PageState, columns: list[str], target: str, start: str) -> Transition:
    """An uploaded file's header read (`columns`), before the target select and the start box are
    drawn, so that both show what the run uses. A target column (a link's, by name) the file has
    not is dropped with a warning naming the columns it has (for the session, as the link's);
    a start chosen on the map whose length does not fit the file's parameters is dropped with a
    note (one the user typed stays in its box: ui.runs.the_run says why it is not used)."""
    inputs, warnings, notes, map_start = {}, (), (), state.map_start
    try:
        target_column(columns, target)
    except TargetMismatch as err:
        index, why = target_column(columns)
        warnings = (f"Ignored the target column {quote(target)}: {err}. Using {columns[index]}, {why}.",)
        inputs["target"] = ""
    if start and start == map_start:
        given = len(parse_start(start))
        if given != len(columns):  # w1..wd and b: one a column
            said_ = (
                f"The start chosen on the map ({start}) has {given} numbers and this file's run "
                f"has {len(columns)} parameters: it starts from zeros."
            )
            notes, map_start, inputs["start"] = (Note("info", said_),), "", ""
    next_state = replace(state, link_warnings=state.link_warnings + warnings, map_start=map_start)
    return Transition(next_state, inputs, notes)


def axes_known(
    state: PageState, names: list[str], auto: AxisNames, shown: Mapping[str, object]
) -> Transition:
    """The run's parameter names known: the surface axes the user chose (`shown`: surface_x and
    surface_y as the widgets hold them, either possibly missing) stay where the data have them,
    else the data's own (`auto`: the largest true weights, left out of links), the depth axis never
    the horizontal one. A link's axis these data have not is dropped with a warning naming the
    parameters they have (for the session, as the link's other warnings)."""
    x = shown.get("surface_x")
    x = x if x in names else auto.x
    others = [n for n in names if n != x]
    y = shown.get("surface_y")
    y = y if y in others else (auto.y if auto.y in others else others[0])
    chosen = {"surface_x": x, "surface_y": y}
    missing = tuple(
        share.missing_axis(link.axis, link.name, names, chosen[link.axis])
        for link in state.link_axes
        if link.name not in names
    )
    inputs = {key: name for key, name in chosen.items() if shown.get(key) != name}
    next_state = replace(state, auto_axes=auto, link_axes=(), link_warnings=state.link_warnings + missing)
    return Transition(next_state, inputs)


# ---- the run -----------------------------------------------------------------------------------


def run_shown(state: PageState, run: RunShown) -> PageState:
    """The run on screen after this page view's inputs. A new run starts at iteration 0 (a shared
    link's first run where the link says, a preset's where the preset says); the iteration the
    panel opens a run at stays fixed for that run, so that the light rerun after a report sends the
    panel the very same element, which Streamlit then does not send again. A run with the same
    cache key (an input that changes no run: the presenter switch, the surface axes, a refused
    value) keeps the iteration; so does one the browser runs from the run on screen (RunShown.made),
    which opens nothing new (a what-if choice's `open_at` is moot: the panel is there already)."""
    iteration, open_at, start = state.iteration, state.open_at, state.run_start
    if state.run.id != run.id:
        iteration, open_at = open_at, 0
        start = iteration
    elif run.made is not None:  # the browser runs the settings over the run on screen, where it is
        open_at = 0
    return replace(
        state,
        run=run,
        iteration=min(iteration, run.steps),
        open_at=open_at,
        run_start=min(start, run.steps),
    )
