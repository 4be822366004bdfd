"""The error along each eigenvector and what the rate of each update (gd.run.Experiment.step_rates)
does to it: what the eigen view and the learning-rate chart draw, and the words that explain them
with the run's own numbers.

Along eigenvector v_i of G (eigenvalue lambda_i) plain gradient descent multiplies the error
e_t = theta_t - theta* by (1 - 2 eta_t lambda_i) per update: the directions with small lambda
crawl, those with large lambda limit eta. The condition number lambda_max / lambda_min is the gap.
"""

from __future__ import annotations

import numpy as np

from gd import registry
from gd.problem import Problem
from gd.run import Experiment


def varying_rate(ex: Experiment) -> bool:
    """Whether the main run's rate changes from update to update (a schedule, linesearch): the
    math then writes eta_k, not eta."""
    s = ex.settings
    return ex.step_rates is not None and (
        not registry.schedule(s.schedule).constant or registry.entry(s.optimizer).picks_rate
    )


def gd_factors(problem: Problem, rates: np.ndarray) -> np.ndarray:
    """|1 - 2 eta_t lambda_i|: plain GD's factor on the error along v_i at update t, (T, p)."""
    return np.abs(1.0 - 2.0 * np.asarray(rates)[:, None] * problem.eigenvalues[None, :])


def gd_bound(problem: Problem, rates: np.ndarray) -> np.ndarray:
    """prod_{s<t} max_i (1 - 2 eta_s lambda_i)^2 over nonzero eigenvalues, t = 0..T: the factor
    by which plain GD at these rates has at most shrunk the excess loss after t updates."""
    lam = problem.eigenvalues[problem.p - problem.rank :]
    worst = np.max((1.0 - 2.0 * np.asarray(rates)[:, None] * lam[None, :]) ** 2, axis=1)
    with np.errstate(divide="ignore", over="ignore"):
        return np.exp(np.concatenate([[0.0], np.cumsum(np.log(worst))]))


def gd_theory(problem: Problem, theta0: np.ndarray, rates: np.ndarray) -> np.ndarray:
    """|v_i^T e_0| prod_{s<t} |1 - 2 eta_s lambda_i|: the error along each eigenvector that plain
    GD at these rates leaves after t updates, t = 0..T, (T + 1, p). In logs (no underflow)."""
    e0 = problem.eigen_errors(np.asarray(theta0)[None, :])[0]
    with np.errstate(divide="ignore"):
        logs = np.log(gd_factors(problem, rates))
        out = np.log(e0)[None, :] + np.vstack([np.zeros(problem.p), np.cumsum(logs, axis=0)])
    return np.exp(out)


def eigen_floor(ex: Experiment) -> float:
    """The level below which an eigen error is round-off, for the log scale: 1e-16 of the larger
    of |theta*| and |theta_0| (and never below 1e-300)."""
    P = ex.trajectory.params
    scale = max(float(np.linalg.norm(ex.problem.theta_star)), float(np.linalg.norm(P[0])))
    return max(scale * 1e-16, 1e-300) if np.isfinite(scale) else 1e-300


def slowest(problem: Problem) -> int:
    """The index (in eigenvalue order) of the slowest direction: the smallest nonzero eigenvalue."""
    return problem.p - problem.rank


def eigen_note(ex: Experiment) -> str:
    """Why the condition number decides the speed, in plain text with this run's numbers."""
    pb, s = ex.problem, ex.settings
    lam = pb.eigenvalues
    lo, hi = slowest(pb), pb.p - 1
    kappa = pb.condition_number
    best = (kappa - 1) / (kappa + 1)
    text = (
        f"Along each eigenvector vᵢ of G the error is multiplied by 1 − 2ηλᵢ per step of plain gradient "
        f"descent. The slowest direction is v{lo + 1} (λ = {lam[lo]:.4g}), the fastest v{hi + 1} "
        f"(λ = {lam[hi]:.4g})."
    )
    if registry.entry(s.optimizer).rate:
        eta = s.learning_rate
        factors = np.abs(1 - 2 * eta * lam)
        f_lo = factors[lo]
        text += " " + factor_words(eta, lo, hi, factors, pb.rank_deficient)
        if np.exp(-1) <= f_lo < 1:
            steps = round(1 / -np.log(f_lo))
            text += f" v{lo + 1} needs about {steps:,} step{'s' if steps != 1 else ''} per factor e."
    text += (
        f" No constant rate does better than η = 1/(λmax + λmin), where both shrink by "
        f"(κ − 1)/(κ + 1) = {best:.4g} (κ = {kappa:.4g}): the condition number alone sets the pace."
    )
    if pb.rank_deficient:
        text += f" {pb.p - pb.rank} direction(s) have λ = 0: no step moves them, and none needs to."
    return text


def _change(f: float) -> str:
    """What a factor |1 - 2 eta lambda| does to the error a step, in words."""
    if f < 1:
        return f"shrinks by a factor {f:.4g}"
    if f > 1:
        return f"grows by a factor {f:.4g}"
    return "keeps its size (a factor of exactly 1: it flips sign each step)"


def _names(indices) -> str:
    """v2, v5 and v6."""
    names = [f"v{i + 1}" for i in indices]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def factor_words(eta: float, lo: int, hi: int, factors: np.ndarray, rank_deficient: bool) -> str:
    """The factors of the slowest (lo) and fastest (hi) directions at rate eta in words that follow
    the numbers: "shrink" where a factor is below 1, "grow" above 1; every growing direction (of
    those with lambda > 0, from lo on) named, or "every direction grows"."""
    f_lo, f_hi = factors[lo], factors[hi]
    if f_lo < 1 and f_hi < 1:
        return f"At η = {eta:g} they shrink by factors {f_lo:.4g} and {f_hi:.4g} a step."
    text = f"At η = {eta:g} the error along v{lo + 1} {_change(f_lo)} a step, along v{hi + 1} "
    text += f"{_change(f_hi)}."
    growing = [i for i in range(lo, len(factors)) if factors[i] > 1]
    if len(growing) == len(factors) - lo:
        every = "every direction with λ > 0" if rank_deficient else "every direction"
        text += f" The error along {every} grows: η is past 1/λmin."
    elif growing:
        one = len(growing) == 1
        text += f" {_names(growing)} {'grows' if one else 'grow'}: η is past 1/λᵢ for "
        text += "it." if one else "each of them."
    return text


def schedule_note(ex: Experiment) -> str | None:
    """When a schedule brings a rate that starts past the stability limit back under it: from
    which update (None when it does not apply)."""
    s, limit = ex.settings, ex.limit
    if limit is None or registry.schedule(s.schedule).constant or s.learning_rate < limit:
        return None
    rates = s.schedule_rates()
    under = np.flatnonzero(rates < limit)
    if under.size == 0:
        return f"The {s.schedule} schedule keeps ηₜ at or above the limit for all {s.steps:,} updates."
    t = int(under[0])
    return (
        f"The {s.schedule} schedule brings ηₜ under the limit from update t = {t:,} "
        f"(η_{t} = {rates[t]:.4g}); whether the run survives the first {t:,} depends on how far it "
        "grew by then."
    )


def held_after(ex: Experiment) -> int | None:
    """The updates cg (or linesearch, newton) made before it stopped moving, its residual at
    round-off: the first k with theta_{k+1} = theta_k exactly; None if it moved to the end."""
    P = ex.trajectory.params
    still = np.flatnonzero(np.all(P[1:] == P[:-1], axis=1))
    return int(still[0]) if still.size else None
