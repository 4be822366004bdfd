"""Beyond plain descent (issue 11): schedules against torch.optim.lr_scheduler's recursions and
torch.optim's algorithms written out by hand (torch is not a test dependency), linesearch, newton
and cg against the data themselves and numpy's lstsq, and the start point.

References: every expected value here is computed from (X, y) and the formulas of torch's
documentation, never from gd.problem's G or the engine's rules.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from gd import registry
from gd.data import make_regression
from gd.inputs import OPTIMIZERS, InputError, Settings
from gd.problem import Problem
from gd.run import experiment, run, sweep


def design(X):
    return np.column_stack([X, np.ones(len(X))])


def conditioned(kappa: float, n: int = 400, d: int = 4, seed: int = 3):
    """Data whose G = A^T A / n has condition number about `kappa` (features of unequal scale)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * np.geomspace(1.0, math.sqrt(kappa), d)
    X -= X.mean(axis=0)  # centred: the bias direction does not mix in
    y = X @ rng.standard_normal(d) + 0.7 + 0.1 * rng.standard_normal(n)
    return X, y


def grad(X, y, theta):
    """grad L = 2 A^T (A theta - y) / n, straight from the data."""
    A = design(X)
    return 2.0 * A.T @ (A @ theta - y) / len(y)


def loss(X, y, theta):
    r = design(X) @ theta - y
    return float(r @ r / len(y))


# ---- schedules: torch.optim.lr_scheduler's chainable recursions, by hand -------------------------


def torch_rates(name: str, lr: float, steps: int, gamma: float | None, step_size: int) -> list[float]:
    """The learning rate the optimizer uses at each of `steps` updates when the scheduler is
    stepped once after every optimizer step: torch's get_lr() recursions (not their closed
    forms), eta_min 0, T_max = steps."""
    rates, current = [], lr
    for epoch in range(steps):  # the rate of update `epoch`; scheduler.last_epoch == epoch
        if epoch > 0:
            if (name == "step" and epoch % step_size == 0) or name == "exponential":
                current = current * gamma
            elif name == "cosine":
                T = steps
                current = (
                    (1 + math.cos(math.pi * epoch / T)) / (1 + math.cos(math.pi * (epoch - 1) / T)) * current
                )
            elif name == "inverse":  # LambdaLR: base_lr * lambda(epoch)
                current = lr * (1.0 / (1.0 + gamma * epoch))
        rates.append(current)
    return rates


def torch_trajectory(name: str, rates, X, y, theta0, momentum=0.9, betas=(0.9, 0.999), eps=1e-8):
    """torch.optim.SGD (momentum, dampening 0) / Adam, as documented, at the given rates."""
    theta = np.array(theta0, dtype=float)
    out = [theta.copy()]
    buf = m = v = None
    for t, lr in enumerate(rates, 1):
        g = grad(X, y, theta)
        if name == "gd":
            theta = theta - lr * g
        elif name == "momentum":
            buf = g.copy() if buf is None else momentum * buf + g
            theta = theta - lr * buf
        elif name == "adam":
            b1, b2 = betas
            m = (1 - b1) * g if m is None else b1 * m + (1 - b1) * g
            v = (1 - b2) * g * g if v is None else b2 * v + (1 - b2) * g * g
            m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
            theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
        out.append(theta.copy())
    return np.array(out)


@pytest.mark.parametrize("schedule", ["constant", "step", "exponential", "cosine", "inverse"])
@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
def test_schedules_follow_torchs_lr_scheduler(optimizer, schedule):
    X, y = conditioned(20.0, n=150, d=3, seed=1)
    steps, lr = 120, {"gd": 0.02, "momentum": 0.005, "adam": 0.05}[optimizer]
    gamma = {"step": 0.5, "exponential": 0.97, "inverse": 0.3}.get(schedule)
    s = Settings(
        optimizer=optimizer, learning_rate=lr, steps=steps, schedule=schedule, gamma=gamma, step_size=25
    )
    theta0 = np.array([0.5, -1.0, 2.0, 0.25])
    pb = Problem.from_data(X, y)
    got = run(pb, registry.build(s, pb), steps, theta0=theta0).params
    want = torch_trajectory(optimizer, torch_rates(schedule, lr, steps, gamma, 25), X, y, theta0)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10 * np.abs(want).max())


