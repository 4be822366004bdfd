"""gd.problem against the data themselves: the loss and gradient computed directly from (X, y),
exact rational arithmetic near the optimum, numpy's eigvalsh and matrix_rank, and the stability
limits derived from each optimizer's iteration matrix."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from gd.data import make_regression
from gd.problem import Problem

EPS = np.finfo(float).eps


def design(X):
    return np.column_stack([X, np.ones(len(X))])


def direct_loss(X, y, theta):
    """mean((X w + b - y)^2) straight from the data, for one theta (p,)."""
    r = X @ theta[:-1] + theta[-1] - y
    return float(np.mean(r * r))


def dataset(kind: str, seed: int = 0):
    rng = np.random.default_rng(seed)
    if kind == "full":
        X = rng.standard_normal((80, 4)) * [1.0, 3.0, 0.5, 2.0] + [0.0, 1.0, -2.0, 5.0]
    elif kind == "duplicate":
        X = rng.standard_normal((80, 3))
        X = np.column_stack([X, X[:, 1]])
    elif kind == "constant":
        X = np.column_stack([rng.standard_normal((80, 3)), np.full(80, -1.5)])
    elif kind == "wide":  # n < d + 1
        X = rng.standard_normal((3, 4))
    else:
        raise ValueError(kind)
    y = X @ rng.standard_normal(X.shape[1]) - 0.7 + 0.4 * rng.standard_normal(len(X))
    return X, y


KINDS = ["full", "duplicate", "constant", "wide"]


@pytest.mark.parametrize("kind", KINDS)
def test_loss_equals_the_mean_squared_error(kind):
    X, y = dataset(kind)
    pb = Problem.from_data(X, y)
    thetas = np.random.default_rng(1).normal(0, 3, (5, 4, X.shape[1] + 1))
    losses = pb.loss(thetas)
    assert losses.shape == (5, 4)
    for idx in np.ndindex(5, 4):
        # both sides are sums of a few dozen rounded terms of one sign: 1e-12 is ~100x round-off
        assert losses[idx] == pytest.approx(direct_loss(X, y, thetas[idx]), rel=1e-12)
    assert pb.loss(np.zeros(X.shape[1] + 1)) == pytest.approx(np.mean(y**2), rel=1e-13)
    least = direct_loss(X, y, np.linalg.lstsq(design(X), y, rcond=None)[0])
    assert pb.loss_star == pytest.approx(least, rel=1e-10, abs=1e-13 * np.mean(y**2))
    np.testing.assert_allclose(
        pb.excess_loss(thetas[0]), [direct_loss(X, y, t) - least for t in thetas[0]], rtol=1e-10
    )


@pytest.mark.parametrize("noise", [0.0, 0.3])
def test_loss_stays_accurate_near_the_optimum_where_the_expansion_cancels(noise):
    """Against exact rational arithmetic on the same float data.

    Within |theta - theta*| <= 1e-5, Problem.loss (L* + e'Ge) errs by round-off in L* (~eps L*) and
    by 2 e'G delta, delta the computed theta*'s own round-off (~eps |theta*|): measured <= 3e-19 L(0),
    bounded here by 1e-18 L(0). The expansion y'y/n - 2c'theta + theta'G theta subtracts numbers of
    size L(0) to get L ~ 0: its error is ~eps L(0) ~ 1e-16 L(0), and meaningless where L ~ 1e-20.
    """
    data = make_regression((2.0, 4.0, 5.0, 9.0, 11.0), 2.0, 40, noise, 5)
    X, y = data.X, data.y
    A = design(X)
    rows = [[Fraction(v) for v in row] for row in A.tolist()]
    targets = [Fraction(v) for v in y.tolist()]

    def exact(theta):
        t = [Fraction(v) for v in theta.tolist()]
        return sum(
            (sum(a * b for a, b in zip(row, t, strict=True)) - yi) ** 2
            for row, yi in zip(rows, targets, strict=True)
        ) / len(targets)

    pb = Problem.from_data(X, y)
    G, c, yy = A.T @ A / len(y), A.T @ y / len(y), y @ y / len(y)
    loss0 = float(exact(np.zeros(6)))
    rng = np.random.default_rng(2)
    ours, naive = [], []
    for scale in (1e-5, 1e-8, 1e-11, 0.0):
        for _ in range(4):
            theta = pb.theta_star + scale * rng.standard_normal(6)
            truth = exact(theta)
            ours.append(abs(float(Fraction(float(pb.loss(theta))) - truth)))
            expansion = yy - 2 * c @ theta + theta @ G @ theta
            naive.append(abs(float(Fraction(float(expansion)) - truth)))
    assert max(ours) <= 1e-18 * loss0
    assert max(naive) > 1e-17 * loss0 and max(naive) > 100 * max(ours)  # the test can tell them apart


@pytest.mark.parametrize("kind", KINDS)
def test_gradient_equals_central_differences_of_the_direct_loss(kind):
    X, y = dataset(kind)
    pb = Problem.from_data(X, y)
    p = X.shape[1] + 1
    rng = np.random.default_rng(3)
    thetas = rng.normal(0, 2, (3, p))
    grads = pb.gradient(thetas)
    assert grads.shape == (3, p)
    h = 1e-4
    for theta, grad in zip(thetas, grads, strict=True):
        np.testing.assert_allclose(pb.gradient(theta), grad, rtol=1e-14)  # one row or many
        fd = np.array(
            [
                (direct_loss(X, y, theta + h * e) - direct_loss(X, y, theta - h * e)) / (2 * h)
                for e in np.eye(p)
            ]
        )
        # L is quadratic, so the central difference has no truncation error: only the round-off of
        # two losses (relative ~ a few eps each, 50 eps with margin) divided by 2h
        atol = 50 * EPS * direct_loss(X, y, theta) / h
        np.testing.assert_allclose(grad, fd, rtol=0, atol=atol)
        assert np.abs(grad).max() > 1e3 * atol  # the tolerance is far below the gradient


@pytest.mark.parametrize("kind", ["full", "duplicate"])
def test_loss_grid_equals_the_direct_loss_at_each_grid_point(kind):
    X, y = dataset(kind)
    pb = Problem.from_data(X, y)
    lstsq = np.linalg.lstsq(design(X), y, rcond=None)[0]
    theta = np.random.default_rng(4).normal(0, 1, X.shape[1] + 1)
    xs, ys = np.linspace(-3, 3, 7), np.linspace(-1, 2, 5)  # different lengths: orientation matters
    for i, j, base in [(0, 1, theta), (4, 2, theta), (1, 4, None)]:
        grid = pb.loss_grid(i, j, xs, ys, base)
        assert grid.shape == (len(ys), len(xs))  # rows along ys, as Plotly's surfaces want
        held = lstsq if base is None else base
        for r, yv in enumerate(ys):
            for k, xv in enumerate(xs):
                point = held.copy()
                point[i], point[j] = xv, yv
                # noisy data keep every loss >= L* > 0, so a relative tolerance is meaningful
                assert grid[r, k] == pytest.approx(direct_loss(X, y, point), rel=1e-10)
    with pytest.raises(ValueError, match="two different"):
        pb.loss_grid(2, 2, xs, ys)


@pytest.mark.parametrize("kind", KINDS)
def test_spectrum_rank_and_condition_number(kind):
    X, y = dataset(kind)
    A = design(X)
    n, p = A.shape
    pb = Problem.from_data(X, y)
    reference = np.linalg.eigvalsh(A.T @ A / n)
    # eigvalsh's error is ~eps |G| per eigenvalue: 1e-12 lambda_max is a thousand times that
    np.testing.assert_allclose(pb.eigenvalues, reference, rtol=0, atol=1e-12 * reference[-1])
    assert np.all(np.diff(pb.eigenvalues) >= 0)
    rank = np.linalg.matrix_rank(A)
    assert pb.rank == rank == {"full": p, "duplicate": p - 1, "constant": p - 1, "wide": n}[kind]
    assert pb.rank_deficient == (kind != "full") and pb.n == n and pb.p == p
    nonzero = reference[reference > 1e-10 * reference[-1]]
    assert len(nonzero) == rank
    assert pb.lambda_max == pytest.approx(reference[-1], rel=1e-12)
    assert pb.lambda_min == pytest.approx(nonzero[0], rel=1e-10)
    assert pb.condition_number == pytest.approx(nonzero[-1] / nonzero[0], rel=1e-10)
    np.testing.assert_allclose(pb.G, A.T @ A / n, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(pb.c, A.T @ y / n, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(pb.theta_star, np.linalg.lstsq(A, y, rcond=None)[0], rtol=1e-10)


def test_condition_number_of_nearly_collinear_columns():
    rng = np.random.default_rng(6)
    x = rng.standard_normal(500)
    X = np.column_stack([x, x + 1e-5 * rng.standard_normal(500)])
    s = np.linalg.svd(design(X), compute_uv=False)
    pb = Problem.from_data(X, X @ [1.0, 1.0])
    # G's condition number is A's squared, ~4e10 here. eigvalsh(G) knows lambda_min only to
    # ~eps lambda_max (2e-5 relative here); from A's singular values it is good to ~eps.
    assert pb.condition_number > 1e10
    assert pb.condition_number == pytest.approx((s[0] / s[-1]) ** 2, rel=1e-9)
    assert pb.lambda_min == pytest.approx(s[-1] ** 2 / 500, rel=1e-9)


def momentum_matrix(eta, lam, mu, nesterov):
    """One step of (error e, buffer b) along an eigenvector with eigenvalue lam (gradient 2 lam e).

    Heavy ball: b' = mu b + 2 lam e;  e' = e - eta b'.
    Nesterov:   b' = mu b + 2 lam e;  e' = e - eta (2 lam e + mu b').
    """
    if nesterov:
        return np.array([[1 - 2 * eta * lam * (1 + mu), -eta * mu * mu], [2 * lam, mu]])
    return np.array([[1 - 2 * eta * lam, -eta * mu], [2 * lam, mu]])


def spectral_radius(M):
    return np.max(np.abs(np.linalg.eigvals(M)))


@pytest.mark.parametrize("kind", ["full", "duplicate"])
def test_stability_limits_are_where_the_iteration_stops_contracting(kind):
    X, y = dataset(kind)
    pb = Problem.from_data(X, y)
    lams = np.linalg.eigvalsh(design(X).T @ design(X) / len(X))
    lam_max = lams[-1]
    lams = lams[lams > 1e-10 * lam_max]  # a zero eigenvalue neither grows nor shrinks
    assert pb.stability_limit("gd") == pytest.approx(1 / lam_max, rel=1e-12)
    assert pb.stability_limit("sgd") == pb.stability_limit("gd")
    for name in ("adagrad", "rmsprop", "adam"):
        assert pb.stability_limit(name, momentum=0.9) is None
    for eta in (pb.stability_limit("gd") * (1 - 1e-6),):  # plain GD: factor |1 - 2 eta lambda|
        assert np.max(np.abs(1 - 2 * eta * lams)) < 1
    assert abs(1 - 2 * pb.stability_limit("gd") * (1 + 1e-6) * lam_max) > 1
    for name, nesterov in (("momentum", False), ("nesterov", True)):
        for mu in (0.0, 0.5, 0.9, 0.99):
            if nesterov and mu == 0:
                continue
            limit = pb.stability_limit(name, momentum=mu)
            below = [spectral_radius(momentum_matrix(limit * (1 - 1e-6), lam, mu, nesterov)) for lam in lams]
            above = spectral_radius(momentum_matrix(limit * (1 + 1e-6), lam_max, mu, nesterov))
            assert max(below) < 1 < above, (name, mu)


def test_gd_rate_is_the_observed_contraction_of_the_excess_loss():
    rng = np.random.default_rng(7)
    X = rng.standard_normal((200, 3)) * [0.2, 1.0, 3.0]
    X = np.column_stack([X, X[:, 1]])  # a zero eigenvalue: excluded, else the rate would be 1
    y = X @ [1.0, 2.0, -1.0, 0.5] + 0.3 + 0.2 * rng.standard_normal(200)
    A = design(X)
    pb = Problem.from_data(X, y)
    lams = np.linalg.eigvalsh(A.T @ A / len(y))
    nonzero = lams[lams > 1e-10 * lams[-1]]
    eta = 0.5 / lams[-1]
    assert pb.gd_rate(eta) == pytest.approx((1 - 2 * eta * nonzero[0]) ** 2, rel=1e-10)
    assert pb.gd_rate(1.5 / lams[-1]) == pytest.approx((1 - 3.0) ** 2, rel=1e-10)  # >= 1: diverges
    least = direct_loss(X, y, np.linalg.lstsq(A, y, rcond=None)[0])
    theta, excess = np.zeros(A.shape[1]), []
    for _ in range(300):  # a plain GD loop on the data; late on, the slowest direction dominates
        theta = theta - eta * 2 * A.T @ (A @ theta - y) / len(y)
        excess.append(direct_loss(X, y, theta) - least)
    # lambda_min is far below the rest, whose share has shrunk by >1e10 after 300 steps, while the
    # excess itself stays far above round-off: 1e-6 of slack
    assert excess[-1] > 1e-8 * excess[0]
    assert excess[-1] / excess[-2] == pytest.approx(pb.gd_rate(eta), rel=1e-6)


# ---- the chunked pass against numpy's lstsq on the whole data ---------------------------------------


def conditioned(n: int, cond: float, seed: int = 0):
    """X (n, 4) whose design [X, 1] has condition number ~cond, and a noisy target."""
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((n, 5)))
    V, _ = np.linalg.qr(rng.standard_normal((5, 5)))
    A = Q @ np.diag(np.geomspace(1.0, 1.0 / cond, 5)) @ V.T * np.sqrt(n)
    X = A[:, :4] + 3.0  # a mean, so the bias column is not orthogonal to the rest
    return X, X @ [1.0, -2.0, 3.0, 0.5] + 2.0 + 1e-3 * rng.standard_normal(n)


CHUNKED = {
    "well-conditioned": lambda: conditioned(5000, 10.0),
    "cond 1e6": lambda: conditioned(5000, 1e6),
    "rank-deficient": lambda: dataset("duplicate"),
    "constant column": lambda: dataset("constant"),
    "wide": lambda: dataset("wide"),
}


@pytest.mark.parametrize("kind", CHUNKED)
@pytest.mark.parametrize("rows", [1, 7, 300, 100_000])
def test_the_chunked_pass_equals_lstsq_on_the_whole_data(kind, rows):
    X, y = CHUNKED[kind]()
    A = design(X)
    n = len(y)
    theta, _, rank, s = np.linalg.lstsq(A, y, rcond=None)
    pb = Problem.from_data(X, y, rows=rows)
    assert pb.rank == rank and pb.n == n
    cond = s[0] / s[rank - 1]
    # both solutions are within ~cond * eps of the exact one (relative): 10x that between them
    atol = 10 * cond * EPS * np.abs(theta).max() + 1e-15
    np.testing.assert_allclose(pb.theta_star, theta, rtol=0, atol=atol)
    residual = A @ theta - y
    assert pb.loss_star == pytest.approx(residual @ residual / n, rel=1e-9, abs=1e-14 * np.mean(y**2))
    np.testing.assert_allclose(pb.G, A.T @ A / n, rtol=1e-13, atol=1e-15 * np.abs(A).max() ** 2)
    np.testing.assert_allclose(pb.c, A.T @ y / n, rtol=1e-13, atol=1e-15 * np.abs(A).max() * np.abs(y).max())
    reference = np.zeros(A.shape[1])
    reference[A.shape[1] - rank :] = np.sort(s[:rank] ** 2 / n)
    np.testing.assert_allclose(pb.eigenvalues, reference, rtol=0, atol=1e-12 * reference[-1])


def test_the_rank_deficient_solution_is_the_minimum_norm_one():
    X, y = dataset("duplicate")  # column 4 repeats column 2: theta_2 + theta_4 is all the data fix
    pb = Problem.from_data(X, y, rows=16)
    assert pb.rank == 4
    assert pb.theta_star[1] == pytest.approx(pb.theta_star[3], rel=1e-12)  # the split of least norm


def test_the_least_loss_has_no_cancellation_when_the_fit_is_nearly_exact():
    X, y = conditioned(2000, 1e3, seed=4)
    y = X @ [1.0, -2.0, 3.0, 0.5] + 2.0 + 1e-9 * np.random.default_rng(5).standard_normal(2000)
    pb = Problem.from_data(X, y, rows=100)
    A = design(X)
    r = A @ np.linalg.lstsq(A, y, rcond=None)[0] - y
    assert pb.loss_star == pytest.approx(r @ r / len(y), rel=1e-6)  # ~1e-18 against y'y/n ~ 30
    assert pb.loss_star > 0


def test_data_of_one_block_are_solved_exactly_as_lstsq_solves_them():
    # the article's 5,000 samples fit in one block: its printed run stays the same, digit for digit
    data = make_regression((2.0, 4.0, 5.0, 9.0, 11.0), 2.0, 5000, 0.0, 0)
    A = design(data.X)
    theta, _, _, _ = np.linalg.lstsq(A, data.y, rcond=None)
    pb = Problem.from_data(data.X, data.y)
    np.testing.assert_array_equal(pb.theta_star, theta)
    np.testing.assert_array_equal(pb.G, A.T @ A / 5000)
    np.testing.assert_array_equal(pb.c, A.T @ data.y / 5000)


def test_eigenvectors_are_computed_on_first_read_and_match_the_eigenvalues():
    X = np.random.default_rng(3).standard_normal((50, 3))
    pb = Problem.from_data(X, X @ [1.0, 2.0, 3.0])
    assert "eigenvectors" not in vars(pb)  # no eigh per experiment unless a view asks
    V = pb.eigenvectors
    np.testing.assert_allclose(V.T @ V, np.eye(4), atol=1e-12)
    np.testing.assert_allclose(pb.G @ V, V * pb.eigenvalues, atol=1e-12)
    assert pb.eigenvectors is V


# ---- ridge (L2): G + lambda diag(1, ..., 1, 0), the bias not penalised -----------------------------


def ridge_closed_form(X, y, lam):
    """(A^T A / n + lam D)^-1 A^T y / n, D = diag(1, ..., 1, 0)."""
    A, n = design(X), len(y)
    D = np.diag(np.append(np.ones(X.shape[1]), 0.0))
    return np.linalg.solve(A.T @ A / n + lam * D, A.T @ y / n)


def ridge_augmented(X, y, lam):
    """An independent route: least squares on [A; sqrt(n lam) D] against [y; 0] (scikit-learn's
    Ridge(alpha = n lam) with an intercept minimises the same sum)."""
    A, n, d = design(X), len(y), X.shape[1]
    D = np.diag(np.append(np.ones(d), 0.0))
    return np.linalg.lstsq(np.vstack([A, math.sqrt(n * lam) * D]), np.append(y, np.zeros(d + 1)), rcond=None)[
        0
    ]


def ridge_loss(X, y, theta, lam):
    return direct_loss(X, y, theta) + lam * float(theta[:-1] @ theta[:-1])


@pytest.mark.parametrize("kind", ["full", "duplicate", "constant", "wide"])
@pytest.mark.parametrize("lam", [1e-3, 0.1, 10.0])
def test_ridge_optimum_loss_and_spectrum_follow_lambda(kind, lam):
    X, y = dataset(kind)
    pb = Problem.from_data(X, y).regularised(lam)
    want = ridge_augmented(X, y, lam)
    np.testing.assert_allclose(pb.theta_star, want, rtol=1e-9, atol=1e-12 * np.abs(want).max())
    if kind != "wide":
        closed = ridge_closed_form(X, y, lam)
        np.testing.assert_allclose(pb.theta_star, closed, rtol=1e-9, atol=1e-12 * np.abs(closed).max())
    assert pb.loss_star == pytest.approx(ridge_loss(X, y, want, lam), rel=1e-10)
    rng = np.random.default_rng(7)
    for theta in rng.standard_normal((5, X.shape[1] + 1)) * 3:
        assert pb.loss(theta) == pytest.approx(ridge_loss(X, y, theta, lam), rel=1e-10)
        assert pb.mse(theta) == pytest.approx(direct_loss(X, y, theta), rel=1e-10)
        A = design(X)
        g = 2 * A.T @ (A @ theta - y) / len(y) + 2 * lam * np.append(theta[:-1], 0.0)
        np.testing.assert_allclose(pb.gradient(theta), g, rtol=1e-9, atol=1e-12 * np.abs(g).max())
    A, n = design(X), len(y)
    H = A.T @ A / n + lam * np.diag(np.append(np.ones(X.shape[1]), 0.0))
    np.testing.assert_allclose(pb.eigenvalues, np.linalg.eigvalsh(H), rtol=1e-9, atol=1e-12 * pb.lambda_max)
    assert not pb.rank_deficient  # the penalty makes every weight direction curve, the bias has the ones
    assert pb.stability_limit("gd") == pytest.approx(1 / np.linalg.eigvalsh(H)[-1], rel=1e-12)
    assert pb.condition_number == pytest.approx(np.linalg.cond(H), rel=1e-6)


def test_ridge_does_not_penalise_the_bias_and_zero_is_plain_least_squares():
    X, y = dataset("full")
    plain = Problem.from_data(X, y)
    assert plain.regularised(0.0) is plain
    big = plain.regularised(1e6)
    np.testing.assert_allclose(big.theta_star[:-1], 0.0, atol=1e-4)
    assert big.theta_star[-1] == pytest.approx(np.mean(y) - X.mean(axis=0) @ big.theta_star[:-1], rel=1e-6)


def test_eigen_errors_are_the_error_along_each_eigenvector():
    X, y = dataset("full")
    pb = Problem.from_data(X, y)
    theta = np.array([1.0, -2.0, 0.5, 3.0, 7.0])
    _, V = np.linalg.eigh(design(X).T @ design(X) / len(y))
    got = pb.eigen_errors(theta[None, :])[0]
    np.testing.assert_allclose(got, np.abs(V.T @ (theta - pb.theta_star)), rtol=1e-9)
    assert np.linalg.norm(got) == pytest.approx(np.linalg.norm(theta - pb.theta_star), rel=1e-12)


def test_solve_is_lstsqs_minimum_norm_solution():
    for kind in ("full", "duplicate", "constant", "wide"):
        X, y = dataset(kind)
        pb = Problem.from_data(X, y)
        b = np.random.default_rng(1).standard_normal(pb.p)
        b = pb.G @ b  # in G's range, as every gradient is
        want = np.linalg.lstsq(pb.G, b, rcond=1e-12)[0]
        np.testing.assert_allclose(pb.solve(b), want, rtol=1e-7, atol=1e-9 * np.abs(want).max())
