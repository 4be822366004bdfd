"""What every figure shares: colours, a small template, plain-dict figures, escaping of user text,
the iterations a chart or an animation shows, and the slice of the loss the maps draw.

Figures are built from plain dicts and handed to go.Figure without plotly's per-property checks,
which cost more than everything else in a Step; the tests validate every figure in full. Text from
users (CSV column names) is HTML-escaped before Plotly sees it, since Plotly renders a subset of
HTML in labels.
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
# The compared runs' colours: Okabe & Ito's without the yellow (faint on white and on the map) and
# the black (the references'), then six darker ones of Paul Tol's; with DASHES, `run_style` gives
# each of the first 72 runs its own (colour, dash) pair, and the first 12 their own colour too.
RUN_COLOURS = (
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
    "#332288", "#882255", "#999933", "#44AA99", "#AA4499", "#661100",
)  # fmt: skip
POINT, OPTIMUM = "#D55E00", "#000000"
SURFACE_SCALE = "Viridis"
FONT = "Source Sans Pro, Helvetica, Arial, sans-serif"
MAX_POINTS = 400  # points a trace of a per-step chart draws at most
MAX_CHART_POINTS = 24_000  # points of all the traces of one per-step chart together
MAX_FRAMES = 150  # frames of the animated surface (the HTML export)
PATH_POINTS = 1000  # points of the 3-D path
GRID = 50  # surface grid is GRID x GRID
TRAIL = 8  # frames of trail behind the moving marker


@functools.cache
def template(presenter: bool = False) -> dict:
    """A small template (plotly's default adds ~8 kB of JSON to every figure). Presenter mode
    takes Plotly's 'presentation' template (larger fonts, thicker lines) under our colours."""
    # automargin: the margins grow to hold the tick labels and the axis title, which otherwise
    # overprint each other at presenter sizes (a title is kept inside the margin given)
    axis = dict(gridcolor="#e5e7eb", zerolinecolor="#9ca3af", linecolor="#9ca3af", automargin=True)
    layout = dict(
        font=dict(family=FONT, size=14, color="#1f2937"),
        colorway=list(PALETTE),
        paper_bgcolor="white",
        plot_bgcolor="white",
        margin=dict(l=60, r=20, t=30, b=50),
        xaxis=axis,
        yaxis=axis,
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


def marker_size(presenter: bool, size: float) -> float:
    """Markers for the back of a room in presenter mode."""
    return size * 1.5 if presenter else size


def legend(**more) -> dict:
    """A legend outside the plot area: a row (wrapping) below the chart, at the bottom of the
    figure, where Plotly reserves its room (the live panel then grows the figure by as much, so
    that many runs do not shrink the plot). Below rather than above: the chart's toolbar shows
    at the top right, over whatever is there."""
    return dict(
        orientation="h",
        x=0,
        xanchor="left",
        xref="container",
        y=0,
        yanchor="bottom",
        yref="container",
        **more,
    )


def figure(data: list[dict], layout: dict, frames: list[dict] | None = None) -> go.Figure:
    """A Figure from plain dicts, without plotly's per-property validation: it costs more than
    everything else in a Step. The tests validate every figure in full (go.Figure(fig.to_dict()))."""
    spec = dict(data=data, layout=layout)
    if frames is not None:
        spec["frames"] = frames
    return go.Figure(spec, _validate=False)


def trace(kind: str, **props) -> dict:
    return dict(type=kind, **props)


def note_annotation(text: str, presenter: bool, x: float = 0) -> dict:
    """A grey note in a bottom corner of the plot area (x = 0: the left, x = 1: the right),
    anchored to the paper so that it holds still whatever the axes show; larger in presenter
    mode, as the charts' other text."""
    return dict(
        text=text,
        xref="paper",
        yref="paper",
        x=x,
        y=0,
        xanchor="right" if x == 1 else "left",
        yanchor="bottom",
        showarrow=False,
        font=dict(size=16 if presenter else 12, color="#6b7280"),
    )


def label(name: str) -> str:
    """User text as Plotly shows it literally."""
    return html.escape(str(name), quote=False)


def label_3d(name: str) -> str:
    """User text for a 3-D axis title, which renders HTML tags but prints entities as they are:
    angle brackets become their full-width look-alikes, so no tag can form."""
    return str(name).replace("<", "\uff1c").replace(">", "\uff1e")


def milestones(T: int, count: int) -> np.ndarray:
    """About `count` iterations in [0, T], 0 and T included, dense early: the first steps are the
    instructive ones. Used for the drawn lines, the export's frames and the live panel's Play."""
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


def moving_line(
    values: np.ndarray, T: int, k: int, run: int, param: int | None = None, points: int = MAX_POINTS, **style
) -> dict:
    """A line the live panel extends as the iteration moves: `values` (one per iteration 0..T)
    at the iterations `drawn_steps` draws up to k, tagged for the browser (static/figures.js) (meta gd="line":
    the run, the parameter where there is one, and how many of 0..T the panel samples)."""
    q = drawn_steps(T, min(k, T), points)
    meta = {"gd": "line", "run": run, **({} if param is None else {"param": param}), "points": points}
    return trace("scatter", x=q, y=values[q], mode="lines", meta=meta, **style)


def runs(ex: Experiment) -> list[Run]:
    """The main run first, then the comparisons."""
    return [Run(ex.label, ex.settings, ex.trajectory), *ex.others]


def run_style(r: int, presenter: bool = False, width: float = 2.5) -> dict:
    """Run r's line: a colour and a dash, so runs differ without colour too. Runs 0 to 11 take
    the 12 colours; from run 12 on the dashes shift by one every 12 runs, so that no two of the
    first 72 runs share a (colour, dash) pair."""
    colours = len(RUN_COLOURS)
    return dict(
        color=RUN_COLOURS[r % colours],
        dash=DASHES[(r + r // colours) % len(DASHES)],
        width=line_width(presenter, width),
    )


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
    them at right angles.

    Unless one width for both would put the slice's corners past float64's range: where the
    parameters' scales differ by a hundred orders (a column of 1e99 beside the bias's ones, on
    which linesearch walks the bias out to 1e98), each axis spans its own range."""
    P = ex.trajectory.params
    (x0, x1), (y0, y1) = (surface_range(P[:, p], ex.problem.theta_star[p]) for p in (i, j))
    half = max(x1 - x0, y1 - y0) / 2
    xs = np.linspace((x0 + x1) / 2 - half, (x0 + x1) / 2 + half, n)
    ys = np.linspace((y0 + y1) / 2 - half, (y0 + y1) / 2 + half, n)
    with np.errstate(over="ignore", invalid="ignore"):
        Z = ex.problem.loss_grid(i, j, xs, ys)
        if not np.isfinite(Z).all():
            xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
            Z = ex.problem.loss_grid(i, j, xs, ys)
    return xs, ys, Z


def slice_points(ex: Experiment, i: int, j: int, params: np.ndarray) -> np.ndarray:
    """The loss on the drawn slice at each row's (theta_i, theta_j): a path projected on it."""
    theta = np.repeat(ex.problem.theta_star[None, :], len(params), axis=0)
    theta[:, i] = params[:, i]
    theta[:, j] = params[:, j]
    return ex.problem.loss(theta)


def slice_loss(ex: Experiment, i: int, j: int, steps: np.ndarray) -> np.ndarray:
    """`slice_points` for the main run's iterations `steps`."""
    return slice_points(ex, i, j, ex.trajectory.params[steps])
