"""The 2-D charts that follow the current iteration k: light (no frames, at most a few hundred
points a line), with axis ranges fixed by the whole run so that the view holds still as k moves.

Every trace that follows k carries a `meta` tag ({"gd": "path" | "line" | "point" | "arrow" | "fit",
"run": r, "param": p}) by which the live panel (gd.live and its browser module) finds it and moves
it to another iteration exactly as these functions would draw it there."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from gd.figures.common import (
    DASHES,
    MAX_CHART_POINTS,
    MAX_POINTS,
    OPTIMUM,
    PALETTE,
    POINT,
    SURFACE_SCALE,
    drawn_steps,
    figure,
    label,
    legend,
    line_width,
    marker_size,
    run_style,
    runs,
    slice_grid,
    template,
    trace,
)
from gd.run import Experiment, sweep, sweep_rates


def _layout(presenter: bool, xaxis: dict, yaxis: dict, **more) -> dict:
    """The per-step charts' common layout: fixed ranges, legend below the plot (`common.legend`)."""
    return {
        **dict(
            template=template(presenter),
            height=420,
            xaxis=xaxis,
            yaxis=yaxis,
            legend=legend(),
        ),
        **more,
    }


def contour_figure(ex: Experiment, i: int, j: int, k: int, presenter: bool = False) -> go.Figure:
    """The same slice seen from above: each run's path up to iteration k, the current point, and
    two arrows there: the plain gradient step -eta grad L and the update the optimizer made."""
    names = [label(n) for n in ex.names]
    xs, ys, Z = slice_grid(ex, i, j, 40)
    star = ex.problem.theta_star
    data = [
        trace(
            "contour",
            x=xs,
            y=ys,
            z=Z,
            colorscale=SURFACE_SCALE,
            ncontours=24,
            showscale=False,
            contours=dict(coloring="heatmap", showlines=True),
            line=dict(width=0.5),
            opacity=0.75,
            name="loss",
            hovertemplate="loss %{z:.4g}<extra></extra>",
        )
    ]
    all_runs = runs(ex)
    for r, run in enumerate(all_runs):
        P = run.trajectory.params
        q = drawn_steps(run.trajectory.steps, min(k, run.trajectory.steps))
        style = (
            dict(color="white", width=line_width(presenter, 2))
            if r == 0 and not ex.others
            else run_style(r, presenter, 2.5)
        )
        data.append(
            trace(
                "scatter",
                x=P[q, i],
                y=P[q, j],
                mode="lines+markers",
                meta=dict(gd="path", run=r),
                name="path" if len(all_runs) == 1 else label(run.label),
                line=style,
                marker=dict(size=marker_size(presenter, 4), color=POINT if r == 0 else style["color"]),
            )
        )
    P = ex.trajectory.params
    data += [
        trace(
            "scatter",
            x=[star[i]],
            y=[star[j]],
            mode="markers",
            name="least squares",
            marker=dict(symbol="x", size=marker_size(presenter, 12), color=OPTIMUM),
        ),
        trace(
            "scatter",
            x=[P[k, i]],
            y=[P[k, j]],
            mode="markers",
            meta=dict(gd="point"),
            name=CURRENT,
            marker=dict(size=marker_size(presenter, 13), color=POINT, line=dict(color="white", width=2)),
        ),
    ]
    arrows, _ = update_arrows(ex, i, j, k, (xs[-1] - xs[0], ys[-1] - ys[0]))
    # the arrows as lines with an arrowhead at their end (empty where there is no update: the last
    # iteration), traces rather than annotations so that the browser moves them as cheaply
    for n, colour in enumerate(ARROW_COLOURS):
        ends = [P[k, [i, j]], arrows[n]] if arrows else [[None, None]] * 2
        data.append(
            trace(
                "scatter",
                x=[ends[0][0], ends[1][0]],
                y=[ends[0][1], ends[1][1]],
                mode="lines+markers",
                meta=dict(gd="arrow", n=n),
                name=ARROW_NAMES[n],
                hoverinfo="skip",
                line=dict(color=colour, width=line_width(presenter, 2.5)),
                # the legend draws a trace's first symbol: "line-ew" with no line width is
                # nothing, so the legend shows the arrow's line alone (no stray dot)
                marker=dict(
                    symbol=["line-ew", "arrow"],
                    size=[0, marker_size(presenter, 13)],
                    line=dict(width=0),
                    angleref="previous",
                ),
            )
        )
    return figure(
        data,
        _layout(
            presenter,
            dict(title=dict(text=names[i]), range=[xs[0], xs[-1]], constrain="domain"),
            dict(
                title=dict(text=names[j]),
                range=[ys[0], ys[-1]],
                scaleanchor="x",
                scaleratio=1,
                constrain="domain",
            ),
            margin=dict(l=60, r=10, t=20, b=50),
            height=470,
        ),
    )


