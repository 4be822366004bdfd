"""The learning-rate sweep (gd.run.sweep, sweep_minibatch; gd.figures.rate_sweep_figure): what it
runs is what its caption says, sgd is swept as sgd on the run's own mini-batches, and the marked
point is the run's own loss. References: each rate run alone by gd.run.experiment (the 1-D path),
and a hand-written sgd loop over numpy's permutation of the rows."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from gd import explain
from gd.data import make_regression
from gd.figures.charts import decades, rate_sweep_figure, sweep_kind
from gd.inputs import Settings
from gd.run import SWEEP_WORK, experiment, sweep_minibatch, sweep_plan, sweep_rates

NOISY_SGD = Settings(
    true_weights=(3.0,), bias=1.0, noise=5.0, optimizer="sgd", batch_size=32, learning_rate=0.02, steps=500
)


@pytest.fixture(scope="module")
def noisy():
    ex = experiment(NOISY_SGD)
    rates = sweep_rates(ex.limit, NOISY_SGD.learning_rate)
    loss, diverged = sweep_minibatch(NOISY_SGD, None, rates)
    return ex, rates, loss, diverged


def test_sgd_swept_as_sgd_gives_each_rate_its_own_run(noisy):
    ex, rates, loss, _ = noisy
    for rate in (rates[5], NOISY_SGD.learning_rate, rates[40]):
        alone = experiment(replace(NOISY_SGD, learning_rate=float(rate)))
        i = int(np.flatnonzero(rates == rate)[0])
        assert loss[i] == pytest.approx(alone.trajectory.loss[-1], rel=1e-9)


def test_sgd_sweep_against_a_hand_written_sgd_loop():
    s = replace(NOISY_SGD, samples=40, batch_size=7, steps=13)  # past an epoch, a short last batch
    data = make_regression(s.true_weights, s.bias, s.samples, s.noise, s.seed)
    X, y, n = data.X, data.y, s.samples
    rates = np.array([0.003, 0.05])
    loss, _ = sweep_minibatch(s, None, rates)
    rng = np.random.default_rng([s.seed, 1])
    thetas = np.zeros((2, 2))
    order, start = None, n
    for _ in range(s.steps):
        if start >= n:
            order, start = rng.permutation(n), 0
        rows = order[start : start + s.batch_size]
        start += s.batch_size
        for r, rate in enumerate(rates):
            w, b = thetas[r]
            residual = X[rows, 0] * w + b - y[rows]
            grad = np.array([2 * np.mean(residual * X[rows, 0]), 2 * np.mean(residual)])
            thetas[r] -= rate * grad
    direct = [np.mean((X[:, 0] * w + b - y) ** 2) for w, b in thetas]
    np.testing.assert_allclose(loss, direct, rtol=1e-9)


def test_the_sgd_sweep_shows_the_noise_floor_and_marks_the_runs_own_loss(noisy):
    ex, rates, loss, diverged = noisy
    excess = loss - ex.problem.loss_star
    stable = rates < 0.5 * ex.limit
    # a larger rate levels off higher (below the limit): the floor grows with the rate
    best = int(np.argmin(np.where(stable, excess, np.inf)))
    assert excess[stable][-1] > 10 * excess[best]
    # full-batch gd at the same rate goes to the float floor; sgd does not (the 1e-28)
    gd_end = experiment(replace(NOISY_SGD, optimizer="gd")).trajectory.loss[-1] - ex.problem.loss_star
    own = ex.trajectory.loss[-1] - ex.problem.loss_star
    assert own > 1e-3 and own > 1e6 * max(gd_end, 1e-300)
    fig = rate_sweep_figure(ex)
    line, marked = fig.data[0], fig.data[-1]
    assert line.name == "L − L* after 500 steps of sgd (B=32)"
    assert marked.x == (0.02,) and marked.y[0] == pytest.approx(own, rel=1e-12)
    assert "this run" in marked.name
    caption = explain.sweep_caption(ex, sweep_kind(ex))
    assert "500 steps of sgd (B=32)" in caption and "mini-batches" in caption and "noise floor" in caption


def test_an_sgd_run_too_large_to_sweep_as_sgd_says_it_is_swept_full_batch():
    s = replace(NOISY_SGD, samples=1_000_000, batch_size=1000, steps=20_000)
    n, p = s.samples, 2
    assert s.sgd_work(n) * p * 13 > SWEEP_WORK and sweep_plan(s, n, p) == 0
    small = replace(NOISY_SGD, samples=20_000, batch_size=100, steps=2000)
    count = sweep_plan(small, small.samples, p)
    assert 13 <= count <= 61 and count * small.sgd_work(small.samples) * p <= SWEEP_WORK
    assert sweep_plan(replace(s, optimizer="gd"), n, p) == 61
    ex = experiment(replace(s, samples=2000, steps=200))  # the same kind, as a small run
    caption = explain.sweep_caption(ex, "full-batch gd")
    assert "full-batch gd" in caption and "your sgd run's own" in caption


def test_gd_sweep_caption_and_axes():
    ex = experiment(Settings(steps=300))
    fig = rate_sweep_figure(ex)
    assert fig.data[0].name == "L − L* after 300 steps of gd"
    assert explain.sweep_caption(ex, sweep_kind(ex)).startswith("The excess loss after 300 steps of gd")
    # the marked point is the run's own, and the axis stops at the loss's round-off, not 1e-28
    own = ex.trajectory.loss[-1] - ex.problem.loss_star
    floor = ex.problem.excess_floor()
    assert fig.data[-1].y[0] == pytest.approx(max(own, floor), rel=1e-12)
    assert floor == pytest.approx(1e-16 * ex.trajectory.loss[0])
    assert fig.layout.yaxis.range[0] == pytest.approx(np.log10(floor) - 0.5)
    assert min(fig.data[0].y) >= floor
    # ticks at whole decades, all in one notation
    for axis in (fig.layout.xaxis, fig.layout.yaxis):
        assert axis.exponentformat == "power" and axis.dtick == decades(list(axis.range))
        assert float(axis.dtick).is_integer() and axis.dtick >= 1
