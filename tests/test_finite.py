"""Hostile runs that once drew a traceback, inf or NaN: every one a correct result or a message.

1: an adaptive optimizer with eps = 0 whose first update divides 0 by 0 stops at step 1 (the run
keeps its iteration 0) and says that eps above 0 is what helps.
"""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from test_hostile import page, shown_as_text
from test_live import panel, run_rows

from gd import explain, figures, live
from gd.__main__ import divergence_message
from gd.data import load_csv
from gd.inputs import Settings
from gd.run import experiment, full_batch

ROOT = Path(__file__).resolve().parents[1]


def gd_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "gd", *args], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


# ---- 1: eps = 0 and a zero gradient: 0/0 at the first update ----------------------------------------

ZERO_EPS = ("adagrad", "rmsprop", "adam")


@pytest.mark.parametrize("optimizer", ZERO_EPS)
def test_eps_zero_on_a_zero_gradient_keeps_iteration_zero_and_sends_a_panel(optimizer):
    # y = 0 and theta_0 = 0: g = 0 and the running average of g^2 is 0, so the first update is
    # 0 / (sqrt(0) + 0) = NaN, as torch.optim computes it; the run stops there with its start
    ex = experiment(Settings(optimizer=optimizer, eps=0.0, true_weights=(0.0,), bias=0.0))
    assert ex.trajectory.diverged_at == 1 and ex.trajectory.steps == 0
    data = live.decode(live.payload(ex, 0, 1))
    at, rows = run_rows(data)
    assert data["T"] == 0 and at.tolist() == [0]
    np.testing.assert_array_equal(rows["P"], [[0.0, 0.0]])
    assert np.isnan(rows["rate"]).all()  # no update was made: no rate to show (the browser shows none)
    assert {"surface", "contour", "loss", "eigen"} <= set(data["figures"])


@pytest.mark.parametrize("optimizer", ZERO_EPS)
def test_eps_zero_advice_is_eps_not_the_learning_rate(optimizer):
    ex = experiment(Settings(optimizer=optimizer, eps=0.0, true_weights=(0.0,), bias=0.0))
    assert explain.eps_at_zero(ex)
    assert "use eps > 0" in explain.divergence_advice(ex)
    assert "Lower the learning rate" not in explain.divergence_advice(ex)
    message = divergence_message(ex)
    assert "use eps > 0" in message and "smaller learning rate" not in message
    # eps = 0 with a gradient that is nowhere zero runs (torch allows it, and so do we)
    fine = experiment(Settings(optimizer=optimizer, eps=0.0, steps=20))
    assert fine.trajectory.diverged_at is None and not explain.eps_at_zero(fine)


def test_eps_zero_through_the_command_line_is_exit_3_and_one_line():
    result = gd_cli("--quiet", "--optimizer", "adam", "--eps", "0", "--weights", "0", "--bias", "0")
    assert result.returncode == 3
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: the run diverged at step 1"), result.stderr
    assert "use eps > 0" in lines[0] and "Warning" not in result.stderr


@pytest.mark.parametrize(
    "query",
    [
        {"optimizer": "adam", "eps": "0", "true_weights": "0", "bias": "0"},
        {"optimizer": "adagrad", "eps": "0", "true_weights": "0", "bias": "0", "presenter": "true"},
    ],
    ids=["adam", "adagrad presenter"],
)
def test_eps_zero_on_the_page_is_a_message_and_a_panel_not_a_traceback(query):
    at = page(**query)  # asserts no exception
    errors = [e.value for e in at.error]
    assert any(
        "diverged at step 1" in e and "stopped being a finite number" in e and "use eps > 0" in e
        for e in errors
    ), errors
    data = panel(at)["payload"]
    assert data["T"] == 0


# ---- 2, 3: linesearch and cg on data near the +-1e100 limit (g^T g would be 1e396) -----------------


def big_data():
    """50 rows of N(0, 1) * 1e99 in both columns: within the CSV limit of 1e100."""
    rng = np.random.default_rng(0)
    rows = rng.normal(size=(50, 2)) * 1e99
    return ("x1,y\n" + "\n".join(f"{float(a)!r},{float(b)!r}" for a, b in rows)).encode()


def test_linesearch_takes_the_exact_step_on_data_near_the_limit():
    from fractions import Fraction

    ex = experiment(Settings(optimizer="linesearch", steps=30), load_csv(big_data()))
    tr, pb = ex.trajectory, ex.problem
    assert tr.diverged_at is None and tr.steps == 30
    assert np.isfinite(tr.params).all() and np.isfinite(tr.grad_norm).all()
    # a rate at every step until the gradient is exactly zero (NaN there: no step to take)
    zero = ~np.any(ex.problem.gradient(tr.params[:-1]), axis=1)
    assert zero[-1] and np.array_equal(np.isnan(ex.step_rates), zero)
    # the first step by hand, in exact rationals: eta = g^T g / (2 g^T G g) from theta_0 = 0, g = -2c
    G = [[Fraction(v) for v in row] for row in pb.G]
    g = [-2 * Fraction(v) for v in pb.c]
    gg = sum(v * v for v in g)
    gGg = sum(g[a] * G[a][b] * g[b] for a in range(2) for b in range(2))
    eta = gg / (2 * gGg)
    assert ex.step_rates[0] == pytest.approx(float(eta), rel=1e-12)
    np.testing.assert_allclose(tr.params[1], [float(-eta * v) for v in g], rtol=1e-12)


