"""gd.run against independent references: the article's literal loop, numpy's least squares, a plain
per-step numpy loop for divergence, and properties over random problems (hypothesis)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from gd import optimizers, registry
from gd.data import make_regression, standardize
from gd.inputs import OPTIMIZERS, Settings
from gd.problem import Problem
from gd.run import (
    DIVERGENCE_FACTOR,
    SAMPLE_ROWS,
    divergence_limit,
    experiment,
    iterate,
    mini_batches,
    run,
    sweep,
    sweep_rates,
    variants,
)

ARTICLE = Settings()  # the defaults are the article's experiment (checked in test_inputs)
ARTICLE_WEIGHTS, ARTICLE_BIAS = ARTICLE.true_weights, ARTICLE.bias


def design(X):
    return np.column_stack([X, np.ones(len(X))])


def direct_loss(X, y, theta):
    r = X @ theta[:-1] + theta[-1] - y
    return float(np.mean(r * r))


# --- the article's loop -------------------------------------------------------------------------


def assert_matches_article(params, loss, ref):
    """params (T+1, p) and loss (T+1,) of a run against the literal loop's (w, b, loss).

    Parameters at rtol 1e-9: both sides do the same arithmetic in a different order, so they differ
    by round-off only. Losses at rtol 1e-9 plus the literal loop's own round-off floor near the
    optimum (see conftest.literal_loss_atol): there the article's sum of squared residuals is noise.
    """
    w, b, lit_loss = ref["w"], ref["b"], ref["loss"]
    assert params.shape == (len(b) + 1, w.shape[1] + 1)
    np.testing.assert_array_equal(params[0], 0.0)
    np.testing.assert_allclose(params[1:, :-1], w, rtol=1e-9, atol=0)
    np.testing.assert_allclose(params[1:, -1], b, rtol=1e-9, atol=0)
    atol = ref["loss_atol"]
    err = np.abs(loss[:-1] - lit_loss)
    assert np.all(err <= 1e-9 * lit_loss + atol), float(np.max(err / (1e-9 * lit_loss + atol)))


def test_experiment_equals_the_article_loop(small_article_run):
    ref = small_article_run
    ex = experiment(
        Settings(
            true_weights=ARTICLE_WEIGHTS,
            bias=ARTICLE_BIAS,
            samples=ref["n"],
            learning_rate=ref["eta"],
            steps=ref["steps"],
        )
    )
    # the experiment's data are the data the literal loop ran on
    np.testing.assert_array_equal(ex.sample_X, ref["data"].X)
    assert ex.trajectory.diverged_at is None and ex.trajectory.steps == ref["steps"]
    assert_matches_article(ex.trajectory.params, ex.trajectory.loss, ref)


def test_the_articles_full_run_equals_its_literal_loop(article_loop, literal_loss_atol):
    """The one full-size comparison in the suite: n = 5,000, 1,000 steps of the article's loop in
    plain Python (about 10 s); `python -m gd` prints this run (tests/test_cli.py)."""
    ex = experiment(Settings())
    data = make_regression(ARTICLE_WEIGHTS, ARTICLE_BIAS, 5000, 0.0, 0)
    w, b, loss = article_loop(data.X, data.y, 0.01, 1000)
    ref = {"w": w, "b": b, "loss": loss, "loss_atol": literal_loss_atol(data.X, data.y, w, b, loss)}
    assert ex.trajectory.steps == 1000 and ex.trajectory.diverged_at is None
    assert_matches_article(ex.trajectory.params, ex.trajectory.loss, ref)
    np.testing.assert_allclose(w[-1], ARTICLE_WEIGHTS, atol=1e-7)


def test_run_equals_the_article_loop(small_article_run):
    ref = small_article_run
    data = ref["data"]
    tr = run(Problem.from_data(data.X, data.y), optimizers.gd(ref["eta"]), ref["steps"])
    assert_matches_article(tr.params, tr.loss, ref)
    # the gradient norm column is the norm of the article's df at each row
    theta = tr.params[7]
    r = data.X @ theta[:-1] + theta[-1] - data.y
    grad = np.append(2 * r @ data.X / len(r), 2 * r.mean())
    np.testing.assert_allclose(tr.grad_norm[7], np.linalg.norm(grad), rtol=1e-10)


def test_run_from_a_given_start_and_iterate_step_by_step():
    data = make_regression((1.0, -2.0), 0.5, 50, 0.1, 3)
    pb = Problem.from_data(data.X, data.y)
    theta0 = np.array([3.0, -1.0, 2.0])
    tr = run(pb, optimizers.gd(0.05), 4, theta0=theta0)
    A = design(data.X)
    theta = theta0.copy()
    for k in range(1, 5):
        theta = theta - 0.05 * 2 * A.T @ (A @ theta - data.y) / len(data.y)
        np.testing.assert_allclose(tr.params[k], theta, rtol=1e-13)
    np.testing.assert_array_equal(theta0, [3.0, -1.0, 2.0])  # the caller's start is not modified
    stepper = iterate(optimizers.gd(0.05), lambda t: 2 * A.T @ (A @ t - data.y) / len(data.y), theta0)
    np.testing.assert_allclose([next(stepper) for _ in range(4)], tr.params[1:], rtol=1e-13)


# --- least squares ------------------------------------------------------------------------------


def regression_data(kind: str, seed: int = 1):
    """Full-rank, duplicated-column, constant-column (collinear with the bias) and n < d + 1 data."""
    rng = np.random.default_rng(seed)
    if kind == "full":
        X = rng.standard_normal((60, 3))
    elif kind == "duplicate":
        X = rng.standard_normal((60, 3))
        X = np.column_stack([X, X[:, 0]])
    elif kind == "constant":
        X = np.column_stack([rng.standard_normal((60, 2)), np.full(60, 3.0)])
    elif kind == "wide":
        X = rng.standard_normal((3, 5))
    else:
        raise ValueError(kind)
    y = X @ rng.standard_normal(X.shape[1]) + 0.5 + 0.3 * rng.standard_normal(len(X))
    return X, y


KINDS = ["full", "duplicate", "constant", "wide"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", ["gd", "momentum"])
def test_gd_and_momentum_reach_the_minimum_norm_least_squares_solution(kind, name):
    X, y = regression_data(kind)
    A = design(X)
    lstsq = np.linalg.lstsq(A, y, rcond=None)[0]  # minimum-norm where A is rank-deficient
    # an independent spectrum for the learning rate: the largest squared singular value of A / n
    lam_max = np.linalg.svd(A, compute_uv=False)[0] ** 2 / len(y)
    lr = (0.9 if name == "gd" else 0.5) / lam_max
    tr = run(Problem.from_data(X, y), registry.make(name, lr), 20_000)
    assert tr.diverged_at is None
    # From zero, gd and momentum move only within the row space of A, so they converge to the
    # minimum-norm solution; the components round-off pushes into the null space are never
    # corrected and drift like a random walk of eps-sized steps: 1e-9 leaves room for that.
    np.testing.assert_allclose(tr.params[-1], lstsq, rtol=0, atol=1e-9)
    # the least loss is 0 up to round-off where n < d + 1: an absolute floor of 1e-12 L(0)
    np.testing.assert_allclose(
        tr.loss[-1], np.mean((A @ lstsq - y) ** 2), rtol=1e-12, atol=1e-12 * np.mean(y**2)
    )


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "name, lr, steps", [("adagrad", 0.5, 5000), ("rmsprop", 1e-3, 20_000), ("adam", 1e-2, 20_000)]
)
def test_adaptive_optimizers_reach_the_least_loss(kind, name, lr, steps):
    X, y = regression_data(kind)
    A = design(X)
    lstsq = np.linalg.lstsq(A, y, rcond=None)[0]
    least = np.mean((A @ lstsq - y) ** 2)
    lam_max = np.linalg.svd(A, compute_uv=False)[0] ** 2 / len(y)
    tr = run(Problem.from_data(X, y), registry.make(name, lr), steps)
    theta = tr.params[-1]
    excess = direct_loss(X, y, theta) - least
    if name == "adagrad":  # its rate only shrinks: it settles at a minimiser to round-off
        assert excess <= 1e-12 * np.mean(y**2)
        np.testing.assert_allclose(2 * A.T @ (A @ theta - y) / len(y), 0, atol=1e-10)
    else:
        # At a fixed rate RMSprop and Adam end in a limit cycle around a minimiser: near it g/sqrt(v)
        # is about +-1, so each coordinate keeps moving by ~lr and the excess loss stays of order
        # p lambda_max lr^2 (measured: ~0.2 of it for RMSprop, far less for Adam). Not zero, but
        # bounded by the rate: the least loss up to the step size.
        assert excess <= A.shape[1] * lam_max * lr**2
    assert excess >= -1e-12 * np.mean(y**2)  # nothing beats least squares


# --- stability and divergence -------------------------------------------------------------------


def reference_divergence(X, y, lr, steps):
    """A plain per-step numpy loop: (first step whose loss is non-finite or > 1e10 L(0), losses)."""
    A = design(X)
    theta = np.zeros(A.shape[1])
    loss0 = np.mean(y**2)
    losses = [loss0]
    with np.errstate(all="ignore"):
        for k in range(1, steps + 1):
            theta = theta - lr * 2 * A.T @ (A @ theta - y) / len(y)
            loss = np.mean((A @ theta - y) ** 2)
            losses.append(loss)
            if not np.isfinite(loss) or loss > 1e10 * loss0:
                return k, np.array(losses)
    return None, np.array(losses)


def test_gd_converges_just_below_one_over_lambda_max_and_diverges_just_above():
    data = make_regression(ARTICLE_WEIGHTS, ARTICLE_BIAS, 300, 0.5, 2)
    A = design(data.X)
    lam_max = np.linalg.eigvalsh(A.T @ A / len(A))[-1]
    least = np.mean((A @ np.linalg.lstsq(A, data.y, rcond=None)[0] - data.y) ** 2)
    pb = Problem.from_data(data.X, data.y)

    below = run(pb, optimizers.gd(0.99 / lam_max), 3000)
    assert below.diverged_at is None
    np.testing.assert_allclose(below.loss[-1], least, rtol=1e-10)

    # 1.01 / lambda_max: the top direction grows by |1 - 2.02| = 1.02 per step, so the loss takes
    # several hundred steps to pass 1e10 L(0): past the first block of divergence checks.
    above = run(pb, optimizers.gd(1.01 / lam_max), 3000)
    expected, ref_losses = reference_divergence(data.X, data.y, 1.01 / lam_max, 3000)
    assert expected is not None and expected > 256
    assert above.diverged_at == expected
    assert np.isfinite(above.params).all() and np.isfinite(above.loss).all()
    assert above.steps == expected  # the first diverging row is finite, so it is kept
    np.testing.assert_allclose(above.loss, ref_losses, rtol=1e-6)
    assert (
        np.all(above.loss[:-1] <= DIVERGENCE_FACTOR * above.loss[0])
        and above.loss[-1] > DIVERGENCE_FACTOR * above.loss[0]
    )


@pytest.mark.parametrize("lr", [1.5, 3.0, 100.0])
def test_divergence_stops_at_the_first_step_past_1e10_times_the_starting_loss(lr):
    data = make_regression(ARTICLE_WEIGHTS, ARTICLE_BIAS, 200, 0.0, 0)
    tr = run(Problem.from_data(data.X, data.y), optimizers.gd(lr), 5000)
    expected, _ = reference_divergence(data.X, data.y, lr, 5000)
    assert tr.diverged_at == expected
    assert tr.steps <= expected and np.isfinite(tr.params).all() and np.isfinite(tr.loss).all()
    assert np.all(tr.loss[:expected] <= DIVERGENCE_FACTOR * tr.loss[0])


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("at", [1, 5, 300])
def test_a_non_finite_value_stops_the_run_and_is_not_kept(bad, at):
    data = make_regression((1.0, 2.0), 1.0, 40, 0.1, 0)
    pb = Problem.from_data(data.X, data.y)
    calls = 0

    def gradient(theta):  # the true gradient, until call `at` returns a non-finite entry
        nonlocal calls
        calls += 1
        g = 2 * (pb.G @ theta - pb.c)
        if calls == at:
            g[0] = bad
        return g

    tr = run(pb, optimizers.gd(0.01), 1000, gradient=gradient)
    assert tr.diverged_at == at
    assert tr.steps == at - 1  # the non-finite row is dropped; every kept row is finite
    assert np.isfinite(tr.params).all() and np.isfinite(tr.loss).all() and np.isfinite(tr.grad_norm).all()


# --- mini-batch sgd -----------------------------------------------------------------------------


def test_sgd_with_the_whole_data_as_one_batch_equals_gd():
    data = make_regression((1.0, -3.0, 0.5), 1.0, 200, 0.2, 4)
    gd_run = experiment(
        Settings(
            true_weights=(1.0, -3.0, 0.5),
            bias=1.0,
            samples=200,
            noise=0.2,
            seed=4,
            learning_rate=0.05,
            steps=300,
        ),
        data,
    )
    for batch in (200, 10_000):  # B = n, and B > n which is the same
        sgd_run = experiment(
            Settings(
                true_weights=(1.0, -3.0, 0.5),
                bias=1.0,
                samples=200,
                noise=0.2,
                seed=4,
                learning_rate=0.05,
                steps=300,
                optimizer="sgd",
                batch_size=batch,
            ),
            data,
        )
        # the same sums over all samples in another order: round-off apart
        np.testing.assert_allclose(
            sgd_run.trajectory.params, gd_run.trajectory.params, rtol=1e-12, atol=1e-14
        )


def test_sgd_same_seed_same_run_other_seed_other_run():
    data = make_regression((1.0, -3.0), 1.0, 100, 0.5, 0)  # fixed data: only the batches vary

    def params(seed):
        ex = experiment(
            Settings(
                true_weights=(1.0, -3.0),
                bias=1.0,
                samples=100,
                noise=0.5,
                seed=seed,
                learning_rate=0.05,
                steps=50,
                optimizer="sgd",
                batch_size=8,
            ),
            data,
        )
        return ex.trajectory.params

    np.testing.assert_array_equal(params(7), params(7))
    assert np.abs(params(7) - params(8)).max() > 1e-3


def test_each_epoch_visits_every_sample_once_and_averages_its_batch():
    # X = [I_n | Z]: with the identity weights at zero, the gradient's first n entries are
    # 2/|batch| * residual_i exactly on the rows i of the batch, so they reveal the batch.
    n, B = 10, 4
    rng = np.random.default_rng(5)
    Z = rng.standard_normal((n, 2))
    X = np.column_stack([np.eye(n), Z])
    y = rng.standard_normal(n) + 3.0
    theta = np.concatenate([np.zeros(n), [0.7, -1.2], [0.3]])
    gradient = mini_batches(X, y, B, seed=11)
    orders = []
    for _epoch in range(3):
        seen = []
        for size in (4, 4, 2):  # the last batch of an epoch holds what is left
            g = gradient(theta)
            rows = np.flatnonzero(g[:n])
            assert len(rows) == size
            r = Z[rows] @ theta[n:-1] + theta[-1] - y[rows]  # the batch's residuals, directly
            np.testing.assert_allclose(g[rows], 2 * r / size, rtol=1e-14)
            np.testing.assert_allclose(g[n:-1], 2 * r @ Z[rows] / size, rtol=1e-13)
            np.testing.assert_allclose(g[-1], 2 * r.sum() / size, rtol=1e-13)
            seen.extend(rows)
        assert sorted(seen) == list(range(n))  # every sample once per epoch
        orders.append(seen)
    assert orders[0] != orders[1] or orders[1] != orders[2]  # reshuffled each epoch


# --- experiment ---------------------------------------------------------------------------------


def test_experiment_on_standardised_features_learns_the_true_model_in_original_units():
    ex = experiment(
        Settings(
            true_weights=(3.0, -1.0),
            bias=4.0,
            samples=500,
            noise=0.0,
            seed=1,
            learning_rate=0.2,
            steps=2000,
            standardize=True,
        )
    )
    data = standardize(make_regression((3.0, -1.0), 4.0, 500, 0.0, 1))
    np.testing.assert_allclose(ex.trajectory.params[-1], ex.true_theta, rtol=1e-10)
    # the true model on z-scores predicts y exactly
    np.testing.assert_allclose(data.X @ ex.true_theta[:-1] + ex.true_theta[-1], data.y, rtol=1e-12)
    np.testing.assert_allclose(ex.in_original_units(ex.trajectory.params[-1]), [3.0, -1.0, 4.0], rtol=1e-10)


def test_experiment_keeps_a_bounded_sample_of_the_data_rows():
    ex = experiment(Settings(samples=SAMPLE_ROWS + 500, steps=2))
    data = make_regression(ARTICLE_WEIGHTS, ARTICLE_BIAS, SAMPLE_ROWS + 500)
    assert ex.sample_X.shape == (SAMPLE_ROWS, 5) and ex.sample_y.shape == (SAMPLE_ROWS,)
    rows = {tuple(r): yv for r, yv in zip(data.X, data.y, strict=True)}
    assert len({tuple(r) for r in ex.sample_X}) == SAMPLE_ROWS  # distinct rows
    assert all(rows[tuple(r)] == yv for r, yv in zip(ex.sample_X, ex.sample_y, strict=True))


# --- properties over random problems ------------------------------------------------------------


@st.composite
def problems(draw):
    """(X, y) with d 1..10, n 1..500 (small n often, so n < d + 1 is common), columns of very
    different scales, and rank-deficient cases: a duplicated column or a constant one."""
    d = draw(st.integers(1, 10))
    n = draw(st.one_of(st.integers(1, 12), st.integers(1, 500)))
    seed = draw(st.integers(0, 2**32 - 1))
    kind = draw(st.sampled_from(["normal", "scaled", "duplicate", "constant"]))
    noise = draw(st.sampled_from([0.0, 0.1, 2.0]))
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    if kind == "scaled":
        X *= 10.0 ** rng.uniform(-2, 2, d)
    elif kind == "duplicate" and d >= 2:
        X[:, -1] = X[:, 0]
    elif kind == "constant":
        X[:, -1] = 2.5
    y = X @ (3 * rng.standard_normal(d)) + 3 * rng.standard_normal() + noise * rng.standard_normal(n)
    return X, y


FAST = hsettings(max_examples=80, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(problems(), st.floats(0.05, 0.99))
def test_gd_below_the_limit_never_increases_the_loss(problem, fraction):
    X, y = problem
    A = design(X)
    lam_max = np.linalg.svd(A, compute_uv=False)[0] ** 2 / len(y)
    pb = Problem.from_data(X, y)
    tr = run(pb, optimizers.gd(fraction / lam_max), 200)
    assert tr.diverged_at is None and tr.steps == 200
    assert np.isfinite(tr.params).all() and np.isfinite(tr.loss).all()
    # Every eigen-direction of the error shrinks by |1 - 2 eta lambda| < 1: the loss is monotone in
    # exact arithmetic; 1e-12 L(0) of slack covers round-off at the optimum.
    assert np.all(np.diff(tr.loss) <= 1e-12 * tr.loss[0])
    # L(0) = mean(y^2), computed as L* + e^T G e with e = -theta*: each term is exact to a few ulps
    # of its own size, and lambda_max |theta*|^2 can exceed mean(y^2) by the condition number
    # (rank-deficient data: a relative gap of 2e-12 seen), so the tolerance scales with it.
    scale = pb.lambda_max * float(pb.theta_star @ pb.theta_star) + pb.loss_star + np.mean(y**2)
    assert abs(tr.loss[0] - np.mean(y**2)) <= 64 * (X.shape[1] + 2) * np.finfo(float).eps * scale


@FAST
@given(problems(), st.sampled_from(OPTIMIZERS), st.sampled_from([0.0, 0.5, 0.9]))
def test_no_optimizer_crashes_or_makes_nan_below_its_limit(problem, name, mu):
    X, y = problem
    A = design(X)
    lam_max = np.linalg.svd(A, compute_uv=False)[0] ** 2 / len(y)
    if name == "nesterov" and mu == 0:
        mu = 0.5
    limits = {
        "gd": 1 / lam_max,
        "momentum": (1 + mu) / lam_max,
        "nesterov": (1 + mu) / ((1 + 2 * mu) * lam_max),
        # each mini-batch's own limit: its lambda_max is at most the largest |a_i|^2
        "sgd": 1 / np.max(np.sum(A * A, axis=1)),
    }
    lr = 0.9 * limits[name] if name in limits else 0.1  # adaptive steps are bounded by ~lr anyway
    pb = Problem.from_data(X, y)
    gradient = mini_batches(X, y, 7, 0) if name == "sgd" else None
    tr = run(pb, registry.make(name, lr, pb, momentum=mu), 200, gradient)
    assert tr.diverged_at is None and tr.steps == 200
    assert np.isfinite(tr.params).all() and np.isfinite(tr.loss).all() and np.isfinite(tr.grad_norm).all()
    assert math.isfinite(pb.condition_number) and pb.condition_number >= 1 - 1e-12


# --- learning-rate sweeps and comparisons -------------------------------------------------------


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_sweep_equals_one_run_per_rate(name):
    data = make_regression((1.0, -2.0, 3.0), 0.5, 200, 0.3, 6)
    pb = Problem.from_data(data.X, data.y)
    mu = 0.7
    limit = pb.stability_limit(name, momentum=mu) or 0.05
    # Clear of the limit on both sides, so that last-bit differences (a matrix product over the
    # stacked runs against one run's) cannot move a run across it. The adaptive optimizers' limit
    # cycles amplify such differences (RMSprop at 0.15: equal to the bit for 100 steps, 4e-4 apart
    # at 150), so they are compared over 60 steps, before that sets in.
    rates = limit * np.array([0.01, 0.3, 0.9, 1.5, 3.0])
    steps = 150 if name in ("gd", "sgd", "momentum", "nesterov") else 60
    loss, diverged = sweep(pb, name, rates, steps, momentum=mu)
    for rate, got, flag in zip(rates, loss, diverged, strict=True):
        ref = run(pb, registry.make(name, rate, pb, momentum=mu), steps)
        assert flag == (ref.diverged_at is not None)
        if flag:
            assert got == np.inf
        else:
            assert got == pytest.approx(ref.loss[-1], rel=1e-9)
    if name in ("gd", "sgd", "momentum", "nesterov"):
        np.testing.assert_array_equal(diverged, rates > limit)


def test_sweep_rates_span_the_limit_and_include_the_current_rate():
    rates = sweep_rates(0.5, 0.123)
    assert rates[0] == pytest.approx(0.5e-4) and rates[-1] == pytest.approx(1.5)
    assert 0.123 in rates and np.all(np.diff(rates) > 0)
    ratios = np.diff(np.log(np.delete(rates, np.flatnonzero(rates == 0.123))))
    np.testing.assert_allclose(ratios, ratios[0], rtol=1e-9)  # a log scale
    free = sweep_rates(None, 0.01)  # no limit: centred on the current rate
    assert free[0] == pytest.approx(1e-6) and free[-1] == pytest.approx(0.03) and 0.01 in free


def test_compared_runs_equal_their_own_experiments_on_the_same_data():
    data = make_regression((1.0, 2.0), 1.0, 150, 0.2, 2)
    main = Settings(
        true_weights=(1.0, 2.0), bias=1.0, samples=150, noise=0.2, seed=2, learning_rate=0.05, steps=60
    )
    others = variants(main, ["gd", "adam", "sgd"], [0.05, 0.01], [8])
    labels = {(s.optimizer, s.learning_rate, s.batch_size) for s in others}
    assert labels == {
        ("gd", 0.01, 32),
        ("adam", 0.05, 32),
        ("adam", 0.01, 32),
        ("sgd", 0.05, 8),
        ("sgd", 0.01, 8),
    }  # every combination but the main run itself
    ex = experiment(main, data, compare=tuple(others))
    assert [r.settings for r in ex.others] == others
    for r in ex.others:
        alone = experiment(r.settings, data).trajectory
        np.testing.assert_array_equal(r.trajectory.params, alone.params)
    assert ex.others[0].label == "gd (η=0.01)"


def test_mini_batches_shuffle_on_their_own_stream_not_the_datas():
    # X = I_n, theta = 0, batch 1: each gradient is nonzero on exactly the row it drew.
    n, seed = 12, 3
    gradient = mini_batches(np.eye(n), np.arange(1.0, n + 1), 1, seed)
    order = [int(np.flatnonzero(gradient(np.zeros(n + 1))[:n])[0]) for _ in range(n)]
    assert order == list(np.random.default_rng([seed, 1]).permutation(n))
    assert order != list(np.random.default_rng(seed).permutation(n))  # the data's stream (gd.data)


def test_the_drawing_sample_is_spread_over_all_the_rows():
    n = SAMPLE_ROWS + 500
    ex = experiment(Settings(samples=n, steps=1))
    data = make_regression(ARTICLE_WEIGHTS, ARTICLE_BIAS, n)
    index = {tuple(r): i for i, r in enumerate(data.X)}
    rows = np.array([index[tuple(r)] for r in ex.sample_X])
    expected = np.random.default_rng([0, 2]).choice(n, SAMPLE_ROWS, replace=False)
    np.testing.assert_array_equal(rows, expected)
    assert rows.max() >= SAMPLE_ROWS  # not the first rows


def test_a_start_at_zero_loss_has_no_divergence_limit():
    # y = 0 exactly: L(0) = 0, and 1e10 times it would call any round-off a divergence
    X = np.random.default_rng(1).standard_normal((20, 2))
    pb = Problem.from_data(X, np.zeros(20))
    assert pb.loss(np.zeros(3)) == 0.0 and divergence_limit(pb, np.zeros(3)) == math.inf
    assert divergence_limit(pb, np.ones(3)) == DIVERGENCE_FACTOR * pb.loss(np.ones(3))
    tr = run(pb, optimizers.gd(100.0), 50)  # far past the limit, but nothing to amplify
    assert tr.diverged_at is None and np.all(tr.params == 0)


def test_the_divergence_limit_is_scaled_by_the_larger_of_the_start_and_the_zero_models_loss():
    data = make_regression(ARTICLE_WEIGHTS, ARTICLE_BIAS, 200, 0.0, 0)
    pb = Problem.from_data(data.X, data.y)
    mean_square = float(np.mean(data.y**2))  # L(0) by hand: the zero model's loss
    far = np.full(6, 100.0)
    assert divergence_limit(pb, np.zeros(6)) == pytest.approx(1e10 * mean_square, rel=1e-12)
    assert divergence_limit(pb, far) == pytest.approx(1e10 * direct_loss(data.X, data.y, far), rel=1e-12)
    # at the optimum L(theta0) = L* is round-off (noise-free data): the floor is L(0)
    assert pb.loss(pb.theta_star) < 1e-20
    assert divergence_limit(pb, pb.theta_star) == pytest.approx(1e10 * mean_square, rel=1e-12)


@pytest.mark.parametrize("optimizer", ["adam", "adagrad", "rmsprop"])
def test_an_adaptive_run_starting_at_the_optimum_does_not_diverge(optimizer):
    # noise-free data: L* is about 1e-26, and the first step moves theta by about eta
    start = (*ARTICLE_WEIGHTS, ARTICLE_BIAS)
    ex = experiment(Settings(optimizer=optimizer, start=start, steps=50, samples=500))
    assert ex.problem.loss_star < 1e-20
    assert ex.trajectory.diverged_at is None and ex.trajectory.steps == 50
    # it does move (about eta a step) and stays where an adaptive step leaves it: near the optimum
    moved = np.abs(ex.trajectory.params - np.array(start)).max()
    assert 0 < moved < 1.0
