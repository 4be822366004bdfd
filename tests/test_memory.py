"""gd.run.experiment's bounded memory: one pass over the synthetic data in blocks, against the
whole data in memory (numpy's lstsq, standardize, the same random rows), the memory it allocates
(tracemalloc, which sees numpy's buffers: a count of bytes, not a timing), and the process-wide
limit on heavy passes computed at once.

The figures themselves (RSS of the largest runs) come from bench/memory.py, run by hand.
"""

from __future__ import annotations

import threading
import time
import tracemalloc
from dataclasses import replace

import numpy as np
import pytest

from gd import run as gd_run
from gd.data import make_regression, standardize
from gd.inputs import Settings
from gd.run import HEAVY_SLOTS, SAMPLE_ROWS, experiment, heavy_pass


def design(X):
    return np.column_stack([X, np.ones(len(X))])


@pytest.mark.parametrize(
    "settings",
    [
        Settings(samples=40_000, steps=3, noise=0.3, seed=5),
        Settings(samples=40_000, steps=3, noise=0.3, seed=5, standardize=True, feature_mean=3.0),
        Settings(samples=20_000, steps=3, seed=2, feature_scale=100.0, outlier=40.0),
        Settings(samples=1_500, steps=3, standardize=True, feature_scale=10.0, feature_mean=-5.0),
    ],
)
def test_the_pass_in_blocks_equals_the_whole_data_in_memory(settings):
    s = settings
    data = make_regression(
        s.true_weights, s.bias, s.samples, s.noise, s.seed, s.feature_scale, s.feature_mean, s.outlier
    )
    if s.standardize:
        data = standardize(data)
    ex = experiment(s)
    A = design(data.X)
    theta, _, rank, _ = np.linalg.lstsq(A, data.y, rcond=None)
    np.testing.assert_allclose(ex.problem.theta_star, theta, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ex.problem.G, A.T @ A / s.samples, rtol=1e-12, atol=1e-13)
    assert ex.problem.rank == rank
    r = A @ theta - data.y
    assert ex.problem.loss_star == pytest.approx(r @ r / s.samples, rel=1e-9, abs=1e-20)
    if s.standardize:
        np.testing.assert_allclose(ex.mean, data.mean, rtol=1e-13)
        np.testing.assert_allclose(ex.scale, data.scale, rtol=1e-12)
    np.testing.assert_allclose(ex.true_theta, data.true_theta(), rtol=1e-12)
    # the rows kept for drawing: the same random rows as before, in the same order
    rows = slice(None)
    if s.samples > SAMPLE_ROWS:
        rows = np.random.default_rng([s.seed, 2]).choice(s.samples, SAMPLE_ROWS, replace=False)
    np.testing.assert_allclose(ex.sample_X, data.X[rows], rtol=1e-12, atol=1e-13)
    np.testing.assert_array_equal(ex.sample_y, data.y[rows])
    # and the same as the path that holds the data whole (sgd's), built from the same settings
    whole = experiment(s, compare=(Settings(**{**s.to_dict(), "optimizer": "sgd", "batch_size": 8}),))
    np.testing.assert_allclose(whole.problem.theta_star, ex.problem.theta_star, rtol=1e-12, atol=1e-13)
    assert whole.names == ex.names and whole.feature_names == ex.feature_names


def test_the_rows_drawn_are_random_not_the_first():
    ex = experiment(Settings(samples=50_000, steps=1))
    first = make_regression((2, 4, 5, 9, 11), 2, SAMPLE_ROWS).X
    assert not np.array_equal(ex.sample_X, first)
    assert len({tuple(r) for r in ex.sample_X}) == SAMPLE_ROWS


