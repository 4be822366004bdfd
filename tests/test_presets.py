"""gd.presets: each preset, applied over the share-link defaults and run, shows what its `watch` line
promises, checked in numbers.

References are independent of gd.problem: the least-squares solution from numpy's lstsq on the
data itself, the loss as a direct mean of squares, the stability limit from numpy's eigvalsh.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from gd import share
from gd.data import make_regression
from gd.figures.charts import fit_figure
from gd.inputs import FIELD_NAMES, RANGES, Settings, parse_weights
from gd.presets import PRESETS
from gd.run import experiment, variants


def preset_values(name: str) -> dict:
    return {**share.DEFAULTS, **PRESETS[name].values}


def preset_settings(name: str) -> Settings:
    values = preset_values(name)
    fields = {k: values[k] for k in FIELD_NAMES}
    fields["true_weights"] = parse_weights(fields["true_weights"])
    return Settings(**fields).validated()


def preset_compare(name: str) -> list[Settings]:
    values = preset_values(name)
    rates = share.parse_list(values["compare_rates"], RANGES["learning_rate"].parse, "rates")
    batches = share.parse_list(values["compare_batches"], RANGES["batch_size"].parse, "batches")
    return variants(preset_settings(name), values["compare"], rates, batches)


_cache: dict = {}


def run_preset(name: str):
    if name not in _cache:
        _cache[name] = experiment(preset_settings(name), compare=tuple(preset_compare(name)))
    return _cache[name]


def reference(settings: Settings):
    """The data, numpy's least-squares theta*, the direct loss function and 1/lambda_max(A^T A/n)."""
    s = settings
    data = make_regression(
        s.true_weights, s.bias, s.samples, s.noise, s.seed, s.feature_scale, s.feature_mean, s.outlier
    )
    X, y = data.X, data.y
    if s.standardize:
        X = (X - X.mean(axis=0)) / X.std(axis=0)
    A = np.column_stack([X, np.ones(len(y))])
    theta_star = np.linalg.lstsq(A, y, rcond=None)[0]

    def loss(theta):
        r = A @ np.asarray(theta).T - y[:, None] if np.ndim(theta) > 1 else A @ theta - y
        return np.mean(r**2, axis=0)

    eig = np.linalg.eigvalsh(A.T @ A / len(y))
    return X, y, theta_star, loss, 1.0 / eig[-1], eig[-1] / eig[0]


def sign_changes(errors: np.ndarray) -> np.ndarray:
    """Per parameter, how often theta_k - theta* changes sign along the path."""
    signs = np.sign(errors)
    return np.sum(signs[1:] * signs[:-1] < 0, axis=0)