def test_cg_reaches_the_least_squares_solution_on_data_near_the_limit():
    data = load_csv(big_data())
    ex = experiment(Settings(optimizer="cg", steps=10), data)
    tr, pb = ex.trajectory, ex.problem
    assert tr.diverged_at is None and np.isfinite(tr.grad_norm).all()
    assert np.any(tr.params[1] != 0)  # it moves (it held at zero: its tolerance had overflowed)
    lstsq = np.linalg.lstsq(np.c_[data.X, np.ones(data.n)], data.y)[0]
    np.testing.assert_allclose(tr.params[-1][0], lstsq[0], rtol=1e-9)
    assert pb.excess_loss(tr.params[-1]) <= 1e-14 * tr.loss[0]


@pytest.mark.parametrize("optimizer", ["linesearch", "cg", "newton"])
def test_gradient_norms_are_finite_and_right_on_data_near_the_limit(optimizer):
    ex = experiment(Settings(optimizer=optimizer, steps=5), load_csv(big_data()))
    g = ex.problem.gradient(ex.trajectory.params)
    # |g| by hand, each row scaled by its largest entry first (the squares of 1e198 overflow)
    big = np.abs(g).max(axis=1, keepdims=True)
    want = big[:, 0] * np.sqrt(np.sum((g / big) ** 2, axis=1))
    np.testing.assert_allclose(ex.trajectory.grad_norm, want, rtol=1e-14)


@pytest.mark.parametrize("optimizer", ["gd", "linesearch", "cg", "newton"])
def test_a_column_far_from_the_bias_scale_is_refused_unless_standardised(optimizer, tmp_path):
    # x of 1e99 beside the column of ones: lstsq's cutoff drops the bias (theta*'s bias 1e-101, where
    # the data's least squares, fitted on z-scores, put it near 1e98), and the loss measured from
    # theta* was 7% off once linesearch moved the bias. The command line refuses it; standardised,
    # it runs, and its fit is numpy's least squares on the data rescaled by hand.
    path = tmp_path / "big.csv"
    path.write_bytes(big_data())
    result = gd_cli("--quiet", "--data", str(path), "--optimizer", optimizer, "--steps", "20")
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    rms = np.sqrt(np.mean(load_csv(big_data()).X[:, 0] ** 2))  # the column's scale, by hand
    assert result.stderr.startswith(f"error: column 'x1' has values of about {rms:.2g} (root mean square)")
    assert "standardise the features" in result.stderr
    result = gd_cli(
        "--quiet", "--data", str(path), "--optimizer", optimizer, "--steps", "20", "--standardize"
    )
    assert result.returncode == 0 and result.stderr == "", result.stderr
    data = load_csv(big_data())
    x, y = data.X[:, 0], data.y
    ex = experiment(Settings(standardize=True), data)
    z = (x - x.mean()) / x.std()
    want = np.linalg.lstsq(np.column_stack([z, np.ones_like(z)]), y, rcond=None)[0]
    np.testing.assert_allclose(ex.problem.theta_star, want, rtol=1e-12)


def test_a_far_column_on_the_page_is_a_message_and_the_last_run_stays():
    at = page()
    at.file_uploader(key="upload").set_value(("big.csv", big_data(), "text/csv")).run()
    assert not at.exception
    errors = shown_as_text(at.error)
    assert len(errors) == 1 and errors[0].startswith("The file cannot be used: column 'x1' has values"), (
        errors
    )
    assert errors[0].endswith("standardise the features, or rescale the column, e.g. to other units. "
                              "Showing the synthetic data instead.")  # fmt: skip
    assert len(panel(at)["payload"]["theta_star"]) == 6  # the article's run, drawn: 5 weights and b
    at.toggle(key="standardize").set_value(True).run()  # the advice, followed: the file runs
    assert not at.exception and not at.error
    ex = experiment(Settings(standardize=True), load_csv(big_data()))
    assert panel(at)["payload"]["theta_star"] == ex.problem.theta_star.tolist()


