"""The words and formulas the page shows: pure functions, so tests read them without Streamlit.

LaTeX uses the article's notation: weights w, bias b, learning rate eta, n samples (x_i, y_i).
Only numbers are put into LaTeX, never user text.
"""

from __future__ import annotations

import math
import re

import numpy as np

from gd import registry
from gd.inputs import RANGES
from gd.problem import ROUND_OFF
from gd.run import Experiment
from gd.spectrum import held_after, schedule_note

MIN_RATE = RANGES["learning_rate"].minimum  # the smallest learning rate any input allows
MAX_RATE = RANGES["learning_rate"].maximum
# What helps when the stability limit is below MIN_RATE: lowering the rate cannot.
STANDARDISE = (
    "Standardise the features (the sidebar's switch): on z-scores the limit is at least 1/(d + 1), "
    "far above the smallest learning rate"
)
STANDARDISE_CLI = (
    "standardise the features (--standardize): on z-scores the limit is at least 1/(d + 1), "
    "far above the smallest learning rate"
)

LOSS = r"L(w, b) = \frac{1}{n} \sum_{i=1}^{n} \left( w \cdot x_i + b - y_i \right)^2"
GRADIENT_W = (
    r"\frac{\partial L}{\partial w_j} = \frac{2}{n} \sum_{i=1}^{n}"
    r" \left( w \cdot x_i + b - y_i \right) x_{ij}"
)
GRADIENT_B = (
    r"\frac{\partial L}{\partial b} = \frac{2}{n} \sum_{i=1}^{n}"
    r" \left( w \cdot x_i + b - y_i \right)"
)


number = registry.tex_number  # a float as LaTeX: 1.234 \times 10^{-5} rather than 1.234e-05


def rule(settings) -> str:
    """The optimizer's update of theta = (w, b) as in torch.optim, g the gradient at step t, with
    the run's hyper-parameters written in (its formula in gd.registry); eta_t's schedule after it
    when not constant."""
    entry = registry.entry(settings.optimizer)
    tex = entry.rule_tex(**settings.hyper)
    if entry.rate and not registry.schedule(settings.schedule).constant:
        sch = registry.schedule(settings.schedule)
        tex = tex.replace(r"\eta", r"\eta_t") + r",\quad " + sch.formula(**settings.schedule_params)
        if sch.horizon:
            tex += rf",\; T = {settings.steps}"
    return tex


RIDGE_LOSS = r"L(w, b) = \frac{1}{n} \sum_{i=1}^{n} \left( w \cdot x_i + b - y_i \right)^2 + \lambda\, |w|^2"
RIDGE_GRADIENT_W = GRADIENT_W + r" + 2 \cdot \lambda\, w_j"


def loss_lines(settings) -> tuple[str, str, str]:
    """The loss and its gradient as the run minimises them: with lambda's value when ridge."""
    if not settings.l2:
        return LOSS, GRADIENT_W, GRADIENT_B
    lam = number(settings.l2)
    return (
        RIDGE_LOSS.replace(r"\lambda", lam),
        RIDGE_GRADIENT_W.replace(r"\lambda", lam),
        GRADIENT_B,
    )


def display(tex: str) -> str:
    """A formula as markdown: inline math in display style, which KaTeX breaks after an = or a +
    where the line is too long for its column (a display formula runs out of it)."""
    return f"$\\displaystyle {tex}$"


def rule_lines(settings) -> list[str]:
    """`rule` as lines of markdown that fit a narrow column: one equation a line (the rule's
    `\\quad` and `\\;` separate them), and a note in words, `(... \\text{...} ...)`, as words
    around its bits of math, so that it wraps as text does."""
    lines = []
    for part in re.split(r",?\s*\\quad\s*|,\\;\s*", rule(settings)):
        part = part.strip()
        if part.startswith("(") and part.endswith(")") and r"\text{" in part:
            lines.append(_words(part[1:-1]))
        elif part:
            lines.append(display(part))
    return lines


def _words(tex: str) -> str:
    """LaTeX whose top-level \\text{...} groups are words: those as text, the rest as math."""
    out, math, depth, i = [], "", 0, 0
    while i < len(tex):
        if depth == 0 and tex.startswith(r"\text{", i):
            end, level = i + len(r"\text{"), 1
            while level:
                level += {"{": 1, "}": -1}.get(tex[end], 0)
                end += 1
            if math.strip():
                out.append(f"${math.strip()}$")
            out.append(tex[i + len(r"\text{") : end - 1].strip())
            math, i = "", end
            continue
        depth += {"{": 1, "}": -1}.get(tex[i], 0)
        math += tex[i]
        i += 1
    if math.strip():
        out.append(f"${math.strip()}$")
    return " ".join(out)


