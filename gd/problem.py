"""Least squares as the article poses it, reduced to a handful of small arrays.

With A = [X, 1] (n, p), p = d + 1, and theta = (w, b):

    L(theta)  = (1/n) |A theta - y|^2            the mean squared error
    grad L    = 2 (G theta - c),  G = A^T A / n,  c = A^T y / n
    Hessian   = 2 G

Ridge (L2) regularisation, L(theta) + lambda |w|^2 with the bias not penalised, is the same
quadratic with G + lambda D, D = diag(1, ..., 1, 0), and the same c (`Problem.regularised`): every
quantity below then follows lambda; the plain mean squared error stays available (`mse`).

Everything full-batch needs only G, c and one least-squares solution theta*, computed in one pass
over the data in blocks of rows (`Accumulator`: memory bounded by a block, whatever n is; data of
one block solved exactly as before, by lstsq); a step then costs O(p^2) whatever n is. The loss is
evaluated as

    L(theta) = L* + e^T G e,   e = theta - theta*,   L* = L(theta*)

which holds for any least-squares solution (A^T (A theta* - y) = 0) and, unlike the expansion
y^T y / n - 2 c^T theta + theta^T G theta, does not cancel catastrophically near the optimum.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from gd import ordered, registry

ROUND_OFF = 1e-16  # float64's relative precision, about: the charts' floor of L - L*, relative to L
CHUNK_ROWS = 16_384  # rows of [A, y] held at once by a pass: 2.9 MB at 20 features
# Rows added to the R factor per QR: LAPACK goes multi-threaded on taller matrices, and on a busy
# 2-core machine that made a 1,000,000-row pass take 8 to 60 s instead of 0.2 s.
QR_ROWS = 256


def norms(rows: np.ndarray) -> np.ndarray | float:
    """|x| of a vector, or of each row of (T, p) rows: np.linalg.norm's, but where its squares
    overflow (entries past about 1e154: a gradient on data near gd.data.MAX_CSV_VALUE) from the
    row scaled by its largest entry, so that a finite vector has a finite norm."""
    rows = np.asarray(rows, dtype=float)
    with np.errstate(over="ignore"):
        out = np.atleast_1d(np.linalg.norm(np.atleast_2d(rows), axis=-1))
    big = np.isinf(out) & np.isfinite(np.atleast_2d(rows)).all(axis=-1)
    if big.any():
        scaled = np.atleast_2d(rows)[big]
        size = np.abs(scaled).max(axis=-1)
        out[big] = size * np.linalg.norm(scaled / size[:, None], axis=-1)
    return out if rows.ndim == 2 else float(out[0])


@dataclass(frozen=True)
class Problem:
    """The quadratic a run descends. Arrays have p = d + 1 entries, the bias last.

    Attributes
    ----------
    G : (p, p) A^T A / n.           c : (p,) A^T y / n.
    theta_star : (p,) the minimum-norm least-squares solution (as numpy's lstsq gives it).
    loss_star : float, L(theta_star), the smallest loss any parameters reach.
    eigenvalues : (p,) of G, ascending; eigenvectors : (p, p), columns (computed when first read).
    rank : int, the rank of A (of G + lambda D when regularised).   n : int, the number of samples.
    l2 : float, lambda (0: plain least squares).   plain : the unregularised problem when l2 > 0.
    """

    G: np.ndarray
    c: np.ndarray
    theta_star: np.ndarray
    loss_star: float
    eigenvalues: np.ndarray
    rank: int
    n: int
    l2: float = 0.0
    plain: Problem | None = None

    def regularised(self, l2: float) -> Problem:
        """The ridge objective L(theta) + l2 |w|^2 (bias not penalised) as a Problem: G + l2 D,
        the same c, its optimum solving (G + l2 D) theta = c (positive definite for l2 > 0: only
        the bias direction escapes D, and G holds the mean of ones, 1, there), refined once."""
        if l2 == 0:
            return self
        if self.l2:
            raise ValueError("regularise the plain problem")
        G = self.penalised_gram(l2)
        theta = np.linalg.solve(G, self.c)
        theta = theta + np.linalg.solve(G, self.c - G @ theta)  # one step of iterative refinement
        w = theta[:-1]
        loss_star = float(self.loss(theta)) + l2 * float(w @ w)
        eigenvalues = np.linalg.eigvalsh(G)
        rank = int(np.sum(eigenvalues > np.finfo(float).eps * self.p * eigenvalues[-1]))
        return Problem(G, self.c, theta, loss_star, eigenvalues, rank, self.n, float(l2), self)

    def penalised_gram(self, l2: float) -> np.ndarray:
        """G + l2 D, D = diag(1, ..., 1, 0): the ridge penalty's curvature (bias not penalised)."""
        penalty = np.ones(self.p)
        penalty[-1] = 0.0
        return self.G + np.diag(l2 * penalty)

    def loss_scale(self, theta0: np.ndarray) -> float:
        """The loss's size for a run from theta0: the larger of L(theta0) and L(0) = y^T y / n, the
        zero model's loss (the data's own size; ridge adds nothing at 0). From a start at the
        optimum L(theta0) is L*, which noise-free data make round-off: L(0) is the floor."""
        return max(float(self.loss(theta0)), float(self.loss(np.zeros(self.p))))

    def mse(self, theta: np.ndarray) -> np.ndarray | float:
        """The mean squared error |A theta - y|^2 / n (the loss itself when not regularised)."""
        return (self.plain or self).loss(theta)

    @classmethod
    def from_data(cls, X: np.ndarray, y: np.ndarray, rows: int = CHUNK_ROWS) -> Problem:
        """Passes over data held in memory, `rows` rows at a time (no copy of the whole)."""
        return cls.from_chunks(lambda: ((X[i : i + rows], y[i : i + rows]) for i in range(0, len(y), rows)))

    @classmethod
    def from_chunks(cls, blocks: Callable[[], Iterable[tuple[np.ndarray, np.ndarray]]]) -> Problem:
        """Passes over data handed out in blocks (X rows (k, d), y rows (k,)) by `blocks()`: one
        accumulates G, c and the R factor of [A, y]; where there was more than one block, a
        second sums the least residual (see Accumulator)."""
        acc = Accumulator()
        for X, y in blocks():
            acc.add(X, y)
        return acc.problem(blocks)

    def excess_floor(self, theta0: np.ndarray | None = None) -> float:
        """The level below which the charts do not draw the excess loss L - L*: ROUND_OFF
        (1e-16, float64's precision) times the larger of L(theta0) (zeros by default) and L*,
        and never below 1e-300 (an all-zero target starting at theta* = 0 has nothing else to
        scale by). Below it, the loss itself, a float64 of L(theta0)'s size, cannot tell L from
        L*: a run there has converged as far as any loss computed from the data can show, and
        what eᵀGe still resolves (down to about 1e-32 of it) is the round-off of theta's last
        digits, not a result a chart should spend ten decades on."""
        start = self.loss(np.zeros(self.p) if theta0 is None else theta0)
        scale = max(float(start), self.loss_star)
        return max(scale * ROUND_OFF, 1e-300) if np.isfinite(scale) else 1e-300

    @cached_property
    def eigenvectors(self) -> np.ndarray:
        """G's eigenvectors, as columns in the order of `eigenvalues` (one eigh, on first read)."""
        return np.linalg.eigh(self.G)[1]

    @cached_property
    def pseudo_inverse(self) -> np.ndarray:
        """G^+ (p, p) = V diag(1 / lambda) V^T over G's `rank` largest eigenvalues (of one eigh, G's
        null space, where the data are rank-deficient, left out), made exactly symmetric; formed
        once (read-only), so that a solve is one product in gd.ordered's order, which the
        browser's engine repeats from the same matrix to the bit."""
        values, vectors = np.linalg.eigh(self.G)
        keep = slice(self.p - self.rank, None)
        V = vectors[:, keep]
        inverse = (V / values[keep]) @ V.T
        inverse = 0.5 * (inverse + inverse.T)
        inverse.flags.writeable = False
        return inverse

    def solve(self, b: np.ndarray) -> np.ndarray:
        """The minimum-norm least-squares solution of G x = b, as lstsq gives it: G^+ b, summed in
        gd.ordered's order, O(p^2). `b` (p,) or rows (..., p)."""
        b = np.asarray(b, dtype=float)
        if b.ndim == 1:
            return ordered.vector_products(b, self.pseudo_inverse)
        return ordered.products(b, self.pseudo_inverse)

    @property
    def residual_tolerance(self) -> float:
        """|c - G theta| below which the residual is round-off near the optimum:
        16 p eps (lambda_max |theta*| + |c|) (cg holds its point there). Not squared: on data near
        gd.data.MAX_CSV_VALUE its square would overflow."""
        scale = self.lambda_max * norms(self.theta_star) + norms(self.c)
        return float(16 * self.p * np.finfo(float).eps * scale)

    def statistics(self) -> dict:
        """What the browser's engine (static/engine.js) runs every full-batch optimizer from, as
        plain numbers (JSON with Python's shortest round-trip reprs keeps every bit): p; G (p x p,
        row by row; ridge: G + l2 D) and c; theta_star and loss_star (the loss L* + e^T G e);
        pseudo_inverse (newton's solve); residual_tolerance (cg's)."""
        return {
            "p": self.p,
            "G": self.G.ravel().tolist(),
            "c": self.c.tolist(),
            "theta_star": self.theta_star.tolist(),
            "loss_star": float(self.loss_star),
            "pseudo_inverse": self.pseudo_inverse.ravel().tolist(),
            "residual_tolerance": self.residual_tolerance,
        }

    def eigen_errors(self, params: np.ndarray) -> np.ndarray:
        """|v_i^T (theta - theta*)| for each eigenvector v_i of G (the order of `eigenvalues`),
        for each row of params (T, p) -> (T, p).

        Summed component by component, in order, one rounding a product and one a sum (not a
        BLAS product, whose order and fused multiply-adds vary): the live panel's browser module
        computes them from the parameters and G's eigenvectors in the same order, to the same bits."""
        return np.abs(ordered.products(np.asarray(params, dtype=float) - self.theta_star, self.eigenvectors))

    @property
    def p(self) -> int:
        return self.c.size

    @property
    def lambda_max(self) -> float:
        return float(self.eigenvalues[-1])

    @property
    def rank_deficient(self) -> bool:
        return self.rank < self.p

    @property
    def lambda_min(self) -> float:
        """The smallest nonzero eigenvalue (the top `rank` ones are the nonzero ones)."""
        return float(self.eigenvalues[self.p - self.rank])

    @property
    def condition_number(self) -> float:
        """lambda_max / lambda_min over nonzero eigenvalues: how many times slower the slowest
        direction converges than the fastest (for plain GD at its best rate)."""
        return self.lambda_max / self.lambda_min

    def loss(self, theta: np.ndarray) -> np.ndarray | float:
        """L at theta (p,) or at each row of (..., p), as L* + e^T G e (e^T G e summed in
        gd.ordered's order: the browser's engine computes the same bits)."""
        return self.loss_star + self.excess_loss(theta)

    def excess_loss(self, theta: np.ndarray) -> np.ndarray | float:
        """L - L* = max(e^T G e, 0) >= 0, which a log-scale chart can show down to round-off."""
        e = np.asarray(theta, dtype=float) - self.theta_star
        return np.maximum(ordered.quadratic(e, self.G), 0.0)

    def gradient(self, theta: np.ndarray) -> np.ndarray:
        """grad L = 2 (G theta - c), for theta (p,) or rows of (..., p) (ridge: G + lambda D,
        the penalty's 2 lambda (w, 0) included).

        Summed component by component, in order, one rounding a product and one a sum, then
        2 (sum - c) (not a BLAS product, whose order and fused multiply-adds vary): the live
        panel's browser module computes the gradient from the parameters, G and c in the same
        order, to the same bits. G is symmetric: (G theta)_n = sum_m theta_m G[m, n]."""
        return 2.0 * (ordered.products(np.asarray(theta, dtype=float), self.G) - self.c)

    def stability_limit(self, optimizer: str, **hyper) -> float | None:
        """The largest stable learning rate of `optimizer` (its entry in gd.registry, with these
        hyper-parameters), or None where there is no fixed one.

        Along eigenvector i, plain GD multiplies the error by (1 - 2 eta lambda_i): stable iff
        eta < 1 / lambda_max. Heavy ball (PyTorch's form, eta scaling the buffer) is stable iff
        eta < (1 + mu) / lambda_max; Nesterov iff eta < (1 + mu) / ((1 + 2 mu) lambda_max).
        For sgd this is the full-batch limit: a guide, since mini-batches vary. The adaptive
        optimizers scale each step by their own statistics and have no fixed limit.
        """
        return registry.entry(optimizer).stability_limit(self.lambda_max, **hyper)

    @cached_property
    def standardised_eigenvalues(self) -> np.ndarray | None:
        """G's eigenvalues (ascending) were the features standardised to z-scores, from G alone:
        with m the features' means (G's last column) and C = G[:d, :d] - m mᵀ their covariance,
        z-scores have G_z = [[R, 0], [0, 1]], R the correlation matrix C / (s sᵀ), s = √diag(C)
        (numpy's std, ddof 0, as gd.data.standardize uses). None when a feature is constant
        (standardising is not possible) or there are no features. Under ridge, from the plain G,
        the penalty then adding l2 to R's eigenvalues (not the bias's 1)."""
        d = self.p - 1
        if d < 1:
            return None
        G = (self.plain or self).G
        m = G[:d, -1]
        C = G[:d, :d] - np.outer(m, m)
        spread = np.sqrt(np.maximum(np.diag(C), 0.0))
        if not np.all(spread > 1e-12 * np.maximum(np.abs(m), 1.0)):
            return None
        R = C / np.outer(spread, spread)
        lam = np.sort(np.append(np.linalg.eigvalsh(R) + self.l2, 1.0))
        lam.flags.writeable = False  # computed once per problem, shared by every page view
        return lam

    def gd_rate(self, learning_rate: float) -> float:
        """The factor by which plain GD shrinks the excess loss per step, at worst:
        max over nonzero eigenvalues of (1 - 2 eta lambda)^2 (>= 1 means no convergence)."""
        lam = self.eigenvalues[self.p - self.rank :]
        return float(np.max((1.0 - 2.0 * learning_rate * lam) ** 2))

    def loss_grid(
        self, i: int, j: int, xs: np.ndarray, ys: np.ndarray, theta: np.ndarray | None = None
    ) -> np.ndarray:
        """L over a grid of parameters i (values xs) and j (values ys), the others at `theta`
        (default theta*). Returns (len(ys), len(xs)), rows along ys, as Plotly's surfaces want.

        With the others fixed, e = e0 + u e_i + v e_j, so
        L = L(theta0) + 2 u (G e0)_i + 2 v (G e0)_j + u^2 G_ii + 2 u v G_ij + v^2 G_jj:
        no pass over the data per grid point.
        """
        if i == j:
            raise ValueError(f"a surface needs two different parameters, got {i} twice")
        base = self.theta_star if theta is None else np.asarray(theta, dtype=float)
        e0 = base - self.theta_star
        Ge0 = self.G @ e0
        u = np.asarray(xs, dtype=float)[None, :] - base[i]
        v = np.asarray(ys, dtype=float)[:, None] - base[j]
        G = self.G
        excess = (
            e0 @ Ge0
            + 2 * u * Ge0[i]
            + 2 * v * Ge0[j]
            + u * u * G[i, i]
            + 2 * u * v * G[i, j]
            + v * v * G[j, j]
        )
        return self.loss_star + np.maximum(excess, 0.0)


class Accumulator:
    """One pass over [A, y] in blocks of rows, holding (p + 1)^2 numbers between blocks.

    Data that arrive as one block (n <= CHUNK_ROWS, the article's 5,000 samples among them) are
    solved as they always were, bit for bit: numpy's lstsq on A, G = A^T A / n, c = A^T y / n,
    L* from the residual; the block is bounded, so its copy and lstsq's workspace are too.

    From a second block on: sums of A_b^T A_b and A_b^T y_b (G, c), and the R factor of a QR
    decomposition of [A, y], updated by stacking the running R on the next QR_ROWS rows and
    factoring again (np.linalg.qr, mode 'r'). R = [[R1, r], [0, rho]] holds what least squares
    needs without squaring the condition number: A = Q R1, so A's singular values are R1's, and
    the minimum-norm solution of min |A theta - y| is that of min |R1 theta - r|, solved by an SVD
    of the small triangle with lstsq's cutoff (rcond = eps max(n, p)). The least residual is then
    |r's part outside R1's range|^2 + rho^2, a sum of squares (no cancellation), but rho carries
    QR's round-off, eps |y| absolute; a second pass summing (A theta* - y)^2 block by block, when
    the blocks can be had again, is more accurate (kept: that is what L* + e^T G e rests on).
    """

    def __init__(self):
        self.n = 0
        self.first = None  # the first block, until a second one comes
        self.gram = self.cross = self.R = None

    def add(self, X: np.ndarray, y: np.ndarray) -> None:
        if len(y) == 0:
            return
        if self.first is None and self.R is None:
            self.first = (X, y)
        else:
            if self.first is not None:
                self._fold(*self.first)
                self.first = None
            self._fold(X, y)
        self.n += len(y)

    def _fold(self, X: np.ndarray, y: np.ndarray) -> None:
        k, d = X.shape
        if self.R is None:
            self.gram, self.cross, self.R = np.zeros((d + 1, d + 1)), np.zeros(d + 1), np.zeros((0, d + 2))
        A = _design(X)
        self.gram += A.T @ A
        self.cross += A.T @ y
        for start in range(0, k, QR_ROWS):
            rows = slice(start, start + QR_ROWS)
            block = np.concatenate([A[rows], y[rows, None]], axis=1)
            self.R = np.linalg.qr(np.concatenate([self.R, block]), mode="r")

    def problem(self, blocks: Callable[[], Iterable[tuple[np.ndarray, np.ndarray]]] | None = None) -> Problem:
        """The problem; `blocks()` hands the same blocks out again for the least residual."""
        if self.n == 0:
            raise ValueError("no data rows")
        if self.first is not None:
            return _one_block(*self.first)
        n, p = self.n, len(self.gram)
        R = np.zeros((p + 1, p + 1))
        R[: len(self.R)] = self.R
        R1, r, rho = R[:p, :p], R[:p, p], R[p, p]
        U, s, Vt = np.linalg.svd(R1)
        rank = int(np.sum(s > np.finfo(float).eps * max(n, p) * s[0])) if s[0] > 0 else 0
        coef = U.T @ r
        theta_star = Vt[:rank].T @ (coef[:rank] / s[:rank])
        if blocks is None:
            loss_star = float((coef[rank:] @ coef[rank:] + rho * rho) / n)
        else:
            # In numpy's long double (80-bit on x86): the residuals' own round-off stays far below
            # eps L*, so L* is as exact as float64 can hold it.
            w, b = theta_star[:-1].astype(np.longdouble), np.longdouble(theta_star[-1])
            total = np.longdouble(0.0)
            step = QR_ROWS * 8  # 16 bytes a number: in pieces smaller than a block
            for X, y in blocks():
                for i in range(0, len(y), step):
                    residual = X[i : i + step].astype(np.longdouble) @ w + b - y[i : i + step]
                    total += residual @ residual
            loss_star = float(total / n)
        G, c = self.gram / n, self.cross / n
        eigenvalues = np.zeros(p)
        eigenvalues[p - rank :] = np.sort(s[:rank] ** 2 / n)
        return Problem(G, c, theta_star, loss_star, eigenvalues, rank, n)


def _design(X: np.ndarray) -> np.ndarray:
    """A = [X, 1]."""
    n, d = X.shape
    A = np.empty((n, d + 1))
    A[:, :d] = X
    A[:, d] = 1.0
    return A


def _one_block(X: np.ndarray, y: np.ndarray) -> Problem:
    """Data that fit in one block: numpy's lstsq on the whole, as before the blocks."""
    n, d = X.shape
    A = _design(X)
    G = A.T @ A / n
    c = A.T @ y / n
    theta_star, _, rank, singular = np.linalg.lstsq(A, y, rcond=None)
    residual = A @ theta_star - y
    loss_star = float(residual @ residual / n)
    # G's eigenvalues are A's squared singular values / n: exact where eigh(G) would lose
    # the small ones to round-off. Zero below the rank lstsq found, and beyond n rows.
    eigenvalues = np.zeros(d + 1)
    eigenvalues[d + 1 - rank :] = np.sort(singular[:rank] ** 2 / n)
    return Problem(G, c, theta_star, loss_star, eigenvalues, int(rank), n)