def test_scaling_by_a_power_of_two_leaves_ordinary_runs_bit_for_bit():
    # linesearch and cg as they were written before the scaling, their sums in gd.ordered's order
    # (in order from 0, as plain Python floats add them)
    def dot(u, v):
        total = 0.0
        for a, b in zip(u.tolist(), v.tolist(), strict=True):
            total += a * b
        return total

    def times_G(v):
        return np.array([dot(v, column) for column in pb.G.T])

    ex = experiment(Settings(optimizer="linesearch", steps=40))
    pb, theta = ex.problem, np.zeros(ex.problem.p)
    for k in range(1, 41):
        g = full_batch(pb)(theta)
        curvature = dot(g, times_G(g))
        if curvature > 0:  # else g = 0: the point stays
            theta = theta + -dot(g, g) / (2.0 * curvature) * g
        np.testing.assert_array_equal(ex.trajectory.params[k], theta)
    cg = experiment(Settings(optimizer="cg", steps=6))
    theta, direction, before = np.zeros(pb.p), None, 0.0
    for k in range(1, 7):
        r = -0.5 * full_batch(pb)(theta)
        rr = dot(r, r)
        if not rr > pb.residual_tolerance * pb.residual_tolerance:
            break
        direction = r if before == 0 else r + (rr / before) * direction
        theta = theta + (rr / dot(direction, times_G(direction))) * direction
        before = rr
        np.testing.assert_array_equal(cg.trajectory.params[k], theta)


# ---- 4: numbers past float32's range travel as float64 ----------------------------------------------


def test_a_loss_past_float32s_range_is_sent_finite():
    rng = np.random.default_rng(1)
    rows = np.c_[rng.normal(size=50), rng.normal(size=50) * 1e20]
    data = load_csv(("x1,y\n" + "\n".join(f"{float(a)!r},{float(b)!r}" for a, b in rows)).encode())
    ex = experiment(Settings(steps=50), data)
    assert ex.trajectory.loss[0] > np.finfo(np.float32).max  # 1e40: float32 would make it inf
    sent = live.decode(live.payload(ex, 0, 1))
    _, main = run_rows(sent)
    want = figures.common.slice_points(ex, 0, 1, ex.trajectory.params) + figures.surface.surface_lift(
        figures.common.slice_grid(ex, 0, 1)[2]
    )
    np.testing.assert_allclose(main["z"], want, rtol=1e-6)
    surface = sent["figures"]["surface"]["data"][0]
    z = np.frombuffer(base64.b64decode(surface["z"]["bdata"]), dtype="<" + surface["z"]["dtype"])
    assert np.isfinite(z).all()
    np.testing.assert_allclose(z.max(), figures.common.slice_grid(ex, 0, 1)[2].max(), rtol=1e-6)


def test_the_slice_stays_in_float64s_range_where_the_axes_scales_differ_by_a_hundred_orders():
    from gd import figures
    from gd.figures.common import slice_grid

    # linesearch walks the bias out to 1e98 beside a slope of 0.1: one width for both axes put the
    # slice's corners at a slope of 1e98 on x of 1e99, a loss of 1e394 (inf, a blank scene)
    ex = experiment(Settings(optimizer="linesearch"), load_csv(big_data()))
    assert abs(ex.trajectory.params[-1, 1]) > 1e97
    xs, ys, Z = slice_grid(ex, 0, 1)
    assert np.isfinite(Z).all()
    P = ex.trajectory.params
    for values, axis in ((P[:, 0], xs), (P[:, 1], ys)):  # each axis still holds the whole path
        assert axis[0] <= values.min() and values.max() <= axis[-1]
    # the grid is the engine's loss at each point (the page refuses such data, see check_scales:
    # measured from a theta* that dropped the bias, that loss is itself a few % off the data's)
    for a, b in ((0, 0), (-1, 0), (0, -1), (-1, -1), (20, 17)):
        assert Z[b, a] == pytest.approx(ex.problem.loss(np.array([xs[a], ys[b]])), rel=1e-12)
    for fig in (figures.surface_figure(ex, 0, 1, k=5), figures.contour_figure(ex, 0, 1, 5)):
        assert np.isfinite(np.asarray(fig.data[0].z, dtype=float)).all()


def test_a_column_of_tiny_values_is_refused_plain_and_fitted_standardised():
    from gd.inputs import InputError
    from gd.run import check_scales

    rng = np.random.default_rng(1)
    rows = np.column_stack([rng.normal(size=40) * 1e-90, rng.normal(size=40)])
    data = load_csv(("x1,y\n" + "\n".join(f"{a!r},{b!r}" for a, b in rows.tolist())).encode())
    rms = np.sqrt(np.mean(data.X[:, 0] ** 2))
    with pytest.raises(InputError, match=rf"^column 'x1' has values of about {rms:.2g} \(root mean square\)"):
        check_scales(experiment(Settings(), data))
    ex = experiment(Settings(standardize=True), data)  # its spread is not round-off: not constant
    check_scales(ex)
    x = data.X[:, 0]
    z = (x - x.mean()) / x.std()
    want = np.linalg.lstsq(np.column_stack([z, np.ones_like(z)]), data.y, rcond=None)[0]
    np.testing.assert_allclose(ex.problem.theta_star, want, rtol=1e-12)
