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
import plotly.io as pio

from gd.run import Experiment, Run

# Okabe & Ito's colour-blind-safe palette; black last, for the "true" references.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
PATH, POINT, OPTIMUM, TRUTH = "#D55E00", "#D55E00", "#000000", "#009E73"
SURFACE_SCALE = "Viridis"
FONT = "Source Sans Pro, Helvetica, Arial, sans-serif"
MAX_POINTS = 400  # points a trace of a per-step chart draws at most
MAX_CHART_POINTS = 24_000  # points of all the traces of one per-step chart together
MAX_FRAMES = 150  # frames of the animated surface
GRID = 50  # surface grid is GRID x GRID
TRAIL = 8  # frames of trail behind the moving marker


@functools.cache
def template(presenter: bool = False) -> dict:
    """A small template (plotly's default adds ~8 kB of JSON to every figure). Presenter mode
    takes Plotly's 'presentation' template (larger fonts, thicker lines) under our colours."""
    axis = dict(gridcolor="#e5e7eb", zerolinecolor="#9ca3af", linecolor="#9ca3af")
    layout = dict(
        font=dict(family=FONT, size=14, color="#1f2937"),
        colorway=list(PALETTE),
        paper_bgcolor="white", plot_bgcolor="white",
        margin=dict(l=60, r=20, t=50, b=50),
        xaxis=axis, yaxis=axis,
        legend=dict(bgcolor="rgba(255,255,255,0.8)"),
        hoverlabel=dict(font=dict(family=FONT)),
    )
    if not presenter:
        return dict(layout=layout)
    base = pio.templates["presentation"].to_plotly_json()
    layout["font"] = dict(family=FONT, size=22, color="#111827")
    layout["legend"] = dict(bgcolor="rgba(255,255,255,0.8)", font=dict(size=16))
    return dict(data=base.get("data", {}), layout={**base.get("layout", {}), **layout})


def line_width(presenter: bool, width: float) -> float:
    return width * 1.6 if presenter else width


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


def label_3d(name: str) -> str:
    """User text for a 3-D axis title, which renders HTML tags but prints entities as they are:
    angle brackets become their full-width look-alikes, so no tag can form."""
    return str(name).replace("<", "\uff1c").replace(">", "\uff1e")