def test_schedule_rates_are_torchs_closed_forms():
    sch = registry.SCHEDULES
    np.testing.assert_allclose(
        sch["step"].rates(0.1, 7, gamma=0.5, step_size=3), [0.1] * 3 + [0.05] * 3 + [0.025]
    )
    np.testing.assert_allclose(sch["exponential"].rates(2.0, 4, gamma=0.9), [2.0, 1.8, 1.62, 1.458])
    np.testing.assert_allclose(
        sch["cosine"].rates(1.0, 4), [1.0, (1 + 1 / math.sqrt(2)) / 2, 0.5, (1 - 1 / math.sqrt(2)) / 2]
    )
    np.testing.assert_allclose(sch["inverse"].rates(1.0, 3, gamma=0.5), [1.0, 1 / 1.5, 0.5])
    np.testing.assert_array_equal(sch["constant"].rates(0.3, 3), [0.3] * 3)
    # the defaults the issue names
    assert sch["step"].resolve() == {"gamma": 0.5, "step_size": 100}
    assert sch["exponential"].resolve() == {"gamma": 0.99}
    assert sch["inverse"].resolve() == {"gamma": 0.1}


def test_gamma_above_one_is_refused_for_decaying_schedules_only():
    for name in ("step", "exponential"):
        with pytest.raises(InputError, match=f"gamma must be above 0 and at most 1, got 1.5 for the {name}"):
            Settings(schedule=name, gamma=1.5).validated()
        with pytest.raises(InputError, match="gamma must be above 0"):
            Settings(schedule=name, gamma=0.0).validated()
    assert Settings(schedule="inverse", gamma=1.5).validated().gamma == 1.5
    assert Settings(schedule="inverse", gamma=0.0).validated().gamma == 0.0
    with pytest.raises(InputError, match="schedule must be one of constant, step"):
        Settings(schedule="warmup").validated()


def test_a_schedule_leaves_the_methods_without_a_rate_alone():
    X, y = conditioned(50.0)
    pb = Problem.from_data(X, y)
    for name in ("linesearch", "newton", "cg"):
        plain = run(pb, registry.build(Settings(optimizer=name, steps=8), pb), 8).params
        other = Settings(optimizer=name, steps=8, learning_rate=3.0, schedule="exponential", gamma=0.5)
        np.testing.assert_array_equal(run(pb, registry.build(other, pb), 8).params, plain)


def test_default_schedule_is_bit_for_bit_the_plain_rule():
    X, y = conditioned(10.0, seed=4)
    pb = Problem.from_data(X, y)
    s = Settings(optimizer="momentum", learning_rate=0.01, steps=50)
    np.testing.assert_array_equal(
        run(pb, registry.build(s, pb), 50).params, run(pb, registry.make("momentum", 0.01), 50).params
    )


# ---- linesearch, newton, cg ----------------------------------------------------------------------


@pytest.mark.parametrize("kappa", [1.0, 30.0, 1e3])
def test_linesearch_takes_the_exact_step_and_never_raises_the_loss(kappa):
    X, y = conditioned(kappa)
    pb = Problem.from_data(X, y)
    tr = run(pb, registry.make("linesearch", None, pb), 40)
    A = design(X)
    for t in range(20):
        theta, g = tr.params[t], grad(X, y, tr.params[t])
        Ag = A @ g
        eta = (g @ g) / (2 * (Ag @ Ag) / len(y))  # g^T g / (2 g^T G g), G from the data
        np.testing.assert_allclose(tr.params[t + 1], theta - eta * g, rtol=1e-9, atol=1e-12)
    losses = [loss(X, y, th) for th in tr.params]
    assert all(b <= a * (1 + 1e-12) for a, b in zip(losses, losses[1:], strict=False))


@pytest.mark.parametrize("kappa", [1.0, 30.0, 1e3])
def test_one_full_newton_step_lands_on_lstsq(kappa):
    X, y = conditioned(kappa)
    want = np.linalg.lstsq(design(X), y, rcond=None)[0]
    pb = Problem.from_data(X, y)
    assert pb.condition_number == pytest.approx(kappa, rel=0.9)
    for theta0 in (np.zeros(5), np.array([3.0, -2.0, 1.0, 40.0, -7.0])):
        tr = run(pb, registry.make("newton", None, pb), 3, theta0=theta0)
        np.testing.assert_allclose(tr.params[1], want, rtol=1e-9)
        np.testing.assert_allclose(tr.params[3], want, rtol=1e-9)
    # a step fraction h moves the fraction h of the way: theta_1 = theta_0 + h (theta* - theta_0)
    theta0 = np.array([1.0, 1.0, 1.0, 1.0, 1.0])
    tr = run(pb, registry.make("newton", None, pb, damping=0.25), 2, theta0=theta0)
    np.testing.assert_allclose(tr.params[1], theta0 + 0.25 * (want - theta0), rtol=1e-9)


