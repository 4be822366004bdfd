"""Least squares as the article poses it, reduced to a handful of small arrays.

With A = [X, 1] (n, p), p = d + 1, and theta = (w, b):

    L(theta)  = (1/n) |A theta - y|^2            the mean squared error
    grad L    = 2 (G theta - c),  G = A^T A / n,  c = A^T y / n
    Hessian   = 2 G

Everything full-batch needs only G, c and one least-squares solution theta*, computed in one pass
over the data; a step then costs O(p^2) whatever n is. The loss is evaluated as

    L(theta) = L* + e^T G e,   e = theta - theta*,   L* = L(theta*)

which holds for any least-squares solution (A^T (A theta* - y) = 0) and, unlike the expansion
y^T y / n - 2 c^T theta + theta^T G theta, does not cancel catastrophically near the optimum.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from gd import registry


@dataclass(frozen=True)
class Problem:
    """The quadratic a run descends. Arrays have p = d + 1 entries, the bias last.

    Attributes
    ----------
    G : (p, p) A^T A / n.           c : (p,) A^T y / n.
    theta_star : (p,) the minimum-norm least-squares solution (numpy's lstsq).
    loss_star : float, L(theta_star), the smallest loss any parameters reach.
    eigenvalues : (p,) of G, ascending; eigenvectors : (p, p), columns (computed when first read).
    rank : int, the rank of A.       n : int, the number of samples.
    """

    G: np.ndarray
    c: np.ndarray
    theta_star: np.ndarray
    loss_star: float
    eigenvalues: np.ndarray
    rank: int
    n: int

    @classmethod
    def from_data(cls, X: np.ndarray, y: np.ndarray) -> Problem:
        """One pass over the data: G, c, lstsq's theta*, L*, the spectrum."""
        n, d = X.shape
        A = np.empty((n, d + 1))
        A[:, :d] = X
        A[:, d] = 1.0
        G = A.T @ A / n
        c = A.T @ y / n
        theta_star, _, rank, singular = np.linalg.lstsq(A, y, rcond=None)
        residual = A @ theta_star - y
        loss_star = float(residual @ residual / n)
        # G's eigenvalues are A's squared singular values / n: exact where eigh(G) would lose
        # the small ones to round-off. Zero below the rank lstsq found, and beyond n rows.
        eigenvalues = np.zeros(d + 1)
        eigenvalues[d + 1 - rank :] = np.sort(singular[:rank] ** 2 / n)
        return cls(G, c, theta_star, loss_star, eigenvalues, int(rank), n)

    @cached_property
    def eigenvectors(self) -> np.ndarray:
        """G's eigenvectors, as columns in the order of `eigenvalues` (one eigh, on first read)."""
        return np.linalg.eigh(self.G)[1]

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
        """L at theta (p,) or at each row of (..., p), as L* + e^T G e."""
        e = np.asarray(theta, dtype=float) - self.theta_star
        excess = np.einsum("...i,ij,...j->...", e, self.G, e)
        return self.loss_star + np.maximum(excess, 0.0)

    def excess_loss(self, theta: np.ndarray) -> np.ndarray | float:
        """L - L* >= 0, which a log-scale chart can show down to round-off."""
        e = np.asarray(theta, dtype=float) - self.theta_star
        return np.maximum(np.einsum("...i,ij,...j->...", e, self.G, e), 0.0)

    def gradient(self, theta: np.ndarray) -> np.ndarray:
        """grad L = 2 (G theta - c), for theta (p,) or rows of (..., p)."""
        return 2.0 * (np.asarray(theta, dtype=float) @ self.G - self.c)

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
