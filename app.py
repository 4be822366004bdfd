"""Gradient descent, step by step: the Streamlit page.

Layout only. Numbers come from gd.run, figures from gd.figures, words and formulas from gd.explain.
The animated 3-D surface depends on the run alone and is drawn by the full script; everything that
follows the current iteration lives in one fragment, so Step, Play and the scrubber rerun only it.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from gd import explain, figures
from gd.inputs import (
    MAX_SAMPLES,
    MAX_STEPS,
    OPTIMIZER_LABELS,
    OPTIMIZERS,
    RANGES,
    InputError,
    Settings,
    format_weights,
    parse_weights,
)
from gd.run import Experiment, experiment

st.set_page_config(page_title="Gradient descent, step by step", page_icon="📉", layout="wide")

TICK = 0.25  # seconds between Play's ticks
PLAY_TICKS = 60  # Play covers any run in about PLAY_TICKS * TICK = 15 s
PLOTLY_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["toImage"]}
DEFAULTS = Settings()
ss = st.session_state


@st.cache_data(max_entries=16, show_spinner="Running gradient descent…")
def run_experiment(settings: Settings) -> Experiment:
    return experiment(settings)


@st.cache_data(max_entries=16, show_spinner="Drawing the loss surface…")
def surface(settings: Settings, i: int, j: int, presenter: bool):
    return figures.surface_figure(run_experiment(settings), i, j, presenter)


def init_state() -> None:
    """Widget values live in session state, set once; widgets get no `value=` of their own."""
    defaults = DEFAULTS.to_dict()
    defaults["true_weights"] = format_weights(DEFAULTS.true_weights)
    for key, value in defaults.items():
        ss.setdefault(key, value)
    ss.setdefault("current", 0)  # the iteration shown; the scrubber (key "iteration") mirrors it
    ss.setdefault("playing", False)
    ss.setdefault("good_settings", DEFAULTS)
    # Keep the values of widgets that are hidden for some optimizers (Streamlit forgets a widget's
    # state in a run that does not draw it).
    for key in ("momentum", "batch_size"):
        ss[key] = ss[key]


def sidebar():
    """Draw the inputs; return the settings to run and the problems to report."""
    errors = []
    with st.sidebar:
        st.header("Data")
        st.text_input("True weights", key="true_weights",
                      help="w1, …, wd: 1 to 20 numbers separated by commas. y = w·x + b.")
        try:
            weights = parse_weights(ss.true_weights)
        except InputError as err:
            weights = ss.good_settings.true_weights
            errors.append(f"{err}. Showing the last valid weights: {format_weights(weights)}.")
        st.number_input("Bias", key="bias", min_value=RANGES["bias"].minimum,
                        max_value=RANGES["bias"].maximum, step=0.5, format="%g")
        st.number_input("Samples", key="samples", min_value=1, max_value=MAX_SAMPLES, step=1000)
        st.number_input("Noise (standard deviation added to y)", key="noise", min_value=0.0,
                        max_value=RANGES["noise"].maximum, step=0.1, format="%g")
        st.number_input("Seed", key="seed", min_value=0, max_value=int(RANGES["seed"].maximum), step=1)

        st.header("Optimizer")
        st.selectbox("Optimizer", OPTIMIZERS, key="optimizer", format_func=OPTIMIZER_LABELS.get)
        st.number_input("Learning rate η", key="learning_rate", min_value=RANGES["learning_rate"].minimum,
                        max_value=RANGES["learning_rate"].maximum, step=0.001, format="%g")
        note = st.empty()
        if ss.optimizer in ("momentum", "nesterov"):
            st.number_input("Momentum μ", key="momentum", min_value=0.0, max_value=0.999, step=0.05,
                            format="%g")
        if ss.optimizer == "sgd":
            st.number_input("Batch size B", key="batch_size", min_value=1, max_value=MAX_SAMPLES,
                            step=1, help="Samples per step; B = samples is full-batch gradient descent.")
        st.number_input("Steps", key="steps", min_value=1, max_value=MAX_STEPS, step=100)

    candidate = Settings(weights, float(ss.bias), int(ss.samples), float(ss.noise), int(ss.seed),
                         float(ss.learning_rate), int(ss.steps), ss.optimizer, int(ss.batch_size),
                         float(ss.momentum))
    try:
        settings = candidate.validated()
    except InputError as err:
        settings = ss.good_settings
        errors.append(f"{err}. Showing the last valid run.")
    return settings, errors, note


def surface_axes(ex: Experiment) -> tuple[int, int]:
    """The sidebar's choice of the two parameters the surface is drawn over."""
    names = list(ex.names)
    weights = ex.true_theta[:-1] if ex.true_theta is not None else ex.problem.theta_star[:-1]
    order = [int(p) for p in np.argsort(-np.abs(weights), kind="stable")]
    default_x, default_y = (order[0], order[1]) if ex.d > 1 else (0, ex.d)
    if ss.get("surface_x") not in names:
        ss.surface_x = names[default_x]
    others = [n for n in names if n != ss.surface_x]
    if ss.get("surface_y") not in others:
        ss.surface_y = names[default_y] if names[default_y] in others else others[0]
    with st.sidebar:
        st.header("Surface")
        st.selectbox("Horizontal axis", names, key="surface_x")
        st.selectbox("Depth axis", others, key="surface_y")
    return names.index(ss.surface_x), names.index(ss.surface_y)