_MARKDOWN = set("\\`*_{}[]()#+-.!|<>~$:=&")


def md(text: str) -> str:
    """User text as Streamlit markdown shows it literally: every markdown, LaTeX ($), emoji and
    directive (:) character escaped, line breaks flattened."""
    return "".join(
        "\\" + ch if ch in _MARKDOWN else ch for ch in str(text).replace("\r", " ").replace("\n", " ")
    )


def stability_note(ex: Experiment, run_known: bool = True) -> str:
    """One sentence about the learning rate against the optimizer's stability limit (markdown).
    `run_known` false: `ex.trajectory` is not the run of `ex.settings` (the browser runs them:
    ui.runs.Run.made), and what only the run tells is left out."""
    s, limit = ex.settings, ex.limit
    if not registry.entry(s.optimizer).rate:
        text = (
            f"**{s.optimizer}** has no learning rate: it reads the quadratic itself, so the learning "
            "rate and the schedule have no effect on it."
        )
        if registry.entry(s.optimizer).finite and run_known:
            took = held_after(ex)
            text += (
                f" Here it reached the optimum (residual at round-off) in **{took}** steps; at most "
                f"p = {ex.problem.p} in exact arithmetic."
                if took is not None
                else f" It was still moving after {ex.trajectory.steps:,} steps (at most p = {ex.problem.p} "
                "in exact arithmetic; round-off adds a few)."
            )
        return text
    if limit is None:
        return (
            f"**{s.optimizer}** adapts its step to the gradients it has seen: it has no fixed "
            "stability limit."
        )
    kind = "Full-batch stability limit (mini-batches vary around it)" if s.minibatch else "Stability limit"
    text = f"{kind}: learning rate < **{limit:.4g}**"
    if limit <= MIN_RATE:
        text = f"{kind}: learning rate < **{limit_text(limit)}**, below the smallest learning rate "
        text += f"allowed ({MIN_RATE:g}): every rate allowed is past it."
        if ridge_sets_limit(ex):
            return text + " " + sentence(ridge_advice(ex))
        return text if s.standardize else text + f" {STANDARDISE}."
    if s.learning_rate >= limit:
        back = schedule_note(ex)
        if back is not None and "under the limit" in back:
            return text + f". At {s.learning_rate:g} the run starts past it. {back}"
        return text + f". At {s.learning_rate:g} the run will **diverge**."
    return text + f" (now {s.learning_rate:g}: {percent(s.learning_rate / limit)} of it)."


def percent(ratio: float) -> str:
    """A ratio below 1 as a percentage that never reads 0% or 100%: 93%, 5.2%, 0.052%."""
    value = 100 * ratio
    if value >= 10:
        return f"{math.floor(value)}%"
    return f"{value:.2g}%"


def sweep_caption(ex: Experiment, swept: str) -> str:
    """What the learning-rate sweep computed (`swept`: gd.figures.sweep_kind's name of it)."""
    s = ex.settings
    steps = f"{s.steps:,} steps"
    if not registry.entry(s.optimizer).rate:
        return f"{s.optimizer} has no learning rate: every rate gives the same run."
    if not s.minibatch:
        return (
            f"The excess loss after {steps} of {s.optimizer} for learning rates around the "
            + ("stability limit" if ex.limit is not None else "current one")
            + ": too small crawls"
            + (", past the limit explodes." if ex.limit is not None else ", too large overshoots.")
        )
    if swept == "full-batch gd":
        return (
            f"Sweeping {s.optimizer} at this size (batch size × steps = {s.sgd_work(ex.problem.n):,} "
            f"draws a rate) is too much work: the line is full-batch gd after {steps}, without "
            f"{s.optimizer}'s noise; the marked point is your {s.optimizer} run's own loss."
        )
    noisy = ex.problem.loss_star > ex.problem.excess_floor()
    return (
        f"The excess loss after {steps} of {swept}, each rate on the run's own mini-batches (the "
        f"same shuffle, seed {s.seed}): too small crawls, past the full-batch limit explodes"
        + ("; in between, a larger rate levels off higher: the mini-batches' noise floor." if noisy else ".")
    )


