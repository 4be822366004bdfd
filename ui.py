"""Gradient descent, step by step: the Streamlit page (run by app.py, the entry script).

Layout only. Numbers come from gd.run, figures from gd.figures, the live panel's data from gd.live,
words and formulas from gd.explain, share links from gd.share. Everything that follows the current
iteration (Step, Play, Reset, the scrubber, every chart's moving part, the metrics and the numbers
at that iteration) lives in the browser, in the live panel (panel.py, static/*.js): the server
computes runs and hears the iteration once after the user stops, never per frame.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace

# pandas is imported whole before any session runs: plotly uses pandas when it is in sys.modules,
# and sessions starting together would otherwise see it half-imported.
import numpy as np
import pandas  # noqa: F401
import plotly.io as pio
import streamlit as st

from gd import explain, figures, live, registry, share
from gd.checks import quote
from gd.data import TargetMismatch, csv_columns, load_csv, target_column
from gd.export import surface_html, trajectory_csv
from gd.inputs import (
    FIELD_NAMES,
    OPTIMIZER_LABELS,
    OPTIMIZERS,
    RANGES,
    SCHEDULE_LABELS,
    SCHEDULE_NAMES,
    START,
    InputError,
    Settings,
    StartMismatch,
    fmt,
    format_weights,
    parse_start,
    parse_weights,
    widget_bounds,
)
from gd.presets import PRESETS
from gd.run import Experiment, check_scales, experiment, variants
from panel import (
    figure_id,
    live_panel,
    plotly_js,
    read_chart_pick,
    read_map_pick,
    read_report,
    read_settings,
    state_field,
    static_chart,
)

UPLOAD_ROWS = 100_000  # rows of an uploaded CSV the app accepts (the uploader caps bytes first)
ss = st.session_state

# Folds: the sidebar's groups of inputs few users touch, each an expander drawn only while it is
# open. A widget costs Streamlit about 0.4 ms of server CPU on every page view; a closed fold
# costs none (bench/page.py). Their values live in session state whether drawn or not
# (`init_state` keeps them), so closing a fold changes no run. A fold opens by itself where a share
# link or a preset sets one of its inputs, so that nothing a run depends on is hidden.
FOLDS = {
    "fold_data": ("noise", "seed", "feature_scale", "feature_mean", "outlier"),
    "fold_optimizer": tuple(
        sorted({h.name for e in registry.OPTIMIZERS.values() for h in e.hypers if not h.main})
    ),
    "fold_advanced": ("start", "schedule", *registry.SCHEDULE_RANGES, "l2"),
    "fold_compare": ("compare", "compare_rates", "compare_batches"),
    "fold_surface": ("surface_x", "surface_y"),
}


def folds_of(keys) -> list[str]:
    """The folds that hold any of these inputs."""
    return [fold for fold, held in FOLDS.items() if not set(held).isdisjoint(keys)]


# Inputs whose widget a page may not draw (those in folds, the hyper-parameters of other
# optimizers, the batch size of full-batch ones): they enter session state only when their widget
# is first drawn, or a link or a preset sets them, and are read meanwhile as their default
# (`value`). Every widget Streamlit draws scans every key of session state (`filtered_state`),
# each about 5 µs: two dozen keys fewer on a new page save its view about 1 ms (bench/page.py).
# (the surface axes, though folded, are set on every run: `surface_axes`)
FOLDED = {key for held in FOLDS.values() for key in held} - {"surface_x", "surface_y"}
LAZY = frozenset(FOLDED | set(registry.HYPER_RANGES) | {"batch_size"})


def value(key: str):
    """Input `key`'s value: session state's, else (not set yet: see LAZY) its default."""
    return ss.get(key, share.DEFAULTS[key])


def ready(*keys: str) -> None:
    """Put inputs in session state (their defaults) before their widgets are drawn: a widget
    gets no `value=` of its own."""
    for key in keys:
        if key not in ss:
            ss[key] = share.DEFAULTS[key]


# ---- cached computation: small results only, bounded ----------------------------------------


# One result serves every session that asks for it: cache_resource shares the object (the engine
# makes its arrays read-only) where cache_data would unpickle a copy per session and per hit.
# Large runs take turns inside `experiment` (gd.run.heavy_pass: two at a time in the process); a
# session whose run waits for its turn sees this spinner meanwhile, and is answered after.
#
# A cache looks a call up by its arguments, hashed on every page view. The run's own arguments
# (settings, the upload, comparisons) are hashed once a view, into `key` (`cache_key`), which also
# tells a new run from the last; the functions take them as underscore arguments, which Streamlit
# leaves out of the hash: hashing the dataclasses again, three times a view, was a sixth of a
# view's server time. They are called with keywords only: for each positional argument Streamlit
# looks its name up with inspect.signature, on every call.
def cache_key(settings: Settings, upload: bytes | None, compare: tuple[Settings, ...]) -> str:
    data = "" if upload is None else hashlib.blake2b(upload, digest_size=16).hexdigest()
    return repr((settings, compare, data))


@st.cache_resource(max_entries=8, show_spinner="Running gradient descent… (large data sets take turns)")
def run_experiment(*, key: str, _settings: Settings, _upload: bytes | None, _compare: tuple) -> Experiment:
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
def rate_sweep(*, key: str, _settings, _upload, _compare) -> bytes:
    """The sweep chart's JSON text (as bytes): built once, shared by every session (no
    unpickling)."""
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


# ---- state ------------------------------------------------------------------------------------


@dataclass
class Memo:
    """What the page keeps from run to run besides its inputs and the iteration, under one key of
    session state (`ss.memo`): every widget Streamlit draws scans every key (see LAZY)."""

    good: tuple = (Settings(), ())  # the last valid (settings, comparisons): shown while input is refused
    url_warnings: list = field(default_factory=list)  # what the link asked for that cannot be
    link_uploaded: bool = False  # the link was made on an uploaded file it cannot carry
    upload_key: str = "upload"  # the uploader's key in this session (see init_state)
    url_axes: dict = field(default_factory=dict)  # a link's surface axes, checked once names are known
    open_at: int = 0  # where the next new run opens (a link's or a preset's iteration)
    run_id: str | None = None  # the cache key of the run shown
    run_start: int = 0  # the iteration the panel opened it at
    run_key: str | None = None  # gd.live.run_key of the run shown: what the browser's reports name
    run_steps: int = 0
    run_theta0: list = field(default_factory=list)  # its start (a click on the map keeps the rest)
    auto_axes: tuple | None = None  # the surface axes chosen for the data (left out of links)
    sweep_id: str | None = None  # the sweep's figure_id (its clicks name it)
    opened: int = 0  # bumped when a preset opens its run (the panel then goes to its iteration)
    preset_set: dict = field(default_factory=dict)  # what the last preset changed: (before, after)
    pick_error: str | None = None  # a click on the sweep at a rate not allowed, said once
    map_start: str | None = None  # the start box's text as a click on the map set it
    start_note: str | None = None  # a start from the map that a new file could not use, said once
    start_dropped: bool = False  # the run shown is the inputs' on an uploaded file, from zeros


def memo() -> Memo:
    return ss.memo


def init_state() -> None:
    """Widget values live in session state, set once (from the URL on a session's first run);
    widgets get no `value=` of their own."""
    for key, default in share.DEFAULTS.items():
        if key not in LAZY and key not in ("surface_x", "surface_y", "iteration", "uploaded"):
            ss.setdefault(key, default)
    ss.setdefault("current", 0)  # the iteration the browser last reported
    ss.setdefault("preset", "article")
    first = "memo" not in ss  # a session's first run: no widget has a value of its own yet
    if first:
        m = ss.memo = Memo()
        values, m.url_warnings = share.from_query(st.query_params.to_dict())
        m.open_at = values.pop("iteration", 0)  # where the link's run opens
        m.link_uploaded = values.pop("uploaded", False)  # made on a file the link cannot carry
        if m.link_uploaded:
            # An uploader of its own for this session: where the browser was taken over from a
            # stopped server (a replica behind deploy/serve), it still lists the file under the
            # old key, which this server does not hold; a new key draws an empty uploader.
            m.upload_key = f"upload_{secrets.token_hex(4)}"
        # a link's surface axes, to warn about once the data's parameter names are known
        m.url_axes = {k: values[k] for k in ("surface_x", "surface_y") if k in values}
        for key, given in values.items():
            ss[key] = given
        for fold in folds_of(values):  # what the link sets is shown
            ss[fold] = True
    # Keep the values of inputs a run does not draw (Streamlit forgets a widget's value the first
    # run it is not drawn): those in closed folds, the hyper-parameters of other optimizers, the
    # batch size of full-batch ones.
    for key in () if first else (*registry.HYPER_RANGES, *share.SHARED):
        if key in ss and key not in ("iteration", "uploaded"):
            ss[key] = ss[key]


def apply_preset() -> None:
    """Set the preset's inputs (the rest to their defaults) and open its run on its iteration,
    even where that run is the one on screen (`opened` tells the panel to go there). What each
    input was and became is kept (`preset_set`) for `iteration_reported`, which undoes a stale
    browser's echo of the old values."""
    preset = PRESETS[ss.preset]
    m = memo()
    m.preset_set = {}
    for key, to in {**share.DEFAULTS, **preset.values}.items():
        if key not in ("iteration", "presenter", "uploaded"):  # a preset is a lesson, not a view
            m.preset_set[key] = (value(key), to)
            ss[key] = to
    changed = [key for key, value in preset.values.items() if value != share.DEFAULTS.get(key)]
    for fold in folds_of(changed):  # the inputs the lesson is about are shown
        m.preset_set[fold] = (ss.get(fold), True)
        ss[fold] = True
    m.open_at = preset.start
    m.run_id = None
    m.opened += 1


def preset_in_force() -> bool:
    """Whether the inputs are still those the chosen preset set (its note applies to them), but
    for those its note invites the user to change."""
    preset = PRESETS[ss.preset]
    wanted = {**share.DEFAULTS, **preset.values}
    view = set(share.VIEW) - set(preset.values)
    view |= set(preset.tries) | {"target"}  # a file's column: no preset has a file
    return all(value(key) == wanted_value for key, wanted_value in wanted.items() if key not in view)


def say(kind, text: str) -> None:
    """Show a message whose text may hold user input: escaped, never markdown or HTML."""
    kind(explain.md(text))


# ---- inputs -----------------------------------------------------------------------------------


def fold(label: str, key: str):
    """A fold of `FOLDS`: the container to draw its inputs into while it is open, else None (its
    inputs are not drawn at all; opening it reruns the page)."""
    box = st.expander(label, key=key, on_change="rerun")
    if not box.open:
        return None
    ready(*FOLDS.get(key, ()))
    return box


def number(label: str, name: str, rng=None, **options) -> None:
    """The number box of input `name`, without Streamlit's own min_value/max_value: past those it
    turns the box red with "Press Enter to apply" and ignores Enter, saying why only in a hover
    icon. Here any number typed is taken and stays in the box; gd.inputs' range checks it, and a
    value out of range is named under the box in words, with the range allowed, while the page
    keeps the last valid run (the run's own validation refuses it)."""
    ready(name)
    st.number_input(label, key=name, step=widget_bounds(name)["step"], **options)
    message = range_message(name, ss.get(name), rng)
    if message:
        st.error(message, icon=":material/warning:")


def range_message(name: str, value, rng=None) -> str | None:
    """Why `value` is not allowed for input `name` (markdown, our own words and the number), or
    None. `rng`: the range that applies where it is narrower than the table's (a schedule's gamma)."""
    if value is None:  # an optional hyper-parameter left to its default
        return None
    try:
        (rng or RANGES[name]).check(value)
    except InputError as err:
        text = str(err)
        return explain.md(text[:1].upper() + text[1:] + ". The page keeps the last valid run.")
    return None


def sidebar():
    """Draw the inputs; return (settings, comparison, upload bytes, problems, note slot, the
    slot of the sample count)."""

    def hyper_input(h: registry.Hyper) -> None:
        """The number widget of one hyper-parameter, its bounds and help from gd.registry."""
        number(
            f"{h.range.label.capitalize()} {h.symbol}",
            h.name,
            format="%g",
            placeholder=f"default {fmt(h.default)}",
            help=f"{h.range.help[:1].upper()}{h.range.help[1:]}; torch.optim's default is {fmt(h.default)}.",
        )

    errors = []
    with st.sidebar:
        st.selectbox(
            "Preset",
            list(PRESETS),
            key="preset",
            on_change=apply_preset,
            format_func=lambda k: PRESETS[k].label,
            help="A starting point; every input stays yours to change.",
        )

        st.header("Data")
        file = st.file_uploader(
            "Your own CSV (optional)",
            type=["csv"],
            key=memo().upload_key,
            help="A header row; the target is the column y, else the last "
            "one (or the one you choose); every other column is a numeric feature.",
        )
        upload = file.getvalue() if file is not None else None
        synthetic = upload is None
        if not synthetic:
            st.caption(":material/link: Not in the share link: a link holds settings, not data.")
            file_columns(upload)
        st.text_input(
            "True weights",
            key="true_weights",
            disabled=not synthetic,
            help="w1, …, wd: 1 to 20 numbers separated by commas. y = w·x + b.",
        )
        try:
            weights = parse_weights(ss.true_weights)
        except InputError as err:
            weights = memo().good[0].true_weights
            errors.append(f"{err}. Showing the last valid weights: {format_weights(weights)}.")
        number(
            "Bias",
            "bias",
            format="%g",
            disabled=not synthetic,
        )
        # the sample count: for a file, its rows once it is read (`file_rows`, into this slot)
        rows = None if synthetic else st.empty()
        if synthetic:
            number("Samples", "samples")
        data_fold(synthetic)
        st.toggle(
            "Standardise features",
            key="standardize",
            help="Gradient descent on z-scores (x − mean) / std; weights are reported in the "
            "original units as well.",
        )

        st.header("Optimizer")
        st.selectbox("Optimizer", OPTIMIZERS, key="optimizer", format_func=OPTIMIZER_LABELS.get)
        number(
            "Learning rate η",
            "learning_rate",
            format="%g",
        )
        note = st.empty()
        entry = registry.entry(ss.optimizer)
        for h in entry.hypers:
            if h.main:
                hyper_input(h)
        if entry.minibatch:
            number(
                "Batch size B",
                "batch_size",
                help="Samples per step; B = samples is full-batch descent.",
            )
        number("Steps", "steps")
        others = [h for h in entry.hypers if not h.main]
        if others and (box := fold("Optimizer settings", "fold_optimizer")):
            with box:
                for h in others:
                    hyper_input(h)
        advanced()

        if not ss.presenter and (box := fold("Compare with other runs", "fold_compare")):
            box.multiselect(
                "Optimizers to compare",
                OPTIMIZERS,
                key="compare",
                format_func=OPTIMIZER_LABELS.get,
                max_selections=share.MAX_COMPARE,
                help="Each is run on the same data and drawn on every chart.",
            )
            box.text_input(
                "At learning rates (optional)", key="compare_rates", placeholder="e.g. 0.01, 0.1, 0.5"
            )
            box.text_input(
                "SGD batch sizes (optional)", key="compare_batches", placeholder="e.g. 1, 32, 5000"
            )

    try:
        values = {key: value(key) for key in FIELD_NAMES}
        values["target"] = values["target"] if upload is not None else ""  # no column to name
        settings = share.settings_of({**values, "true_weights": format_weights(weights)}).validated()
        rates = share.parse_list(value("compare_rates"), RANGES["learning_rate"].parse, "learning rates")
        batches = share.parse_list(value("compare_batches"), RANGES["batch_size"].parse, "batch sizes")
        compare = tuple(variants(settings, list(value("compare")), rates, batches))
    except InputError as err:
        settings, compare = memo().good
        errors.append(f"{err}. Showing the last valid run.")
    return settings, compare, upload, errors, note, rows


def file_columns(upload: bytes) -> None:
    """An uploaded file's target column: which one the run takes and why, and a choice of it (a
    share link carries the choice by name: `target`, used when the same file is uploaded there).
    A link's name that this file has no column of is dropped with a warning naming its columns;
    a start chosen on the map that does not fit the file's parameters is dropped with a note
    (one the user typed stays in its box: `the_run` says why it is not used). Before the start
    box and the select are drawn, so that both show what the run uses."""
    try:
        columns = csv_columns(upload)
    except InputError:
        return  # the run says what is wrong with the file
    m = memo()
    try:
        target_column(columns, ss.target)
    except TargetMismatch as err:
        index, why = target_column(columns)
        m.url_warnings.append(
            f"Ignored the target column {quote(ss.target)}: {err}. Using {columns[index]}, {why}."
        )
        ss.target = ""
    start = value("start")  # in session state only once its fold was opened (LAZY)
    if start and start == m.map_start:
        given = len(parse_start(start))
        if given != len(columns):  # w1..wd and b: one a column
            m.start_note = (
                f"The start chosen on the map ({start}) has {given} numbers and this file's run "
                f"has {len(columns)} parameters: it starts from zeros."
            )
            ss.start = m.map_start = ""
    index, why = target_column(columns)
    st.selectbox(
        "Target column",
        ["", *columns],
        key="target",
        format_func=lambda name: name or f"{columns[index]} (automatic)",
        help="The column the fit predicts; every other column is a feature. Automatic: the "
        "column named y, else the last one.",
    )
    index, why = target_column(columns, ss.target)
    features = len(columns) - 1
    others = (
        f"the other {features} columns are features" if features > 1 else "the other column is the feature"
    )
    st.caption(explain.md(f"Target: {columns[index]}, {why}; {others}."))


def data_fold(synthetic: bool) -> None:
    """The data's inputs few users touch: noise, the seed, the features' scales and mean, an outlier."""
    box = fold("Noise, seed, feature scales and outliers", "fold_data")
    if box is None:
        return
    with box:
        number(
            "Noise (standard deviation added to y)",
            "noise",
            format="%g",
            disabled=not synthetic,
        )
        number(
            "Seed",
            "seed",
            help="The same seed gives the same data and the same mini-batches.",
        )
        number(
            "Feature scale",
            "feature_scale",
            format="%g",
            disabled=not synthetic,
            help="Feature j has standard deviation scale^(j/(d−1)): 1 is the "
            "article's data; larger makes a narrow valley.",
        )
        number(
            "Feature mean",
            "feature_mean",
            format="%g",
            disabled=not synthetic,
        )
        number(
            "Outlier (added to the first sample's y)",
            "outlier",
            format="%g",
            disabled=not synthetic,
        )


def file_rows(slot, ex: Experiment, upload) -> None:
    """Where the sample count stands: the uploaded file's rows (the run's n), not the synthetic
    data's count, which the file replaces."""
    if upload is not None:
        slot.number_input(
            "Samples (the rows of your file)",
            value=ex.problem.n,
            disabled=True,
            key=f"file_rows_{ex.problem.n}",
            help="An uploaded file's rows are its samples.",
        )
    else:
        with slot.container():
            number("Samples", "samples")


def advanced() -> None:
    """Start, schedule and ridge: beyond plain descent, folded away (the stability note beside the
    learning rate says when the optimizer has no rate for a schedule to change)."""
    box = fold("Advanced: start, schedule, ridge", "fold_advanced")
    if box is None:
        return
    with box:
        st.text_input(
            "Start θ₀ (w1, …, wd, b)",
            key="start",
            placeholder="zeros",
            help="Where the run starts: one number per weight, the bias last; empty for zeros. "
            "Clicking the contour map sets the two parameters it shows.",
        )
        st.selectbox(
            "Learning-rate schedule",
            SCHEDULE_NAMES,
            key="schedule",
            format_func=SCHEDULE_LABELS.get,
            help="ηₜ at update t, as torch.optim.lr_scheduler computes it when stepped after every update.",
        )
        schedule = registry.schedule(ss.schedule)
        for h in schedule.params:  # gamma checked against this schedule's range (step's: at most 1)
            number(
                f"{h.range.label.capitalize()} {h.symbol}",
                h.name,
                schedule.gamma_range if h.name == "gamma" else None,
                format="%g",
                placeholder=f"default {fmt(h.default)}",
                help=f"Default {fmt(h.default)} for the {schedule.name} schedule.",
            )
        number(
            "Ridge penalty λ",
            "l2",
            format="%g",
            help="Minimise MSE + λ|w|² (the bias not penalised): every eigenvalue of the weights' "
            "Hessian grows by 2λ.",
        )


def start_picked() -> None:
    """A click on the contour map: its point becomes θ₀ for the two parameters shown, the others
    keep the run's start. Runs before any widget is drawn (a component's callback), so the start
    box shows it and the rerun starts there."""
    m = memo()
    theta0 = list(m.run_theta0)
    pick = read_map_pick(state_field(ss.get("live"), "pick"), m.run_key, len(theta0))
    if pick is None:
        return  # not a click the map makes: ignored, as a URL parameter that is not allowed
    i, j, x, y = pick
    try:
        theta0[i], theta0[j] = START.check(x), START.check(y)
    except InputError:
        return  # beyond any start the page allows: the map never offers such a point
    ss.start = m.map_start = format_weights(theta0)
    ss.fold_advanced = True  # the start box shows where the click set it


def rate_picked() -> None:
    """A click on the learning-rate sweep: its rate becomes η (a callback, before the widgets)."""
    x = read_chart_pick(state_field(ss.get("sweep"), "pick"), memo().sweep_id)
    if x is None:
        return  # not a click the chart makes: ignored
    try:
        ss.learning_rate = RANGES["learning_rate"].check(float(f"{x:.3g}"))
    except InputError as err:
        memo().pick_error = f"The clicked rate is not allowed: {err}."


def settings_chosen() -> None:
    """The panel's what-if controls let go (a callback, before the widgets): the rate, optimizer,
    momentum (and a start dragged on the map) the browser ran become the sidebar's (so sidebar,
    panel and share link agree), and the new run opens at the iteration shown, as a link's
    `iteration=` does. The server computes that run as for any input (this pass: issue 22 item
    3's split is not done)."""
    m = memo()
    message = state_field(ss.get("live"), "settings")
    chosen = read_settings(message, m.run_key, m.run_steps, len(m.run_theta0))
    if chosen is None:
        return  # not a message the controls send: ignored, as a URL parameter that is not allowed
    k = chosen.pop("k")
    if "start" in chosen:  # dragged on the map: the start box shows it, as a click's
        chosen["start"] = m.map_start = format_weights(chosen["start"])
        ss.fold_advanced = True
    if any(ss.get(key) != chosen[key] for key in chosen):
        m.open_at = k
    ss.current = k
    for key, given in chosen.items():
        ss[key] = given


def surface_axes(ex: Experiment) -> tuple[int, int]:
    """The sidebar's choice of the two parameters the surface is drawn over."""
    names = list(ex.names)
    weights = ex.true_theta[:-1] if ex.true_theta is not None else ex.problem.theta_star[:-1]
    order = [int(p) for p in np.argsort(-np.abs(weights), kind="stable")]
    default_x, default_y = (order[0], order[1]) if ex.d > 1 else (0, ex.d)
    m = memo()
    m.auto_axes = (names[default_x], names[default_y])  # left out of share links
    if ss.get("surface_x") not in names:
        ss.surface_x = names[default_x]
    others = [n for n in names if n != ss.surface_x]
    if ss.get("surface_y") not in others:
        ss.surface_y = names[default_y] if names[default_y] in others else others[0]
    axes, m.url_axes = m.url_axes, {}
    for axis, name in axes.items():  # a link's axis these data do not have
        if name not in names:
            m.url_warnings.append(share.missing_axis(axis, name, names, ss[axis]))
    with st.sidebar:
        if box := fold("Surface axes", "fold_surface"):
            box.selectbox("Horizontal axis", names, key="surface_x")
            box.selectbox("Depth axis", others, key="surface_y")
    return names.index(ss.surface_x), names.index(ss.surface_y)


def sync_url(iteration: int, inputs_shown: bool, uploaded: bool = False) -> None:
    """Keep the address bar a share link of what is on screen (only what differs from defaults).
    While some input is refused (`inputs_shown` false), the page shows the last valid run: the
    link keeps that run's inputs and follows only the iteration. `uploaded`: the run is on a file
    the link cannot carry (the link says so: uploaded=true). A start the file's run could not use
    (`Memo.start_dropped`: the run shown starts from zeros) is left out, as the run left it."""
    if inputs_shown:
        values = {key: value(key) for key in share.SHARED}
        if memo().start_dropped:
            values["start"] = ""
        if not uploaded:  # a file's column: nothing to say on the synthetic data
            values["target"] = ""
        values["iteration"] = iteration
        values["uploaded"] = uploaded
        if (values["surface_x"], values["surface_y"]) == memo().auto_axes:
            values["surface_x"] = values["surface_y"] = None
        query = share.to_query(values)
    else:
        query = {key: value for key, value in st.query_params.to_dict().items() if key != "iteration"}
        if iteration:
            query["iteration"] = str(iteration)
    if query != st.query_params.to_dict():
        st.query_params.from_dict(query)


# ---- what follows the iteration ---------------------------------------------------------------


def iteration_reported() -> None:
    """The browser stopped on an iteration (after Pause, Steps or a scrub): keep it for share
    links and downloads. The rerun that follows sends the panel the same data, so it stays put.
    A report names its run: one about another run (a late one), or one that is not an iteration
    of this run, changes nothing.

    It also names the `opened` it was made under. One made before the last preset was chosen
    (sent while that preset's rerun was on its way to the browser) changes nothing either, and
    more: its rerun carries every input as that browser still showed it, the values from before
    the preset, which Streamlit takes as the user's. Those echoes are undone, so the preset's run
    stays on screen at its own iteration; an input the user did change since is left as it is."""
    m = memo()
    heard = read_report(state_field(ss.get("live"), "iteration"), m.run_key, m.run_steps, m.opened)
    if heard is None or heard[0] == "other":
        return  # not a report the panel makes, or one about another run: changes nothing
    if heard[0] == "stale":
        for key, (before, after) in m.preset_set.items():
            if key in ss and ss[key] == before and before != after:
                ss[key] = after
        return
    ss.current = heard[1]


def formulas(ex: Experiment) -> None:
    """The formulas the panel's numbers fill in: they depend on the optimizer alone."""
    st.header("The formulas")
    # markdown of our own constants (no user text): formulas that wrap in a narrow column, one
    # paragraph each, one element a column (an element costs a page view about 0.3 ms)
    row = st.container(horizontal=True, gap="large")
    row.markdown("\n\n".join(explain.display(line) for line in explain.loss_lines(ex.settings)))
    lead = f":small[:gray[The update of {ex.settings.optimizer}, g being the gradient at step t:]]"
    row.markdown("\n\n".join([lead, *explain.rule_lines(ex.settings)]))


# ---- the page -----------------------------------------------------------------------------------

# Presenter mode: the page as a stage for a 1280 x 720 projector (the panel's own part is in
# static/live.css): less padding, the title on one line, the header bar see-through (its buttons
# stay), the sidebar collapsed by the page config (`main`).
PRESENTER_CSS = """<style>
[data-testid="stMainBlockContainer"] { padding: 3.25rem 2rem 1rem; max-width: none; }
[data-testid="stHeader"] { background: transparent; }
h1 { font-size: 2.5rem !important; padding: 0 !important; white-space: nowrap; }
h2 { font-size: 1.75rem !important; }
/* the sidebar, opened, lies over the stage rather than narrowing it: the stage keeps its layout
   (!important: Streamlit sets the sidebar's position in its style attribute) */
[data-testid="stSidebar"] { position: fixed !important; top: 0; bottom: 0; left: 0; z-index: 999991; }
[data-testid="stSidebar"][data-collapsed="false"] { box-shadow: 0 0 2rem rgba(0, 0, 0, 0.3); }
</style>"""


def the_run(settings, compare, upload, errors: list[str]):
    """The run the inputs ask for, or, where it cannot be made, the last valid one (and why):
    (experiment, its cache key, settings, compare, upload) of the run shown."""
    memo().start_dropped = False
    try:
        key = cache_key(settings, upload, compare)
        ex = recent(run_experiment, key=key, _settings=settings, _upload=upload, _compare=compare)
        memo().good = (settings, compare)
        return ex, key, settings, compare, upload
    except InputError as err:
        if upload is not None and isinstance(err, StartMismatch):
            # the file is fine, the start does not fit it: the file stays, the run starts at zeros
            plain = replace(settings, start=())
            try:
                key = cache_key(plain, upload, compare)
                ex = recent(run_experiment, key=key, _settings=plain, _upload=upload, _compare=compare)
            except InputError:
                pass  # the file itself cannot be used either: said below
            else:
                memo().good = (plain, compare)
                memo().start_dropped = True  # the run shown is the inputs' but for the start
                errors.append(f"The start cannot be used with this file: {err}. Starting from zeros instead.")
                return ex, key, plain, compare, upload
        what = "file" if upload is not None else "settings"
        errors.append(
            f"The {what} cannot be used: {err}."
            + (" Showing the synthetic data instead." if upload is not None else "")
        )
        settings, compare = memo().good
        key = cache_key(settings, None, compare)
        ex = recent(run_experiment, key=key, _settings=settings, _upload=None, _compare=compare)
        return ex, key, settings, compare, None


def follow_the_run(ex: Experiment, key: str) -> None:
    """A new run starts at iteration 0 (a shared link's first run where the link says, a
    preset's where the preset says); the iteration the panel opens a run at stays fixed for that
    run, so that the light rerun after a report sends the panel the very same element, which
    Streamlit then does not send again."""
    m = memo()
    if m.run_id != key:  # the run's cache key: its settings, comparisons and data
        ss.current, m.open_at = m.open_at, 0
        m.run_id = key
        m.run_start = ss.current
    ss.current = min(ss.current, ex.trajectory.steps)
    m.run_start = min(m.run_start, ex.trajectory.steps)
    m.run_key, m.run_steps = live.run_key(ex), ex.trajectory.steps  # what reports must name
    m.run_theta0 = ex.trajectory.params[0].tolist()  # a click on the map keeps the others


def header() -> None:
    # one row, the switch at its end (a row is one element where st.columns makes three)
    row = st.container(horizontal=True, vertical_alignment="bottom", horizontal_alignment="distribute")
    row.title("Gradient descent, step by step", width="content")
    row.toggle(
        "Presenter mode", key="presenter", help="Larger fonts and lines for a projector; fewer controls."
    )
    if ss.presenter:
        st.markdown(PRESENTER_CSS, unsafe_allow_html=True)  # our own CSS; no user text
    else:
        st.caption(
            "Linear regression y = w·x + b fitted by minimising the mean squared error, one "
            "update at a time, after “The Mathematics Behind Gradient Descent”."
        )


# past the limit the error along G's top eigenvector grows every step; the loss may still fall
# for a while, and a short run may end before it passes gd.run.divergence_limit
PAST_THE_LIMIT = (
    "This learning rate is past the stability limit: the error along the fastest direction grows "
    "with every step, and the run diverges if it runs long enough."
)


def messages(ex: Experiment, upload, errors: list[str]) -> None:
    """The preset's note, warnings, errors and tips, each said once."""
    preset = PRESETS[ss.preset]
    noted = upload is None and preset_in_force()
    if noted and (ss.preset != "article" or not ss.presenter):
        st.info(f"**{preset.label}.** {preset.watch}")
    if upload is not None:
        st.warning(share.NOT_IN_LINK, icon=":material/link:")
    elif memo().link_uploaded:
        st.warning(share.UPLOADED_LINK, icon=":material/link:")
    for message in memo().url_warnings:
        say(st.warning, message)
    if memo().start_note:
        say(st.info, memo().start_note)
        memo().start_note = None
    for message in errors:
        say(st.error, message)
    if memo().pick_error:
        say(st.warning, memo().pick_error)
        memo().pick_error = None
    if explain.will_diverge(ex) and ex.trajectory.diverged_at is None:  # said once: below if it did
        st.warning(f"{PAST_THE_LIMIT} {explain.stability_note(ex)}")
    if ex.trajectory.diverged_at is not None:
        st.error(explain.divergence_text(ex))
    for other in ex.others:
        if other.trajectory.diverged_at is not None:
            say(st.warning, f"{other.label} diverged at step {other.trajectory.diverged_at}.")
    # our own words and numbers (no user text); a preset's note that says standardise says it once
    for tip in explain.guidance(ex, standardise=not (noted and "standardize" in preset.tries)):
        st.info(tip, icon=":material/lightbulb:")


def sweep_and_exports(ex: Experiment, run: dict, i: int, j: int) -> None:
    """Below the panel: the learning-rate sweep and the downloads (built only when clicked)."""
    st.header("Which learning rate?")
    sweep = recent(rate_sweep, **run)
    memo().sweep_id = figure_id(sweep)  # hashed once a view: static_chart is given it
    has_rate = registry.entry(ex.settings.optimizer).rate
    swept = figures.sweep_kind(ex)
    static_chart(
        sweep,
        f"Excess loss after {ex.settings.steps:,} steps of {swept} against the "
        "learning rate, on log scales, with the stability limit and the current rate marked.",
        "sweep",
        on_pick=rate_picked if has_rate else None,
        caption=explain.sweep_caption(ex, swept)
        + (" Click the chart to run at that rate." if has_rate else ""),
        figure_key=memo().sweep_id,
    )
    # a fold, as the sidebar's: two download buttons cost a page view about 1 ms of server CPU
    # (bench/page.py) that few views use; their files are built only when clicked
    box = fold("Export: the trajectory as CSV, the animated surface as HTML", "fold_export")
    if box is None:
        return
    row = box.container(horizontal=True)  # one element where st.columns makes three
    row.download_button(
        "Download the trajectory (CSV)",
        key="download_csv",
        mime="text/csv",
        file_name="gradient-descent-trajectory.csv",
        on_click="ignore",
        data=lambda: trajectory_csv(ex.trajectory, ex.d),
    )
    row.download_button(
        "Download the animated surface (HTML, plays offline)",
        key="download_html",
        mime="text/html",
        file_name="gradient-descent-surface.html",
        on_click="ignore",
        data=lambda: surface_html(ex, i, j, plotly_js()),
    )


def main() -> None:
    """The page, top to bottom: one script run."""
    init_state()
    # Presenter mode collapses the sidebar; leaving it opens the sidebar again ("auto": open on a
    # wide window, closed on a phone). Streamlit lets a sidebar the user opened or closed by hand
    # keep that state (it remembers it in the browser).
    st.set_page_config(
        page_title="Gradient descent, step by step",
        page_icon="📉",
        layout="wide",
        initial_sidebar_state="collapsed" if ss.presenter else "auto",
    )
    settings, compare, upload, errors, note, rows = sidebar()
    given, refused = upload is not None, len(errors)
    ex, key, settings, compare, upload = the_run(settings, compare, upload, errors)
    # refused: some input is not used by the run shown (a start the file cannot use is one the
    # run shown leaves out, not a refusal: the link then holds that run, `sync_url`)
    refused = refused > 0 or len(errors) > memo().start_dropped
    if given:  # the sidebar left the sample count to the file (or to the data shown instead)
        file_rows(rows, ex, upload)
        memo().link_uploaded = False  # a link's file given: nothing is missing any more
    note.markdown(explain.stability_note(ex))
    i, j = surface_axes(ex)
    follow_the_run(ex, key)
    run = {"key": key, "_settings": settings, "_upload": upload, "_compare": compare}  # the caches' keywords
    header()
    if not ss.presenter:
        messages(ex, upload, errors)
    live_panel(
        recent(live_payload, **run, i=i, j=j, presenter=ss.presenter),
        memo().run_start,
        iteration_reported,
        start_picked,
        memo().opened,
        settings_chosen,
    )
    if ss.presenter:  # the stage first: the panel fills the projector, the words follow it
        messages(ex, upload, errors)
    sync_url(ss.current, inputs_shown=not refused, uploaded=upload is not None or memo().link_uploaded)
    if not ss.presenter:
        formulas(ex)
        sweep_and_exports(ex, run, i, j)
