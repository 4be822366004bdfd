"""Gradient descent, step by step: the Streamlit page.

Layout only. Numbers come from gd.run, figures from gd.figures, words and formulas from gd.explain,
share links from gd.share. The animated 3-D surface, the sweep and the exports depend on the run
alone and are drawn by the full script; everything that follows the current iteration lives in one
fragment, so Step, Play and the scrubber rerun only it.
"""

from __future__ import annotations

import time

# pandas is imported whole before any session runs: plotly uses pandas when it is in sys.modules,
# and sessions starting together would otherwise see it half-imported.
import numpy as np
import pandas  # noqa: F401
import streamlit as st

from gd import explain, figures, registry, share
from gd.data import load_csv
from gd.export import trajectory_csv
from gd.inputs import (
    FIELD_NAMES,
    OPTIMIZER_LABELS,
    OPTIMIZERS,
    RANGES,
    InputError,
    Settings,
    fmt,
    format_weights,
    parse_weights,
    widget_bounds,
)
from gd.presets import PRESETS
from gd.run import Experiment, experiment, sweep, sweep_rates, variants

st.set_page_config(page_title="Gradient descent, step by step", page_icon="📉", layout="wide")

TICK = 0.25  # seconds between Play's ticks
PLAY_SECONDS = 15.0  # Play covers any run in this time, whatever the ticks cost
PLAY_MARKS = 60  # iterations Play shows: every one of the first, then larger strides
UPLOAD_ROWS = 100_000  # rows of an uploaded CSV the app accepts (the uploader caps bytes first)
PLOTLY_CONFIG = {"displaylogo": False}
ss = st.session_state


# ---- cached computation: small results only, bounded ----------------------------------------


# One result serves every session that asks for it: cache_resource shares the object (the engine
# makes its arrays read-only) where cache_data would unpickle a copy per session and per hit.
@st.cache_resource(max_entries=8, show_spinner="Running gradient descent…")
def run_experiment(settings: Settings, upload: bytes | None, compare: tuple[Settings, ...]) -> Experiment:
    data = load_csv(upload, max_rows=UPLOAD_ROWS) if upload is not None else None
    return experiment(settings, data, compare)


@st.cache_data(max_entries=16, show_spinner="Drawing the loss surface…")
def surface(settings, upload, compare, i: int, j: int, presenter: bool):
    return figures.surface_figure(run_experiment(settings, upload, compare), i, j, presenter)


@st.cache_data(max_entries=16, show_spinner="Sweeping learning rates…")
def rate_sweep(settings, upload, compare):
    ex = run_experiment(settings, upload, compare)  # the page's own run: a cache hit, no recompute
    rates = sweep_rates(ex.limit, settings.learning_rate)
    loss, _ = sweep(ex.problem, settings.optimizer, rates, settings.steps, **settings.hyper)
    return figures.sweep_figure(
        rates,
        loss,
        ex.problem.loss_star,
        ex.limit,
        settings.learning_rate,
        settings.steps,
        settings.optimizer,
    )


# ---- state ------------------------------------------------------------------------------------


def init_state() -> None:
    """Widget values live in session state, set once (from the URL on a session's first run);
    widgets get no `value=` of their own."""
    for key, value in share.DEFAULTS.items():
        if key not in ("surface_x", "surface_y", "iteration"):
            ss.setdefault(key, value)
    ss.setdefault("current", 0)  # the iteration shown; the scrubber (key "iteration") mirrors it
    ss.setdefault("playing", False)
    ss.setdefault("good", (Settings(), ()))
    ss.setdefault("preset", "article")
    if "url_read" not in ss:
        values, ss.url_warnings = share.from_query(st.query_params.to_dict())
        ss.url_iteration = values.pop("iteration", 0)
        for key, value in values.items():
            ss[key] = value
        ss.url_read = True
    # Keep the values of widgets a run does not draw (Streamlit forgets those).
    for key in (
        "momentum",
        "batch_size",
        "surface_x",
        "surface_y",
        "compare",
        "compare_rates",
        "compare_batches",
    ):
        if key in ss:
            ss[key] = ss[key]