def limit_text(limit: float, digits: int = 4) -> str:
    """The stability limit to `digits` significant digits, more where they would round a limit below the
    smallest learning rate allowed up to it (9.99999e-07 read "1e-06", beside a smallest rate of
    1e-06, as if that rate were under it)."""
    for more in (digits, 6, 8, 10, 17):
        text = f"{limit:.{max(more, digits)}g}"
        if (float(text) < MIN_RATE) == (limit < MIN_RATE):
            return text
    return repr(limit)


def went_non_finite(ex: Experiment) -> bool:
    """Whether the run diverged by a value that is not a finite number (NaN, infinity) rather than
    by a finite loss past gd.run.divergence_limit: the trajectory keeps the diverging row only
    when it is finite."""
    tr = ex.trajectory
    return tr.diverged_at is not None and tr.steps < tr.diverged_at


def eps_at_zero(ex: Experiment) -> bool:
    """An adaptive optimizer run with eps = 0 that went non-finite: its step divides the gradient
    by sqrt of a running mean (or sum) of squared gradients, and where a component's gradients
    have all been 0 that is 0 / 0. With eps = 0 nothing else makes these steps non-finite (each is
    at most about eta / sqrt(1 - the averaging factor) in size)."""
    return ex.settings.hyper.get("eps") == 0 and went_non_finite(ex)


def eps_advice(ex: Experiment) -> str:
    """The cause of an `eps_at_zero` divergence and its remedy, with torch's default eps."""
    default = registry.entry(ex.settings.optimizer).defaults["eps"]
    return (
        "eps = 0 divides by zero where a gradient component is 0; use eps > 0 "
        f"(torch's default is {default:g})"
    )


def rate_free_advice(ex: Experiment) -> str:
    """Why linesearch, newton or cg diverged, in words (no rate to lower): in exact arithmetic each
    step lowers the loss, so only float64's range or round-off can make them diverge."""
    if went_non_finite(ex):
        return "its step took the parameters or the loss out of float64's range: rescale the data"
    return (
        "its loss grew, which in exact arithmetic it cannot (each step lowers it): round-off on "
        "these data; rescale the data"
    )


def limit_at(ex: Experiment, l2: float) -> float | None:
    """The run's stability limit were the ridge penalty l2 instead of the run's: its optimizer's
    limit at lambda_max(G + l2 D) of the plain problem."""
    plain = ex.problem.plain or ex.problem
    lam_max = float(np.linalg.eigvalsh(plain.penalised_gram(l2))[-1])
    return registry.entry(ex.settings.optimizer).stability_limit(lam_max, **ex.settings.hyper)


def largest_l2(ex: Experiment, rate: float) -> float | None:
    """The largest lambda, to one significant digit rounded down, under which `rate` is below the
    stability limit (the limit falls as lambda grows: lambda_max(G + lambda D) grows with it);
    None where even lambda = 0 leaves it at or past the limit."""
    top = ex.settings.l2
    zero = limit_at(ex, 0.0)
    if zero is None or zero <= rate:
        return None
    low, high = 0.0, top
    for _ in range(100):  # bisection: limit_at(low) > rate >= limit_at(high)
        mid = (low + high) / 2
        low, high = (mid, high) if limit_at(ex, mid) > rate else (low, mid)
    if low <= 0:
        return None
    exponent = math.floor(math.log10(low))
    return math.floor(low / 10**exponent + 1e-12) * 10.0**exponent


def ridge_sets_limit(ex: Experiment) -> bool:
    """Whether the ridge penalty alone puts the limit below every learning rate allowed: without
    it (lambda = 0) the limit would be above the smallest."""
    if not ex.settings.l2 or ex.limit is None or ex.limit > MIN_RATE:
        return False
    zero = limit_at(ex, 0.0)
    return zero is not None and zero > MIN_RATE


def sentence(clause: str) -> str:
    """A clause as a sentence of its own: capitalised, with a full stop."""
    return clause[0].upper() + clause[1:] + "."


def ridge_advice(ex: Experiment, cli: bool = False) -> str:
    """A smaller lambda, with the numbers: the penalty adds lambda to G along every weight, so
    lambda_max >= lambda and the limit is at most the optimizer's limit at lambda_max = lambda,
    however the features are scaled (standardising cannot lift it)."""
    s = ex.settings
    bound = registry.entry(s.optimizer).stability_limit(s.l2, **s.hyper)
    name = "--l2" if cli else "λ ="
    text = (
        f"the ridge penalty sets this limit: λ = {s.l2:g} is added to G along every weight, so "
        f"λmax ≥ λ and the limit is at most {limit_text(bound)} however the features are scaled "
        "(standardising cannot lift it). A smaller λ raises it: "
    )
    fits = largest_l2(ex, s.learning_rate)
    if fits is not None:
        return text + f"with {name} {fits:g} or less, η = {s.learning_rate:g} is under it"
    room = largest_l2(ex, MIN_RATE)
    return text + f"with {name} {room:g} or less it passes {MIN_RATE:g}; then take η under it"


