"""The downloads. The trajectory as CSV: `step,loss,w1,...,wd,b`, rows 0..T, every value at full
precision; the animated surface as a standalone HTML page with a title, the run's settings and
a readout of the iteration as it plays.

Each number is written as Python's shortest repr, which reads back as the same float64. The whole
table is formatted by one %-operation over a flat tuple: no Python loop per row.
"""

from __future__ import annotations

import html
import re

import numpy as np

from gd.figures import surface_figure
from gd.inputs import format_weights, short
from gd.run import Experiment, Trajectory

TITLE = "Gradient descent, step by step"


def header(d: int) -> str:
    """The column names, w1..wd and b whatever the data's columns are called."""
    return ",".join(["step", "loss", *(f"w{i}" for i in range(1, d + 1)), "b"])


def trajectory_csv(trajectory: Trajectory, d: int) -> str:
    table = np.column_stack([trajectory.loss, trajectory.params])
    rows, cols = table.shape
    steps = np.arange(rows, dtype=float)[:, None]
    flat = np.hstack([steps, table]).ravel().tolist()
    row = "%d," + ",".join(["%r"] * cols) + "\n"
    return header(d) + "\n" + (row * rows) % tuple(flat)


def settings_lines(ex: Experiment) -> list[str]:
    """The run's settings in words (plain text; a CSV's names are the user's: escape to show)."""
    s = ex.settings
    if ex.true_theta is not None:  # synthetic data (a CSV has no true parameters)
        data = (
            f"synthetic data: true weights {format_weights(s.true_weights)}, bias {short(s.bias)}, "
            f"{s.samples:,} samples, noise {short(s.noise)}, seed {s.seed}"
        )
        extras = [
            f"{name} {short(value)}"
            for name, value, default in (
                ("feature scale", s.feature_scale, 1.0),
                ("feature mean", s.feature_mean, 0.0),
                ("outlier", s.outlier, 0.0),
            )
            if value != default
        ]
        data += "".join(f", {e}" for e in extras)
    else:
        features = ", ".join(ex.feature_names)
        data = f"uploaded data: {ex.problem.n:,} rows, features {features}, target {ex.target}"
    if s.standardize:
        data += ", standardised"
    run = f"{ex.label or s.optimizer}, learning rate {short(s.learning_rate)}, {s.steps:,} steps"
    limit = f"stability limit {ex.limit:.4g}" if ex.limit is not None else "no fixed stability limit"
    lines = [
        f"Data: {data}.",
        f"Run: {run} ({limit}).",
        f"Least-squares loss L* = {ex.problem.loss_star:.6g}.",
    ]
    if ex.trajectory.diverged_at is not None:
        lines.append(f"The run diverged at step {ex.trajectory.diverged_at}.")
    if ex.others:
        lines.append("Compared: " + "; ".join(o.label for o in ex.others) + ".")
    return lines


def surface_html(ex: Experiment, i: int, j: int, plotly_js: str | None = None) -> str:
    """The animated loss surface over parameters i and j as a page that plays offline: a title,
    the settings, and the figure, whose title reads the iteration and the loss as it plays.

    plotly.js travels inside it: `plotly_js`, a plotly.js's text (the page passes its own build,
    1.8 MB, which carries the surface's trace types), or by default the plotly package's (4.8 MB)."""
    names = f"{ex.names[i]} and {ex.names[j]}"
    head = f"{TITLE}: {ex.label or ex.settings.optimizer}, η = {short(ex.settings.learning_rate)}"
    figure = surface_figure(ex, i, j, animated=True).to_html(
        include_plotlyjs=plotly_js is None, full_html=False, auto_play=False
    )
    if plotly_js is not None:  # before the figure's own script, which draws with it
        script = re.sub(r"</(script)", r"<\\/\1", plotly_js, flags=re.IGNORECASE)  # cannot end early
        figure = f'<script type="text/javascript">{script}</script>\n{figure}'
    items = "".join(f"<li>{html.escape(line)}</li>" for line in settings_lines(ex))
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(head)}</title>\n"
        "<style>body{font-family:Helvetica,Arial,sans-serif;margin:1.5rem;color:#111827}"
        "h1{font-size:1.6rem;margin:0 0 .5rem}ul{margin:.25rem 0 1rem;padding-left:1.2rem}</style>\n"
        "</head>\n<body>\n"
        f"<h1>{html.escape(TITLE)}</h1>\n"
        f"<p>The loss surface over {html.escape(names)} (the other parameters at their least-squares "
        "values) and the descent path; ▶ Play moves the marker, the slider picks an iteration.</p>\n"
        f"<ul>{items}</ul>\n{figure}\n</body>\n</html>\n"
    )