def test_newton_on_rank_deficient_data_reaches_lstsqs_minimum_norm_solution():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((60, 3))
    X = np.column_stack([X, 2 * X[:, 0]])  # a duplicated direction: G singular
    y = X @ [1.0, 2.0, -1.0, 0.5] + 1.0
    pb = Problem.from_data(X, y)
    assert pb.rank_deficient
    tr = run(pb, registry.make("newton", None, pb), 4)
    np.testing.assert_allclose(tr.params[1], np.linalg.lstsq(design(X), y, rcond=None)[0], rtol=1e-9)
    assert np.isfinite(tr.params).all()


@pytest.mark.parametrize("kappa", [1.0, 30.0, 1e3])
def test_cg_is_exact_within_d_plus_one_steps_then_holds(kappa):
    X, y = conditioned(kappa)
    want = np.linalg.lstsq(design(X), y, rcond=None)[0]
    pb = Problem.from_data(X, y)
    p = X.shape[1] + 1
    tr = run(pb, registry.make("cg", None, pb), 60, theta0=np.full(p, 2.0))
    # relative to |theta*| (a component near zero has no relative error of its own to keep)
    assert np.linalg.norm(tr.params[p] - want) <= 1e-7 * np.linalg.norm(want)
    assert np.isfinite(tr.params).all() and tr.diverged_at is None
    # it holds its point once the residual is round-off: the last 20 rows are one point
    np.testing.assert_array_equal(tr.params[-20:], np.repeat(tr.params[-1:], 20, axis=0))


def test_cg_and_linesearch_at_the_optimum_do_not_move_or_divide_by_zero():
    X = np.random.default_rng(2).standard_normal((30, 2))
    y = np.zeros(30)  # theta* = 0: the start is the optimum, the gradient exactly zero
    pb = Problem.from_data(X, y)
    for name in ("cg", "linesearch", "newton"):
        with np.errstate(all="raise"):
            tr = run(pb, registry.make(name, None, pb), 10)
        np.testing.assert_array_equal(tr.params, 0.0)


def test_linesearch_zigzags_where_cg_goes_straight():
    """The contrast the contour map shows: on a narrow valley steepest descent needs many steps,
    cg at most p."""
    X, y = conditioned(1e3)
    pb = Problem.from_data(X, y)
    target = 1e-8 * pb.excess_loss(np.zeros(pb.p))
    ls = run(pb, registry.make("linesearch", None, pb), 200)
    cg = run(pb, registry.make("cg", None, pb), 200)

    def first(tr):  # the first step at the target, or past the run
        reached = np.flatnonzero(pb.excess_loss(tr.params) <= target)
        return int(reached[0]) if reached.size else tr.steps + 1

    assert first(cg) <= pb.p < 20 < first(ls)


# ---- the start point -----------------------------------------------------------------------------


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_every_optimizers_first_row_is_the_start(optimizer):
    start = (1.5, -2.0, 0.25, 3.0)
    s = Settings(true_weights=(1.0, 2.0, 3.0), samples=300, steps=5, optimizer=optimizer, start=start)
    ex = experiment(s)
    np.testing.assert_array_equal(ex.trajectory.params[0], start)
    X = None  # the loss at the start, from the data: mean((A theta0 - y)^2)
    from gd.data import make_regression

    data = make_regression((1.0, 2.0, 3.0), 2.0, 300, 0.0, 0)
    X, y = data.X, data.y
    assert ex.trajectory.loss[0] == pytest.approx(loss(X, y, np.array(start)), rel=1e-12)


def test_a_start_of_the_wrong_length_is_a_message():
    with pytest.raises(InputError, match=r"start: give 6 numbers \(w1..w5, b\).*got 2"):
        experiment(Settings(start=(1.0, 2.0)))
    with pytest.raises(InputError, match="start: number 2 is empty"):
        Settings(start="1,,2").validated()


