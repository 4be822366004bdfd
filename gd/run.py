"""Runs: one step at a time (`iterate`), a whole trajectory (`run`), a whole experiment from
settings (`experiment`).

A trajectory holds rows 0..T: row 0 the initial parameters (the start, zeros by default), row k the
parameters after k updates and the loss at them. A run has diverged when a value becomes non-finite
or the loss exceeds 1e10 times the loss's scale (its start or L(0), whichever is larger: see
`divergence_limit`); it stops there, keeps the finite rows and reports the step.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cached_property
from itertools import islice

import numpy as np

from gd import optimizers, ordered, registry
from gd.data import (
    CHUNK_ROWS,
    Dataset,
    check_spread,
    column_moments,
    from_original_units,
    make_regression,
    parameter_names,
    regression_chunks,
    standardize,
    to_original_units,
)
from gd.inputs import MAX_SGD_SAMPLE_STEPS, InputError, Settings, short
from gd.problem import Accumulator, Problem, norms

DIVERGENCE_FACTOR = 1e10
SAMPLE_ROWS = 2000  # data rows kept for drawing, whatever n is
_CHECK_EVERY = 256  # steps between divergence checks; checks are vectorised over the block

Gradient = Callable[[np.ndarray], np.ndarray]


def full_batch(problem: Problem) -> Gradient:
    """grad L = (2G) theta - 2c, (2G) theta summed in gd.ordered's order (G is symmetric:
    (G theta)_n = sum_m theta_m G[m, n]; the browser's engine repeats it to the bit): O(p^2) per
    step, whatever n is. theta (p,), or rows (R, p) (a sweep's)."""
    H, h = 2.0 * problem.G, 2.0 * problem.c
    return lambda theta: ordered.vector_products(theta, H) - h


def _rows_gradient(problem: Problem) -> Gradient:
    """A sweep's gradient at R rows (R, p) at once, by BLAS: a sweep's numbers are never the
    browser's, and summing them in gd.ordered's order made a sweep 2.4 times slower."""
    H, h = 2.0 * problem.G, 2.0 * problem.c
    return lambda theta: theta @ H - h


def _rows_loss(problem: Problem, rows: np.ndarray) -> np.ndarray:
    """L at each of R rows (R, p), by BLAS, for a sweep's divergence rule (see `_rows_gradient`)."""
    e = rows - problem.theta_star
    return problem.loss_star + np.maximum(np.einsum("ri,ij,rj->r", e, problem.G, e), 0.0)


def mini_batches(X: np.ndarray, y: np.ndarray, batch_size: int, seed: int) -> Gradient:
    """The gradient of the loss on the next `batch_size` samples of a per-epoch shuffle.

    Each epoch draws a fresh permutation from the seed (a stream separate from the data's); the
    last batch of an epoch holds what is left, as PyTorch's DataLoader does. B >= n is plain GD.
    """
    n = len(y)
    rng = np.random.default_rng([seed, 1])
    batch = min(batch_size, n)
    order, start = np.arange(n), n
    # the batch's rows are gathered into buffers of the run's own: a new array a step (160 kB at
    # 1,000 rows of 20 features) was mapped and unmapped by the allocator every step, the page
    # faults costing the largest sgd run about a second
    Xb, yb = np.empty((batch, X.shape[1]), dtype=X.dtype), np.empty(batch, dtype=y.dtype)

    def gradient(theta):
        nonlocal order, start
        if start >= n:
            order, start = rng.permutation(n), 0
        rows = order[start : start + batch]
        start += batch
        m = len(rows)
        return batch_gradient(np.take(X, rows, axis=0, out=Xb[:m]), np.take(y, rows, out=yb[:m]), theta)

    return gradient


def batch_gradient(Xb: np.ndarray, yb: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """grad L over the samples (Xb (B, d), yb (B,)): 2/B [residual . Xb, sum of residuals], at
    theta (p,), or at each row of theta (R, p) (a sweep's R runs on the same batch)."""
    if theta.ndim == 2:
        residuals = Xb @ theta[:, :-1].T + theta[:, -1] - yb[:, None]  # (B, R)
        scale = 2.0 / len(yb)
        return np.column_stack([scale * (residuals.T @ Xb), scale * residuals.sum(axis=0)])
    residual = Xb @ theta[:-1] + theta[-1] - yb
    scale = 2.0 / len(yb)
    return np.append(scale * (residual @ Xb), scale * residual.sum())


def with_ridge(gradient: Gradient | None, l2: float) -> Gradient | None:
    """A mini-batch gradient of the ridge objective: the batch's MSE gradient plus 2 l2 (w, 0),
    at theta (p,) or rows (R, p). The full-batch gradient has it already (gd.problem's G + l2 D)."""
    if gradient is None or not l2:
        return gradient

    def penalised(theta):
        penalty = 2.0 * l2 * np.asarray(theta, dtype=float)
        penalty[..., -1] = 0.0  # the bias is not penalised
        return gradient(theta) + penalty

    return penalised


def iterate(optimizer: optimizers.Optimizer, gradient: Gradient, theta: np.ndarray) -> Iterator[np.ndarray]:
    """Yield the parameters after each update, forever: the article's loop, one step a time."""
    state = optimizer.init(theta)
    update = optimizer.update
    while True:
        delta, state = update(gradient(theta), state)
        theta = theta + delta
        yield theta


@dataclass(frozen=True)
class Trajectory:
    """params (T+1, p), loss (T+1,), grad_norm (T+1,): rows 0..T, all finite.
    diverged_at: the first step whose parameters or loss broke the divergence rule, else None."""

    params: np.ndarray
    loss: np.ndarray
    grad_norm: np.ndarray
    diverged_at: int | None = None

    @property
    def steps(self) -> int:
        """Updates the trajectory holds (T); fewer than asked when the run diverged."""
        return len(self.loss) - 1


def divergence_limit(problem: Problem, theta0: np.ndarray) -> float:
    """The loss past which a run from theta0 has diverged: 1e10 times the loss's scale, the larger
    of L(theta0) and L(0) = y^T y / n (the loss of the zero model, the data's own size; ridge adds
    nothing at 0). From the default start, zeros, that is 1e10 times the start. The floor L(0) is
    for a start at (or next to) the optimum: there L(theta0) is L*, which noise-free data make
    round-off (about 1e-26 for the article's data), and a relative rule alone would call the first
    move of an adaptive optimizer (about eta a step, whatever the gradient) a divergence. A scale of
    exactly zero (y = 0 and a start at zero loss): no limit, only non-finite values count."""
    scale = problem.loss_scale(theta0)
    return DIVERGENCE_FACTOR * scale if scale > 0 else np.inf


def run(
    problem: Problem,
    optimizer: optimizers.Optimizer,
    steps: int,
    gradient: Gradient | None = None,
    theta0: np.ndarray | None = None,
) -> Trajectory:
    """`steps` updates from theta0 (zeros), stopping early at divergence."""
    theta = np.zeros(problem.p) if theta0 is None else np.array(theta0, dtype=float)
    params = np.empty((steps + 1, problem.p))
    params[0] = theta
    limit = divergence_limit(problem, theta)
    stepper = iterate(optimizer, gradient or full_batch(problem), theta)
    last, diverged_at = steps, None
    with np.errstate(all="ignore"):  # overflow is expected when a run diverges; caught below
        for start in range(1, steps + 1, _CHECK_EVERY):
            stop = min(start + _CHECK_EVERY, steps + 1)
            for k, theta in zip(range(start, stop), islice(stepper, stop - start), strict=True):
                params[k] = theta
            block = params[start:stop]
            loss = problem.loss(block)
            bad = ~(np.isfinite(block).all(axis=1) & (loss <= limit))
            if bad.any():
                offset = int(np.argmax(bad))
                diverged_at = start + offset
                keep = np.isfinite(block[offset]).all() and np.isfinite(loss[offset])
                last = diverged_at if keep else diverged_at - 1
                break
        params = params[: last + 1]
        grad_norm = norms(problem.gradient(params))
    return Trajectory(params, problem.loss(params), grad_norm, diverged_at)


def sweep_rates(limit: float | None, current: float, count: int = 61, *, include: bool = True) -> np.ndarray:
    """Learning rates on a log scale around the stability limit (or the current rate, for the
    optimizers without one), from 1/10,000 of it to 3 times it, the current rate included unless
    `include` is false."""
    centre = limit if limit is not None and np.isfinite(limit) and limit > 0 else current
    # Ends kept within float64's normal range, so that a limit near 1e-305 or 1e305 (data near the
    # overflow of their squares) still gives a sequence (geomspace refuses a zero end).
    tiny, huge = np.finfo(float).tiny, np.finfo(float).max / 4
    low, high = min(max(centre * 1e-4, tiny), huge), min(max(centre * 3, tiny), huge)
    rates = np.geomspace(low, high, count) if high > low else np.array([low])
    return np.unique(np.append(rates, current) if include else rates)


def sweep(
    problem: Problem,
    optimizer: str,
    rates: np.ndarray,
    steps: int,
    gradient: Gradient | None = None,
    theta0: np.ndarray | None = None,
    settings: Settings | None = None,
    **hyper,
) -> tuple[np.ndarray, np.ndarray]:
    """The loss after `steps` updates for each learning rate, all rates at once, from theta0
    (zeros), under the schedule of `settings` when given (its optimizer and hyper-parameters then
    too).

    The update rules are elementwise, so R runs advance together as the rows of an (R, p) array:
    O(R p^2) a step. Returns (loss (R,), diverged (R,) bool) under the same rule as `run`; a
    diverged run's loss is inf. `gradient` (of (R, p) rows) defaults to the full gradient;
    `sweep_minibatch` passes the mini-batches of an sgd run. An optimizer without a learning rate
    (linesearch, newton, cg) gives every rate its one run.
    """
    rates = np.asarray(rates, dtype=float)
    if settings is None:
        settings = Settings(optimizer=optimizer, **{k: v for k, v in hyper.items() if v is not None})
    start = np.zeros(problem.p) if theta0 is None else np.asarray(theta0, dtype=float)
    if not registry.entry(settings.optimizer).rate:
        tr = run(problem, registry.build(settings, problem), steps, theta0=start)
        diverged = tr.diverged_at is not None
        return np.full(rates.size, np.inf if diverged else tr.loss[-1]), np.full(rates.size, diverged)
    opt = registry.build(settings, problem, steps, rates[:, None])
    theta = np.repeat(start[None, :], rates.size, axis=0)
    limit = divergence_limit(problem, theta[0])
    diverged = np.zeros(rates.size, dtype=bool)
    with np.errstate(all="ignore"):
        for current in islice(iterate(opt, gradient or _rows_gradient(problem), theta), steps):
            diverged |= ~(_rows_loss(problem, current) <= limit)
            theta = current
        loss = problem.loss(theta)
    return np.where(diverged, np.inf, loss), diverged


SWEEP_RATES = 61  # learning rates a sweep tries (besides the run's own)
# An sgd sweep touches draws x rates x parameters numbers; past this (about a second's work) it
# tries fewer rates, and below MIN_SGD_RATES the page sweeps full-batch GD instead, and says so.
SWEEP_WORK = 100_000_000
MIN_SGD_RATES = 13


def sweep_plan(settings: Settings, n: int, p: int) -> int:
    """Rates a sweep of these settings on n rows of p parameters tries: SWEEP_RATES for the
    full-batch optimizers; for a mini-batch one as many as SWEEP_WORK allows, 0 when fewer than
    MIN_SGD_RATES (then it is swept with the full gradient, and the page says so)."""
    draws = settings.sgd_work(n)
    if not draws:
        return SWEEP_RATES
    count = min(SWEEP_RATES, SWEEP_WORK // (draws * p))
    return count if count >= MIN_SGD_RATES else 0


def sweep_minibatch(
    settings: Settings, data: Dataset | None, rates: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """An sgd run's sweep as sgd: every rate on the run's own mini-batches (the same shuffle of
    the same rows, from the same seed), so that the run's rate gives the run's own loss, and the
    larger rates show sgd's noise floor. One more pass over the data (held whole only where the
    run itself held it). `sweep`'s returns."""
    n = data.n if data is not None else settings.samples
    d = data.d if data is not None else len(settings.true_weights)
    with heavy_pass(n * (d + 1)):
        done, held, _ = _pass_over_the_data(settings, data, [settings])
        if held is None:
            gradient = _first_epoch(done.sgd_X, done.sgd_y, settings.batch_size)
        else:
            gradient = mini_batches(held.X, held.y, settings.batch_size, settings.seed)
        problem = done.problem.regularised(settings.l2)
        gradient = with_ridge(gradient, settings.l2)
        start = settings.theta0(problem.p)
        return sweep(problem, settings.optimizer, rates, settings.steps, gradient, start, settings)


MAX_RUNS = 12  # runs compared at once, besides the main one
# Numbers all the trajectories of one experiment hold together (24 MB): 13 runs of the defaults,
# 7 of the largest (20,001 rows of 21 parameters).
MAX_KEPT = 3_000_000


@dataclass(frozen=True)
class Run:
    """One more run on the same data, for comparison: its label names what differs."""

    label: str
    settings: Settings
    trajectory: Trajectory


def run_label(s: Settings, with_rate: bool = True) -> str:
    """'momentum (η=0.1, μ=0.9)': the optimizer, the rate if asked, the batch size of a mini-batch
    optimizer, the hyper-parameters its entry always names and any other away from its default."""
    entry = registry.entry(s.optimizer)
    extras = [f"η={short(s.learning_rate)}"] if with_rate and entry.rate else []
    if entry.minibatch:
        extras.append(f"B={s.batch_size}")
    values = s.hyper
    for h in entry.hypers:
        if h.main or values[h.name] != h.default:
            extras.append(f"{h.symbol}={values[h.name]:g}")
    if entry.rate and not registry.schedule(s.schedule).constant:
        extras.append(s.schedule)
    return f"{s.optimizer} ({', '.join(extras)})" if extras else s.optimizer


def variants(
    settings: Settings, optimizers_: list[str], rates: list[float], batches: list[int]
) -> list[Settings]:
    """The runs a comparison asks for: each optimizer at each rate (default: the main rate),
    sgd at each batch size (default: the main one); the main run itself left out."""
    out = []
    for name in optimizers_:
        # an optimizer without a learning rate runs once, whatever rates are asked
        for rate in (
            (rates or [settings.learning_rate]) if registry.entry(name).rate else [settings.learning_rate]
        ):
            minibatch = registry.entry(name).minibatch
            for batch in (batches or [settings.batch_size]) if minibatch else [settings.batch_size]:
                s = replace(settings, optimizer=name, learning_rate=float(rate), batch_size=int(batch))
                if s != settings and s not in out:
                    out.append(s)
    return out


@dataclass(frozen=True)
class Experiment:
    """A run with everything needed to explain it; small enough to cache and pickle.

    sample_X (m, d), sample_y (m,): at most SAMPLE_ROWS rows of the (standardised) data, for
    drawing. true_theta: the generating parameters in the optimizer's units, None for a CSV.
    mean, scale: set when the features were standardised (see gd.data.to_original_units).
    """

    settings: Settings
    problem: Problem
    trajectory: Trajectory
    names: tuple[str, ...]
    feature_names: tuple[str, ...]
    target: str
    true_theta: np.ndarray | None
    sample_X: np.ndarray
    sample_y: np.ndarray
    mean: np.ndarray | None = None
    scale: np.ndarray | None = None
    others: tuple[Run, ...] = ()
    label: str = ""  # the main run's name beside the others'
    limit: float | None = field(init=False)

    def __post_init__(self):
        object.__setattr__(
            self, "limit", self.problem.stability_limit(self.settings.optimizer, **self.settings.hyper)
        )

    @property
    def d(self) -> int:
        return self.problem.p - 1

    @cached_property
    def step_rates(self) -> np.ndarray | None:
        """eta_t for the main run's updates t = 0..T-1 (read-only): the schedule's rates where the
        optimizer has a learning rate, linesearch's exact steps g^T g / (2 g^T G g) (NaN where
        g = 0), None for newton and cg (no rate). Computed once, on first read: the charts, the
        live panel and the words all read it, and linesearch's costs O(T p^2)."""
        s, tr = self.settings, self.trajectory
        entry = registry.entry(s.optimizer)
        if entry.rate:
            rates = s.schedule_rates()[: tr.steps]
        elif entry.picks_rate:
            rates = entry.step_rate(
                self.problem, self.problem.gradient(tr.params[:-1]).reshape(-1, self.problem.p)
            )
        else:
            return None
        rates.flags.writeable = False  # one array for every reader (and every session: see freeze)
        return rates

    def in_original_units(self, theta: np.ndarray) -> np.ndarray:
        """Parameters as a model of the original (unstandardised) features."""
        if self.scale is None:
            return np.asarray(theta, dtype=float)
        return to_original_units(theta, self.mean, self.scale)


def dataset(settings: Settings, data: Dataset | None = None) -> Dataset:
    """The data a run learns from: `data` (a CSV) or the synthetic set, standardised if asked.
    The whole of it in memory: `experiment` does this only where mini-batch SGD needs the rows."""
    if data is None:
        s = settings
        data = make_regression(
            s.true_weights, s.bias, s.samples, s.noise, s.seed, s.feature_scale, s.feature_mean, s.outlier
        )
    return standardize(data) if settings.standardize else data


# At most HEAVY_SLOTS passes over large data at once in this process; the others wait their turn.
HEAVY_SLOTS = 2
HEAVY_NUMBERS = 2_000_000  # a pass over more than this many numbers (n x (d + 1), 16 MB) is heavy
_heavy = threading.BoundedSemaphore(HEAVY_SLOTS)


@contextmanager
def heavy_pass(numbers: int):
    """Hold one of the process's HEAVY_SLOTS while a pass over `numbers` numbers runs (past
    HEAVY_NUMBERS; smaller passes go straight through): a class opening many large links at once
    computes at most two of them at a time, and the rest wait (the page shows its spinner)."""
    if numbers <= HEAVY_NUMBERS:
        yield
        return
    with _heavy:
        yield


@dataclass(frozen=True)
class _Pass:
    """What one pass over the data leaves: the problem, the rows drawn, the standardisation, and
    the rows a short sgd run draws (see `_first_epoch`), in the order it draws them."""

    problem: Problem
    sample_X: np.ndarray
    sample_y: np.ndarray
    mean: np.ndarray | None
    scale: np.ndarray | None
    sgd_X: np.ndarray | None = None
    sgd_y: np.ndarray | None = None


def _sample_rows(n: int, seed: int) -> np.ndarray | None:
    """SAMPLE_ROWS random rows to draw (in the order drawn), None to draw all of them."""
    if n <= SAMPLE_ROWS:
        return None
    return np.random.default_rng([seed, 2]).choice(n, SAMPLE_ROWS, replace=False)


class _Picker:
    """Rows picked out of a pass over blocks, in the order given (all rows when None)."""

    def __init__(self, rows: np.ndarray | None, n: int, d: int):
        picked = np.arange(n) if rows is None else rows
        self.order = np.argsort(picked, kind="stable")
        self.wanted = picked[self.order]
        self.X, self.y = np.empty((len(picked), d)), np.empty(len(picked))

    def take(self, start: int, X: np.ndarray, y: np.ndarray) -> None:
        lo, hi = np.searchsorted(self.wanted, [start, start + len(y)])
        self.X[self.order[lo:hi]] = X[self.wanted[lo:hi] - start]
        self.y[self.order[lo:hi]] = y[self.wanted[lo:hi] - start]


def _one_pass(blocks, n: int, d: int, rows, mean=None, scale=None, sgd_rows=None) -> _Pass:
    """Accumulate the problem over the blocks (X rows, y rows) `blocks()` hands out, standardising
    each if `scale` is given, and pick out `rows` (all rows when None) and `sgd_rows` (when given)
    on the way; a second pass for the least residual (see gd.problem.Accumulator)."""

    def standardised():
        for X, y in blocks():
            yield ((X - mean) / scale if scale is not None else X), y

    acc = Accumulator()
    pickers = [_Picker(rows, n, d)] + ([_Picker(sgd_rows, n, d)] if sgd_rows is not None else [])
    start = 0
    for X, y in standardised():
        acc.add(X, y)
        for picker in pickers:
            picker.take(start, X, y)
        start += len(y)
    sample = pickers[0]
    sgd_X, sgd_y = (pickers[1].X, pickers[1].y) if sgd_rows is not None else (None, None)
    return _Pass(acc.problem(standardised), sample.X, sample.y, mean, scale, sgd_X, sgd_y)


def _synthetic_pass(s: Settings, sgd_rows: np.ndarray | None = None) -> _Pass:
    """The synthetic data's problem without ever holding the data: blocks drawn from the seed
    (see gd.data.regression_chunks), once more for the least residual, and first for the
    columns' mean and spread when the features are standardised."""

    def blocks():
        return regression_chunks(
            s.true_weights, s.bias, s.samples, s.noise, s.seed, s.feature_scale, s.feature_mean, s.outlier
        )

    d, mean, scale = len(s.true_weights), None, None
    if s.standardize:
        mean, scale = column_moments(X for X, _ in blocks())
        check_spread(mean, scale, tuple(f"x{i}" for i in range(1, d + 1)))
    return _one_pass(blocks, s.samples, d, _sample_rows(s.samples, s.seed), mean, scale, sgd_rows)


def _first_epoch_rows(sgd: list[Settings], n: int) -> np.ndarray | None:
    """The rows the sgd runs draw, in the order drawn, when none of them finishes an epoch (all
    on one seed): the start of mini_batches' first shuffle. None when they need every row."""
    draws = max((s.sgd_work(n) for s in sgd), default=0)
    if not sgd or draws >= n or len({s.seed for s in sgd}) > 1:
        return None
    return np.random.default_rng([sgd[0].seed, 1]).permutation(n)[:draws]


def _first_epoch(X: np.ndarray, y: np.ndarray, batch_size: int) -> Gradient:
    """mini_batches' gradient for a run that stays within its first epoch, from the rows it draws
    (X, y in the order drawn): the same batches, the same arithmetic, without the other rows."""
    start = 0

    def gradient(theta):
        nonlocal start
        Xb, yb = X[start : start + batch_size], y[start : start + batch_size]
        start += batch_size
        return batch_gradient(Xb, yb, theta)

    return gradient


def _trajectory(settings: Settings, problem: Problem, data: Dataset | None, done: _Pass) -> Trajectory:
    optimizer = registry.build(settings, problem)
    gradient = None
    if settings.minibatch:
        if data is None:
            gradient = _first_epoch(done.sgd_X, done.sgd_y, settings.batch_size)
        else:
            gradient = mini_batches(data.X, data.y, settings.batch_size, settings.seed)
    gradient = with_ridge(gradient, settings.l2)
    return run(problem, optimizer, settings.steps, gradient, settings.theta0(problem.p))


def _pass_over_the_data(settings: Settings, data: Dataset | None, sgd: list[Settings]):
    """(the pass, the data when held whole else None, (parameter names, feature names, target,
    true theta)): synthetic data in blocks where no sgd run needs every row, else the whole."""
    sgd_rows = _first_epoch_rows(sgd, settings.samples) if data is None else None
    if data is None and (not sgd or sgd_rows is not None):
        d = len(settings.true_weights)
        names = tuple(f"x{i}" for i in range(1, d + 1))
        done = _synthetic_pass(settings, sgd_rows)
        true_theta = np.append(settings.true_weights, settings.bias)
        if done.scale is not None:
            true_theta = from_original_units(true_theta, done.mean, done.scale)
        return done, None, (parameter_names(names, synthetic=True), names, "y", true_theta)
    data = dataset(settings, data)
    X, y = data.X, data.y

    def blocks():
        return ((X[i : i + CHUNK_ROWS], y[i : i + CHUNK_ROWS]) for i in range(0, len(y), CHUNK_ROWS))

    done = _one_pass(blocks, data.n, data.d, _sample_rows(data.n, settings.seed))
    done = replace(done, mean=data.mean, scale=data.scale)
    return done, data, (data.param_names, data.names, data.target, data.true_theta())


SCALE_RANK_RATIO = np.sqrt(np.finfo(float).eps)  # an eigenvalue of the scaled G this far from round-off


def check_scales(ex: Experiment) -> None:
    """InputError where the columns' scales alone made the least-squares fit drop a direction:
    a column of 1e99 beside the bias's column of ones leaves the ones' singular value below
    lstsq's cutoff (eps max(n, p) times the largest), so theta* leaves the bias at zero, and every
    number measured from it (L*, the loss L* + e^T G e, the distance to the optimum) is wrong once
    a run moves the bias. With each column scaled to a root mean square of 1 (G's diagonal) the
    columns are plainly independent (an eigenvalue past sqrt(eps) of the largest). Standardising
    the features fits such data exactly; so does a column in other units. Names the column whose
    scale is farthest from the ones'."""
    pb = ex.problem.plain or ex.problem
    if pb.rank == pb.p:
        return
    diag = np.diag(pb.G)
    live = diag > 0
    if live.sum() <= pb.rank:
        return
    scale = 1.0 / np.sqrt(diag[live])
    lam = np.linalg.eigvalsh(pb.G[np.ix_(live, live)] * scale[:, None] * scale[None, :])
    if np.sum(lam > SCALE_RANK_RATIO * lam[-1]) <= pb.rank:
        return  # as rank-deficient scaled as not: a column that repeats another, not a scale
    rms = np.sqrt(diag[:-1])
    far = int(np.argmax(np.abs(np.log10(np.where(rms > 0, rms, 1.0)))))
    raise InputError(
        f"column {ex.feature_names[far]!r} has values of about {rms[far]:.2g} (root mean square) "
        "beside the bias's column of ones: at scales that far apart the least-squares fit in float64 "
        "drops a direction and its numbers would be wrong; standardise the features, or rescale "
        "the column, e.g. to other units"
    )


def experiment(
    settings: Settings, data: Dataset | None = None, compare: tuple[Settings, ...] = ()
) -> Experiment:
    """Validate, build the problem in one pass over the data, run the settings and each
    comparison. InputError for anything not allowed.

    Memory: the synthetic data are never held whole for the full-batch optimizers: one pass in
    blocks of gd.data.CHUNK_ROWS rows builds the problem and keeps SAMPLE_ROWS random rows to draw.
    Mini-batch SGD needs the rows themselves. Where its runs stay within their first epoch
    (batch size x steps < n, one seed) the pass also keeps the rows they draw, in the order drawn
    (8 (d + 1) bytes a draw); otherwise every row is drawn, and the data are built whole as float64
    (8 (d + 2) bytes a sample, 176 MB at the largest size) for as long as the runs take.
    A CSV arrives whole (at most 100 MB of text). Passes over more than HEAVY_NUMBERS numbers hold
    one of HEAVY_SLOTS slots (`heavy_pass`), so that the process computes at most two at once.
    """
    settings = settings.validated()
    if len(compare) > MAX_RUNS:
        raise InputError(f"compare: at most {MAX_RUNS} runs at once, got {len(compare)}")
    compare = tuple(c.validated() for c in compare)
    n, d = (data.n, data.d) if data is not None else (settings.samples, len(settings.true_weights))
    for s in (settings, *compare):
        s.check_work(n)  # before any data is made
    kept = (1 + len(compare)) * (settings.steps + 1) * (d + 1)
    if kept > MAX_KEPT:
        fit = max(MAX_KEPT // ((settings.steps + 1) * (d + 1)) - 1, 0)
        raise InputError(
            f"compare: {1 + len(compare)} runs of {settings.steps:,} steps over "
            f"{d + 1} parameters are too many to keep; at most {fit} compared "
            "runs at this size (fewer steps allow more)"
        )
    total = sum(s.sgd_work(n) for s in (settings, *compare))
    if total > MAX_SGD_SAMPLE_STEPS:
        raise InputError(
            f"compare: the sgd runs together draw {total:,} samples; at most "
            f"{MAX_SGD_SAMPLE_STEPS:,} (fewer sgd runs, steps or a smaller batch)"
        )
    sgd = [s for s in (settings, *compare) if s.minibatch]
    for s in (settings, *compare):
        s.theta0(d + 1)  # InputError unless the start has one number per parameter
    with heavy_pass(n * (d + 1)):
        done, data, labels = _pass_over_the_data(settings, data, sgd)
        problem = done.problem.regularised(settings.l2)
        trajectory = _trajectory(settings, problem, data, done)
        several_rates = len({s.learning_rate for s in (settings, *compare)}) > 1
        others = tuple(
            Run(run_label(s, several_rates), s, _trajectory(s, problem, data, done)) for s in compare
        )
    param_names, names, target, true_theta = labels
    ex = Experiment(
        settings,
        problem,
        trajectory,
        param_names,
        names,
        target,
        true_theta,
        done.sample_X,
        done.sample_y,
        done.mean,
        done.scale,
        others,
        run_label(settings, several_rates),
    )
    return freeze(ex)


def freeze(ex: Experiment) -> Experiment:
    """Make every array of `ex` read-only, so that one result can be shared by every session of
    the app (no copy per visitor) without any of them changing it for the others."""

    def lock(obj):
        for value in vars(obj).values():
            if isinstance(value, np.ndarray):
                value.flags.writeable = False

    for obj in (ex, ex.problem, ex.trajectory, *(r.trajectory for r in ex.others)):
        lock(obj)
    return ex
