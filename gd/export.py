"""The trajectory as CSV: `step,loss,w1,...,wd,b`, rows 0..T, every value at full precision.

Each number is written as Python's shortest repr, which reads back as the same float64. The whole
table is formatted by one %-operation over a flat tuple: no Python loop per row.
"""

from __future__ import annotations

import numpy as np

from gd.run import Trajectory


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