def test_the_sweep_starts_where_the_run_starts_and_follows_the_schedule():
    X, y = conditioned(5.0, n=100, d=2)
    pb = Problem.from_data(X, y)
    start = np.array([1.0, -1.0, 4.0])
    s = Settings(true_weights=(1.0, 1.0), steps=40, schedule="cosine")
    rates = np.array([0.01, 0.1, 0.3])
    got, _ = sweep(pb, "gd", rates, 40, theta0=start, settings=s)
    for rate, value in zip(rates, got, strict=True):
        ref = run(pb, registry.build(replace(s, learning_rate=rate), pb), 40, theta0=start)
        assert value == pytest.approx(ref.loss[-1], rel=1e-12)


def test_a_comparison_runs_a_method_without_a_rate_once():
    from gd.run import variants

    s = Settings(learning_rate=0.01)
    runs = variants(s, ["gd", "cg", "newton"], [0.01, 0.1, 0.5], [])
    assert [(r.optimizer, r.learning_rate) for r in runs] == [
        ("gd", 0.1),
        ("gd", 0.5),
        ("cg", 0.01),
        ("newton", 0.01),
    ]


def test_held_after_counts_cgs_steps_to_the_optimum():
    from gd.spectrum import held_after

    ex = experiment(Settings(optimizer="cg", steps=30, samples=500))
    k = held_after(ex)
    P = ex.trajectory.params
    assert k is not None and 1 <= k <= ex.problem.p + 2
    assert not np.array_equal(P[k], P[k - 1]) and np.array_equal(P[k + 1], P[k])
    assert np.array_equal(P[-1], P[k])


# ---- the eigen view and the rate chart -----------------------------------------------------------


def test_eigen_view_lines_are_the_error_along_numpys_eigenvectors_and_gd_follows_its_prediction():
    import plotly.graph_objects as go

    from gd import figures
    from gd.data import make_regression
    from gd.spectrum import eigen_floor

    s = Settings(feature_scale=4.0, learning_rate=0.05, steps=150, schedule="exponential", gamma=0.99)
    ex = experiment(s)
    data = make_regression(s.true_weights, s.bias, s.samples, feature_scale=4.0)
    A = design(data.X)
    lam, V = np.linalg.eigh(A.T @ A / len(data.y))
    theta_star = np.linalg.lstsq(A, data.y, rcond=None)[0]
    E = np.abs((ex.trajectory.params - theta_star) @ V)  # (T + 1, p), by numpy alone
    floor = eigen_floor(ex)
    k = 40
    fig = figures.eigen_figure(ex, k)
    go.Figure(fig.to_dict())  # valid in full
    lines = [t for t in fig.data if t.meta and t.meta["gd"] == "line"]
    assert len(lines) == 6 and "slowest" in lines[0].name and "fastest" in lines[-1].name
    for i, t in enumerate(lines):
        q = np.asarray(t.x)
        assert q[-1] == k
        np.testing.assert_allclose(t.y, np.maximum(E[q, i], floor), rtol=1e-6, atol=1e3 * floor)
    # plain GD at the schedule's rates: |v_i^T e_0| prod |1 - 2 eta_t lambda_i|, the dashed lines
    rates = 0.05 * 0.99 ** np.arange(150)
    theory = E[0] * np.cumprod(np.vstack([np.ones(6), np.abs(1 - 2 * rates[:, None] * lam)]), axis=0)
    dashed = [t for t in fig.data if t.meta and t.meta["gd"] == "theory"]
    assert [t.meta["param"] for t in dashed] == list(range(6))
    for i, t in enumerate(dashed):
        q = np.asarray(t.x)
        np.testing.assert_allclose(t.y, theory[q, i], rtol=1e-6)
        # gd's own errors follow it, down to round-off (eps |theta| absolute)
        np.testing.assert_allclose(E[q, i], theory[q, i], rtol=1e-6, atol=1e-13 * np.abs(theta_star).max())
    point = [t for t in fig.data if t.meta == {"gd": "point"}][0]
    np.testing.assert_allclose(point.y, np.maximum(E[k], floor), rtol=1e-6, atol=1e3 * floor)


