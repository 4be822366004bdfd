"""The loss surface in 3-D over two parameters with the descent path.

The page's live panel moves the marker and its trail in the browser (gd.live), so its figure has
no timeline of its own; the standalone HTML export is `animated`: Plotly frames, a Play button and
a slider, so that it plays offline without the app."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from gd.figures.common import (
    MAX_FRAMES,
    MAX_POINTS,
    PATH_POINTS,
    POINT,
    SURFACE_SCALE,
    TRAIL,
    drawn_steps,
    figure,
    label,
    label_3d,
    legend,
    marker_size,
    milestones,
    run_style,
    runs,
    slice_grid,
    slice_loss,
    slice_points,
    template,
    trace,
)
from gd.run import Experiment


def surface_lift(Z: np.ndarray) -> float:
    """How far above the surface the path is drawn, so that it stays visible."""
    return 0.01 * float(Z.max() - Z.min())


def trail_steps(T: int, k: int) -> np.ndarray:
    """The iterations of the 3-D trail at iteration k: the last TRAIL of the points the 2-D lines
    draw before k (so that the browser has their numbers), then k itself."""
    path = milestones(T, MAX_POINTS)
    return np.append(path[path < k][-TRAIL:], k)


def surface_figure(
    ex: Experiment, i: int, j: int, presenter: bool = False, k: int = 0, animated: bool = False
) -> go.Figure:
    """The loss over parameters i and j (others at their least-squares values), the descent path
    drawn once, and a marker with a short trail at iteration k. `animated` adds frames that move
    the marker along the path, with their own Play button and slider (for the HTML export).

    The marker and the trail carry `meta` tags ({"gd": "point"}, {"gd": "trail"}) by which the
    browser finds the traces it moves, as the 2-D charts' (gd.figures.charts)."""
    names = [label(n) for n in ex.names]
    T = ex.trajectory.steps
    xs, ys, Z = slice_grid(ex, i, j)
    P = ex.trajectory.params
    path = drawn_steps(T, T, PATH_POINTS)
    path_z = slice_loss(ex, i, j, np.arange(T + 1))
    lift = surface_lift(Z)

    def point(k):
        return trace(
            "scatter3d",
            meta=dict(gd="point"),
            x=[P[k, i]],
            y=[P[k, j]],
            z=[path_z[k] + lift],
            mode="markers",
            marker=dict(size=marker_size(presenter, 7), color=POINT, line=dict(color="white", width=1)),
            name="current",
            # hover picking reads pixels back after each redraw: on the moving marker and trail
            # it buys nothing, so only the surface and the paths answer the pointer
            hoverinfo="skip",
            showlegend=False,
        )

    def trail(ks):
        return trace(
            "scatter3d",
            meta=dict(gd="trail"),
            x=P[ks, i],
            y=P[ks, j],
            z=path_z[ks] + lift,
            mode="lines",
            line=dict(color=POINT, width=6),
            name="trail",
            hoverinfo="skip",
            showlegend=False,
        )

    data = [
        trace(
            "surface",
            x=xs,
            y=ys,
            z=Z,
            colorscale=SURFACE_SCALE,
            opacity=0.85,
            name="loss",
            showscale=False,
            contours=dict(z=dict(show=True, usecolormap=True, project=dict(z=True))),
            hovertemplate=f"{names[i]} %{{x:.4g}}<br>{names[j]} %{{y:.4g}}<br>loss %{{z:.4g}}<extra></extra>",
        ),
        # alone, the path is white on the surface; compared, it takes run 0's colour and dash
        trace(
            "scatter3d",
            meta=dict(gd="path", run=0),  # the live panel draws it from the run's own rows
            x=P[path, i],
            y=P[path, j],
            z=path_z[path] + lift,
            mode="lines",
            line=run_style(0, presenter, 4) if ex.others else dict(color="rgba(255,255,255,0.9)", width=4),
            name=label(runs(ex)[0].label) if ex.others else "path",
            hoverinfo="name",
        ),
        point(k),
        trail(trail_steps(T, k)),
    ]
    for r, other in enumerate(ex.others, 1):
        Q = other.trajectory.params
        q = drawn_steps(other.trajectory.steps, other.trajectory.steps, 600)
        data.append(
            trace(
                "scatter3d",
                x=Q[q, i],
                y=Q[q, j],
                z=slice_points(ex, i, j, Q[q]) + lift,
                mode="lines",
                name=label(other.label),
                hoverinfo="name",
                line=run_style(r, presenter, 4),
            )
        )

    # few ticks, in a size that does not make them run into each other on the turned axes
    def axis(title: str, span: list) -> dict:
        font = dict(font=dict(size=18)) if presenter else {}
        return dict(
            title=dict(text=title, **font), range=span, nticks=6, tickfont=dict(size=15 if presenter else 12)
        )

    far = 1.15 if presenter else 1.0  # the presenter's larger labels need a little more room
    layout = dict(
        template=template(presenter),
        height=560,
        margin=dict(l=0, r=0, t=10, b=0),
        showlegend=bool(ex.others),
        legend=legend(),  # below the scene, never over the surface
        scene=dict(
            xaxis=axis(label_3d(ex.names[i]), [xs[0], xs[-1]]),
            yaxis=axis(label_3d(ex.names[j]), [ys[0], ys[-1]]),
            # on a stage the heading says "Loss surface": the vertical title, beside the middle
            # tick label at the presenter's sizes, would run into it
            zaxis=axis("" if presenter else "loss", [Z.min(), Z.max() * 1.02 + lift]),
            aspectmode="manual",
            aspectratio=dict(x=1, y=1, z=0.7),
            # far enough that the tick labels of the near axes stay inside the view
            camera=dict(eye=dict(x=1.6 * far, y=-1.6 * far, z=0.95 * far), center=dict(x=0, y=0, z=-0.12)),
            # hover picking renders the scene a second time and reads its pixels back after every
            # redraw: on a moving scene it buys nothing (the contour map answers the pointer)
            hovermode=False,
        ),
        uirevision="surface",  # a camera the user turned survives every update
    )
    if not animated:
        return figure(data, layout)

    def readout(k: int) -> dict:
        """The export's title at iteration k: the iteration and the loss there, as it plays."""
        text = f"iteration {k:,} of {T:,} · loss {ex.trajectory.loss[k]:.6g}"
        return dict(text=text, x=0.01, xanchor="left", y=0.98, yanchor="top", font=dict(size=16))

    layout = dict(layout, title=readout(0), margin=dict(l=0, r=0, t=40, b=0))
    return _animate(data, layout, T, point, trail, readout)


