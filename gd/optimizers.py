"""Update rules, sorted in order of increasing complexity.

Contract (optax's): an optimizer is a pair of pure functions

    init(params) -> state
    update(grad, state) -> (delta, state)      new params = params + delta

with an immutable NamedTuple state, so a run can be paused, copied or replayed at any step. Each
rule and default follows PyTorch's documented torch.optim algorithm, so that any run here can be
cross-checked there: SGD (momentum, Nesterov, dampening 0), Adagrad (eps 1e-10, no decay, zero
initial accumulator), RMSprop (alpha 0.99, eps 1e-8, not centred), Adam (betas 0.9/0.999, eps 1e-8).
`sgd` uses the same rule as `gd`: what differs is the gradient (a mini-batch's), see gd.run.
The defaults, ranges, limits and formulas of each live in its entry of gd.registry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from gd import ordered


class Optimizer(NamedTuple):
    name: str
    init: Callable[[np.ndarray], Any]
    update: Callable[[np.ndarray, Any], tuple[np.ndarray, Any]]


class Empty(NamedTuple):
    pass


class Trace(NamedTuple):
    buffer: np.ndarray  # the momentum buffer b


class Accumulator(NamedTuple):
    total: np.ndarray  # Adagrad's running sum of g^2, or RMSprop's running mean of g^2


class Moments(NamedTuple):
    step: int
    mean: np.ndarray  # m, first moment
    square: np.ndarray  # v, second moment


def gd(learning_rate: float) -> Optimizer:
    """theta <- theta - eta g: the article's rule."""

    def update(g, state):
        return -learning_rate * g, state

    return Optimizer("gd", lambda params: Empty(), update)


def momentum(learning_rate: float, momentum: float = 0.9, nesterov: bool = False) -> Optimizer:
    """Heavy ball, PyTorch's form: b <- mu b + g;  theta <- theta - eta b  (mu: `momentum`).
    Nesterov looks ahead along the new buffer: theta <- theta - eta (g + mu b).
    With mu = 0 both are plain GD (b starts at zero, so b_1 = g_1 as in PyTorch)."""
    mu = momentum

    def update(g, state):
        buffer = mu * state.buffer + g
        direction = g + mu * buffer if nesterov else buffer
        return -learning_rate * direction, Trace(buffer)

    return Optimizer(
        "nesterov" if nesterov else "momentum", lambda params: Trace(np.zeros_like(params)), update
    )


def adagrad(learning_rate: float, eps: float = 1e-10) -> Optimizer:
    """s <- s + g^2;  theta <- theta - eta g / (sqrt(s) + eps): a rate per coordinate that only
    shrinks."""

    def update(g, state):
        total = state.total + g * g
        return -learning_rate * g / (np.sqrt(total) + eps), Accumulator(total)

    return Optimizer("adagrad", lambda params: Accumulator(np.zeros_like(params)), update)


def rmsprop(learning_rate: float, alpha: float = 0.99, eps: float = 1e-8) -> Optimizer:
    """v <- alpha v + (1 - alpha) g^2;  theta <- theta - eta g / (sqrt(v) + eps): Adagrad with a
    forgetting average, so the rate can recover."""

    def update(g, state):
        total = alpha * state.total + (1.0 - alpha) * (g * g)
        return -learning_rate * g / (np.sqrt(total) + eps), Accumulator(total)

    return Optimizer("rmsprop", lambda params: Accumulator(np.zeros_like(params)), update)


def adam(learning_rate: float, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8) -> Optimizer:
    """m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g^2;  with t the step number,
    theta <- theta - (eta / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps)
    (bias correction: m and v start at zero), PyTorch's arrangement of the same formula; the
    powers by gd.ordered.power (the browser's engine repeats its bits, not those of C's pow)."""

    def update(g, state):
        t = state.step + 1
        m = beta1 * state.mean + (1.0 - beta1) * g
        v = beta2 * state.square + (1.0 - beta2) * (g * g)
        step_size = learning_rate / (1.0 - ordered.power(beta1, t))
        denom = np.sqrt(v) / np.sqrt(1.0 - ordered.power(beta2, t)) + eps
        return -step_size * m / denom, Moments(t, m, v)

    return Optimizer("adam", lambda params: Moments(0, np.zeros_like(params), np.zeros_like(params)), update)


# ---- the methods a teacher contrasts with gradient descent: they read the quadratic itself --------
# Each needs G (the Hessian's half) or a solve with it, given when built; a step stays O(p^2).


def linesearch(G: np.ndarray) -> Optimizer:
    """Steepest descent with the exact step on this quadratic: along -g, L(theta - eta g) is
    least at eta_t = g^T g / (2 g^T G g). At the optimum (g = 0) it stays where it is."""

    def update(g, state):
        rate = exact_rate(g, G)
        if not rate > 0:  # g = 0: nothing to do (and no 0/0)
            return np.zeros_like(g), state
        return -rate * g, state

    return Optimizer("linesearch", lambda params: Empty(), update)


