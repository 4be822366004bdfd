"""Runs: one step at a time (`iterate`), a whole trajectory (`run`), a whole experiment from
settings (`experiment`).

A trajectory holds rows 0..T: row 0 the initial parameters (zeros), row k the parameters after k
updates and the loss at them. A run has diverged when a value becomes non-finite or the loss exceeds
1e10 times its starting value; it stops there, keeps the finite rows and reports the step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from itertools import islice

import numpy as np

from gd import optimizers, registry
from gd.data import Dataset, make_regression, standardize, to_original_units
from gd.inputs import MAX_SGD_SAMPLE_STEPS, InputError, Settings, short
from gd.problem import Problem

DIVERGENCE_FACTOR = 1e10
SAMPLE_ROWS = 2000  # data rows kept for drawing, whatever n is
_CHECK_EVERY = 256  # steps between divergence checks; checks are vectorised over the block

Gradient = Callable[[np.ndarray], np.ndarray]


def full_batch(problem: Problem) -> Gradient:
    """grad L = 2 G theta - 2 c: O(p^2) per step, whatever n is."""
    H, h = 2.0 * problem.G, 2.0 * problem.c
    return lambda theta: theta @ H - h  # G is symmetric; rows of a (R, p) theta work too


def mini_batches(X: np.ndarray, y: np.ndarray, batch_size: int, seed: int) -> Gradient:
    """The gradient of the loss on the next `batch_size` samples of a per-epoch shuffle.

    Each epoch draws a fresh permutation from the seed (a stream separate from the data's); the
    last batch of an epoch holds what is left, as PyTorch's DataLoader does. B >= n is plain GD.
    """
    n = len(y)
    rng = np.random.default_rng([seed, 1])
    batch = min(batch_size, n)
    order, start = np.arange(n), n

    def gradient(theta):
        nonlocal order, start
        if start >= n:
            order, start = rng.permutation(n), 0
        rows = order[start : start + batch]
        start += batch
        Xb = X[rows]
        residual = Xb @ theta[:-1] + theta[-1] - y[rows]
        scale = 2.0 / len(rows)
        return np.append(scale * (residual @ Xb), scale * residual.sum())

    return gradient


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
    """The loss past which a run from theta0 has diverged: 1e10 times its start (a start of
    exactly zero: none, only non-finite values count)."""
    loss0 = float(problem.loss(theta0))
    return DIVERGENCE_FACTOR * loss0 if loss0 > 0 else np.inf


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
        grad_norm = np.linalg.norm(problem.gradient(params), axis=1)
    return Trajectory(params, problem.loss(params), grad_norm, diverged_at)


def sweep_rates(limit: float | None, current: float, count: int = 61) -> np.ndarray:
    """Learning rates on a log scale around the stability limit (or the current rate, for the
    optimizers without one), from 1/10,000 of it to 3 times it, the current rate included."""
    centre = limit if limit is not None else current
    rates = np.geomspace(centre * 1e-4, centre * 3, count)
    return np.unique(np.append(rates, current))


def sweep(
    problem: Problem, optimizer: str, rates: np.ndarray, steps: int, **hyper
) -> tuple[np.ndarray, np.ndarray]:
    """The loss after `steps` full-batch updates for each learning rate, all rates at once.

    The update rules are elementwise, so R runs advance together as the rows of an (R, p) array:
    O(R p^2) a step. Returns (loss (R,), diverged (R,) bool) under the same rule as `run`; a
    diverged run's loss is inf. A mini-batch optimizer (sgd) is swept with the full gradient.
    """
    rates = np.asarray(rates, dtype=float)
    opt = registry.make(optimizer, rates[:, None], **hyper)
    theta = np.zeros((rates.size, problem.p))
    limit = divergence_limit(problem, theta[0])
    diverged = np.zeros(rates.size, dtype=bool)
    with np.errstate(all="ignore"):
        for current in islice(iterate(opt, full_batch(problem), theta), steps):
            diverged |= ~(problem.loss(current) <= limit)
            theta = current
        loss = problem.loss(theta)
    return np.where(diverged, np.inf, loss), diverged


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
    extras = [f"η={short(s.learning_rate)}"] if with_rate else []
    if entry.minibatch:
        extras.append(f"B={s.batch_size}")
    values = s.hyper
    for h in entry.hypers:
        if h.main or values[h.name] != h.default:
            extras.append(f"{h.symbol}={values[h.name]:g}")
    return f"{s.optimizer} ({', '.join(extras)})" if extras else s.optimizer


def variants(
    settings: Settings, optimizers_: list[str], rates: list[float], batches: list[int]
) -> list[Settings]:
    """The runs a comparison asks for: each optimizer at each rate (default: the main rate),
    sgd at each batch size (default: the main one); the main run itself left out."""
    out = []
    for name in optimizers_:
        for rate in rates or [settings.learning_rate]:
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

    def in_original_units(self, theta: np.ndarray) -> np.ndarray:
        """Parameters as a model of the original (unstandardised) features."""
        if self.scale is None:
            return np.asarray(theta, dtype=float)
        return to_original_units(theta, self.mean, self.scale)


def dataset(settings: Settings, data: Dataset | None = None) -> Dataset:
    """The data a run learns from: `data` (a CSV) or the synthetic set, standardised if asked."""
    if data is None:
        s = settings
        data = make_regression(
            s.true_weights, s.bias, s.samples, s.noise, s.seed, s.feature_scale, s.feature_mean, s.outlier
        )
    return standardize(data) if settings.standardize else data


def _trajectory(settings: Settings, problem: Problem, data: Dataset) -> Trajectory:
    optimizer = registry.make(settings.optimizer, settings.learning_rate, **settings.hyper)
    gradient = None
    if settings.minibatch:
        gradient = mini_batches(data.X, data.y, settings.batch_size, settings.seed)
    return run(problem, optimizer, settings.steps, gradient)


def experiment(
    settings: Settings, data: Dataset | None = None, compare: tuple[Settings, ...] = ()
) -> Experiment:
    """Validate, build the data and the problem once, run the settings and each comparison.
    InputError for anything not allowed."""
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
    data = dataset(settings, data)
    problem = Problem.from_data(data.X, data.y)
    trajectory = _trajectory(settings, problem, data)
    several_rates = len({s.learning_rate for s in (settings, *compare)}) > 1
    others = tuple(Run(run_label(s, several_rates), s, _trajectory(s, problem, data)) for s in compare)
    rows = slice(None)
    if data.n > SAMPLE_ROWS:
        rows = np.random.default_rng([settings.seed, 2]).choice(data.n, SAMPLE_ROWS, replace=False)
    ex = Experiment(
        settings,
        problem,
        trajectory,
        data.param_names,
        data.names,
        data.target,
        data.true_theta(),
        data.X[rows].copy(),
        data.y[rows].copy(),
        data.mean,
        data.scale,
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