CURRENT = "current iteration"  # the moving traces' name: fixed, so the legend never redraws
ARROW_NAMES = ("−η∇L", "actual update")
ARROW_COLOURS = ("#111827", "#CC79A7")


def update_arrows(ex: Experiment, i: int, j: int, k: int, span: tuple[float, float]):
    """([tip of -eta grad L, tip of the update], factor) at iteration k, projected on parameters
    (i, j): the plain gradient step -eta grad L(theta_k) and the actual update theta_{k+1} -
    theta_k, both drawn from theta_k scaled by one factor, so that the longer is 15% of the view.
    No arrows ([], None) at the last iteration or where both are zero."""
    if k >= ex.trajectory.steps:
        return [], None
    P = ex.trajectory.params
    g = -ex.settings.learning_rate * ex.problem.gradient(P[k])[[i, j]]
    u = (P[k + 1] - P[k])[[i, j]]
    scale = np.array(span, dtype=float)
    longest = max(np.linalg.norm(g / scale), np.linalg.norm(u / scale))
    if not np.isfinite(longest) or longest == 0:
        return [], None
    factor = 0.15 / longest
    return [P[k, [i, j]] + factor * g, P[k, [i, j]] + factor * u], factor


def convergence_points(ex: Experiment) -> int:
    """Points a line of the parameter chart draws: fewer when runs are compared (13 runs of 21
    parameters are 273 lines, and all of them move with the iteration)."""
    n = len(runs(ex))
    return MAX_POINTS if n == 1 else max(40, min(MAX_POINTS, MAX_CHART_POINTS // (n * len(ex.names))))


def convergence_figure(ex: Experiment, k: int, presenter: bool = False) -> go.Figure:
    """Each parameter against the iteration up to k, with its true value (dashed) and its
    least-squares value (dotted, drawn where it differs visibly from the truth). With a
    comparison, colour and dash tell the runs apart and every parameter of a run shares them."""
    P = ex.trajectory.params
    star, truth = ex.problem.theta_star, ex.true_theta
    all_runs = runs(ex)
    T = max(run.trajectory.steps for run in all_runs)
    data = []
    for p, name in enumerate(ex.names):
        colour = PALETTE[p % len(PALETTE)]
        group = f"p{p}"
        if len(all_runs) == 1:
            q = drawn_steps(T, k)
            dash = DASHES[(p // len(PALETTE)) % len(DASHES)]
            data.append(
                trace(
                    "scatter",
                    x=q,
                    y=P[q, p],
                    mode="lines",
                    meta=dict(gd="line", run=0, param=p, points=MAX_POINTS),
                    name=label(name),
                    legendgroup=group,
                    line=dict(color=colour, width=line_width(presenter, 2.5), dash=dash),
                )
            )
        reference = "#6b7280" if len(all_runs) > 1 else colour
        if truth is not None:
            data.append(
                trace(
                    "scatter",
                    x=[0, T],
                    y=[truth[p]] * 2,
                    mode="lines",
                    legendgroup=group,
                    name=f"true {label(name)}",
                    showlegend=False,
                    line=dict(color=reference, width=1.5, dash="dash"),
                )
            )
        if truth is None or abs(star[p] - truth[p]) > 1e-3 * (1 + abs(truth[p])):
            data.append(
                trace(
                    "scatter",
                    x=[0, T],
                    y=[star[p]] * 2,
                    mode="lines",
                    legendgroup=group,
                    name=f"least squares {label(name)}",
                    showlegend=False,
                    line=dict(color=reference, width=1.5, dash="dot"),
                )
            )
    if len(all_runs) > 1:
        per_trace = convergence_points(ex)
        for r, run in enumerate(all_runs):
            Q = run.trajectory.params
            q = drawn_steps(run.trajectory.steps, min(k, run.trajectory.steps), per_trace)
            for p, name in enumerate(ex.names):
                data.append(
                    trace(
                        "scatter",
                        x=q,
                        y=Q[q, p],
                        mode="lines",
                        meta=dict(gd="line", run=r, param=p, points=per_trace),
                        name=label(run.label),
                        legendgroup=f"run{r}",
                        showlegend=p == 0,
                        hovertemplate=f"{label(name)}: %{{y:.4g}}<extra>%{{fullData.name}}</extra>",
                        line=run_style(r, presenter),
                    )
                )
    # the current values: one marker a parameter, in its colour (alone) or the main run's
    single = len(all_runs) == 1
    data.append(
        trace(
            "scatter",
            x=[k] * len(ex.names),
            y=P[k],
            mode="markers",
            meta=dict(gd="point"),
            name=CURRENT,
            showlegend=False,
            hoverinfo="skip",
            marker=dict(
                size=marker_size(presenter, 9 if single else 7),
                color=[PALETTE[p % len(PALETTE)] for p in range(len(ex.names))] if single else PALETTE[0],
                line=dict(color="white", width=1),
            ),
        )
    )
    refs = [run.trajectory.params for run in all_runs] + [star[None, :]]
    refs += [truth[None, :]] if truth is not None else []
    lo, hi = min(float(np.min(r)) for r in refs), max(float(np.max(r)) for r in refs)
    pad = 0.06 * (hi - lo) or 1.0
    note = dict(
        text="dashed: true value · dotted: least squares",
        xref="paper",
        yref="paper",
        x=1,
        y=0,
        xanchor="right",
        yanchor="bottom",
        showarrow=False,
        font=dict(size=16 if presenter else 12, color="#6b7280"),
    )
    return figure(
        data,
        _layout(
            presenter,
            dict(title=dict(text="iteration"), range=[0, max(T, 1)]),
            dict(title=dict(text="value"), range=[lo - pad, hi + pad]),
            annotations=[note],
        ),
    )


def loss_figure(ex: Experiment, k: int, presenter: bool = False) -> go.Figure:
    """Excess loss L - L* against the iteration on a log scale, one line per run, with plain
    GD's theoretical rate: excess_0 * max_i (1 - 2 eta lambda_i)^(2 k) over nonzero eigenvalues
    (an upper bound for gd at the main run's rate)."""
    all_runs = runs(ex)
    T = max(run.trajectory.steps for run in all_runs)
    excess = [ex.problem.excess_loss(run.trajectory.params) for run in all_runs]
    floor = ex.problem.excess_floor(ex.trajectory.params[0])
    shown = [np.maximum(e, floor) for e in excess]
    rate = ex.problem.gd_rate(ex.settings.learning_rate)
    theory_steps = drawn_steps(T, T)
    with np.errstate(over="ignore", under="ignore"):
        theory = shown[0][0] * rate ** theory_steps.astype(float)
    keep = (theory >= floor) & np.isfinite(theory)
    lo = min(np.log10(e.min()) for e in shown)
    hi = max(np.log10(e.max()) for e in shown)
    pad = 0.05 * (hi - lo) or 1.0
    data = [
        trace(
            "scatter",
            x=theory_steps[keep],
            y=theory[keep],
            mode="lines",
            name="plain GD bound",
            line=dict(color="#6b7280", width=1.5, dash="dash"),
        )
    ]
    for r, (run, e) in enumerate(zip(all_runs, shown, strict=True)):
        q = drawn_steps(run.trajectory.steps, min(k, run.trajectory.steps))
        style = (
            run_style(r, presenter, 3)
            if len(all_runs) > 1
            else dict(color=PALETTE[0], width=line_width(presenter, 3))
        )
        data.append(
            trace(
                "scatter",
                x=q,
                y=e[q],
                mode="lines",
                meta=dict(gd="line", run=r, points=MAX_POINTS),
                name="L − L*" if len(all_runs) == 1 else label(run.label),
                line=style,
            )
        )
    data.append(
        trace(
            "scatter",
            x=[k],
            y=[shown[0][k]],
            mode="markers",
            meta=dict(gd="point"),
            name=CURRENT,
            marker=dict(size=marker_size(presenter, 10), color=POINT),
        )
    )
    return figure(
        data,
        _layout(
            presenter,
            dict(title=dict(text="iteration"), range=[0, max(T, 1)]),
            dict(
                title=dict(text="excess loss L − L*"),
                type="log",
                range=[lo - pad, hi + pad],
                exponentformat="power",
            ),
        ),
    )


def rate_sweep_figure(ex: Experiment, presenter: bool = False) -> go.Figure:
    """The sweep chart of the run's own optimizer and steps: the loss after them for learning
    rates around the stability limit (gd.run.sweep_rates), the run's rate marked."""
    s = ex.settings
    rates = sweep_rates(ex.limit, s.learning_rate)
    loss, _ = sweep(ex.problem, s.optimizer, rates, s.steps, **s.hyper)
    return sweep_figure(
        rates, loss, ex.problem.loss_star, ex.limit, s.learning_rate, s.steps, s.optimizer, presenter
    )


def sweep_figure(
    rates: np.ndarray,
    loss: np.ndarray,
    loss_star: float,
    limit: float | None,
    current: float,
    steps: int,
    optimizer: str,
    presenter: bool = False,
) -> go.Figure:
    """The loss after `steps` updates against the learning rate (log-log), diverged rates marked
    at the top, the stability limit as a vertical line: why one rate crawls and another explodes."""
    excess = loss - loss_star
    finite = np.isfinite(excess)
    floor = max(float(np.max(excess[finite], initial=0.0)) * 1e-32, 1e-300)  # round-off; log axes
    shown = np.maximum(excess, floor)
    top = float(np.max(shown[finite], initial=1.0)) * 10
    data = [
        trace(
            "scatter",
            x=rates[finite],
            y=shown[finite],
            mode="lines+markers",
            name=f"L − L* after {steps:,} steps",
            line=dict(color=PALETTE[0], width=line_width(presenter, 2.5)),
            marker=dict(size=6),
        ),
        trace(
            "scatter",
            x=rates[~finite],
            y=[top] * int((~finite).sum()),
            mode="markers",
            name="diverged",
            marker=dict(symbol="x", size=10, color=PALETTE[5]),
        ),
    ]
    shapes = []
    if limit is not None:
        shapes.append(
            dict(
                type="line",
                x0=limit,
                x1=limit,
                xref="x",
                yref="paper",
                y0=0,
                y1=1,
                line=dict(color="#111827", dash="dash", width=1.5),
            )
        )
        data.append(
            trace(
                "scatter",
                x=[None],
                y=[None],
                mode="lines",
                name=f"stability limit {limit:.4g}",
                line=dict(color="#111827", dash="dash", width=1.5),
            )
        )
    i = int(np.argmin(np.abs(np.log(rates) - np.log(current))))
    data.append(
        trace(
            "scatter",
            x=[rates[i]],
            y=[shown[i] if finite[i] else top],
            mode="markers",
            name=f"η = {current:g} ({optimizer})",
            marker=dict(size=14, color=POINT, line=dict(color="white", width=2)),
        )
    )
    lo = np.log10(float(np.min(shown[finite], initial=floor)))
    return figure(
        data,
        _layout(
            presenter,
            dict(
                title=dict(text="learning rate η"),
                type="log",
                range=[np.log10(rates[0]) - 0.1, np.log10(rates[-1]) + 0.1],
            ),
            dict(
                title=dict(text=f"excess loss after {steps:,} steps"),
                type="log",
                range=[lo - 0.5, np.log10(top) + 0.5],
                exponentformat="power",
            ),
            shapes=shapes,
        ),
    )


def fit_figure(ex: Experiment, k: int, presenter: bool = False, points: int = 1000) -> go.Figure:
    """d = 1: the data and the line at iteration k. Otherwise: predicted against actual."""
    X, y = ex.sample_X[:points], ex.sample_y[:points]
    P, star = ex.trajectory.params, ex.problem.theta_star
    w, b = P[k, :-1], P[k, -1]
    # Axis ranges from the whole run (start, end, optimum), so the view holds still as k moves.
    ends = np.stack([P[0], P[-1], star])
    if ex.d == 1:
        xs = np.array([X[:, 0].min(), X[:, 0].max()])
        data = [
            trace(
                "scatter",
                x=X[:, 0],
                y=y,
                mode="markers",
                name="data",
                marker=dict(size=5, color=PALETTE[4], opacity=0.6),
            ),
            trace(
                "scatter",
                x=xs,
                y=xs * w[0] + b,
                mode="lines",
                meta=dict(gd="fit"),
                name=CURRENT,
                line=dict(color=POINT, width=3),
            ),
            trace(
                "scatter",
                x=xs,
                y=xs * star[0] + star[1],
                mode="lines",
                name="least squares",
                line=dict(color=OPTIMUM, width=1.5, dash="dot"),
            ),
        ]
        xtitle, ytitle = label(ex.feature_names[0]), label(ex.target)
        xr = xs
        yr = np.concatenate([y, (xs[:, None] * ends[:, 0] + ends[:, 1]).ravel()])
    else:
        lo, hi = float(y.min()), float(y.max())
        data = [
            trace(
                "scatter",
                x=y,
                y=X @ w + b,
                mode="markers",
                meta=dict(gd="fit"),
                name=CURRENT,
                marker=dict(size=5, color=PALETTE[0], opacity=0.6),
            ),
            trace(
                "scatter",
                x=[lo, hi],
                y=[lo, hi],
                mode="lines",
                name="perfect fit",
                line=dict(color=OPTIMUM, width=1.5, dash="dot"),
            ),
        ]
        xtitle, ytitle = f"actual {label(ex.target)}", f"predicted {label(ex.target)}"
        xr = np.array([lo, hi])
        yr = np.concatenate([y, (X @ ends[:, :-1].T + ends[:, -1]).ravel()])
    xpad = 0.05 * (xr[1] - xr[0]) or 1.0
    ypad = 0.05 * (yr.max() - yr.min()) or 1.0
    return figure(
        data,
        _layout(
            presenter,
            dict(title=dict(text=xtitle), range=[xr[0] - xpad, xr[1] + xpad]),
            dict(title=dict(text=ytitle), range=[yr.min() - ypad, yr.max() + ypad]),
        ),
    )