def milestones(T: int, count: int) -> np.ndarray:
    """About `count` iterations in [0, T], 0 and T included, dense early: the first steps are the
    instructive ones. Used for animation frames and for the app's Play."""
    if count >= T + 1:
        return np.arange(T + 1)
    first = np.arange(count // 6)  # every one of the first steps
    grows = np.geomspace(max(len(first), 1), T, count // 2)
    even = np.linspace(0, T, count - count // 2 - len(first))
    return np.unique(np.concatenate([first, np.rint(grows), np.rint(even), [T]]).astype(int))


def play_position(k: int, T: int, elapsed: float, seconds: float, count: int) -> int:
    """Where a Play of `seconds` over `count` milestones stands `elapsed` seconds after it began:
    the milestone due then, and at least one step past k, so that slow ticks skip milestones
    rather than stretch the animation."""
    marks = milestones(T, count)
    due = marks[min(int(elapsed / seconds * len(marks)), len(marks) - 1)]
    return int(min(max(due, k + 1), T))


def play_elapsed(k: int, T: int, seconds: float, count: int) -> float:
    """The time into such a Play at which iteration k is shown: where a resumed Play starts."""
    marks = milestones(T, count)
    return int(np.searchsorted(marks, k)) / len(marks) * seconds


def drawn_steps(T: int, k: int, limit: int = MAX_POINTS) -> np.ndarray:
    """The iterations a chart draws up to k: a fixed sample of 0..T (so a line does not wobble as
    k moves), cut at k, with k itself last."""
    steps = milestones(T, limit)
    return np.append(steps[steps < k], k)


def runs(ex: Experiment) -> list[Run]:
    """The main run first, then the comparisons."""
    return [Run(ex.label, ex.settings, ex.trajectory), *ex.others]


def run_style(r: int, presenter: bool = False, width: float = 2.5) -> dict:
    """Run r's line: a colour and a dash of its own, so runs differ without colour too."""
    return dict(color=PALETTE[r % len(PALETTE)], dash=DASHES[r % len(DASHES)],
                width=line_width(presenter, width))


def surface_range(values: np.ndarray, centre: float) -> tuple[float, float]:
    """A range that holds the path, the optimum and zero, with a margin."""
    lo = min(float(np.min(values)), centre, 0.0)
    hi = max(float(np.max(values)), centre, 0.0)
    pad = 0.15 * (hi - lo) or 1.0
    return lo - pad, hi + pad


def slice_grid(ex: Experiment, i: int, j: int, n: int = GRID):
    """xs (n,), ys (n,), loss (n, n) over parameters i and j, the others at theta*.

    Both axes span the same width, so that drawn at one scale the contours keep their true
    shape (a narrow valley looks narrow, a round bowl round) and the gradient is seen to cross
    them at right angles."""
    P = ex.trajectory.params
    (x0, x1), (y0, y1) = (surface_range(P[:, p], ex.problem.theta_star[p]) for p in (i, j))
    half = max(x1 - x0, y1 - y0) / 2
    xs = np.linspace((x0 + x1) / 2 - half, (x0 + x1) / 2 + half, n)
    ys = np.linspace((y0 + y1) / 2 - half, (y0 + y1) / 2 + half, n)
    return xs, ys, ex.problem.loss_grid(i, j, xs, ys)


def slice_points(ex: Experiment, i: int, j: int, params: np.ndarray) -> np.ndarray:
    """The loss on the drawn slice at each row's (theta_i, theta_j): a path projected on it."""
    theta = np.repeat(ex.problem.theta_star[None, :], len(params), axis=0)
    theta[:, i] = params[:, i]
    theta[:, j] = params[:, j]
    return ex.problem.loss(theta)


def slice_loss(ex: Experiment, i: int, j: int, steps: np.ndarray) -> np.ndarray:
    """`slice_points` for the main run's iterations `steps`."""
    return slice_points(ex, i, j, ex.trajectory.params[steps])


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
                     name="current", hovertemplate=f"iteration {k}<extra></extra>",
                     showlegend=False)

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
        # alone, the path is white on the surface; compared, it takes run 0's colour and dash
        trace("scatter3d", x=P[path, i], y=P[path, j], z=path_z[path] + lift, mode="lines",
              line=run_style(0, presenter, 4) if ex.others else
              dict(color="rgba(255,255,255,0.9)", width=4),
              name=label(runs(ex)[0].label) if ex.others else "path", hoverinfo="name"),
        point(0),
        trail(0),
    ]
    for r, other in enumerate(ex.others, 1):
        Q = other.trajectory.params
        q = drawn_steps(other.trajectory.steps, other.trajectory.steps, 600)
        data.append(trace("scatter3d", x=Q[q, i], y=Q[q, j], z=slice_points(ex, i, j, Q[q]) + lift,
                          mode="lines", name=label(other.label), hoverinfo="name",
                          line=run_style(r, presenter, 4)))
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
        showlegend=bool(ex.others),
        legend=dict(x=0, y=1, yanchor="top"),
        scene=dict(
            xaxis=dict(title=dict(text=label_3d(ex.names[i])), range=[xs[0], xs[-1]]),
            yaxis=dict(title=dict(text=label_3d(ex.names[j])), range=[ys[0], ys[-1]]),
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
    """The per-step charts' common layout: fixed ranges, legend on top (unless `more` says)."""
    return {**dict(template=template(presenter), height=420, xaxis=xaxis, yaxis=yaxis,
                   legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0)), **more}


def contour_figure(ex: Experiment, i: int, j: int, k: int, presenter: bool = False) -> go.Figure:
    """The same slice seen from above: each run's path up to iteration k, the current point, and
    two arrows there: the plain gradient step -eta grad L and the update the optimizer made."""
    names = [label(n) for n in ex.names]
    xs, ys, Z = slice_grid(ex, i, j, 40)
    star = ex.problem.theta_star
    data = [trace("contour", x=xs, y=ys, z=Z, colorscale=SURFACE_SCALE, ncontours=24,
                  showscale=False, contours=dict(coloring="heatmap", showlines=True),
                  line=dict(width=0.5), opacity=0.75, name="loss",
                  hovertemplate="loss %{z:.4g}<extra></extra>")]
    all_runs = runs(ex)
    for r, run in enumerate(all_runs):
        P = run.trajectory.params
        q = drawn_steps(run.trajectory.steps, min(k, run.trajectory.steps))
        style = dict(color="white", width=line_width(presenter, 2)) if r == 0 and not ex.others \
            else run_style(r, presenter, 2.5)
        data.append(trace("scatter", x=P[q, i], y=P[q, j], mode="lines+markers",
                          name="path" if len(all_runs) == 1 else label(run.label), line=style,
                          marker=dict(size=4, color=PATH if r == 0 else style["color"])))
    P = ex.trajectory.params
    data += [
        trace("scatter", x=[star[i]], y=[star[j]], mode="markers", name="least squares",
              marker=dict(symbol="x", size=12, color=OPTIMUM)),
        trace("scatter", x=[P[k, i]], y=[P[k, j]], mode="markers", name=f"iteration {k}",
              marker=dict(size=13, color=POINT, line=dict(color="white", width=2))),
    ]
    arrows = update_arrows(ex, i, j, k, (xs[-1] - xs[0], ys[-1] - ys[0]))
    for name, colour, _ in arrows:  # legend entries for the arrows
        data.append(trace("scatter", x=[None], y=[None], mode="lines", name=name,
                          line=dict(color=colour, width=3)))
    notes = [dict(x=end[0], y=end[1], ax=P[k, i], ay=P[k, j], xref="x", yref="y", axref="x",
                  ayref="y", showarrow=True, arrowhead=3, arrowsize=1.2,
                  arrowwidth=line_width(presenter, 2.5), arrowcolor=colour, text="")
             for _, colour, end in arrows]
    return figure(data, _layout(presenter,
                                dict(title=dict(text=names[i]), range=[xs[0], xs[-1]],
                                     constrain="domain"),
                                dict(title=dict(text=names[j]), range=[ys[0], ys[-1]],
                                     scaleanchor="x", scaleratio=1, constrain="domain"),
                                annotations=notes, margin=dict(l=60, r=10, t=20, b=50), height=470,
                                # the square map leaves room beside it: the legend goes there
                                legend=dict(orientation="v", x=1.02, xanchor="left", y=1,
                                            yanchor="top")))


def update_arrows(ex: Experiment, i: int, j: int, k: int, span: tuple[float, float]):
    """[(legend name, colour, arrow tip)] at iteration k, projected on parameters (i, j): the
    plain gradient step -eta grad L(theta_k) and the actual update theta_{k+1} - theta_k, both
    scaled by one factor so that the longer is 15% of the view (the name gives the factor)."""
    if k >= ex.trajectory.steps:
        return []
    P = ex.trajectory.params
    g = -ex.settings.learning_rate * ex.problem.gradient(P[k])[[i, j]]
    u = (P[k + 1] - P[k])[[i, j]]
    scale = np.array(span, dtype=float)
    longest = max(np.linalg.norm(g / scale), np.linalg.norm(u / scale))
    if not np.isfinite(longest) or longest == 0:
        return []
    factor = 0.15 / longest
    shown = f" (×{factor:.3g})" if abs(factor - 1) > 0.05 else ""
    return [(f"−η∇L{shown}", "#111827", P[k, [i, j]] + factor * g),
            (f"actual update{shown}", "#CC79A7", P[k, [i, j]] + factor * u)]


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
            data.append(trace("scatter", x=q, y=P[q, p], mode="lines", name=label(name),
                              legendgroup=group,
                              line=dict(color=colour, width=line_width(presenter, 2.5), dash=dash)))
        reference = "#6b7280" if len(all_runs) > 1 else colour
        if truth is not None:
            data.append(trace("scatter", x=[0, T], y=[truth[p]] * 2, mode="lines", legendgroup=group,
                              name=f"true {label(name)}", showlegend=False,
                              line=dict(color=reference, width=1.5, dash="dash")))
        if truth is None or abs(star[p] - truth[p]) > 1e-3 * (1 + abs(truth[p])):
            data.append(trace("scatter", x=[0, T], y=[star[p]] * 2, mode="lines", legendgroup=group,
                              name=f"least squares {label(name)}", showlegend=False,
                              line=dict(color=reference, width=1.5, dash="dot")))
    if len(all_runs) > 1:
        # 13 runs of 21 parameters are 273 lines: fewer points each keeps a Step light
        per_trace = max(40, min(MAX_POINTS, MAX_CHART_POINTS // (len(all_runs) * len(ex.names))))
        for r, run in enumerate(all_runs):
            Q = run.trajectory.params
            q = drawn_steps(run.trajectory.steps, min(k, run.trajectory.steps), per_trace)
            for p, name in enumerate(ex.names):
                data.append(trace("scatter", x=q, y=Q[q, p], mode="lines", name=label(run.label),
                                  legendgroup=f"run{r}", showlegend=p == 0,
                                  hovertemplate=f"{label(name)}: %{{y:.4g}}<extra>%{{fullData.name}}"
                                                "</extra>",
                                  line=run_style(r, presenter)))
    refs = [run.trajectory.params for run in all_runs] + [star[None, :]]
    refs += [truth[None, :]] if truth is not None else []
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
    """Excess loss L - L* against the iteration on a log scale, one line per run, with plain
    GD's theoretical rate: excess_0 * max_i (1 - 2 eta lambda_i)^(2 k) over nonzero eigenvalues
    (an upper bound for gd at the main run's rate)."""
    all_runs = runs(ex)
    T = max(run.trajectory.steps for run in all_runs)
    excess = [ex.problem.excess_loss(run.trajectory.params) for run in all_runs]
    floor = max(float(excess[0][0]), 1e-300) * 1e-32  # round-off level; log axes cannot show 0
    shown = [np.maximum(e, floor) for e in excess]
    rate = ex.problem.gd_rate(ex.settings.learning_rate)
    theory_steps = drawn_steps(T, T)
    with np.errstate(over="ignore", under="ignore"):
        theory = shown[0][0] * rate ** theory_steps.astype(float)
    keep = (theory >= floor) & np.isfinite(theory)
    lo = min(np.log10(e.min()) for e in shown)
    hi = max(np.log10(e.max()) for e in shown)
    pad = 0.05 * (hi - lo) or 1.0
    data = [trace("scatter", x=theory_steps[keep], y=theory[keep], mode="lines",
                  name="plain GD bound", line=dict(color="#6b7280", width=1.5, dash="dash"))]
    for r, (run, e) in enumerate(zip(all_runs, shown, strict=True)):
        q = drawn_steps(run.trajectory.steps, min(k, run.trajectory.steps))
        style = run_style(r, presenter, 3) if len(all_runs) > 1 else \
            dict(color=PALETTE[0], width=line_width(presenter, 3))
        data.append(trace("scatter", x=q, y=e[q], mode="lines",
                          name="L − L*" if len(all_runs) == 1 else label(run.label), line=style))
    data.append(trace("scatter", x=[k], y=[shown[0][k]], mode="markers", name=f"iteration {k}",
                      marker=dict(size=10, color=POINT)))
    return figure(data, _layout(presenter,
                                dict(title=dict(text="iteration"), range=[0, max(T, 1)]),
                                dict(title=dict(text="excess loss L − L*"), type="log",
                                     range=[lo - pad, hi + pad], exponentformat="power")))


def sweep_figure(rates: np.ndarray, loss: np.ndarray, loss_star: float, limit: float | None,
                 current: float, steps: int, optimizer: str, presenter: bool = False) -> go.Figure:
    """The loss after `steps` updates against the learning rate (log-log), diverged rates marked
    at the top, the stability limit as a vertical line: why one rate crawls and another explodes."""
    excess = loss - loss_star
    finite = np.isfinite(excess)
    floor = max(float(np.max(excess[finite], initial=1.0)), 1e-300) * 1e-32
    shown = np.maximum(excess, floor)
    top = float(np.max(shown[finite], initial=1.0)) * 10
    data = [
        trace("scatter", x=rates[finite], y=shown[finite], mode="lines+markers",
              name=f"L − L* after {steps:,} steps", line=dict(color=PALETTE[0],
                                                              width=line_width(presenter, 2.5)),
              marker=dict(size=6)),
        trace("scatter", x=rates[~finite], y=[top] * int((~finite).sum()), mode="markers",
              name="diverged", marker=dict(symbol="x", size=10, color=PALETTE[5])),
    ]
    shapes = []
    if limit is not None:
        shapes.append(dict(type="line", x0=limit, x1=limit, xref="x", yref="paper", y0=0, y1=1,
                           line=dict(color="#111827", dash="dash", width=1.5)))
        data.append(trace("scatter", x=[None], y=[None], mode="lines",
                          name=f"stability limit {limit:.4g}",
                          line=dict(color="#111827", dash="dash", width=1.5)))
    i = int(np.argmin(np.abs(np.log(rates) - np.log(current))))
    data.append(trace("scatter", x=[rates[i]], y=[shown[i] if finite[i] else top], mode="markers",
                      name=f"η = {current:g} ({optimizer})",
                      marker=dict(size=14, color=POINT, line=dict(color="white", width=2))))
    lo = np.log10(float(np.min(shown[finite], initial=floor)))
    return figure(data, _layout(presenter,
                                dict(title=dict(text="learning rate η"), type="log",
                                     range=[np.log10(rates[0]) - 0.1, np.log10(rates[-1]) + 0.1]),
                                dict(title=dict(text=f"excess loss after {steps:,} steps"),
                                     type="log", range=[lo - 0.5, np.log10(top) + 0.5],
                                     exponentformat="power"),
                                shapes=shapes))


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
