"""The eigen view and the learning-rate chart: two charts of the live panel that follow the
iteration k, their moving traces tagged by `meta` as in gd.figures.charts.

Eigen view: |v_i^T e_t| (e_t = theta_t - theta*) against t on a log scale, one line a direction of
G, beside plain GD's prediction |v_i^T e_0| prod |1 - 2 eta_s lambda_i| (dashed) where the run has
a learning rate. Learning rate: eta_t against t, the current update's marked.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from gd import registry
from gd.figures.charts import CURRENT, _layout, current_points, log_layout
from gd.figures.common import (
    PALETTE,
    POINT,
    drawn_steps,
    figure,
    line_width,
    moving_line,
    note_annotation,
    trace,
)
from gd.run import Experiment
from gd.spectrum import eigen_floor, gd_theory, slowest

REFERENCE_DECADES = 3  # how far above the run's largest error the eigen view's range follows plain GD
PREDICTION_NOTE = "dashed: plain GD at these rates, |1 − 2ηₜλᵢ| a step"  # shown with the dashed lines


def direction_names(ex: Experiment) -> list[str]:
    """'v1 (λ = 0.94, slowest)': each eigenvector of G by its eigenvalue, ascending."""
    lam, lo = ex.problem.eigenvalues, slowest(ex.problem)
    out = []
    for i, value in enumerate(lam):
        tag = ", slowest" if i == lo else ", fastest" if i == len(lam) - 1 else ""
        out.append(f"v{i + 1} (λ = {value:.3g}{tag})")
    return out


def eigen_lines(ex: Experiment) -> tuple[np.ndarray, np.ndarray | None]:
    """The eigen view's numbers: E, the main run's errors along the eigenvectors (T + 1, p) held
    at `eigen_floor`, and plain GD's prediction at the run's rates (T + 1, p), None where the run
    has no learning rate of its own (newton, cg, linesearch)."""
    pb, P = ex.problem, ex.trajectory.params
    E = np.maximum(pb.eigen_errors(P), eigen_floor(ex))
    rates = ex.step_rates
    theory = None
    if rates is not None and not registry.entry(ex.settings.optimizer).picks_rate:
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            theory = gd_theory(pb, P[0], rates)
    return E, theory


def eigen_shown(E: np.ndarray, theory: np.ndarray | None, floor: float) -> list[np.ndarray]:
    """The arrays the eigen view's log range holds (`log_layout`'s `shown`): E, and of plain GD's
    prediction the finite values from the floor up to REFERENCE_DECADES above E's largest (E's
    first row where none is): past its stability limit the prediction climbs to 1e300 while a
    stable optimizer (momentum) converges, and would squash the run's lines against the floor.
    Above, it leaves the chart. The browser repeats this for its own runs (static/ranges.js)."""
    if theory is None:
        return [E]
    ceiling = E.max() * 10.0**REFERENCE_DECADES
    finite = theory[np.isfinite(theory) & (theory >= floor) & (theory <= ceiling)]
    return [E, finite[None, :] if finite.size else E[:1]]


def eigen_figure(ex: Experiment, k: int, presenter: bool = False) -> go.Figure:
    """The error along each eigenvector of G up to iteration k (the main run), on a log scale."""
    pb = ex.problem
    T = ex.trajectory.steps
    floor = eigen_floor(ex)
    E, theory = eigen_lines(ex)
    names = direction_names(ex)
    q_all = drawn_steps(T, T)
    data = []
    for i, name in enumerate(names):
        colour = PALETTE[i % len(PALETTE)]
        # drawn empty where the run has no prediction: the panel fills it for a run of its own
        # whose optimizer has a rate (static/theory.js)
        t = theory[q_all, i] if theory is not None else np.empty(0)
        keep = np.isfinite(t) & (t >= floor)
        data.append(
            trace(
                "scatter",
                x=q_all[: t.size][keep],
                y=t[keep],
                mode="lines",
                name=f"plain GD, {name}",
                legendgroup=f"v{i}",
                showlegend=False,
                hoverinfo="skip",
                meta={"gd": "theory", "param": i},
                line=dict(color=colour, width=1.5, dash="dash"),
            )
        )
        data.append(
            moving_line(
                E[:, i],
                T,
                k,
                0,
                i,
                name=name,
                legendgroup=f"v{i}",
                line=dict(color=colour, width=line_width(presenter, 2.5 if i == slowest(pb) else 2)),
            )
        )
    data.append(current_points(k, E[k], 8))
    shown = eigen_shown(E, theory, floor)
    note = note_annotation(PREDICTION_NOTE, presenter) | dict(name="prediction", visible=theory is not None)
    return figure(data, log_layout(presenter, T, shown, "|vᵢᵀ(θ − θ*)|", annotations=[note]))


def rate_figure(ex: Experiment, k: int, presenter: bool = False) -> go.Figure | None:
    """eta_t against the update t (t = 0..T-1), the rate of the update after iteration k marked
    (the last one's at k = T); None for an optimizer without a rate (newton, cg)."""
    rates = ex.step_rates
    T = ex.trajectory.steps
    if rates is None or T == 0:
        return None
    q = drawn_steps(T - 1, T - 1)
    finite = np.isfinite(rates)
    top = float(np.max(rates[finite], initial=0.0)) or 1.0
    t = min(k, T - 1)
    data = [
        trace(
            "scatter",
            x=q[finite[q]],
            y=rates[q][finite[q]],
            mode="lines",
            name="ηₜ",
            meta=dict(gd="rates"),  # drawn again for a run of the browser's (static/figures.js rateLine)
            line=dict(color=PALETTE[0], width=line_width(presenter, 2.5)),
        ),
        trace(
            "scatter",
            x=[t],
            y=[rates[t] if finite[t] else None],
            mode="markers",
            meta=dict(gd="point"),
            name=CURRENT,
            showlegend=False,
            marker=dict(size=10, color=POINT),
        ),
    ]
    if ex.limit is not None:
        data.append(
            trace(
                "scatter",
                x=[0, max(T - 1, 1)],
                y=[ex.limit] * 2,
                mode="lines",
                name=f"stability limit {ex.limit:.4g}",
                line=dict(color="#111827", dash="dash", width=1.5),
            )
        )
        top = max(top, ex.limit)
    layout = _layout(
        presenter,
        dict(title=dict(text="update t"), range=[0, max(T - 1, 1)]),
        dict(title=dict(text="ηₜ"), range=[0, top * 1.08], rangemode="tozero"),
    )
    layout["height"] = 240
    return figure(data, layout)