def next_tick(k: int, T: int) -> int:
    """Play's next iteration: one step at a time at first, then larger strides."""
    marks = figures.milestones(T, PLAY_TICKS)
    later = marks[marks > k]
    return int(later[0]) if later.size else T


def step(T: int) -> None:
    ss.current = min(ss.current + 1, T)


def reset() -> None:
    ss.current = 0
    ss.stop_playing = ss.playing


def scrubbed() -> None:
    # The scrubber is disabled during Play; a value it sends then is a stale echo, not a user's.
    if not ss.playing:
        ss.current = ss.iteration


def live(ex: Experiment, top, contour_box, bottom, i: int, j: int) -> None:
    """Everything that follows the current iteration: controls, metrics, 2-D charts, math."""
    T = ex.trajectory.steps
    if ss.pop("stop_playing", False):
        ss.playing = False
        st.rerun()  # a full run restarts this fragment without its timer
    if ss.playing:
        ss.current = next_tick(ss.current, T)
        if ss.current >= T:
            ss.playing = False
            st.rerun()
    k = ss.current = min(ss.current, T)
    ss.iteration = k
    tr, pb = ex.trajectory, ex.problem

    with top:
        buttons, metrics = st.columns([2, 5], vertical_alignment="center")
        with buttons:
            b1, b2, b3 = st.columns(3)
            b1.button("Step", key="step", on_click=step, args=(T,), disabled=k >= T or ss.playing,
                      use_container_width=True, help="Advance one update")
            b2.button("Reset", key="reset", on_click=reset, use_container_width=True,
                      help="Back to iteration 0; the inputs stay")
            if b3.button("Pause" if ss.playing else "Play", key="play", type="primary",
                         use_container_width=True, disabled=T == 0):
                if not ss.playing and k >= T:
                    ss.current = 0
                ss.playing = not ss.playing
                st.rerun()
        with metrics:
            m = st.columns(5)
            m[0].metric("Iteration", f"{k:,}", help=f"of {T:,}")
            m[1].metric("Loss", f"{tr.loss[k]:.6g}",
                        delta=f"{tr.loss[k] - tr.loss[k - 1]:.3g}" if k else None,
                        delta_color="inverse", help="Mean squared error at the current parameters")
            m[2].metric("Distance to optimum", f"{np.linalg.norm(tr.params[k] - pb.theta_star):.4g}",
                        help="|θ − θ*|, θ* the least-squares solution")
            m[3].metric("Gradient norm", f"{tr.grad_norm[k]:.4g}")
            m[4].metric("Condition number", f"{pb.condition_number:.4g}",
                        help="λmax / λmin of the Hessian: how much slower the slowest direction is")
        if T > 0:
            st.slider("Go to iteration", 0, T, key="iteration", on_change=scrubbed,
                      disabled=ss.playing)

    with contour_box:
        st.plotly_chart(figures.contour_figure(ex, i, j, k), key="contour", theme=None,
                        config=PLOTLY_CONFIG)
    with bottom:
        left, right = st.columns(2)
        with left:
            st.subheader("Parameters")
            st.plotly_chart(figures.convergence_figure(ex, k), key="convergence", theme=None,
                            config=PLOTLY_CONFIG)
            st.subheader("Fit")
            st.plotly_chart(figures.fit_figure(ex, k), key="fit", theme=None, config=PLOTLY_CONFIG)
        with right:
            st.subheader("Loss")
            st.plotly_chart(figures.loss_figure(ex, k), key="loss", theme=None, config=PLOTLY_CONFIG)
            st.subheader(f"The math at iteration {k}")
            for line in explain.current_math(ex, k):
                st.latex(line)


def main() -> None:
    init_state()
    settings, errors, note = sidebar()
    try:
        ex = run_experiment(settings)
        ss.good_settings = settings
    except InputError as err:
        errors.append(f"{err}. Showing the last valid run.")
        ex = run_experiment(ss.good_settings)
    note.markdown(explain.stability_note(ex))
    i, j = surface_axes(ex)

    run_id = (ex.settings, i, j)
    if ss.get("run_id") != run_id:  # a new run starts at iteration 0
        ss.run_id = run_id
        ss.current = 0
        ss.playing = False

    st.title("Gradient descent, step by step")
    st.caption("Linear regression y = w·x + b fitted by minimising the mean squared error, one "
               "update at a time, after “The Mathematics Behind Gradient Descent”.")
    for message in errors:
        st.error(message)
    if explain.will_diverge(ex):
        st.warning(f"This learning rate will make the run diverge: {explain.stability_note(ex)}")
    if ex.trajectory.diverged_at is not None:
        st.error(f"The run diverged at step {ex.trajectory.diverged_at}: the loss grew past 10¹⁰ "
                 "times its start. Lower the learning rate.")

    top = st.container()
    left, right = st.columns(2)
    with left:
        st.subheader("Loss surface")
        st.plotly_chart(surface(ex.settings, i, j, False), key="surface", theme=None,
                        config=PLOTLY_CONFIG)
        others = "the other parameters" if ex.d > 1 else "nothing else"
        st.caption(f"The loss over {figures.label(ex.names[i])} and {figures.label(ex.names[j])}, "
                   f"{others} held at their least-squares values. ▶ Play inside the chart "
                   "animates the path in your browser.")
    with right:
        st.subheader("Contour map")
        contour_box = st.container()
    bottom = st.container()
    st.fragment(run_every=TICK if ss.playing else None)(live)(ex, top, contour_box, bottom, i, j)


main()
