"""The sidebar: its widgets (the preset, the data, the optimizer, the folds), their range
messages, and the surface axes. It draws what session state holds and computes nothing.

State flows one way: link/widgets/panel message → transition (ui.state) → PageState → run →
page. The widgets' values are read after they are drawn (ui.view hands them to
ui.state.from_widgets); a preset chosen is a transition of its own (`preset_changed`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import streamlit as st

from gd import explain, registry, share
from gd.data import csv_columns, target_column
from gd.inputs import (
    OPTIMIZER_LABELS,
    OPTIMIZERS,
    RANGES,
    SCHEDULE_LABELS,
    SCHEDULE_NAMES,
    InputError,
    fmt,
    widget_bounds,
)
from gd.presets import PRESETS
from gd.run import Experiment
from ui.folds import FOLDS
from ui.session import commit, ready, ss, state, value
from ui.state import AxisNames, axes_known, file_read, preset_chosen


def preset_changed() -> None:
    """The preset select's callback: the preset's transition, given every input's value now."""
    current = {key: value(key) for key in share.DEFAULTS} | {fold: ss.get(fold) for fold in FOLDS}
    commit(preset_chosen(state(), ss.preset, current))


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


class Sidebar(NamedTuple):
    """What the sidebar leaves to the page: the uploaded file's bytes (None: the synthetic data),
    the slot beside the learning rate for its stability note, and the slot of the sample count
    (a file's rows, once it is read: `file_rows`)."""

    upload: bytes | None
    note: object
    rows: object


def sidebar() -> Sidebar:
    """Draw the inputs (their values stay in session state: `values`)."""

    def hyper_input(h: registry.Hyper) -> None:
        """The number widget of one hyper-parameter, its bounds and help from gd.registry."""
        number(
            f"{h.range.label.capitalize()} {h.symbol}",
            h.name,
            format="%g",
            placeholder=f"default {fmt(h.default)}",
            help=f"{h.range.help[:1].upper()}{h.range.help[1:]}; torch.optim's default is {fmt(h.default)}.",
        )

    with st.sidebar:
        st.selectbox(
            "Preset",
            list(PRESETS),
            key="preset",
            on_change=preset_changed,
            format_func=lambda k: PRESETS[k].label,
            help="A starting point; every input stays yours to change.",
        )

        st.header("Data")
        file = st.file_uploader(
            "Your own CSV (optional)",
            type=["csv"],
            key=state().upload_key,
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

    return Sidebar(upload, note, rows)


def file_columns(upload: bytes) -> None:
    """An uploaded file's target column: which one the run takes and why, and a choice of it (a
    share link carries the choice by name: `target`, used when the same file is uploaded there).
    What the file's header changes (a link's column it has not, a start from the map that does
    not fit it) is the transition ui.state.file_read, before the start box and the select are
    drawn, so that both show what the run uses."""
    try:
        columns = csv_columns(upload)
    except InputError:
        return  # the run says what is wrong with the file
    commit(file_read(state(), columns, ss.target, value("start")))  # start: LAZY, read as its default
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


class Axes(NamedTuple):
    """The parameters (their indices in the run's θ) the surface is drawn over."""

    x: int
    y: int


def surface_axes(ex: Experiment) -> Axes:
    """The sidebar's choice of the two parameters the surface is drawn over."""
    names = list(ex.names)
    weights = ex.true_theta[:-1] if ex.true_theta is not None else ex.problem.theta_star[:-1]
    order = [int(p) for p in np.argsort(-np.abs(weights), kind="stable")]
    default_x, default_y = (order[0], order[1]) if ex.d > 1 else (0, ex.d)
    commit(axes_known(state(), names, AxisNames(names[default_x], names[default_y]), ss))
    others = [n for n in names if n != ss.surface_x]
    with st.sidebar:
        if box := fold("Surface axes", "fold_surface"):
            box.selectbox("Horizontal axis", names, key="surface_x")
            box.selectbox("Depth axis", others, key="surface_y")
    return Axes(names.index(ss.surface_x), names.index(ss.surface_y))
