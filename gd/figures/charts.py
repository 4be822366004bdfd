"""The 2-D charts that follow the current iteration k: light (no frames, at most a few hundred
points a line), with axis ranges fixed by the whole run so that the view holds still as k moves.

Every trace that follows k carries a `meta` tag ({"gd": "path" | "line" | "point" | "arrow" | "fit",
"run": r, "param": p}) by which the live panel (gd.live and its browser module) finds it and moves
it to another iteration exactly as these functions would draw it there; plain GD's references
(the loss chart's bound, the eigen view's predictions) are tagged {"gd": "theory"}: the panel
draws them again for a run of its own (static/theory.js)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from gd import registry
from gd.data import Dataset
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
    moving_line,
    note_annotation,
    run_style,
    runs,
    slice_grid,
    template,
    trace,
)
from gd.problem import ROUND_OFF
from gd.run import SWEEP_RATES, Experiment, run_label, sweep, sweep_minibatch, sweep_plan, sweep_rates
from gd.spectrum import gd_bound, varying_rate


def _layout(presenter: bool, xaxis: dict, yaxis: dict, **more) -> dict:
    """The per-step charts' common layout: fixed ranges, legend below the plot (`common.legend`),
    and margins that hold the tick labels and titles from the start. plotly.js's automargin draws
    the whole chart again each time it widens a margin, and on the iteration axis it swung: the
    label at the right end ("1000") pushed the right margin to 30 px, the narrower plot moved the
    ticks so that the label no longer reached the end, the margin went back and the label pushed
    it out again, four draws of each such chart before plotly.js gave up. The widths below are the
    widest plotly.js pushed on the pages the browser tests open: a log y axis's labels (10⁻¹⁴)
    and title take about 78 px (115 in presenter mode's larger fonts), a linear one's up to 60
    (85), the x axis's labels and title about 47 px under the plot (66)."""
    log = yaxis.get("type") == "log"
    if presenter:
        margin = dict(l=120 if log else 90, r=40, t=30, b=70)
    else:
        margin = dict(l=80 if log else 60, r=30, t=30, b=50)
    return {
        **dict(
            template=template(presenter),
            height=420,
            xaxis=xaxis,
            yaxis=yaxis,
            legend=legend(),
            margin=margin,
        ),
        **more,
    }


def log_layout(presenter: bool, T: int, shown: list[np.ndarray], title: str, **more) -> dict:
    """`_layout` for a quantity against the iteration 0..T on a log scale: the y range holds
    every array of `shown` (all positive), padded by 5% of its decades, ticks written 10ⁿ."""
    lo = min(np.log10(s.min()) for s in shown)
    hi = max(np.log10(s.max()) for s in shown)
    pad = 0.05 * (hi - lo) or 1.0
    return _layout(
        presenter,
        dict(title=dict(text="iteration"), range=[0, max(T, 1)]),
        dict(title=dict(text=title), type="log", range=[lo - pad, hi + pad], exponentformat="power"),
        **more,
    )


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
    # the compared runs first and the run itself last, on top: a run that moves slowly along a
    # compared run's path (a rate too small beside the article's) stays in sight; the legend keeps
    # the run first (legendrank)
    for r, run in reversed(list(enumerate(all_runs))):
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
                legendrank=1 + r,  # before the traces below (plotly's default rank: 1000)
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
                name=arrow_names(ex)[n],
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
            margin=dict(l=80, r=10, t=20, b=75) if presenter else dict(l=60, r=10, t=20, b=50),
            height=470,
        ),
    )


CURRENT = "current iteration"  # the moving traces' name: fixed, so the legend never redraws
ARROW_NAMES = ("−η∇L", "actual update")
ARROW_COLOURS = ("#111827", "#CC79A7")


def arrow_names(ex: Experiment) -> tuple[str, str]:
    """The arrows' names: -eta_k grad L where the rate changes from update to update."""
    return ("−ηₖ∇L", ARROW_NAMES[1]) if varying_rate(ex) else ARROW_NAMES


def step_rate(ex: Experiment, k: int) -> float:
    """eta_k, the rate of update k (a schedule's, linesearch's exact step), where the run has
    one; the learning rate input otherwise (newton and cg, or where linesearch has none: g = 0)."""
    rates = ex.step_rates
    if rates is None or k >= len(rates) or not np.isfinite(rates[k]):
        return ex.settings.learning_rate
    return float(rates[k])


