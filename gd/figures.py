"""Plotly figures of a run: pure functions of an Experiment (and the current iteration k).

The animated 3-D surface depends on the run only; everything else follows k and stays light (2-D,
no frames, at most a few hundred points a trace). Text from users (CSV column names) is HTML-escaped
before Plotly sees it, since Plotly renders a subset of HTML in labels.
"""

from __future__ import annotations

import functools
import html

import numpy as np
import plotly.graph_objects as go

from gd.run import Experiment

# Okabe & Ito's colour-blind-safe palette; black last, for the "true" references.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
PATH, POINT, OPTIMUM, TRUTH = "#D55E00", "#D55E00", "#000000", "#009E73"
SURFACE_SCALE = "Viridis"
FONT = "Source Sans Pro, Helvetica, Arial, sans-serif"
MAX_POINTS = 400  # points a trace of a per-step chart draws at most
MAX_FRAMES = 150  # frames of the animated surface
GRID = 50  # surface grid is GRID x GRID
TRAIL = 8  # frames of trail behind the moving marker


@functools.cache
def template(presenter: bool = False) -> dict:
    """A small template (plotly's default adds ~8 kB of JSON to every figure)."""
    size = 20 if presenter else 14
    axis = dict(gridcolor="#e5e7eb", zerolinecolor="#9ca3af", linecolor="#9ca3af")
    return dict(layout=dict(
        font=dict(family=FONT, size=size, color="#1f2937"),
        colorway=list(PALETTE),
        paper_bgcolor="white", plot_bgcolor="white",
        margin=dict(l=60, r=20, t=50, b=50),
        xaxis=axis, yaxis=axis,
        legend=dict(bgcolor="rgba(255,255,255,0.8)"),
        hoverlabel=dict(font=dict(family=FONT)),
    ))


def figure(data: list[dict], layout: dict, frames: list[dict] | None = None) -> go.Figure:
    """A Figure from plain dicts, without plotly's per-property validation: it costs more than
    everything else in a Step. The tests validate every figure in full (go.Figure(fig.to_dict()))."""
    spec = dict(data=data, layout=layout)
    if frames is not None:
        spec["frames"] = frames
    return go.Figure(spec, _validate=False)


def trace(kind: str, **props) -> dict:
    return dict(type=kind, **props)


def label(name: str) -> str:
    """User text as Plotly shows it literally."""
    return html.escape(str(name), quote=False)