def divergence_advice(ex: Experiment) -> str:
    """What to do about a run that diverged, naming the cause where it is known: eps = 0 (0 / 0 in
    an adaptive step); an optimizer without a learning rate (no rate advice: what went out of
    range); a stability limit below the smallest rate allowed, set by the ridge penalty (a smaller
    lambda) or by the features (standardising, not when already on); else a smaller rate."""
    s = ex.settings
    if eps_at_zero(ex):
        return eps_advice(ex) + "."
    if not registry.entry(s.optimizer).rate:
        return f"{s.optimizer} has no learning rate, so a smaller one would not help: {rate_free_advice(ex)}."
    if ex.limit is not None and ex.limit <= MIN_RATE:
        text = f"No learning rate allowed is below the stability limit ({limit_text(ex.limit)}). "
        if ridge_sets_limit(ex):
            return text + sentence(ridge_advice(ex))
        if s.standardize:
            return text.rstrip()
        tip = standardise_tip(ex)
        return text + (tip or f"{STANDARDISE}.")
    if ex.limit is not None:
        return f"Lower the learning rate below the stability limit {limit_text(ex.limit)}."
    return "Lower the learning rate."


def divergence_text(ex: Experiment) -> str:
    """The page's message for a run that diverged: the step, what crossed the line, the advice."""
    tr, pb = ex.trajectory, ex.problem
    if went_non_finite(ex):
        what = "a parameter or the loss stopped being a finite number"
    else:
        start = float(pb.loss(tr.params[0]))
        what = "the loss grew past 10¹⁰ times " + (
            "its start"
            if start == pb.loss_scale(tr.params[0])
            else "L(0) = yᵀy/n, the zero model's loss (above its start)"
        )
    return f"The run diverged at step {tr.diverged_at}: {what}. {divergence_advice(ex)}"


NARROW = 100.0  # a condition number from which standardising is worth a word


def standardised(ex: Experiment) -> tuple[float, float | None] | None:
    """(condition number, stability limit) the run would have on standardised features, from
    G alone (gd.problem.Problem.standardised_eigenvalues); None where it is standardised already
    or cannot be."""
    if ex.settings.standardize:
        return None
    lam = ex.problem.standardised_eigenvalues
    if lam is None or lam[0] <= 0:
        return None
    s = ex.settings
    return float(lam[-1] / lam[0]), registry.entry(s.optimizer).stability_limit(float(lam[-1]), **s.hyper)


def standardise_tip(ex: Experiment) -> str | None:
    """Standardising, with the numbers that say why, when the valley is narrow (condition number
    from NARROW) or the stability limit sits within 10x of the learning rate's bounds, and
    standardising changes that; else None (markdown)."""
    after = standardised(ex)
    if after is None:
        return None
    condition, limit = ex.problem.condition_number, ex.limit
    new_condition, new_limit = after
    near_bounds = limit is not None and not (10 * MIN_RATE < limit < MAX_RATE / 10)
    narrow = condition >= NARROW and new_condition <= condition / 10
    if not (narrow or (near_bounds and new_limit is not None and 10 * MIN_RATE < new_limit < MAX_RATE / 10)):
        return None
    why = []
    if narrow:
        why.append(
            f"the condition number is {condition:.3g}: the slowest direction converges about "
            f"{condition:.3g} times slower than the fastest"
        )
    if near_bounds:
        side = f"smallest ({MIN_RATE:g})" if limit <= 10 * MIN_RATE else f"largest ({MAX_RATE:g})"
        why.append(f"the stability limit {limit:.3g} is next to the {side} learning rate allowed")
    text = "Standardise the features (the sidebar's switch): " + "; ".join(why) + ". "
    text += f"On z-scores the condition number would be {new_condition:.3g}"
    if new_limit is not None:
        text += (
            f" and the limit {new_limit:.3g} instead of {limit:.3g}: then take η up to about "
            f"{new_limit / 2:.2g}, half of it."
        )
    else:
        text += "."
    return text