def update_arrows(ex: Experiment, i: int, j: int, k: int, span: tuple[float, float]):
    """([tip of -eta_k grad L, tip of the update], factor) at iteration k, projected on parameters
    (i, j): the plain gradient step -eta_k grad L(theta_k) at that update's rate (`step_rate`)
    and the actual update theta_{k+1} - theta_k, both drawn from theta_k scaled by one factor, so
    that the longer is 15% of the view.
    No arrows ([], None) at the last iteration or where both are zero."""
    if k >= ex.trajectory.steps:
        return [], None
    P = ex.trajectory.params
    g = -step_rate(ex, k) * ex.problem.gradient(P[k])[[i, j]]
    u = (P[k + 1] - P[k])[[i, j]]
    return arrow_tips(P[k, [i, j]], g, u, span)


def arrow_tips(origin: np.ndarray, g: np.ndarray, u: np.ndarray, span: tuple[float, float]):
    """([origin + f g, origin + f u], f) with f such that the longer of g and u, measured in the
    view's widths `span`, is 15% of the view; ([], None) where both are zero (or not finite).
    The browser draws the arrows by the same rule (static/figures.js, arrowTips; the cases both
    check are in tests/rules.json)."""
    scale = np.array(span, dtype=float)
    longest = max(np.linalg.norm(g / scale), np.linalg.norm(u / scale))
    if not np.isfinite(longest) or longest == 0:
        return [], None
    factor = 0.15 / longest
    return [origin + factor * g, origin + factor * u], factor