def test_a_large_experiment_allocates_a_small_part_of_its_data():
    # 200,000 x 20 features: X alone is 32 MB, [X, 1] 34 MB and lstsq's copy as much again
    s = Settings(true_weights=tuple(range(1, 21)), samples=200_000, steps=1, noise=0.5)
    experiment(Settings(steps=1))  # imports and first-call caches outside the measurement
    tracemalloc.start()
    try:
        experiment(s)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    data_bytes = 200_000 * 21 * 8
    assert peak < data_bytes / 3, f"{peak / 2**20:.1f} MB"  # y (1.6 MB) and a few blocks of 2.8 MB


def test_sgd_runs_still_hold_the_rows_they_draw():
    s = Settings(samples=30_000, steps=50, optimizer="sgd", batch_size=64, noise=0.5)
    ex = experiment(s)
    assert ex.trajectory.steps == 50 and np.all(np.isfinite(ex.trajectory.params))


def test_at_most_two_heavy_passes_run_at_once_and_the_rest_wait():
    running, most, lock = 0, 0, threading.Lock()

    def work():
        nonlocal running, most
        with heavy_pass(gd_run.HEAVY_NUMBERS + 1):
            with lock:
                running += 1
                most = max(most, running)
            time.sleep(0.05)
            with lock:
                running -= 1

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert most == HEAVY_SLOTS == 2 and running == 0


def test_small_passes_never_wait_for_heavy_ones():
    slots = [heavy_pass(gd_run.HEAVY_NUMBERS + 1) for _ in range(HEAVY_SLOTS)]
    for slot in slots:
        slot.__enter__()
    try:
        done = threading.Event()
        thread = threading.Thread(target=lambda: (experiment(Settings(steps=2)), done.set()))
        thread.start()
        assert done.wait(timeout=60)  # the article's run goes through while both slots are taken
    finally:
        for slot in slots:
            slot.__exit__(None, None, None)


def test_experiments_wait_for_a_slot_and_are_all_answered(monkeypatch):
    monkeypatch.setattr(gd_run, "HEAVY_NUMBERS", 1_000)  # every pass of 5,000 x 6 numbers is heavy
    inner, running, most, lock = gd_run._synthetic_pass, 0, 0, threading.Lock()

    def counted(*args):
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        try:
            time.sleep(0.05)
            return inner(*args)
        finally:
            with lock:
                running -= 1

    monkeypatch.setattr(gd_run, "_synthetic_pass", counted)
    results = []
    threads = [
        threading.Thread(target=lambda s=s: results.append(experiment(Settings(seed=s, steps=2))))
        for s in range(6)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(results) == 6 and most <= HEAVY_SLOTS


@pytest.mark.parametrize("samples, steps, batch", [(20_000, 100, 32), (20_000, 600, 32), (3_000, 200, 32)])
def test_sgd_from_the_rows_it_draws_equals_sgd_on_the_whole_data(samples, steps, batch):
    # 3,200 of 20,000 rows: the first epoch's rows only; 19,200 and 6,400 of 3,000: every row
    s = Settings(optimizer="sgd", samples=samples, steps=steps, batch_size=batch, noise=0.5, seed=3)
    compare = (replace(s, batch_size=7), replace(s, optimizer="gd"))
    ex = experiment(s, compare=compare)
    data = make_regression(s.true_weights, s.bias, s.samples, s.noise, s.seed)
    whole = experiment(s, data, compare=compare)  # the path that holds every row (mini_batches)
    np.testing.assert_array_equal(ex.trajectory.params, whole.trajectory.params)
    for a, b in zip(ex.others, whole.others, strict=True):
        np.testing.assert_array_equal(a.trajectory.params, b.trajectory.params)


def test_a_short_sgd_run_on_large_data_allocates_a_small_part_of_it():
    weights = tuple(range(1, 21))
    s = Settings(true_weights=weights, samples=400_000, steps=1000, optimizer="sgd", batch_size=32)
    experiment(Settings(steps=1))
    tracemalloc.start()
    try:
        experiment(s)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 400_000 * 21 * 8 / 3, f"{peak / 2**20:.1f} MB"  # 32,000 rows drawn of 400,000
