"""Which steps the per-step charts draw, and which way the update arrows point (gd.figures)."""

from __future__ import annotations

import numpy as np
import pytest

from gd.figures.charts import update_arrows
from gd.figures.common import drawn_steps
from gd.inputs import Settings
from gd.run import experiment


@pytest.mark.parametrize("T, k", [(10, 0), (10, 3), (10, 10), (999, 1), (1000, 57), (1000, 999), (20_000, 7)])
def test_drawn_steps_stop_at_k(T, k):
    q = drawn_steps(T, k)
    assert q[-1] == k and np.all(q[:-1] < k) and np.all(np.diff(q) > 0)
    assert k + 1 not in q
    if T <= 100:
        np.testing.assert_array_equal(q, np.arange(k + 1))  # every step of a short run


def test_the_gradient_arrow_points_downhill_and_is_gds_update():
    ex = experiment(Settings(true_weights=(3.0, -1.0), samples=80, steps=20, learning_rate=0.05))
    P, k = ex.trajectory.params, 4
    (grad_tip, step_tip), factor = update_arrows(ex, 0, 2, k, (10.0, 10.0))
    start = P[k, [0, 2]]
    downhill = -ex.problem.gradient(P[k])[[0, 2]]
    along = grad_tip - start
    assert along @ downhill > 0 and abs(along[0] * downhill[1] - along[1] * downhill[0]) < 1e-12 * (
        np.linalg.norm(along) * np.linalg.norm(downhill)
    )
    # gd's update is -eta grad L: the two arrows coincide, and point from theta_k toward theta_{k+1}
    np.testing.assert_allclose(step_tip, grad_tip, rtol=1e-12)
    assert (step_tip - start) @ (P[k + 1, [0, 2]] - start) > 0
    # the longer arrow is 15% of the view, both scaled alike
    assert max(np.linalg.norm((grad_tip - start) / 10.0), np.linalg.norm((step_tip - start) / 10.0)) == (
        pytest.approx(0.15, rel=1e-12)
    )
    assert factor > 0
    assert update_arrows(ex, 0, 2, ex.trajectory.steps, (10.0, 10.0)) == ([], None)  # none after the last
