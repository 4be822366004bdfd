"""Plotly figures of a run: pure functions of an Experiment (and, for the charts that follow the
iteration, the current iteration k). `common` holds what they share, `surface` the 3-D surface,
`charts` the 2-D charts."""

from gd.figures.charts import (
    contour_figure,
    convergence_figure,
    fit_figure,
    loss_figure,
    rate_sweep_figure,
    sweep_figure,
    sweep_kind,
)
from gd.figures.common import drawn_steps, milestones, slice_loss
from gd.figures.eigen import eigen_figure, rate_figure
from gd.figures.surface import surface_figure

__all__ = [
    "contour_figure",
    "convergence_figure",
    "drawn_steps",
    "eigen_figure",
    "fit_figure",
    "loss_figure",
    "milestones",
    "rate_figure",
    "rate_sweep_figure",
    "slice_loss",
    "surface_figure",
    "sweep_figure",
    "sweep_kind",
]