def as_text(value) -> str:
    """A value as a URL writes it: lists comma-separated, flags true/false, floats exact."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(value)
    return repr(value) if isinstance(value, float) else str(value)


# ---- every preset is a valid share link -------------------------------------------------------------


def test_the_issue_asks_for_these_presets_and_the_article_is_the_default():
    assert set(PRESETS) >= {
        "article",
        "too_small",
        "oscillation",
        "divergence",
        "unscaled",
        "sgd_noise",
        "outlier",
    }
    assert next(iter(PRESETS)) == "article" and PRESETS["article"].values == {}
    labels = [p.label for p in PRESETS.values()]
    assert len(set(labels)) == len(labels)
    for p in PRESETS.values():
        assert p.watch and "\n" not in p.watch and len(p.watch) < 400  # one line


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_value_is_a_valid_shared_value(name):
    values = PRESETS[name].values
    for key, value in values.items():
        assert key in share.SHARED and key != "iteration", key
        assert share.parse_value(key, as_text(value)) == value, key
    parsed, warnings = share.from_query(share.to_query(values))
    assert warnings == []
    assert {**share.DEFAULTS, **parsed} == {**share.DEFAULTS, **values}  # a link reproduces it
    ex = run_preset(name)  # valid as a whole too, comparisons included
    names = set(ex.names)
    for key in ("surface_x", "surface_y"):
        assert values.get(key) in names | {None}


# ---- what each watch line promises ----------------------------------------------------------------


def test_article_creeps_to_the_truth_without_overshooting():
    s = preset_settings("article")
    assert "η = 0.01" in PRESETS["article"].watch and s.learning_rate == 0.01
    _, _, theta_star, _, _, _ = reference(s)
    P = run_preset("article").trajectory.params
    truth = np.append(s.true_weights, s.bias)
    np.testing.assert_allclose(theta_star, truth, atol=1e-9)  # noiseless: lstsq is the truth
    np.testing.assert_allclose(P[-1], truth, rtol=1e-6)
    # creeps: along every eigenvector of the Hessian the error keeps its sign (no overshoot)
    X = reference(s)[0]
    A = np.column_stack([X, np.ones(len(X))])
    vectors = np.linalg.eigh(A.T @ A / len(X))[1]
    assert not sign_changes((P - theta_star) @ vectors).any()


def test_too_small_a_rate_ends_far_from_least_squares():
    s = preset_settings("too_small")
    watch = PRESETS["too_small"].watch
    assert "η = 0.0005" in watch and s.learning_rate == 0.0005
    assert "1,000 steps" in watch and s.steps == 1000
    _, _, theta_star, loss, limit, _ = reference(s)
    assert s.learning_rate < 0.01 * limit  # safe
    ex = run_preset("too_small")
    end = ex.trajectory.params[-1]
    assert ex.trajectory.diverged_at is None and ex.trajectory.steps == 1000
    assert np.linalg.norm(end - theta_star) > 0.1 * np.linalg.norm(theta_star)
    # the article's run is drawn beside it: the one compared run is the article's, step for step
    (other,) = ex.others
    np.testing.assert_array_equal(other.trajectory.params, run_preset("article").trajectory.params)
    assert "η = 0.01" in watch and other.label == "gd (η=0.01)"
    assert round(float(loss(end))) == 34 and "still 34" in watch
    assert loss(other.trajectory.params[-1]) - loss(theta_star) < 1e-14 and "10⁻¹⁴" in watch
    assert np.all(np.diff(loss(ex.trajectory.params)) < 0)  # slow, but never worse


def test_oscillation_overshoots_yet_converges():
    s = preset_settings("oscillation")
    _, _, theta_star, loss, limit, _ = reference(s)
    assert round(100 * s.learning_rate / limit) == 93 and "93%" in PRESETS["oscillation"].watch
    P = run_preset("oscillation").trajectory.params
    changes = sign_changes(P - theta_star)
    assert changes.max() >= 10  # a zig-zag, not one crossing
    assert np.linalg.norm(P[-1] - theta_star) < 1e-4 * np.linalg.norm(P[0] - theta_star)
    assert loss(P[-1]) < 1e-8 * loss(P[0])


def test_divergence_is_past_the_limit_and_reported():
    s = preset_settings("divergence")
    watch = PRESETS["divergence"].watch
    _, _, theta_star, loss, limit, _ = reference(s)
    ex = run_preset("divergence")
    assert limit < s.learning_rate < 1.2 * limit  # "just past"
    assert f"{100 * s.learning_rate / limit:.0f}%" == "109%" and "109%" in watch
    assert f"{limit:.3g}" == "0.964" and "limit 0.964" in watch and "η = 1.05" in watch
    assert ex.limit == pytest.approx(limit, rel=1e-9)
    tr = ex.trajectory
    assert tr.diverged_at is not None and tr.diverged_at < s.steps
    assert loss(tr.params[-1]) > 1e9 * loss(tr.params[0])  # the loss explodes
    d = np.linalg.norm(tr.params - theta_star, axis=1)
    assert np.all(np.diff(d[5:]) > 0)  # each step overshoots by more than it corrects
    # the reference beside it: just under the limit, it converges
    (under,) = ex.others
    rate = under.settings.learning_rate
    assert f"η = {rate:g}" in watch and f"{100 * rate / limit:.1f}%" == "98.5%" and "98.5%" in watch
    assert under.trajectory.diverged_at is None
    assert loss(under.trajectory.params[-1]) - loss(theta_star) < 1e-3 * loss(theta_star + 1)
    # it opens before the run ends, where both are on the charts
    assert 0 < PRESETS["divergence"].start < tr.diverged_at


def test_unscaled_features_make_a_narrow_valley_that_standardising_rounds():
    s = preset_settings("unscaled")
    watch = PRESETS["unscaled"].watch
    _, _, theta_star, loss, limit, condition = reference(s)
    assert f"condition number {condition:.0f}" in watch
    ex = run_preset("unscaled")
    assert ex.problem.condition_number == pytest.approx(condition, rel=1e-6)
    scaled = replace(s, standardize=True)
    _, _, scaled_star, scaled_loss, scaled_limit, scaled_condition = reference(scaled)
    assert f"condition number {scaled_condition:.3g}" in watch
    assert f"from {limit:.2g} to {scaled_limit:.2g}" in watch
    # the advice, at its own numbers: standardised at η = 0.5 the loss is below 1e-9 by step 5 ...
    assert "raise η to 0.5" in watch and scaled_limit > 0.5
    fast = experiment(replace(scaled, learning_rate=0.5)).trajectory.params
    assert scaled_loss(fast[5]) - scaled_loss(scaled_star) < 1e-9 and "below 10⁻⁹ by step 5" in watch
    assert f"({loss(ex.trajectory.params[5]):.0f} now)" in watch
    # ... and at the preset's own η = 0.03 standardising alone starts slower ("would start slower")
    slow = experiment(scaled).trajectory.params
    assert scaled_loss(slow[20]) > 100 * loss(ex.trajectory.params[20])
    # the note stays while the user tries what it suggests
    assert set(PRESETS["unscaled"].tries) == {"standardize", "learning_rate"}
    # same steps, same rate: the standardised run's excess loss is far lower by the end
    excess = loss(ex.trajectory.params[-1]) - loss(theta_star)
    scaled_excess = scaled_loss(slow[-1]) - scaled_loss(scaled_star)
    assert excess > 1e-8 and scaled_excess < 1e-6 * excess
    # "zig-zags across it": the error along the steepest direction changes sign step after step
    A = np.column_stack([reference(s)[0], np.ones(s.samples)])
    top = np.linalg.eigh(A.T @ A / s.samples)[1][:, -1]
    along = (ex.trajectory.params - theta_star) @ top
    assert sign_changes(along[:, None])[0] >= 5


def test_sgd_noise_single_samples_wander_more_than_mini_batches_and_gd_reaches_the_floor():
    s = preset_settings("sgd_noise")
    X, y, theta_star, loss, _, _ = reference(s)
    ex = run_preset("sgd_noise")
    runs = {
        (r.settings.optimizer, r.settings.batch_size if r.settings.optimizer == "sgd" else None): r.trajectory
        for r in ex.others
    }
    runs[(s.optimizer, s.batch_size if s.optimizer == "sgd" else None)] = ex.trajectory
    assert set(runs) == {("gd", None), ("sgd", 1), ("sgd", 32)}

    def roughness(P):
        return float(np.sum(np.diff(P, n=2, axis=0) ** 2))

    def wander(P):  # mean distance to theta* over the last quarter of the run
        tail = P[len(P) * 3 // 4 :]
        return float(np.mean(np.linalg.norm(tail - theta_star, axis=1)))

    gd, b1, b32 = runs["gd", None].params, runs["sgd", 1].params, runs["sgd", 32].params
    assert roughness(b1) > 5 * roughness(b32) > 5 * roughness(gd)
    assert wander(b1) > 2 * wander(b32) > 2 * wander(gd)
    # L*: the noise no model can explain, about noise^2; gd's loss flattens there
    floor = loss(theta_star)
    assert floor == pytest.approx(s.noise**2, rel=0.05)
    assert loss(gd[-1]) - floor < 1e-9 * floor
    assert loss(b1[-1]) > loss(b32[-1]) > floor


def test_outlier_pulls_the_fit_and_dominates_the_residuals():
    s = preset_settings("outlier")
    watch = PRESETS["outlier"].watch
    assert s.outlier == 200 and "off by 200" in watch
    assert s.samples - 1 == 49 and "49 points" in watch
    X, y, theta_star, loss, _, _ = reference(s)
    truth = np.append(s.true_weights, s.bias)
    ex = run_preset("outlier")
    end = ex.trajectory.params[-1]
    np.testing.assert_allclose(end, theta_star, atol=1e-6)  # GD reaches least squares
    assert abs(end[-1] - truth[-1]) > 2  # the fitted line sits markedly off the true one
    assert round(abs(end[-1] - truth[-1])) == 4 and "pulled 4 units" in watch
    x0 = np.append(X[0], 1.0)
    assert abs(x0 @ end - y[0]) < abs(x0 @ truth - y[0]) - 2  # pulled toward the outlier
    residual = X @ end[:-1] + end[-1] - y
    assert residual[0] ** 2 > 0.9 * np.sum(residual**2)  # one sample carries the loss
    assert np.abs(residual[0]) > 20 * np.max(np.abs(residual[1:]))
    # the fit chart draws the true line, on an axis where the pull of 4 is a fifth of it or more
    fig = fit_figure(ex, PRESETS["outlier"].start)
    true_line = next(t for t in fig.data if t.name == "true line")
    np.testing.assert_allclose(true_line.y, np.array(true_line.x) * truth[0] + truth[1])
    low, high = fig.layout.yaxis.range
    assert 4 / (high - low) > 0.2 and high < y[0]  # the outlier itself is off the chart ...
    assert "1 point off the chart (up to y = " in fig.layout.annotations[0].text  # ... and says so
    assert f"{y[0]:.4g}" in fig.layout.annotations[0].text


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_opens_inside_its_run_and_its_tries_are_inputs(name):
    preset, ex = PRESETS[name], run_preset(name)
    assert 0 < preset.start <= ex.trajectory.steps
    assert set(preset.tries) <= set(FIELD_NAMES)


def test_article_opens_where_every_parameter_has_moved_but_none_arrived():
    ex, k = run_preset("article"), PRESETS["article"].start
    start, now, truth = ex.trajectory.params[0], ex.trajectory.params[k], ex.true_theta
    progress = (now - start) / (truth - start)
    assert np.all(progress > 0.2) and np.all(progress < 0.999)


def test_oscillation_opens_after_the_zig_zag_shows():
    ex, k = run_preset("oscillation"), PRESETS["oscillation"].start
    P = ex.trajectory.params[: k + 1]
    assert sign_changes(P - ex.problem.theta_star).max() >= 5


def test_methods_steepest_descent_zigzags_cg_goes_straight():
    ex = run_preset("methods")
    assert ex.settings.optimizer == "linesearch"
    gd, cg = ex.others
    assert (gd.settings.optimizer, cg.settings.optimizer) == ("gd", "cg")
    _, _, theta_star, loss, _, _ = reference(ex.settings)
    least = loss(theta_star)
    # cg: at the optimum within p = 6 steps ("at most 6 steps"), from the data's own loss
    assert loss(cg.trajectory.params[6]) - least <= 1e-9 * loss(np.zeros(6))
    # steepest descent zig-zags: each exact step is at right angles to the last; it is still far
    # from the optimum after 50 steps, as is gd
    steps = np.diff(ex.trajectory.params, axis=0)[:20]
    angles = [
        float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))
        for a, b in zip(steps[1:], steps[:-1], strict=True)
    ]
    assert max(abs(c) for c in angles) < 1e-6  # exact line search: each step orthogonal to the last
    for run in (ex.trajectory, gd.trajectory):
        assert loss(run.params[-1]) - least > 1e-6


def test_ridge_rounds_the_valley_and_shrinks_the_optimum():
    s = preset_settings("ridge")
    assert s.l2 == 20.0 and "λ = 20" in PRESETS["ridge"].watch
    data = make_regression(s.true_weights, s.bias, s.samples, s.noise, s.seed, s.feature_scale)
    A = np.column_stack([data.X, np.ones(len(data.y))])
    G = A.T @ A / len(data.y)
    assert G[4, 4] / G[0, 0] == pytest.approx(100, rel=0.01)  # "100 times more curved"
    ridge = G + 20.0 * np.diag([1, 1, 1, 1, 1, 0])
    assert ridge[4, 4] / ridge[0, 0] == pytest.approx(5.7, abs=0.05)  # "5.7 times now"
    theta = np.linalg.solve(ridge, A.T @ data.y / len(data.y))
    assert round(theta[0], 1) == 0.1  # "w1 = 0.1, not 2"
    ex = run_preset("ridge")
    np.testing.assert_allclose(ex.problem.theta_star, theta, rtol=1e-9)
    # issue 20: the condition number the page shows is G + λD's, the matrix whose eigenvalues set
    # the run's factors |1 - 2ηλ_i|; the bias, not penalised, keeps its curvature, so it rises
    plain, penalised = np.linalg.eigvalsh(G), np.linalg.eigh(ridge)
    kappa = penalised[0][-1] / penalised[0][0]
    assert ex.problem.condition_number == pytest.approx(kappa, rel=1e-9)
    watch = PRESETS["ridge"].watch
    assert f"rises from {plain[-1] / plain[0]:.0f} to {kappa:.0f}" in watch
    assert round(ridge[5, 5], 6) == 1 and "keeps its curvature of 1" in watch
    assert abs(penalised[1][5, 0]) > 0.99 and "the bias now the slowest direction" in watch
    assert ex.trajectory.diverged_at is None and ex.settings.learning_rate < ex.limit