def apply_preset() -> None:
    preset = PRESETS[ss.preset]
    for key, value in {**share.DEFAULTS, **preset.values}.items():
        if key not in ("iteration", "presenter"):  # a preset is a lesson, not a view
            ss[key] = value


def preset_in_force() -> bool:
    """Whether the inputs are still those the chosen preset set (its note applies to them)."""
    preset = PRESETS[ss.preset]
    wanted = {**share.DEFAULTS, **preset.values}
    view = {"iteration", "presenter", "surface_x", "surface_y"} - set(preset.values)
    return all(ss.get(key) == value for key, value in wanted.items() if key not in view)


def say(kind, text: str) -> None:
    """Show a message whose text may hold user input: escaped, never markdown or HTML."""
    kind(explain.md(text))


# ---- inputs -----------------------------------------------------------------------------------


def sidebar():
    """Draw the inputs; return (settings, comparison, upload bytes, problems, note slot)."""

    def hyper_input(h: registry.Hyper) -> None:
        """The number widget of one hyper-parameter, its bounds and help from gd.registry."""
        st.number_input(
            f"{h.range.label.capitalize()} {h.symbol}",
            key=h.name,
            **widget_bounds(h.name),
            format="%g",
            placeholder=f"default {fmt(h.default)}",
            help=f"{h.range.help[:1].upper()}{h.range.help[1:]}; torch.optim's default is {fmt(h.default)}.",
        )

    errors = []
    for name in registry.HYPER_RANGES:  # keep the values of hyper-parameter widgets not drawn
        if name in ss:
            ss[name] = ss[name]
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
            key="upload",
            help="A header row; the target is the column y, else the last "
            "one; every other column is a numeric feature.",
        )
        upload = file.getvalue() if file is not None else None
        synthetic = upload is None
        st.text_input(
            "True weights",
            key="true_weights",
            disabled=not synthetic,
            help="w1, …, wd: 1 to 20 numbers separated by commas. y = w·x + b.",
        )
        try:
            weights = parse_weights(ss.true_weights)
        except InputError as err:
            weights = ss.good[0].true_weights
            errors.append(f"{err}. Showing the last valid weights: {format_weights(weights)}.")
        st.number_input(
            "Bias",
            key="bias",
            **widget_bounds("bias"),
            format="%g",
            disabled=not synthetic,
        )
        st.number_input("Samples", key="samples", **widget_bounds("samples"), disabled=not synthetic)
        st.number_input(
            "Noise (standard deviation added to y)",
            key="noise",
            **widget_bounds("noise"),
            format="%g",
            disabled=not synthetic,
        )
        st.number_input(
            "Seed",
            key="seed",
            **widget_bounds("seed"),
            help="The same seed gives the same data and the same mini-batches.",
        )
        with st.expander("Feature scales and outliers"):
            st.number_input(
                "Feature scale",
                key="feature_scale",
                **widget_bounds("feature_scale"),
                format="%g",
                disabled=not synthetic,
                help="Feature j has standard deviation scale^(j/(d−1)): 1 is the "
                "article's data; larger makes a narrow valley.",
            )
            st.number_input(
                "Feature mean",
                key="feature_mean",
                **widget_bounds("feature_mean"),
                format="%g",
                disabled=not synthetic,
            )
            st.number_input(
                "Outlier (added to the first sample's y)",
                key="outlier",
                **widget_bounds("outlier"),
                format="%g",
                disabled=not synthetic,
            )
        st.toggle(
            "Standardise features",
            key="standardize",
            help="Gradient descent on z-scores (x − mean) / std; weights are reported in the "
            "original units as well.",
        )

        st.header("Optimizer")
        st.selectbox("Optimizer", OPTIMIZERS, key="optimizer", format_func=OPTIMIZER_LABELS.get)
        st.number_input(
            "Learning rate η",
            key="learning_rate",
            **widget_bounds("learning_rate"),
            format="%g",
        )
        note = st.empty()
        entry = registry.entry(ss.optimizer)
        for h in entry.hypers:
            if h.main:
                hyper_input(h)
        if entry.minibatch:
            st.number_input(
                "Batch size B",
                key="batch_size",
                **widget_bounds("batch_size"),
                help="Samples per step; B = samples is full-batch descent.",
            )
        st.number_input("Steps", key="steps", **widget_bounds("steps"))
        others = [h for h in entry.hypers if not h.main]
        if others:
            with st.expander("Optimizer settings"):
                for h in others:
                    hyper_input(h)

        if not ss.presenter:
            st.header("Compare")
            st.multiselect(
                "Optimizers to compare",
                OPTIMIZERS,
                key="compare",
                format_func=OPTIMIZER_LABELS.get,
                max_selections=share.MAX_COMPARE,
                help="Each is run on the same data and drawn on every chart.",
            )
            st.text_input(
                "At learning rates (optional)", key="compare_rates", placeholder="e.g. 0.01, 0.1, 0.5"
            )
            st.text_input("SGD batch sizes (optional)", key="compare_batches", placeholder="e.g. 1, 32, 5000")

    try:
        values = {key: ss[key] for key in FIELD_NAMES}
        settings = share.settings_of({**values, "true_weights": format_weights(weights)}).validated()
        rates = share.parse_list(ss.compare_rates, RANGES["learning_rate"].parse, "learning rates")
        batches = share.parse_list(ss.compare_batches, RANGES["batch_size"].parse, "batch sizes")
        compare = tuple(variants(settings, list(ss.compare), rates, batches))
    except InputError as err:
        settings, compare = ss.good
        errors.append(f"{err}. Showing the last valid run.")
    return settings, compare, upload, errors, note


