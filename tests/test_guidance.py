"""gd.explain's guidance from the numbers: standardise when the valley is narrow or the stability
limit sits next to the learning rate's bounds, a larger rate for an adaptive optimizer that barely
moved. Every number a tip states is held to numpy on the standardised data itself, and every
piece of advice is run: it does what it says. The data have scikit-learn's wine and diabetes sets'
character (columns of very different scales; small centred columns) without scikit-learn."""

from __future__ import annotations

import io
import re
from dataclasses import replace

import numpy as np
import pytest

from gd import explain
from gd.data import load_csv, make_regression
from gd.inputs import Settings
from gd.run import experiment


def csv_of(X: np.ndarray, y: np.ndarray) -> bytes:
    out = io.StringIO()
    names = [f"f{j}" for j in range(1, X.shape[1] + 1)]
    out.write(",".join([*names, "y"]) + "\n")
    for row, target in zip(X, y, strict=True):
        out.write(",".join(repr(float(v)) for v in (*row, target)) + "\n")
    return out.getvalue().encode()


def wine_like() -> tuple[np.ndarray, np.ndarray]:
    """178 rows; columns like the wine set's: alcohol ~13, a few small ones, magnesium ~100 and
    proline ~750 with a spread of 315."""
    rng = np.random.default_rng(7)
    means = np.array([13.0, 2.3, 0.36, 100.0, 750.0])
    spreads = np.array([0.8, 1.1, 0.12, 14.0, 315.0])
    X = means + spreads * rng.normal(size=(178, 5))
    y = X @ np.array([0.3, -0.2, 1.5, 0.01, 0.002]) + 0.2 * rng.normal(size=178)
    return X, y


def diabetes_like() -> tuple[np.ndarray, np.ndarray]:
    """442 centred rows, each column scaled to norm 1 (std about 0.048), as the diabetes set's."""
    rng = np.random.default_rng(8)
    X = rng.normal(size=(442, 6))
    X -= X.mean(axis=0)
    X /= np.linalg.norm(X, axis=0)
    y = 150 + X @ np.array([300.0, -200.0, 500.0, 100.0, -50.0, 400.0]) + 50 * rng.normal(size=442)
    return X, y


def standardised_reference(X: np.ndarray, y: np.ndarray, optimizer_limit=lambda lam: 1 / lam):
    Z = (X - X.mean(axis=0)) / X.std(axis=0)
    A = np.column_stack([Z, np.ones(len(y))])
    lam = np.linalg.eigvalsh(A.T @ A / len(y))
    return lam[-1] / lam[0], optimizer_limit(lam[-1])


def numbers(text: str) -> list[float]:
    return [float(t) for t in re.findall(r"\d+(?:\.\d+)?(?:e[-+]?\d+)?", text)]


@pytest.mark.parametrize("make", [wine_like, diabetes_like])
def test_the_standardised_condition_number_and_limit_are_those_of_the_standardised_data(make):
    X, y = make()
    ex = experiment(Settings(steps=5), load_csv(csv_of(X, y)))
    condition, limit = explain.standardised(ex)
    ref_condition, ref_limit = standardised_reference(X, y)
    assert condition == pytest.approx(ref_condition, rel=1e-8)
    assert limit == pytest.approx(ref_limit, rel=1e-8)
    on = experiment(Settings(steps=5, standardize=True), load_csv(csv_of(X, y)))
    assert on.problem.condition_number == pytest.approx(condition, rel=1e-8)
    assert explain.standardised(on) is None and explain.standardise_tip(on) is None


def test_wine_like_data_say_standardise_with_the_numbers_and_the_advice_works():
    X, y = wine_like()
    data = load_csv(csv_of(X, y))
    ex = experiment(Settings(steps=1000), data)  # the default rate: it diverges
    assert ex.trajectory.diverged_at is not None
    assert 1e-6 < ex.limit < 1e-5  # next to the smallest rate allowed, as the wine set's 1.5e-6
    tip = explain.standardise_tip(ex)
    condition, limit = explain.standardised(ex)
    assert "next to the smallest (1e-06) learning rate allowed" in tip
    assert (
        f"stability limit {ex.limit:.3g}" in tip
        and f"condition number is {ex.problem.condition_number:.3g}" in tip
    )
    assert f"would be {condition:.3g}" in tip and f"the limit {limit:.3g} instead of {ex.limit:.3g}" in tip
    assert f"about {limit / 2:.2g}" in tip
    assert explain.guidance(ex) == [tip]
    # the advice at its own numbers: standardised at half the new limit, 1,000 steps reach the
    # least-squares loss; unstandardised at half its limit (or the smallest rate) they crawl
    advised = experiment(
        Settings(steps=1000, standardize=True, learning_rate=float(f"{limit / 2:.2g}")), data
    )
    crawl = experiment(Settings(steps=1000, learning_rate=max(ex.limit / 2, 1e-6)), data)
    assert advised.trajectory.diverged_at is None and crawl.trajectory.diverged_at is None
    excess = advised.problem.excess_loss(advised.trajectory.params[-1])
    assert excess < 1e-10 * advised.trajectory.loss[0]
    assert crawl.problem.excess_loss(crawl.trajectory.params[-1]) > 1e6 * excess