def test_eigen_views_range_follows_the_run_when_plain_gd_would_diverge():
    from gd import figures

    # momentum is stable at eta = 1.9 (its limit is near 1.93), plain GD is not (0.96): the dashed
    # prediction climbs to 1e307, and once set the range to it, squashing the run's own lines
    ex = experiment(Settings(optimizer="momentum", momentum=0.9999, learning_rate=1.9))
    assert ex.trajectory.diverged_at is None
    fig = figures.eigen_figure(ex, 10)
    E = ex.problem.eigen_errors(ex.trajectory.params)
    lo, hi = fig.layout.yaxis.range
    dashed = [t for t in fig.data if t.meta and t.meta["gd"] == "theory"]
    assert max(max(t.y) for t in dashed) > 1e300  # the prediction is still drawn, leaving the chart
    decades = np.log10(E.max()) + figures.eigen.REFERENCE_DECADES
    assert np.log10(E.max()) < hi <= decades + 0.05 * (decades - lo) + 1e-9
    assert np.all(np.isfinite([lo, hi]))


def test_rate_chart_marks_the_rate_of_the_next_update():
    import plotly.graph_objects as go

    from gd import figures

    ex = experiment(Settings(steps=30, schedule="step", gamma=0.5, step_size=10, learning_rate=0.2))
    for k, want in ((0, 0.2), (9, 0.2), (10, 0.1), (29, 0.05), (30, 0.05)):
        fig = figures.rate_figure(ex, k)
        go.Figure(fig.to_dict())
        point = [t for t in fig.data if t.meta == {"gd": "point"}][0]
        assert list(point.x) == [min(k, 29)] and point.y[0] == pytest.approx(want, rel=1e-15)
    assert figures.rate_figure(experiment(Settings(optimizer="newton", steps=5)), 0) is None
    ls = experiment(Settings(optimizer="linesearch", steps=5, feature_scale=3.0))
    fig = figures.rate_figure(ls, 2)
    g = ls.problem.gradient(ls.trajectory.params[2])
    assert fig.data[1].y[0] == pytest.approx(g @ g / (2 * g @ ls.problem.G @ g), rel=1e-12)


def test_step_rates_are_each_updates_rate_computed_once_per_experiment():
    """Experiment.step_rates: a schedule's rates (torch's recursions) cut where the run diverged,
    linesearch's exact steps (the step it took: theta_{t+1} = theta_t - eta_t g_t with g_t from
    the data), None without a rate; computed on the first read, the same read-only array after."""
    s = Settings(steps=60, schedule="step", gamma=0.5, step_size=10, learning_rate=2.0)
    ex = experiment(s)
    assert ex.trajectory.diverged_at is not None and 0 < ex.trajectory.steps < 60
    want = torch_rates("step", 2.0, 60, 0.5, 10)[: ex.trajectory.steps]
    np.testing.assert_allclose(ex.step_rates, want, rtol=1e-15)
    ls = experiment(Settings(optimizer="linesearch", steps=12, samples=300, feature_scale=5.0))
    data = make_regression((2.0, 4.0, 5.0, 9.0, 11.0), 2.0, 300, feature_scale=5.0)  # the run's data
    X, y = data.X, data.y
    P = ls.trajectory.params
    for t in range(12):
        g = grad(X, y, P[t])
        assert ls.step_rates[t] == pytest.approx(g @ g / (2 * g @ ls.problem.G @ g), rel=1e-9)
        np.testing.assert_allclose(P[t + 1], P[t] - ls.step_rates[t] * g, rtol=1e-9, atol=1e-12)
    assert experiment(Settings(optimizer="newton", steps=3)).step_rates is None
    for e in (ex, ls):
        assert e.step_rates is e.step_rates and not e.step_rates.flags.writeable


def test_sgd_minimises_the_ridge_objective_too():
    """Mini-batches of the whole data are full-batch descent: sgd with B >= n under ridge follows
    gd under ridge (the batch gradient carries the penalty 2 lambda (w, 0) as G + lambda D does)."""
    base = dict(samples=200, steps=60, learning_rate=0.02, l2=0.7, start=(1.0, -1.0, 2.0, 0.5, 3.0, -2.0))
    gd = experiment(Settings(**base))
    sgd = experiment(Settings(**base, optimizer="sgd", batch_size=200))
    np.testing.assert_allclose(sgd.trajectory.params, gd.trajectory.params, rtol=1e-10, atol=1e-12)
    # and a small batch still descends the penalised objective: its end is near the ridge optimum
    small = experiment(Settings(**{**base, "steps": 3000}, optimizer="sgd", batch_size=20))
    assert small.problem.excess_loss(small.trajectory.params[-1]) < 1e-3 * small.trajectory.loss[0]