def surface_axes(ex: Experiment) -> tuple[int, int]:
    """The sidebar's choice of the two parameters the surface is drawn over."""
    names = list(ex.names)
    weights = ex.true_theta[:-1] if ex.true_theta is not None else ex.problem.theta_star[:-1]
    order = [int(p) for p in np.argsort(-np.abs(weights), kind="stable")]
    default_x, default_y = (order[0], order[1]) if ex.d > 1 else (0, ex.d)
    ss.auto_axes = (names[default_x], names[default_y])  # left out of share links
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


def sync_url(iteration: int) -> None:
    """Keep the address bar a share link of what is on screen (only what differs from defaults)."""
    values = {key: ss.get(key) for key in share.SHARED}
    values["iteration"] = iteration
    if (values["surface_x"], values["surface_y"]) == ss.get("auto_axes"):
        values["surface_x"] = values["surface_y"] = None
    query = share.to_query(values)
    if query != st.query_params.to_dict():
        st.query_params.from_dict(query)


# ---- what follows the iteration ---------------------------------------------------------------


def step(T: int) -> None:
    ss.current = min(ss.current + 1, T)


# Play and Pause live outside the fragment: a click there is a full-page rerun, which a timer's
# fragment rerun cannot preempt (a fragment-scoped one can, and a click inside the fragment was
# sometimes lost). The callback sets the state the button showed, so running it twice is harmless.


def set_playing(want: bool, T: int) -> None:
    if want and ss.current >= T:
        ss.current = 0
    if want and not ss.playing:  # resume on schedule from where the run stands
        ss.play_start = time.monotonic() - figures.play_elapsed(ss.current, T, PLAY_SECONDS, PLAY_MARKS)
    ss.playing = want


def reset() -> None:
    ss.current = 0
    if ss.playing:
        ss.playing, ss.restart = False, True  # the fragment restarts the page to drop its timer


def scrubbed() -> None:
    ss.current = ss.iteration


def chart(fig, key: str) -> None:
    st.plotly_chart(fig, key=key, theme=None, config=PLOTLY_CONFIG)