def exact_rate(g: np.ndarray, G: np.ndarray) -> np.ndarray | float:
    """linesearch's eta = g^T g / (2 g^T G g) for a gradient g (p,), or for each row of g (T, p);
    NaN where g^T G g is not positive (g = 0). Both sums in gd.ordered's order (the browser's
    engine repeats them to the bit). Where a product of it leaves float64's range (a gradient of
    1e198 on data near gd.data.MAX_CSV_VALUE: g^T g would be 1e396) it is computed from g scaled
    by a power of two near its largest entry, which leaves the ratio as it is."""
    if g.ndim == 1:  # a step's: Python floats
        gg, curvature = ordered.dot(g, g), ordered.quadratic(g, G)
        if not (np.isfinite(gg) and np.isfinite(curvature)) and np.isfinite(g).all():
            u = g * power_of_two(float(np.abs(g).max()))
            gg, curvature = ordered.dot(u, u), ordered.quadratic(u, G)
        return gg / (2.0 * curvature) if curvature > 0 else np.nan
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        gg, curvature = ordered.row_dots(g, g), ordered.quadratic(g, G)
        big = ~(np.isfinite(gg) & np.isfinite(curvature)) & np.isfinite(g).all(axis=1)
        if big.any():
            u = g[big] * power_of_two(np.abs(g[big]).max(axis=1, keepdims=True))
            gg[big], curvature[big] = ordered.row_dots(u, u), ordered.quadratic(u, G)
        return np.where(curvature > 0, gg / (2.0 * curvature), np.nan)


def power_of_two(size: np.ndarray | float) -> np.ndarray | float:
    """2^-k with 2^k near `size` (1 where size is 0): scaling by it is exact, so that a quantity
    computed from scaled numbers has the bits it would have had, had nothing overflowed."""
    exponent = np.frexp(size)[1]
    return np.ldexp(1.0, -exponent)


def newton(solve: Callable[[np.ndarray], np.ndarray], damping: float = 1.0) -> Optimizer:
    """theta <- theta - h (2G)^+ grad L, h = `damping`: `solve(b)` is the minimum-norm solution
    of G x = b (as lstsq gives it), so (2G)^+ g = solve(g / 2). With h = 1 one step reaches a
    minimiser of this quadratic (lstsq's from zero)."""

    def update(g, state):
        return -damping * solve(0.5 * g), state

    return Optimizer("newton", lambda params: Empty(), update)


class Conjugate(NamedTuple):
    direction: np.ndarray  # p_{t-1}, times `scale`
    rr: float  # r_{t-1}^T r_{t-1}, times scale^2; 0 before the first step
    held: bool  # the residual became negligible: the point stays
    scale: float = 0.0  # s, a power of two near r_0's largest entry; 0 before the first step


def cg(G: np.ndarray, tolerance: float) -> Optimizer:
    """Linear conjugate gradient on G theta = c, the residual r = c - G theta = -g / 2 read from
    the gradient: p_t = r_t + (r_t^T r_t / r_{t-1}^T r_{t-1}) p_{t-1} (p_0 = r_0),
    theta <- theta + (r_t^T r_t / p_t^T G p_t) p_t. Exact in at most p steps in exact arithmetic.
    Once |r| <= `tolerance` (round-off), or the direction has no curvature left, it holds its
    point for good: never 0/0.

    The residuals and directions are held times s, a power of two near r_0's largest entry: on
    data near gd.data.MAX_CSV_VALUE r is 1e198 and r^T r would overflow, while the ratios cg takes
    are the same from s r; scaling by a power of two is exact, so elsewhere the bits are the
    unscaled ones. The sums in gd.ordered's order (the browser's engine repeats them to the bit)."""

    def update(g, state):
        zero = np.zeros_like(g)
        if state.held:
            return zero, state
        scale = state.scale or (power_of_two(float(np.abs(g).max())) if np.isfinite(g).all() else 1.0)
        r = (-0.5 * scale) * g
        rr = ordered.dot(r, r)
        least = tolerance * scale
        if not rr > least * least:
            return zero, state._replace(held=True)
        p = r if state.rr == 0 else r + (rr / state.rr) * state.direction
        curvature = ordered.quadratic(p, G)
        if not curvature > 0:
            return zero, state._replace(held=True)
        return (rr / curvature / scale) * p, Conjugate(p, rr, False, scale)

    return Optimizer("cg", lambda params: Conjugate(np.zeros_like(params), 0.0, False), update)


# ---- learning-rate schedules ---------------------------------------------------------------------


class Scheduled(NamedTuple):
    step: int  # t, the updates done so far
    inner: Any


def scheduled(optimizer: Optimizer, factor: Callable[[int], float], steps: int = 0) -> Optimizer:
    """`optimizer` with its learning rate eta times factor(t) at update t (0-based): as
    torch.optim.lr_scheduler stepped once after every optimizer step. Every rule here is linear in
    eta (its state never reads the rate), so scaling the update is scaling the rate. The factors
    of the first `steps` updates are computed once, up front (a list lookup a step)."""
    table = [float(factor(t)) for t in range(steps)]
    inner_update = optimizer.update

    def update(g, state):
        t = state.step
        delta, inner = inner_update(g, state.inner)
        return (table[t] if t < steps else factor(t)) * delta, Scheduled(t + 1, inner)

    return optimizer._replace(init=lambda params: Scheduled(0, optimizer.init(params)), update=update)