def current_points(k: int, values: np.ndarray, size: float, colour: str | None = None) -> dict:
    """The moving markers of the lines at iteration k: one a value, each in its line's colour
    (PALETTE in order) or all in `colour`."""
    return trace(
        "scatter",
        x=[k] * len(values),
        y=values,
        mode="markers",
        meta=dict(gd="point"),
        name=CURRENT,
        showlegend=False,
        hoverinfo="skip",
        marker=dict(
            size=size,
            color=[PALETTE[i % len(PALETTE)] for i in range(len(values))] if colour is None else colour,
            line=dict(color="white", width=1),
        ),
    )


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
            dash = DASHES[(p // len(PALETTE)) % len(DASHES)]
            data.append(
                moving_line(
                    P[:, p],
                    T,
                    k,
                    0,
                    p,
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
            for p, name in enumerate(ex.names):
                data.append(
                    moving_line(
                        Q[:, p],
                        run.trajectory.steps,
                        k,
                        r,
                        p,
                        per_trace,
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
        current_points(k, P[k], marker_size(presenter, 9 if single else 7), None if single else PALETTE[0])
    )
    refs = [run.trajectory.params for run in all_runs] + [star[None, :]]
    refs += [truth[None, :]] if truth is not None else []
    lo, hi = min(float(np.min(r)) for r in refs), max(float(np.max(r)) for r in refs)
    pad = 0.06 * (hi - lo) or 1.0
    note = note_annotation("dashed: true value · dotted: least squares", presenter, x=1)
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
    s = ex.settings
    rate = ex.problem.gd_rate(s.learning_rate)
    theory_steps = drawn_steps(T, T)
    with np.errstate(over="ignore", under="ignore"):
        theory = shown[0][0] * rate ** theory_steps.astype(float)
        if not registry.schedule(s.schedule).constant and registry.entry(s.optimizer).rate:
            # eta_t, not eta: the schedule's whole, as far as it goes (a compared run may outlast a
            # main run that diverged), not the main run's updates alone
            rates = s.schedule_rates()
            theory_steps = theory_steps[theory_steps <= rates.size]
            theory = shown[0][0] * gd_bound(ex.problem, rates)[theory_steps]
    keep = (theory >= floor) & np.isfinite(theory)
    data = [
        trace(
            "scatter",
            x=theory_steps[keep],
            y=theory[keep],
            mode="lines",
            name="plain GD bound",
            meta={"gd": "theory"},
            line=dict(color="#6b7280", width=1.5, dash="dash"),
        )
    ]
    for r, (run, e) in enumerate(zip(all_runs, shown, strict=True)):
        style = (
            run_style(r, presenter, 3)
            if len(all_runs) > 1
            else dict(color=PALETTE[0], width=line_width(presenter, 3))
        )
        data.append(
            moving_line(
                e,
                run.trajectory.steps,
                k,
                r,
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
    return figure(data, log_layout(presenter, T, shown, "excess loss L − L*"))


def rate_sweep_figure(
    ex: Experiment, presenter: bool = False, data: Dataset | None = None, run_known: bool = True
) -> go.Figure:
    """The sweep chart of the run's own optimizer and steps: the loss after them for learning
    rates around the stability limit (gd.run.sweep_rates), the run's rate marked at the run's
    own loss. sgd is swept as sgd, on the run's own mini-batches (`data`: the uploaded data, None
    for the synthetic), unless that is more work than gd.run.SWEEP_WORK allows: then with the
    full gradient, and the line's name says so (`sweep_kind` tells which).

    `run_known` false: `ex.trajectory` is not the run of `ex.settings` (the browser runs them,
    full-batch: ui.runs.Run.made). The sweep then starts from the settings' own start, and where
    its rates do not depend on the learning rate (around a stability limit) neither does the
    figure: the current rate is not among them and its mark waits for the browser, which places it
    at its own run's loss (static/mount.js), so that a change of the rate alone sends no new sweep.
    """
    s = ex.settings
    count = sweep_plan(s, ex.problem.n, ex.problem.p)
    minibatch = s.minibatch and count > 0
    theta0 = ex.trajectory.params[0] if run_known else s.theta0(ex.problem.p)
    apart = not run_known and ex.limit is not None and np.isfinite(ex.limit) and ex.limit > 0
    rates = sweep_rates(ex.limit, s.learning_rate, count or SWEEP_RATES, include=not apart)
    if minibatch:
        loss, _ = sweep_minibatch(s, data, rates)
    else:
        loss, _ = sweep(ex.problem, s.optimizer, rates, s.steps, theta0=theta0, settings=s)
    own = None
    if run_known:
        own = np.inf if ex.trajectory.diverged_at is not None else float(ex.trajectory.loss[-1])
    fig = sweep_figure(
        rates,
        loss,
        ex.problem.loss_star,
        ex.limit,
        None if apart else s.learning_rate,
        s.steps,
        run_label(s, False) if s.minibatch else s.optimizer,
        presenter,
        current_loss=own,
        swept=sweep_kind(ex),
        floor=ex.problem.excess_floor(theta0),
    )
    return fig.update_layout(meta={**fig.layout.meta, "gd_optimizer": s.optimizer})  # whose rate it marks


def decades(log_range: list[float], ticks: int = 8) -> int:
    """A log axis's tick step in whole decades: one a decade, or fewer so that about `ticks` show."""
    return max(1, int(np.ceil((log_range[1] - log_range[0]) / ticks)))


def sweep_kind(ex: Experiment) -> str:
    """What the sweep runs: the run's optimizer ('gd', 'sgd (B=32)', ...), or for an sgd run too
    large to sweep as sgd, 'full-batch gd'."""
    s = ex.settings
    if not s.minibatch:
        return s.optimizer
    if sweep_plan(s, ex.problem.n, ex.problem.p):
        return run_label(s, False)
    return "full-batch gd"


def sweep_figure(
    rates: np.ndarray,
    loss: np.ndarray,
    loss_star: float,
    limit: float | None,
    current: float | None,
    steps: int,
    optimizer: str,
    presenter: bool = False,
    current_loss: float | None = None,
    swept: str | None = None,
    floor: float | None = None,
) -> go.Figure:
    """The loss after `steps` updates against the learning rate (log-log), diverged rates marked
    at the top, the stability limit as a vertical line: why one rate crawls and another explodes.
    The current rate is marked at `current_loss` (the run's own final loss) when given, else at
    the swept value. `swept` names what the line ran when it is not `optimizer` itself.

    The axis stops at `floor` (gd.problem.Problem.excess_floor: the loss's own round-off): an
    excess below it is not a result but float64's last digits, and reads "converged"."""
    excess = loss - loss_star
    finite = np.isfinite(excess)
    if floor is None:
        floor = max(float(np.max(excess[finite], initial=0.0)) * ROUND_OFF, 1e-300)
    shown = np.maximum(excess, floor)
    top = float(np.max(shown[finite], initial=1.0)) * 10
    data = [
        trace(
            "scatter",
            x=rates[finite],
            y=shown[finite],
            mode="lines+markers",
            name=f"L − L* after {steps:,} steps of {swept or optimizer}",
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
    # the current rate's mark (tagged: the browser moves it to its own run, static/mount.js); with
    # no `current`, left for the browser to place
    if current is not None:
        i = int(np.argmin(np.abs(np.log(rates) - np.log(current))))
        mark = excess[i] if current_loss is None else current_loss - loss_star
    data.append(
        trace(
            "scatter",
            x=[current],
            y=[None if current is None else max(mark, floor) if np.isfinite(mark) else top],
            mode="markers",
            meta=dict(gd="current"),
            name=f"η = {current:g} ({optimizer}): this run"
            if current is not None
            else f"this run ({optimizer})",
            marker=dict(size=14, color=POINT, line=dict(color="white", width=2)),
        )
    )
    low = np.log10(floor)
    # ticks at whole decades only, all written 10ⁿ (plotly's default mixes "100µ" with bare 2, 5)
    x_range = [np.log10(rates[0]) - 0.1, np.log10(rates[-1]) + 0.1]
    y_range = [low - 0.5, np.log10(top) + 0.5]
    return figure(
        data,
        _layout(
            presenter,
            dict(
                title=dict(text="learning rate η"),
                type="log",
                range=x_range,
                exponentformat="power",
                dtick=decades(x_range),
            ),
            dict(
                title=dict(text=f"excess loss after {steps:,} steps"),
                type="log",
                range=y_range,
                exponentformat="power",
                dtick=decades(y_range),
            ),
            shapes=shapes,
            meta=dict(gd_floor=floor, gd_top=top),  # where the browser places the mark (static/mount.js)
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
        if ex.true_theta is not None:  # synthetic data: the line the data were drawn from
            truth = ex.true_theta
            data.append(
                trace(
                    "scatter",
                    x=xs,
                    y=xs * truth[0] + truth[1],
                    mode="lines",
                    name="true line",
                    line=dict(color="#6b7280", width=1.5, dash="dash"),
                )
            )
            ends = np.vstack([ends, truth])
        xtitle, ytitle = label(ex.feature_names[0]), label(ex.target)
        xr = xs
        yr = np.concatenate([bulk(y), (xs[:, None] * ends[:, 0] + ends[:, 1]).ravel()])
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
    ylo, yhi = yr.min() - ypad, yr.max() + ypad
    notes = []
    if ex.d == 1:
        outside = (y < ylo) | (y > yhi)
        if outside.any():  # a far outlier: say where it is rather than squash the lines flat
            far = y[outside][np.argmax(np.abs(y[outside] - np.median(y)))]
            above, count = bool(far > yhi), int(outside.sum())
            notes.append(
                dict(
                    text=f"{count} point{'s' if count > 1 else ''} off the chart "
                    f"({'up' if above else 'down'} to y = {far:.4g}) {'↑' if above else '↓'}",
                    xref="x",
                    yref="paper",
                    x=float(X[outside, 0][0]),
                    y=1 if above else 0,
                    yanchor="top" if above else "bottom",
                    showarrow=False,
                    font=dict(size=12, color=PALETTE[5]),
                )
            )
    return figure(
        data,
        _layout(
            presenter,
            dict(title=dict(text=xtitle), range=[xr[0] - xpad, xr[1] + xpad]),
            dict(title=dict(text=ytitle), range=[ylo, yhi]),
            annotations=notes,
        ),
    )


def bulk(y: np.ndarray, reach: float = 6.0) -> np.ndarray:
    """The values of y an axis must show: all but those farther than `reach` interquartile ranges
    beyond the quartiles (a far outlier would squash the fit to a flat line; the chart says
    where it is instead). All of y when the quartiles coincide."""
    q1, q3 = np.percentile(y, [25, 75])
    spread = q3 - q1
    if spread == 0:
        return y
    return y[(y >= q1 - reach * spread) & (y <= q3 + reach * spread)]