def test_the_standardise_tip_counts_the_ridge_penalty():
    """On z-scores the ridge Hessian's half is [[R + l2 I, 0], [0, 1]]: the tip's numbers are those
    of the standardised run with the same l2, computed by running it."""
    s = Settings(feature_scale=10.0, l2=20.0, learning_rate=0.008, steps=5)
    ex = experiment(s)
    z = experiment(Settings(feature_scale=10.0, l2=20.0, learning_rate=0.008, steps=5, standardize=True))
    np.testing.assert_allclose(ex.problem.standardised_eigenvalues, z.problem.eigenvalues, rtol=1e-9)


# --- the eigen view's caption: its words follow its numbers -------------------------------------


def _article_eigenvalues():
    """G's eigenvalues for the article's data, by numpy from the data themselves."""
    s = Settings()
    data = make_regression(s.true_weights, s.bias, s.samples, s.noise, s.seed)
    A = np.column_stack([data.X, np.ones(len(data.y))])
    return np.linalg.eigvalsh(A.T @ A / len(A))


def test_eigen_note_says_shrink_when_every_factor_is_below_one():
    from gd.spectrum import eigen_note

    lam = _article_eigenvalues()
    note = eigen_note(experiment(Settings(learning_rate=0.01, steps=3)))
    f_lo, f_hi = 1 - 0.02 * lam[0], 1 - 0.02 * lam[-1]
    assert f"At η = 0.01 they shrink by factors {f_lo:.4g} and {f_hi:.4g} a step." in note
    assert "grow" not in note


def test_eigen_note_says_every_direction_grows_past_one_over_lambda_min():
    from gd.spectrum import eigen_note

    lam = _article_eigenvalues()
    assert 1 / lam[0] < 1.5  # every factor |1 - 3 lambda_i| is above 1
    note = eigen_note(experiment(Settings(learning_rate=1.5, steps=3)))
    f_lo, f_hi = abs(1 - 3 * lam[0]), abs(1 - 3 * lam[-1])
    assert (
        f"the error along v1 grows by a factor {f_lo:.4g} a step, along v6 grows by a factor {f_hi:.4g}."
        in note
    )
    assert "The error along every direction grows" in note
    assert "shrink by" not in note.split("No constant rate")[0]


def test_eigen_note_names_every_growing_direction_and_only_those():
    from gd.spectrum import eigen_note

    lam = _article_eigenvalues()
    eta = 1.0
    growing = [i + 1 for i in range(6) if abs(1 - 2 * eta * lam[i]) > 1]
    assert growing == [4, 5, 6]  # lambda_4..6 above 1, lambda_1..3 below (the hand check)
    note = eigen_note(experiment(Settings(learning_rate=eta, steps=3)))
    f_lo, f_hi = abs(1 - 2 * lam[0]), abs(1 - 2 * lam[-1])
    assert (
        f"the error along v1 shrinks by a factor {f_lo:.4g} a step, along v6 grows by a factor {f_hi:.4g}."
        in note
    )
    assert "v4, v5 and v6 grow: η is past 1/λᵢ for each of them." in note
    assert "every direction" not in note


def test_factor_words_for_a_factor_of_exactly_one():
    from gd.spectrum import factor_words

    # eta lambda = 1 exactly (eta = 0.5, lambda = 2): 1 - 2 eta lambda = -1, the error flips sign
    factors = np.abs(1 - 2 * 0.5 * np.array([0.5, 2.0]))
    assert factors.tolist() == [0.5, 1.0]
    words = factor_words(0.5, 0, 1, factors, False)
    assert words == (
        "At η = 0.5 the error along v1 shrinks by a factor 0.5 a step, along v2 keeps its size "
        "(a factor of exactly 1: it flips sign each step)."
    )
    # one grows, the one at exactly 1 is not named as growing
    words = factor_words(0.75, 0, 2, np.array([1.0, 0.25, 2.0]), False)
    assert words.endswith("v3 grows: η is past 1/λᵢ for it.")
    # rank-deficient: the zero directions (before lo) are not counted
    words = factor_words(3.0, 1, 2, np.array([1.0, 2.0, 5.0]), True)
    assert words.endswith("The error along every direction with λ > 0 grows: η is past 1/λmin.")
