"""gd.ordered: every sum in order from +0 and the written-out power and cosine, each against a
plain Python reference (Python floats: IEEE double, one rounding an operation, no fused ones),
bit for bit; the power and cosine also against the C library's, within their error bounds. These are the
bits static/engine.js repeats (tests/test_engine_js.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gd import ordered
from gd.problem import Problem
from gd.run import full_batch


def plain_products(v, M):
    out = []
    for n in range(M.shape[1]):
        total = 0.0
        for m in range(M.shape[0]):
            total += float(v[m]) * float(M[m, n])
        out.append(total)
    return np.array(out)


def bits(x):
    return np.asarray(x, dtype=float).view(np.int64)


def hostile(rng, shape):
    """Values whose sums depend on their order: signs mixed, magnitudes over 30 decades, zeros
    of both signs."""
    x = rng.normal(size=shape) * 10.0 ** rng.integers(-15, 15, size=shape)
    x[rng.random(shape) < 0.1] = 0.0
    x[rng.random(shape) < 0.1] = -0.0
    return x


@pytest.mark.parametrize("count", [1, 2, 3, 256, 257])
@pytest.mark.parametrize("p", [1, 2, 3, 7, 8, 9, 16, 17, 21])
def test_products_sum_in_order_for_one_vector_and_for_rows(p, count):
    rng = np.random.default_rng([p, count])
    M, rows = hostile(rng, (p, p)), hostile(rng, (count, p))
    want = np.array([plain_products(row, M) for row in rows])
    np.testing.assert_array_equal(bits(ordered.products(rows, M)), bits(want))
    np.testing.assert_array_equal(bits(ordered.vector_products(rows, M)), bits(want))
    for row, expected in zip(rows, want, strict=True):
        np.testing.assert_array_equal(bits(ordered.vector_products(row, M)), bits(expected))
        assert bits(ordered.dot(row, M[0])) == bits(plain_products(row, M[:1].T)[0])
    np.testing.assert_array_equal(
        bits(ordered.row_dots(rows, rows)), bits([plain_products(r, r[:, None])[0] for r in rows])
    )
    np.testing.assert_array_equal(
        bits(ordered.quadratic(rows, M)),
        bits([float(r @ r) * 0 + ordered.dot(r, plain_products(r, M)) for r in rows]),
    )


def test_the_steps_gradient_and_the_loss_sum_in_order():
    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(40, 11)) * 10.0 ** rng.uniform(-3, 3, 11), rng.normal(size=40)
    pb = Problem.from_data(X, y)
    for theta in hostile(rng, (20, pb.p)):
        want = plain_products(theta, 2.0 * pb.G) - 2.0 * pb.c
        np.testing.assert_array_equal(bits(full_batch(pb)(theta)), bits(want))
        e = theta - pb.theta_star
        excess = ordered.dot(e, plain_products(e, pb.G))
        assert bits(pb.loss(theta)) == bits(pb.loss_star + max(excess, 0.0))


def test_the_solve_is_the_pseudo_inverse_in_order():
    rng = np.random.default_rng(6)
    X = rng.normal(size=(4, 7))  # fewer rows than parameters: rank-deficient
    pb = Problem.from_data(X, rng.normal(size=4))
    P = pb.pseudo_inverse
    np.testing.assert_array_equal(P, P.T)
    np.testing.assert_allclose(
        P, np.linalg.pinv(pb.G, rcond=1e-10, hermitian=True), atol=1e-10 * np.abs(P).max()
    )
    b = rng.normal(size=pb.p)
    np.testing.assert_array_equal(bits(pb.solve(b)), bits(plain_products(b, P)))


def test_power_squares_from_the_lowest_bit_within_k_half_ulps():
    rng = np.random.default_rng(7)
    for x in rng.uniform(0, 1, 50):
        for k in (0, 1, 2, 3, 5, 8, 100, 1023, 20_000):
            result, base, j = 1.0, float(x), k
            while j:  # the reference: square-and-multiply, written plainly
                result = result * base if j % 2 else result
                base, j = base * base, j // 2
            assert ordered.power(x, k) == result
            # each squaring doubles the relative error it is handed: k half-ulps at most
            assert ordered.power(x, k) == pytest.approx(math.pow(x, k), rel=(k + 2) * 1.12e-16, abs=1e-300)


def test_cos_is_within_two_ulps_of_one_of_the_c_librarys_on_zero_to_pi():
    xs = [math.pi * t / steps for steps in range(1, 400) for t in range(steps)] + [0.0, math.pi / 2, math.pi]
    ours = np.array([ordered.cos(x) for x in xs])
    np.testing.assert_allclose(ours, np.cos(xs), rtol=0, atol=4.5e-16)  # the series' terms reach 1.1
    assert ordered.cos(0.0) == 1.0 and ordered.cos(math.pi) == -1.0
