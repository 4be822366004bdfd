"""Sums in one defined order, so that the browser reproduces the engine's numbers to the bit.

A BLAS product (`@`, `einsum`, `dot`) sums in an order of its own, which varies with the size,
the CPU and the library, and may fuse a multiply and an add into one rounding: JavaScript cannot
repeat it. Every sum a full-batch run depends on (its gradient, its loss L* + e^T G e,
linesearch's g^T g and g^T G g, cg's r^T r and p^T G p, newton's solve) is therefore taken here
component by component, in order, from +0, one rounding a product and one a sum:

    products(rows, M)[..., n] = (((0 + r_0 M[0, n]) + r_1 M[1, n]) + ...) + r_{p-1} M[p-1, n]
    dot(u, v)                 = (((0 + u_0 v_0) + u_1 v_1) + ...) + u_{p-1} v_{p-1}
    quadratic(e, M)           = dot(e, products(e, M))

`static/engine.js` (and `orderedProducts` in static/payload.js) sums in the same order. The two
transcendental functions a run needs are written out here too, in + - x / only, because the C
library's pow and cos and JavaScript's Math round differently in the last place (in 3 to 9 per
cent of the schedules' factors), and an ulp in a rate grows along an ill-conditioned run to far
more than 1e-12: `power(x, k)` (x^k, k a whole number: adam's bias correction, the step and
exponential schedules) and `cos(x)` on [0, pi] (the cosine schedule); their errors below. A product
with the (p, p) matrix costs numpy one broadcast and one reduction along the first axis (an
elementwise add, row after row: numpy's pairwise summation applies only along the innermost
axis); many rows at once go through `products`, a loop of p elementwise steps over all of them.
"""

from __future__ import annotations

import numpy as np

_reduce = np.add.reduce


def products(rows: np.ndarray, M: np.ndarray) -> np.ndarray:
    """rows @ M for rows (..., p) and M (p, q), in order: a loop of p steps over all the rows
    (for many rows; `vector_products` for one or a few)."""
    total = np.zeros(rows.shape[:-1] + M.shape[1:])
    for m in range(M.shape[0]):
        total = total + rows[..., m, None] * M[m]
    return total


def vector_products(rows: np.ndarray, M: np.ndarray) -> np.ndarray:
    """`products`' bits for a vector (p,) or a few rows (R, p): (R, p, q) numbers at once, summed
    along the middle axis, which numpy adds row after row from its identity, +0."""
    if rows.ndim == 1:  # a run's step: plain indexing costs half what an Ellipsis does
        return _reduce(rows[:, None] * M, 0)
    return _reduce(rows[..., :, None] * M, -2)


def dot(u: np.ndarray, v: np.ndarray) -> float:
    """u . v of two vectors (p,), in order, as Python floats (IEEE double, no fused operations)."""
    total = 0.0
    for a, b in zip(u.tolist(), v.tolist(), strict=True):
        total += a * b
    return total


def row_dots(U: np.ndarray, V: np.ndarray) -> np.ndarray:
    """u . v for each row of U and V (..., p), in order. For two rows or more, at once: the
    products laid out (p, rows) and summed along the first axis, row after row (one row would be
    a single axis, which numpy sums pairwise)."""
    if U.ndim == 2 and U.shape[0] >= 2:
        return _reduce(np.ascontiguousarray((U * V).T), 0)
    total = np.zeros(U.shape[:-1])
    for n in range(U.shape[-1]):
        total = total + U[..., n] * V[..., n]
    return total


FEW_ROWS = 256  # rows whose (rows, p, p) products `quadratic` forms at once (a run's block, a sweep)


def quadratic(e: np.ndarray, M: np.ndarray) -> np.ndarray | float:
    """e^T M e for e (p,) (a float) or each row of e (..., p): dot(e, products(e, M))."""
    if e.ndim == 1:
        return dot(e, vector_products(e, M))
    if e.ndim == 2 and e.shape[0] <= FEW_ROWS:
        return row_dots(e, vector_products(e, M))
    return row_dots(e, products(e, M))


def power(x: float, k: int) -> float:
    """x^k for a whole k >= 0 by squaring, from the lowest bit of k up, the same bits in
    static/schedules.js. Each squaring doubles the relative error it is handed: within k
    half-ulps of x^k (k 1.1e-16 relative; 2.2e-12 at the most steps, 20,000, where a schedule's
    0.99^t is 1e-88 and adam's 0.999^t 2e-9, both long past mattering), typically far less."""
    result, base = 1.0, float(x)
    while k > 0:
        if k & 1:
            result = result * base
        base = base * base
        k >>= 1
    return result


# 1 / (2k)! as float64, k = 0..13: cos(x) = sum_k (-x^2)^k / (2k)! to 1e-24 on [0, pi / 2]
_COS_TERMS = (
    1.0,
    0.5,
    0.041666666666666664,
    0.001388888888888889,
    2.48015873015873e-05,
    2.755731922398589e-07,
    2.08767569878681e-09,
    1.1470745597729725e-11,
    4.779477332387385e-14,
    1.5619206968586225e-16,
    4.110317623312165e-19,
    8.896791392450574e-22,
    1.6117375710961184e-24,
    2.4795962632247976e-27,
)


def cos(x: float) -> float:
    """cos x for x in [0, pi] (math.pi for pi): Taylor's series by Horner's rule on [0, pi / 2],
    -cos(pi - x) above it (pi - x is exact there, Sterbenz's lemma); within 4.5e-16 of math.cos
    (two ulps of 1: the series' terms reach 1.1 near pi / 2), the same bits in static/schedules.js."""
    x = float(x)
    if x > 0.5 * np.pi:
        return -cos(np.pi - x)
    y = -(x * x)
    total = _COS_TERMS[-1]
    for term in reversed(_COS_TERMS[:-1]):
        total = term + y * total
    return total