def test_diabetes_like_data_crawl_and_the_tip_says_why():
    X, y = diabetes_like()
    data = load_csv(csv_of(X, y))
    ex = experiment(Settings(steps=1000), data)
    assert ex.trajectory.diverged_at is None and ex.problem.condition_number > 100
    (tip,) = explain.guidance(ex)
    assert "condition number is" in tip and "smallest" not in tip
    condition, limit = explain.standardised(ex)
    assert condition < 3
    rate = float(f"{limit / 2:.2g}")
    advised = experiment(Settings(steps=1000, standardize=True, learning_rate=rate), data)
    # what the default run leaves after 1,000 steps, the advised one leaves a billionth of
    left = ex.problem.excess_loss(ex.trajectory.params[-1])
    assert advised.problem.excess_loss(advised.trajectory.params[-1]) < 1e-9 * left


def test_the_articles_data_and_standardised_runs_get_no_standardise_tip():
    assert explain.guidance(experiment(Settings(steps=50))) == []
    assert explain.guidance(experiment(Settings(steps=50, feature_scale=4.0, standardize=True))) == []


@pytest.mark.parametrize("optimizer", ["adagrad", "rmsprop", "adam"])
def test_an_adaptive_optimizer_that_barely_moves_is_told_a_rate_that_helps(optimizer):
    s = Settings(optimizer=optimizer, learning_rate=0.001)
    ex = experiment(s)
    tip = explain.adaptive_tip(ex)
    star, P = ex.problem.theta_star, ex.trajectory.params
    left = np.linalg.norm(star - P[-1]) / np.linalg.norm(star - P[0])
    assert left > 0.5 and f"still {explain.percent(left)} of the way" in tip
    rate = float(re.search(r"try η = ([\d.e-]+)\.", tip).group(1))
    assert rate > s.learning_rate
    better = experiment(replace(s, learning_rate=rate))
    Q = better.trajectory.params
    assert better.trajectory.diverged_at is None
    assert np.linalg.norm(star - Q[-1]) / np.linalg.norm(star - Q[0]) < 0.5 * left
    assert tip in explain.guidance(ex)


def test_adagrad_at_the_default_rate_gets_the_tip_and_a_good_run_does_not():
    ex = experiment(Settings(optimizer="adagrad"))  # η = 0.01, the "barely moves"
    assert explain.adaptive_tip(ex) is not None
    assert explain.adaptive_tip(experiment(Settings(optimizer="adam", learning_rate=0.1))) is None
    assert explain.adaptive_tip(experiment(Settings())) is None  # gd: the stability note speaks


def test_newton_with_a_tiny_damping_is_told_a_larger_damping_not_a_rate():
    ex = experiment(Settings(optimizer="newton", damping=1e-4))
    tip = explain.adaptive_tip(ex)
    # on the quadratic each newton step leaves (1 - h) of the error: (1 - 1e-4)^1000 = 0.9048
    assert 0.9048 < (1 - 1e-4) ** 1000 < 0.9049
    assert "damping h = 0.0001" in tip and "still 90% of the way" in tip
    assert "η" not in tip and "h = 1 lands on them in one step" in tip
    one = experiment(Settings(optimizer="newton", damping=1.0, steps=1))
    assert one.problem.excess_loss(one.trajectory.params[-1]) < 1e-20  # h = 1: one step lands
    assert explain.adaptive_tip(experiment(Settings(optimizer="newton", damping=0.01))) is None  # 4e-5 left


@pytest.mark.parametrize("optimizer", ["linesearch", "cg"])
def test_the_rate_free_optimizers_are_never_told_a_rate(optimizer):
    # unscaled features, 1 step: far from the optimum still, but there is no rate to raise
    ex = experiment(Settings(optimizer=optimizer, feature_scale=100.0, steps=1))
    star, P = ex.problem.theta_star, ex.trajectory.params
    assert np.linalg.norm(star - P[-1]) > 0.5 * np.linalg.norm(star - P[0])  # the old tip's case
    assert explain.adaptive_tip(ex) is None
    assert not any("η =" in tip for tip in explain.guidance(ex))


@pytest.mark.parametrize("optimizer", ["adam", "adagrad", "rmsprop", "linesearch", "cg", "newton"])
def test_a_start_at_the_optimum_gets_no_barely_moves_tip(optimizer):
    ex = experiment(Settings(optimizer=optimizer, start=(2, 4, 5, 9, 11, 2), damping=1e-4))
    # the true parameters of noise-free data: the start's excess loss is round-off of L(0)'s
    d = Settings()
    y = make_regression(d.true_weights, d.bias, d.samples, d.noise, d.seed).y
    assert ex.problem.excess_loss(ex.trajectory.params[0]) < 1e-16 * np.mean(y**2)
    assert explain.at_optimum(ex)
    assert explain.adaptive_tip(ex) is None


@pytest.mark.parametrize(
    ("ratio", "text"), [(0.93, "93%"), (0.999, "99%"), (0.052, "5.2%"), (0.00052, "0.052%"), (0.1, "10%")]
)
def test_percentages_never_read_zero_or_a_hundred(ratio, text):
    assert explain.percent(ratio) == text


def test_the_too_small_rate_reads_a_true_percentage():
    ex = experiment(Settings(learning_rate=0.0005, steps=3))
    note = explain.stability_note(ex)
    assert f"now 0.0005: {100 * 0.0005 / ex.limit:.2g}% of it" in note and " 0% " not in note
    assert round_up_cases()


def round_up_cases() -> bool:
    return [explain.round_up(x) for x in (0.123, 0.1, 7.2, 0.00095)] == [0.2, 0.1, 8.0, 0.001]