def live(ex: Experiment, controls, metrics_box, scrub_box, contour_box, bottom, i: int, j: int) -> None:
    """Everything that follows the current iteration: controls, metrics, 2-D charts, math."""
    T = ex.trajectory.steps
    presenter = ss.presenter
    if ss.pop("restart", False):
        st.rerun()  # a full run restarts this fragment with or without its timer
    if ss.playing:
        ss.current = figures.play_position(
            ss.current, T, time.monotonic() - ss.play_start, PLAY_SECONDS, PLAY_MARKS
        )
        if ss.current >= T:
            ss.playing = False
            st.rerun()
    k = ss.current = min(ss.current, T)
    if ss.get("iteration") != k:  # only when Step, Play or Reset moved it: a value pushed to the
        ss.iteration = k  # scrubber would overwrite keys the user pressed since
    if not ss.playing:
        sync_url(k)
    tr, pb = ex.trajectory, ex.problem

    b1, b2 = controls
    b1.button(
        "Step",
        key="step",
        on_click=step,
        args=(T,),
        disabled=k >= T or ss.playing,
        width="stretch",
        help="Advance one update",
    )
    b2.button(
        "Reset", key="reset", on_click=reset, width="stretch", help="Back to iteration 0; the inputs stay"
    )
    with metrics_box:
        m = st.columns(5)
        m[0].metric("Iteration", f"{k:,}", help=f"of {T:,}")
        m[1].metric(
            "Loss",
            f"{tr.loss[k]:.6g}",
            delta=f"{tr.loss[k] - tr.loss[k - 1]:.3g}" if k else None,
            delta_color="inverse",
            help="Mean squared error at the current parameters",
        )
        m[2].metric(
            "Distance to optimum",
            f"{np.linalg.norm(tr.params[k] - pb.theta_star):.4g}",
            help="|θ − θ*|, θ* the least-squares solution",
        )
        m[3].metric("Gradient norm", f"{tr.grad_norm[k]:.4g}")
        m[4].metric(
            "Condition number",
            f"{pb.condition_number:.4g}",
            help="λmax / λmin of the Hessian (nonzero λ): how much slower the slowest "
            "direction converges than the fastest"
            + (f". The data are rank-deficient (rank {pb.rank} of {pb.p})." if pb.rank_deficient else ""),
        )
    with scrub_box:
        # During Play a progress bar stands in for the scrubber: a slider would echo stale values
        # back with every tick, and one of them could land after Pause and move the iteration.
        if ss.playing:
            st.progress(k / T, text=f"Playing: iteration {k:,} of {T:,}")
        elif T > 0:
            st.slider("Go to iteration", 0, T, key="iteration", on_change=scrubbed)

    with contour_box:
        chart(figures.contour_figure(ex, i, j, k, presenter), "contour")
    with bottom:
        left, right = st.columns(2)
        with left:
            st.subheader("Parameters")
            chart(figures.convergence_figure(ex, k, presenter), "convergence")
        with right:
            st.subheader("Loss")
            chart(figures.loss_figure(ex, k, presenter), "loss")
        if presenter:
            return
        left, right = st.columns(2)
        with left:
            st.subheader("Fit")
            chart(figures.fit_figure(ex, k, presenter), "fit")
            st.dataframe(explain.parameter_table(ex, k), hide_index=True)
        with right:
            st.subheader(f"The math at iteration {k}")
            for line in explain.current_math(ex, k):
                st.latex(line)


# ---- the page -----------------------------------------------------------------------------------

PRESENTER_CSS = """<style>
[data-testid="stMetricValue"] { font-size: 2.3rem; }
[data-testid="stMetricLabel"] p { font-size: 1.15rem; }
h1 { font-size: 3.2rem !important; }
h3 { font-size: 2rem !important; }
</style>"""


