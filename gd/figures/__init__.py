"""Plotly figures of a run: pure functions of an Experiment (and, for the 2-D charts, the current
iteration k). `common` holds what they share, `surface` the animated 3-D surface, `charts` the
charts that follow k."""

from gd.figures.charts import (
                               contour_figure,
                               convergence_figure,
                               fit_figure,
                               loss_figure,
                               sweep_figure,
                               update_arrows,
)
from gd.figures.common import (
                               DASHES,
                               FONT,
                               GRID,
                               MAX_CHART_POINTS,
                               MAX_FRAMES,
                               MAX_POINTS,
                               OPTIMUM,
                               PALETTE,
                               PATH,
                               POINT,
                               SURFACE_SCALE,
                               TRAIL,
                               drawn_steps,
                               figure,
                               label,
                               label_3d,
                               line_width,
                               milestones,
                               play_elapsed,
                               play_position,
                               run_style,
                               runs,
                               slice_grid,
                               slice_loss,
                               slice_points,
                               surface_range,
                               template,
                               trace,
)
from gd.figures.surface import surface_figure

__all__ = [
    "DASHES", "FONT", "GRID", "MAX_CHART_POINTS", "MAX_FRAMES", "MAX_POINTS", "OPTIMUM", "PALETTE",
    "PATH", "POINT", "SURFACE_SCALE", "TRAIL", "contour_figure", "convergence_figure",
    "drawn_steps", "figure", "fit_figure", "label", "label_3d", "line_width", "loss_figure",
    "milestones", "play_elapsed", "play_position", "run_style", "runs", "slice_grid", "slice_loss",
    "slice_points", "sweep_figure", "surface_figure", "surface_range", "template", "trace",
    "update_arrows",
]