def milestones(T: int, count: int) -> np.ndarray:
    """About `count` iterations in [0, T], 0 and T included, dense early: the first steps are the
    instructive ones. Used for animation frames and for the app's Play."""
    if count >= T + 1:
        return np.arange(T + 1)
    first = np.arange(count // 6)  # every one of the first steps
    grows = np.geomspace(max(len(first), 1), T, count // 2)
    even = np.linspace(0, T, count - count // 2 - len(first))
    return np.unique(np.concatenate([first, np.rint(grows), np.rint(even), [T]]).astype(int))


def drawn_steps(T: int, k: int, limit: int = MAX_POINTS) -> np.ndarray:
    """The iterations a chart draws up to k: a fixed sample of 0..T (so a line does not wobble as
    k moves), cut at k, with k itself last."""
    steps = milestones(T, limit)
    return np.append(steps[steps < k], k)


def surface_range(values: np.ndarray, centre: float) -> tuple[float, float]:
    """A range that holds the path, the optimum and zero, with a margin."""
    lo = min(float(np.min(values)), centre, 0.0)
    hi = max(float(np.max(values)), centre, 0.0)
    pad = 0.15 * (hi - lo) or 1.0
    return lo - pad, hi + pad


def slice_grid(ex: Experiment, i: int, j: int, n: int = GRID):
    """xs (n,), ys (n,), loss (n, n) over parameters i and j, the others at theta*."""
    P = ex.trajectory.params
    xs = np.linspace(*surface_range(P[:, i], ex.problem.theta_star[i]), n)
    ys = np.linspace(*surface_range(P[:, j], ex.problem.theta_star[j]), n)
    return xs, ys, ex.problem.loss_grid(i, j, xs, ys)


def slice_loss(ex: Experiment, i: int, j: int, steps: np.ndarray) -> np.ndarray:
    """The loss on the drawn slice at the path's (theta_i, theta_j): the path projected on it."""
    theta = np.repeat(ex.problem.theta_star[None, :], len(steps), axis=0)
    theta[:, i] = ex.trajectory.params[steps, i]
    theta[:, j] = ex.trajectory.params[steps, j]
    return ex.problem.loss(theta)


def surface_figure(ex: Experiment, i: int, j: int, presenter: bool = False) -> go.Figure:
    """The loss over parameters i and j (others at their least-squares values), the descent path
    drawn once, and frames that move a marker with a short trail along it."""
    names = [label(n) for n in ex.names]
    T = ex.trajectory.steps
    xs, ys, Z = slice_grid(ex, i, j)
    P = ex.trajectory.params
    path = drawn_steps(T, T, 1000)
    frames_at = milestones(T, MAX_FRAMES)
    path_z = slice_loss(ex, i, j, np.arange(T + 1))
    lift = 0.01 * (Z.max() - Z.min())  # keep the path visibly above the surface

    def point(k):
        return trace("scatter3d", x=[P[k, i]], y=[P[k, j]], z=[path_z[k] + lift], mode="markers",
                     marker=dict(size=7, color=POINT, line=dict(color="white", width=1)),
                     name="current", hovertemplate=f"iteration {k}<extra></extra>")

    def trail(f):
        ks = frames_at[max(0, f - TRAIL):f + 1]
        return trace("scatter3d", x=P[ks, i], y=P[ks, j], z=path_z[ks] + lift, mode="lines",
                     line=dict(color=POINT, width=6), name="trail", hoverinfo="skip",
                     showlegend=False)

    data = [
        trace("surface", x=xs, y=ys, z=Z, colorscale=SURFACE_SCALE, opacity=0.85, name="loss",
              showscale=False,
              contours=dict(z=dict(show=True, usecolormap=True, project=dict(z=True))),
              hovertemplate=f"{names[i]} %{{x:.4g}}<br>{names[j]} %{{y:.4g}}"
                            "<br>loss %{z:.4g}<extra></extra>"),
        trace("scatter3d", x=P[path, i], y=P[path, j], z=path_z[path] + lift, mode="lines",
              line=dict(color="rgba(255,255,255,0.9)", width=4), name="path", hoverinfo="skip"),
        point(0),
        trail(0),
    ]
    frames = [dict(data=[point(k), trail(f)], traces=[2, 3], name=str(k))
              for f, k in enumerate(frames_at)]
    play = dict(frame=dict(duration=80, redraw=True), transition=dict(duration=0),
                fromcurrent=True, mode="immediate")
    pause = dict(frame=dict(duration=0, redraw=False), mode="immediate", transition=dict(duration=0))
    jump = dict(frame=dict(duration=0, redraw=True), mode="immediate", transition=dict(duration=0))
    layout = dict(
        template=template(presenter),
        height=560,
        margin=dict(l=0, r=0, t=10, b=0),
        showlegend=False,
        scene=dict(
            xaxis=dict(title=dict(text=names[i]), range=[xs[0], xs[-1]]),
            yaxis=dict(title=dict(text=names[j]), range=[ys[0], ys[-1]]),
            zaxis=dict(title=dict(text="loss"), range=[Z.min(), Z.max() * 1.02 + lift]),
            aspectmode="manual", aspectratio=dict(x=1, y=1, z=0.7),
            camera=dict(eye=dict(x=1.5, y=-1.5, z=1.0)),
        ),
        updatemenus=[dict(type="buttons", direction="left", x=0.0, y=0.0, xanchor="left",
                          yanchor="bottom", showactive=False, pad=dict(r=8, t=8, b=8, l=8),
                          buttons=[dict(label="▶ Play", method="animate", args=[None, play]),
                                   dict(label="❚❚ Pause", method="animate",
                                        args=[[None], pause])])],
        # The slider's 150 step labels would overprint each other: hide them, show the current one.
        sliders=[dict(active=0, x=0.25, y=0.0, len=0.73, xanchor="left", yanchor="bottom",
                      pad=dict(t=0, b=12),
                      currentvalue=dict(prefix="iteration ", visible=True, xanchor="right"),
                      ticklen=0, tickwidth=0, font=dict(color="rgba(0,0,0,0)", size=1),
                      steps=[dict(label=str(k), method="animate", args=[[str(k)], jump])
                             for k in frames_at])],
    )
    return figure(data, layout, frames)


def _layout(presenter: bool, xaxis: dict, yaxis: dict, **more) -> dict:
    """The per-step charts' common layout: fixed ranges, legend on top."""
    return dict(template=template(presenter), height=420, xaxis=xaxis, yaxis=yaxis,
                legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0), **more)


def contour_figure(ex: Experiment, i: int, j: int, k: int, presenter: bool = False) -> go.Figure:
    """The same slice seen from above, the path up to iteration k and the current point."""
    names = [label(n) for n in ex.names]
    xs, ys, Z = slice_grid(ex, i, j, 40)
    P, star = ex.trajectory.params, ex.problem.theta_star
    steps = drawn_steps(ex.trajectory.steps, k)
    data = [
        trace("contour", x=xs, y=ys, z=Z, colorscale=SURFACE_SCALE, ncontours=24, showscale=False,
              contours=dict(coloring="heatmap", showlines=True), line=dict(width=0.5),
              opacity=0.75, name="loss", hovertemplate="loss %{z:.4g}<extra></extra>"),
        trace("scatter", x=P[steps, i], y=P[steps, j], mode="lines+markers", name="path",
              line=dict(color="white", width=2), marker=dict(size=4, color=PATH)),
        trace("scatter", x=[star[i]], y=[star[j]], mode="markers", name="least squares",
              marker=dict(symbol="x", size=12, color=OPTIMUM)),
        trace("scatter", x=[P[k, i]], y=[P[k, j]], mode="markers", name=f"iteration {k}",
              marker=dict(size=13, color=POINT, line=dict(color="white", width=2))),
    ]
    return figure(data, _layout(presenter,
                                dict(title=dict(text=names[i]), range=[xs[0], xs[-1]]),
                                dict(title=dict(text=names[j]), range=[ys[0], ys[-1]])))


def convergence_figure(ex: Experiment, k: int, presenter: bool = False) -> go.Figure:
    """Each parameter against the iteration up to k, with its true value (dashed) and its
    least-squares value (dotted, drawn where it differs visibly from the truth)."""
    T, P = ex.trajectory.steps, ex.trajectory.params
    steps = drawn_steps(T, k)
    star, truth = ex.problem.theta_star, ex.true_theta
    data = []
    for p, name in enumerate(ex.names):
        colour = PALETTE[p % len(PALETTE)]
        dash = DASHES[(p // len(PALETTE)) % len(DASHES)]
        group = f"p{p}"
        data.append(trace("scatter", x=steps, y=P[steps, p], mode="lines", name=label(name),
                          legendgroup=group, line=dict(color=colour, width=2.5, dash=dash)))
        if truth is not None:
            data.append(trace("scatter", x=[0, T], y=[truth[p]] * 2, mode="lines", legendgroup=group,
                              name=f"true {label(name)}", showlegend=False,
                              line=dict(color=colour, width=1.5, dash="dash")))
        if truth is None or abs(star[p] - truth[p]) > 1e-3 * (1 + abs(truth[p])):
            data.append(trace("scatter", x=[0, T], y=[star[p]] * 2, mode="lines", legendgroup=group,
                              name=f"least squares {label(name)}", showlegend=False,
                              line=dict(color=colour, width=1.5, dash="dot")))
    refs = [P, star[None, :]] + ([truth[None, :]] if truth is not None else [])
    lo, hi = min(float(np.min(r)) for r in refs), max(float(np.max(r)) for r in refs)
    pad = 0.06 * (hi - lo) or 1.0
    note = dict(text="dashed: true value · dotted: least squares", xref="paper", yref="paper",
                x=1, y=0, xanchor="right", yanchor="bottom", showarrow=False,
                font=dict(size=12, color="#6b7280"))
    return figure(data, _layout(presenter,
                                dict(title=dict(text="iteration"), range=[0, max(T, 1)]),
                                dict(title=dict(text="value"), range=[lo - pad, hi + pad]),
                                annotations=[note]))


def loss_figure(ex: Experiment, k: int, presenter: bool = False) -> go.Figure:
    """Excess loss L - L* against the iteration on a log scale, with plain GD's theoretical rate:
    excess_0 * max_i (1 - 2 eta lambda_i)^(2 k) over nonzero eigenvalues (a bound for gd)."""
    T = ex.trajectory.steps
    excess = ex.problem.excess_loss(ex.trajectory.params)
    floor = max(float(excess[0]), 1e-300) * 1e-32  # round-off level; log axes cannot show 0
    shown = np.maximum(excess, floor)
    steps = drawn_steps(T, k)
    rate = ex.problem.gd_rate(ex.settings.learning_rate)
    theory_steps = drawn_steps(T, T)
    with np.errstate(over="ignore", under="ignore"):
        theory = shown[0] * rate ** theory_steps.astype(float)
    keep = (theory >= floor) & np.isfinite(theory)
    lo, hi = np.log10(shown.min()), np.log10(shown.max())
    pad = 0.05 * (hi - lo) or 1.0
    data = [
        trace("scatter", x=theory_steps[keep], y=theory[keep], mode="lines", name="plain GD bound",
              line=dict(color="#6b7280", width=1.5, dash="dash")),
        trace("scatter", x=steps, y=shown[steps], mode="lines", name="L − L*",
              line=dict(color=PALETTE[0], width=3)),
        trace("scatter", x=[k], y=[shown[k]], mode="markers", name=f"iteration {k}",
              marker=dict(size=10, color=POINT)),
    ]
    return figure(data, _layout(presenter,
                                dict(title=dict(text="iteration"), range=[0, max(T, 1)]),
                                dict(title=dict(text="excess loss L − L*"), type="log",
                                     range=[lo - pad, hi + pad], exponentformat="power")))


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
            trace("scatter", x=X[:, 0], y=y, mode="markers", name="data",
                  marker=dict(size=5, color=PALETTE[4], opacity=0.6)),
            trace("scatter", x=xs, y=xs * w[0] + b, mode="lines", name=f"iteration {k}",
                  line=dict(color=POINT, width=3)),
            trace("scatter", x=xs, y=xs * star[0] + star[1], mode="lines", name="least squares",
                  line=dict(color=OPTIMUM, width=1.5, dash="dot")),
        ]
        xtitle, ytitle = label(ex.feature_names[0]), label(ex.target)
        xr = xs
        yr = np.concatenate([y, (xs[:, None] * ends[:, 0] + ends[:, 1]).ravel()])
    else:
        lo, hi = float(y.min()), float(y.max())
        data = [
            trace("scatter", x=y, y=X @ w + b, mode="markers", name=f"iteration {k}",
                  marker=dict(size=5, color=PALETTE[0], opacity=0.6)),
            trace("scatter", x=[lo, hi], y=[lo, hi], mode="lines", name="perfect fit",
                  line=dict(color=OPTIMUM, width=1.5, dash="dot")),
        ]
        xtitle, ytitle = f"actual {label(ex.target)}", f"predicted {label(ex.target)}"
        xr = np.array([lo, hi])
        yr = np.concatenate([y, (X @ ends[:, :-1].T + ends[:, -1]).ravel()])
    xpad = 0.05 * (xr[1] - xr[0]) or 1.0
    ypad = 0.05 * (yr.max() - yr.min()) or 1.0
    return figure(data, _layout(presenter,
                                dict(title=dict(text=xtitle), range=[xr[0] - xpad, xr[1] + xpad]),
                                dict(title=dict(text=ytitle),
                                     range=[yr.min() - ypad, yr.max() + ypad])))