def _animate(data: list[dict], layout: dict, T: int, point, trail, readout) -> go.Figure:
    """The export's own timeline: frames that move the marker (trace 2) and the trail (trace 3)
    and write the iteration and its loss in the title (`readout(k)`), a Play/Pause pair and a
    slider."""
    frames_at = milestones(T, MAX_FRAMES)
    frames = [
        dict(
            data=[point(k), trail(frames_at[max(0, f - TRAIL) : f + 1])],
            traces=[2, 3],
            name=str(k),
            layout=dict(title=readout(k)),
        )
        for f, k in enumerate(frames_at)
    ]
    play = dict(
        frame=dict(duration=80, redraw=True), transition=dict(duration=0), fromcurrent=True, mode="immediate"
    )
    pause = dict(frame=dict(duration=0, redraw=False), mode="immediate", transition=dict(duration=0))
    jump = dict(frame=dict(duration=0, redraw=True), mode="immediate", transition=dict(duration=0))
    layout = dict(
        layout,
        updatemenus=[
            dict(
                type="buttons",
                direction="left",
                x=0.0,
                y=0.0,
                xanchor="left",
                yanchor="bottom",
                showactive=False,
                pad=dict(r=8, t=8, b=8, l=8),
                buttons=[
                    dict(label="▶ Play", method="animate", args=[None, play]),
                    dict(label="❚❚ Pause", method="animate", args=[[None], pause]),
                ],
            )
        ],
        # The slider's 150 step labels would overprint each other: hide them, show the current one.
        sliders=[
            dict(
                active=0,
                x=0.25,
                y=0.0,
                len=0.73,
                xanchor="left",
                yanchor="bottom",
                pad=dict(t=0, b=12),
                currentvalue=dict(
                    prefix="iteration ", visible=True, xanchor="right", font=dict(size=14, color="#111827")
                ),
                ticklen=0,
                tickwidth=0,
                font=dict(color="rgba(0,0,0,0)", size=1),
                steps=[dict(label=str(k), method="animate", args=[[str(k)], jump]) for k in frames_at],
            )
        ],
    )
    return figure(data, layout, frames)
