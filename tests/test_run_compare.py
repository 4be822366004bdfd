"""gd.run's comparisons: the learning-rate sweep, the variants a comparison asks for, and
experiments with compared runs.

References: one gd.run.run per rate (the sweep advances all rates at once through other code), the
cartesian product written with itertools, and each compared run's own experiment.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest

from gd import registry
from gd.data import make_regression
from gd.figures.common import MAX_CHART_POINTS
from gd.inputs import InputError, Settings
from gd.problem import Problem
from gd.run import MAX_RUNS, experiment, run, run_label, sweep, sweep_rates, variants


@pytest.fixture(scope="module")
def problem():
    data = make_regression((1.5, -2.0, 0.5, 3.0), -1.0, 300, 0.4, 11, feature_scale=3.0)
    return Problem.from_data(data.X, data.y)


# ---- sweep against one run per rate -----------------------------------------------------------------


@pytest.mark.parametrize(
    "name, fractions, steps",
    [
        ("gd", [1e-3, 0.1, 0.5, 0.9, 0.999, 1.001, 1.2, 3.0], 120),
        ("momentum", [1e-3, 0.1, 0.5, 0.9, 1.1, 3.0], 120),
        ("adam", [1e-3, 0.01, 0.05, 0.2, 1.0], 40),  # fractions of 1, no limit
    ],
)
def test_sweep_equals_one_run_per_rate(problem, name, fractions, steps):
    mu = 0.8
    limit = problem.stability_limit(name, momentum=mu) or 1.0
    rates = limit * np.array(fractions)
    loss, diverged = sweep(problem, name, rates, steps, momentum=mu)
    assert loss.shape == diverged.shape == rates.shape and diverged.dtype == bool
    for rate, got, flag in zip(rates, loss, diverged, strict=True):
        alone = run(problem, registry.make(name, float(rate), momentum=mu), steps)
        assert flag == (alone.diverged_at is not None), rate
        if flag:
            assert got == np.inf
        else:
            assert got == pytest.approx(alone.loss[-1], rel=1e-12, abs=1e-12 * alone.loss[0])
    if name != "adam":  # below the limit converges; well past it explodes (1.001x only creeps up)
        assert not diverged[rates < limit].any() and diverged[rates >= 1.1 * limit].all()


@pytest.mark.parametrize(
    "limit, current", [(0.5, 0.01), (0.5, 0.5), (0.5, 2.0), (None, 0.003), (1e-3, 1e-6), (30.0, 100.0)]
)
def test_sweep_rates_include_the_current_rate_and_span_the_limit(limit, current):
    rates = sweep_rates(limit, current)
    assert current in rates.tolist()
    assert np.all(np.diff(rates) > 0) and np.all(rates > 0)
    centre = limit if limit is not None else current
    assert rates[0] < centre < rates[-1]
    assert rates[-1] / rates[0] >= 1e4  # many orders of magnitude: crawl to explode
    assert 50 <= len(rates) <= 100


def test_the_sweep_shows_the_limit_on_real_data(problem):
    limit = problem.stability_limit("gd")
    rates = sweep_rates(limit, 0.01)
    loss, diverged = sweep(problem, "gd", rates, 200)
    assert not diverged[rates < 0.99 * limit].any() and diverged[rates > 1.05 * limit].all()
    below = loss[rates < limit]
    assert below[0] > below[-1]  # the smallest rate crawls


# ---- variants: the cartesian product, without the main run or duplicates ----------------------------

MAIN = Settings(
    true_weights=(1.0, 2.0),
    bias=1.0,
    samples=150,
    noise=0.2,
    seed=2,
    learning_rate=0.05,
    steps=40,
    optimizer="gd",
    batch_size=32,
)


def expected_variants(main, names, rates, batches):
    out = []
    for name, rate in itertools.product(names, rates or [main.learning_rate]):
        for batch in (batches or [main.batch_size]) if name == "sgd" else [main.batch_size]:
            key = (name, float(rate), int(batch))
            if key != (main.optimizer, main.learning_rate, main.batch_size) and key not in out:
                out.append(key)
    return out


@pytest.mark.parametrize(
    "main, names, rates, batches",
    [
        (MAIN, ["adam", "momentum"], [], []),
        (MAIN, ["gd", "adam"], [0.05, 0.01, 0.2], []),
        (MAIN, ["sgd"], [], [1, 8, 32, 150]),
        (MAIN, ["gd", "sgd", "rmsprop"], [0.01, 0.05], [1, 32]),
        (MAIN, ["gd"], [], []),  # only the main run: nothing to add
        (MAIN, ["adam", "adam", "gd"], [0.01, 0.01], [4, 4]),
        (replace(MAIN, optimizer="sgd"), ["gd", "sgd"], [], [1, 32]),
        (replace(MAIN, optimizer="sgd", batch_size=8), ["sgd"], [0.05, 0.1], [8, 16]),
    ],
)
def test_variants_are_the_cartesian_product_without_the_main_run(main, names, rates, batches):
    got = variants(main, names, rates, batches)
    keys = [(s.optimizer, s.learning_rate, s.batch_size) for s in got]
    assert keys == expected_variants(main, names, rates, batches)
    assert len(set(got)) == len(got) and main not in got
    for s in got:  # everything else is the main run's
        assert (
            replace(s, optimizer=main.optimizer, learning_rate=main.learning_rate, batch_size=main.batch_size)
            == main
        )


# ---- experiments with comparisons -------------------------------------------------------------------


@pytest.mark.parametrize(
    "main",
    [MAIN, replace(MAIN, standardize=True, feature_scale=20.0), replace(MAIN, optimizer="sgd", batch_size=4)],
)
def test_each_compared_run_is_its_own_experiment_on_the_same_data(main):
    compare = variants(main, ["gd", "sgd", "momentum", "adam"], [0.05, 0.02], [1, 16])
    ex = experiment(main, compare=tuple(compare))
    assert [r.settings for r in ex.others] == compare
    np.testing.assert_array_equal(ex.trajectory.params, experiment(main).trajectory.params)
    for r in ex.others:
        alone = experiment(r.settings)
        np.testing.assert_array_equal(r.trajectory.params, alone.trajectory.params)
        np.testing.assert_array_equal(r.trajectory.loss, alone.trajectory.loss)
        assert r.trajectory.diverged_at == alone.trajectory.diverged_at
        np.testing.assert_array_equal(alone.problem.G, ex.problem.G)  # the same data


def test_compared_runs_on_uploaded_data_use_that_data():
    data = make_regression((4.0, -1.0), 0.5, 80, 0.3, 9)
    main = replace(MAIN, true_weights=(1.0,), samples=5)  # ignored: the data is given
    compare = tuple(variants(main, ["adam", "sgd"], [], [3]))
    ex = experiment(main, data, compare)
    for r in ex.others:
        np.testing.assert_array_equal(r.trajectory.params, experiment(r.settings, data).trajectory.params)
        assert r.trajectory.params.shape[1] == 3


def test_at_most_max_runs_are_compared():
    rates = list(np.geomspace(1e-3, 0.04, MAX_RUNS + 1))
    compare = tuple(variants(MAIN, ["adam"], rates, []))
    assert len(compare) == MAX_RUNS + 1
    with pytest.raises(InputError, match=f"at most {MAX_RUNS}"):
        experiment(MAIN, compare=compare)
    ex = experiment(MAIN, compare=compare[:MAX_RUNS])
    assert len(ex.others) == MAX_RUNS


def test_an_invalid_compared_run_is_an_input_error():
    with pytest.raises(InputError, match="nesterov"):
        experiment(MAIN, compare=(replace(MAIN, optimizer="nesterov", momentum=0.0),))
    with pytest.raises(InputError, match="batch size x steps"):
        experiment(
            replace(MAIN, samples=100_000, steps=20_000),
            compare=(replace(MAIN, samples=100_000, steps=20_000, optimizer="sgd", batch_size=5_000),),
        )


def test_labels_name_optimizer_rate_when_rates_differ_and_batch_for_sgd():
    compare = variants(MAIN, ["gd", "adam", "sgd", "momentum"], [], [1, 8])
    ex = experiment(MAIN, compare=tuple(compare))
    labels = [r.label for r in ex.others]
    assert labels == ["adam", "sgd (B=1)", "sgd (B=8)", "momentum (μ=0.9)"]
    compare = variants(MAIN, ["gd", "sgd"], [0.05, 0.01], [1])
    ex = experiment(MAIN, compare=tuple(compare))
    labels = [r.label for r in ex.others]
    assert labels == ["gd (η=0.01)", "sgd (η=0.05, B=1)", "sgd (η=0.01, B=1)"]
    assert run_label(MAIN, True) == "gd (η=0.05)" and run_label(MAIN, False) == "gd"


def test_every_run_of_a_comparison_has_its_own_label():
    compare = variants(MAIN, ["gd"], [0.05, 0.050000001], [])
    ex = experiment(MAIN, compare=tuple(compare))
    labels = [run_label(MAIN, True)] + [r.label for r in ex.others]
    assert len(set(labels)) == len(labels), labels


def test_compared_sgd_runs_share_one_work_bound():
    from gd.inputs import MAX_SGD_SAMPLE_STEPS, MAX_STEPS

    batch = MAX_SGD_SAMPLE_STEPS // MAX_STEPS  # the main run alone is exactly at the bound
    main = Settings(optimizer="sgd", batch_size=batch, steps=MAX_STEPS, samples=batch)
    experiment(replace(main, steps=10))  # small: fine
    other = variants(main, ["sgd"], [], [batch // 2])
    with pytest.raises(InputError, match="the sgd runs together draw"):
        experiment(main, compare=tuple(other))
    # full-batch comparisons add no sampled work
    experiment(
        Settings(optimizer="sgd", batch_size=batch, steps=200, samples=batch),
        compare=tuple(variants(main, ["gd", "adam"], [], [])),
    )


def test_many_compared_runs_keep_the_convergence_chart_light():
    from gd import figures

    main = Settings(true_weights=tuple(float(i) for i in range(1, 21)), samples=300, steps=2000)
    compare = tuple(
        variants(main, ["momentum", "nesterov", "adagrad", "rmsprop", "adam", "sgd"], [0.001, 0.003], [8])
    )[:12]
    ex = experiment(main, compare=compare)
    fig = figures.convergence_figure(ex, 1500)
    drawn = sum(
        len(t.x)
        for t in fig.data
        if t.name not in ("true", "least squares") and not str(t.name).startswith(("true ", "least squares "))
    )
    assert drawn <= MAX_CHART_POINTS + 13 * 21  # the budget, plus each line's last point
    assert len({t.name for t in fig.data if t.showlegend}) == 13  # one legend entry per run


def test_the_numbers_an_experiment_keeps_are_bounded():
    from gd.run import MAX_KEPT

    main = Settings(true_weights=tuple(float(i) for i in range(1, 21)), samples=50, steps=20_000)
    fit = MAX_KEPT // (20_001 * 21) - 1
    rates = [0.001 * (i + 1) for i in range(fit + 1)]
    with pytest.raises(InputError, match=f"at most {fit} compared runs"):
        experiment(main, compare=tuple(variants(main, ["gd"], rates, [])))
    ex = experiment(main, compare=tuple(variants(main, ["gd"], rates[:fit], [])))
    assert sum(r.trajectory.params.size for r in ex.others) + ex.trajectory.params.size <= MAX_KEPT


def test_results_are_read_only_so_sessions_can_share_them():
    ex = experiment(Settings(samples=50, steps=10), compare=tuple(variants(Settings(), ["adam"], [], [])))
    for array in (
        ex.trajectory.params,
        ex.trajectory.loss,
        ex.problem.G,
        ex.problem.theta_star,
        ex.sample_X,
        ex.others[0].trajectory.params,
    ):
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 1.0