def at_optimum(ex: Experiment) -> bool:
    """Whether the run starts at the optimum as far as the loss can tell: its excess loss
    L(theta0) - L* at most ROUND_OFF (1e-16) times the loss's scale, the larger of L(theta0) and
    L(0) (the scale gd.run.divergence_limit reads). From there any move is round-off, or an
    adaptive optimizer's step of about eta, and "barely moves" or "of the way" would mean nothing."""
    pb, theta0 = ex.problem, ex.trajectory.params[0]
    return float(pb.excess_loss(theta0)) <= ROUND_OFF * pb.loss_scale(theta0)


def adaptive_tip(ex: Experiment) -> str | None:
    """Advice for a run that ended far from the least-squares values (more than half the way still
    to go, and closer than it started) without diverging, from a start not already there
    (`at_optimum`); else None (markdown).

    An adaptive optimizer (a learning rate and no stability limit): a larger rate. Its steps grow
    with eta, about in proportion, so the rate that would have carried the slowest parameter all
    the way is eta times (its distance / what it covered), rounded up. newton: a larger damping h
    (each step takes the fraction h of the way, h = 1 lands in one). linesearch and cg: nothing,
    they have no rate to change; nor the optimizers with a stability limit (its note speaks)."""
    s, tr = ex.settings, ex.trajectory
    entry = registry.entry(s.optimizer)
    if tr.diverged_at is not None or tr.steps == 0 or at_optimum(ex):
        return None
    if entry.second_order:
        return _newton_tip(ex)
    if not entry.rate or ex.limit is not None or entry.minibatch:
        return None
    star = ex.problem.theta_star
    start, end = tr.params[0], tr.params[-1]
    need = float(np.linalg.norm(star - start))
    left = float(np.linalg.norm(star - end))
    if need == 0 or not 0.5 * need < left < need:
        return None
    moved = np.abs(end - start)
    ratio = float(np.max(np.abs(star - start) / np.maximum(moved, 1e-300)))
    rate = min(round_up(s.learning_rate * ratio), MAX_RATE)
    if rate <= s.learning_rate:
        return None
    return (
        f"**{s.optimizer}** barely moves at η = {s.learning_rate:g}: after "
        f"{tr.steps:,} steps the parameters are still {percent(left / need)} of the way from the least-"
        f"squares values. An adaptive optimizer's steps are about η each whatever the gradient's "
        f"size, so a larger rate is what helps: try η = {rate:g}."
    )


def _newton_tip(ex: Experiment) -> str | None:
    """newton with a small damping h: e_t = (1 - h)^t e_0 on the quadratic, the distance measured
    in G's norm (sqrt of the excess loss: directions of no curvature, which no step moves, left
    out). A larger h when more than half of it is left; h = 1 lands in one step."""
    pb, tr, h = ex.problem, ex.trajectory, ex.settings.damping
    need = float(pb.excess_loss(tr.params[0]))
    left = math.sqrt(float(pb.excess_loss(tr.params[-1])) / need) if need > 0 else 0.0
    if h >= 1 or not 0.5 < left < 1:
        return None
    return (
        f"**newton** barely moves with damping h = {h:g}: each step goes the fraction h of the way, "
        f"so after {tr.steps:,} steps the parameters are still {percent(left)} of the way from the "
        f"least-squares values (the distance shrinks by 1 − h a step). A larger h is what helps: "
        f"h = 1 lands on them in one step."
    )


def round_up(x: float) -> float:
    """x rounded up to one significant digit: 0.123 -> 0.2."""
    exponent = math.floor(math.log10(x))
    return float(f"{math.ceil(x / 10**exponent - 1e-9)}e{exponent}")


def guidance(ex: Experiment, standardise: bool = True) -> list[str]:
    """What to do about the run, from its numbers: standardise (a narrow valley, a limit next to
    the learning rate's bounds; not when `standardise` is false: a preset's note says it), a
    larger rate for an adaptive optimizer or a larger damping for newton that barely moved. Where
    the run diverged with no rate allowed below its limit, the divergence message says it."""
    tips = []
    said = ex.trajectory.diverged_at is not None and ex.limit is not None and ex.limit <= MIN_RATE
    if standardise and not said:
        tips.append(standardise_tip(ex))
    tips.append(adaptive_tip(ex))
    return [t for t in tips if t]


def will_diverge(ex: Experiment) -> bool:
    """Whether every update's rate is at or past the stability limit (a schedule that brings it
    under may save the run: the stability note says when)."""
    if ex.limit is None or ex.settings.learning_rate < ex.limit:
        return False
    note = schedule_note(ex)
    return note is None or "under the limit" not in note