def main() -> None:
    init_state()
    settings, compare, upload, errors, note = sidebar()
    try:
        ex = run_experiment(settings, upload, compare)
        ss.good = (settings, compare)
    except InputError as err:
        what = "file" if upload is not None else "settings"
        errors.append(
            f"The {what} cannot be used: {err}."
            + (" Showing the synthetic data instead." if upload is not None else "")
        )
        settings, compare = ss.good
        upload = None
        ex = run_experiment(settings, None, compare)
    note.markdown(explain.stability_note(ex))
    i, j = surface_axes(ex)

    run_id = (ex.settings, compare, upload is not None and hash(upload), i, j)
    if ss.get("run_id") != run_id:  # a new run starts at iteration 0; a shared link's where it says
        ss.current = ss.pop("url_iteration", 0) if "run_id" not in ss else 0
        ss.run_id = run_id
        ss.playing = False

    head, toggle = st.columns([5, 1], vertical_alignment="bottom")
    head.title("Gradient descent, step by step")
    toggle.toggle(
        "Presenter mode", key="presenter", help="Larger fonts and lines for a projector; fewer controls."
    )
    if ss.presenter:
        st.markdown(PRESENTER_CSS, unsafe_allow_html=True)  # our own CSS; no user text
    else:
        st.caption(
            "Linear regression y = w·x + b fitted by minimising the mean squared error, one "
            "update at a time, after “The Mathematics Behind Gradient Descent”."
        )
    if upload is None and preset_in_force() and (ss.preset != "article" or not ss.presenter):
        st.info(f"**{PRESETS[ss.preset].label}.** {PRESETS[ss.preset].watch}")
    for message in ss.get("url_warnings", []):
        say(st.warning, message)
    for message in errors:
        say(st.error, message)
    if explain.will_diverge(ex):
        st.warning(f"This learning rate will make the run diverge. {explain.stability_note(ex)}")
    if ex.trajectory.diverged_at is not None:
        st.error(
            f"The run diverged at step {ex.trajectory.diverged_at}: the loss grew past 10¹⁰ "
            "times its start. Lower the learning rate."
        )
    for other in ex.others:
        if other.trajectory.diverged_at is not None:
            say(st.warning, f"{other.label} diverged at step {other.trajectory.diverged_at}.")

    buttons, metrics_box = st.columns([2, 5], vertical_alignment="center")
    b1, b2, b3 = buttons.columns(3)
    T = ex.trajectory.steps
    b3.button(
        "Pause" if ss.playing else "Play",
        key="play",
        type="primary",
        width="stretch",
        disabled=T == 0,
        on_click=set_playing,
        args=(not ss.playing, T),
    )
    scrub_box = st.container()
    left, right = st.columns(2)
    with left:
        st.subheader("Loss surface")
        chart(surface(ex.settings, upload, compare, i, j, ss.presenter), "surface")
        others = "the other parameters" if ex.d > 1 else "nothing else"
        say(
            st.caption,
            f"The loss over {ex.names[i]} and {ex.names[j]}, {others} held at their "
            "least-squares values. Play inside the chart animates the path in your "
            "browser.",
        )
    with right:
        st.subheader("Contour map")
        contour_box = st.container()
    bottom = st.container()
    st.fragment(run_every=TICK if ss.playing else None)(live)(
        ex, (b1, b2), metrics_box, scrub_box, contour_box, bottom, i, j
    )

    if ss.presenter:
        return
    st.subheader("Which learning rate?")
    chart(rate_sweep(ex.settings, upload, compare), "sweep")
    st.caption(
        f"The loss after {ex.settings.steps:,} steps of {ex.settings.optimizer} for "
        "learning rates around the stability limit: too small crawls, past the limit "
        "explodes."
    )
    st.subheader("Export")
    a, b = st.columns(2)
    a.download_button(
        "Download the trajectory (CSV)",
        key="download_csv",
        mime="text/csv",
        file_name="gradient-descent-trajectory.csv",
        on_click="ignore",
        data=lambda: trajectory_csv(ex.trajectory, ex.d),
    )
    b.download_button(
        "Download the animated surface (HTML, plays offline)",
        key="download_html",
        mime="text/html",
        file_name="gradient-descent-surface.html",
        on_click="ignore",
        data=lambda: surface(ex.settings, upload, compare, i, j, False).to_html(
            include_plotlyjs=True, full_html=True, auto_play=False
        ),
    )


main()
