"""The words and formulas the page shows: pure functions, so tests read them without Streamlit.

LaTeX uses the article's notation: weights w, bias b, learning rate eta, n samples (x_i, y_i).
Only numbers are put into LaTeX, never user text.
"""

from __future__ import annotations

import re

from gd import registry
from gd.inputs import RANGES
from gd.run import Experiment

MIN_RATE = RANGES["learning_rate"].minimum  # the smallest learning rate any input allows
# What helps when the stability limit is below MIN_RATE: lowering the rate cannot.
STANDARDISE = (
    "Standardise the features (the sidebar's checkbox): on z-scores the limit is at least 1/(d + 1), "
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


def rule(settings) -> str:
    """The optimizer's update of theta = (w, b) as in torch.optim, g the gradient at step t, with
    the run's hyper-parameters written in (its formula in gd.registry)."""
    return registry.entry(settings.optimizer).rule_tex(**settings.hyper)


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


number = registry.tex_number  # a float as LaTeX: 1.234 \times 10^{-5} rather than 1.234e-05


def vector(values) -> str:
    """A row vector; from 5 entries on in a smaller size (to the end of the line), so it fits."""
    size = r"\footnotesize " if len(values) > 4 else ""
    return size + r"\begin{bmatrix}" + r" & ".join(number(v) for v in values) + r"\end{bmatrix}"


def current_math(ex: Experiment, k: int) -> list[str]:
    """The loss, the gradient and the update at iteration k: each formula with its numbers."""
    P = ex.trajectory.params
    theta = P[k]
    grad = ex.problem.gradient(theta)
    lines = [
        rf"w_{{{k}}} = {vector(theta[:-1])}, \quad b_{{{k}}} = {number(theta[-1])}",
        rf"{LOSS} = {number(ex.trajectory.loss[k], 6)}",
        GRADIENT_W,
        rf"\nabla_w L = {vector(grad[:-1])}",
        rf"{GRADIENT_B} = {number(grad[-1])}",
        rule(ex.settings),
    ]
    if k < ex.trajectory.steps:
        lines.append(
            rf"\theta_{{{k + 1}}} - \theta_{{{k}}} = {vector(P[k + 1] - theta)}"
            rf"\quad (\eta = {number(ex.settings.learning_rate)})"
        )
    return lines


def stability_note(ex: Experiment) -> str:
    """One sentence about the learning rate against the optimizer's stability limit (markdown)."""
    s, limit = ex.settings, ex.limit
    if limit is None:
        return (
            f"**{s.optimizer}** adapts its step to the gradients it has seen: it has no fixed "
            "stability limit."
        )
    kind = (
        "Full-batch stability limit (mini-batches vary around it)"
        if s.optimizer == "sgd"
        else "Stability limit"
    )
    text = f"{kind}: learning rate < **{limit:.4g}**"
    if limit <= MIN_RATE:
        return (
            text + f", below the smallest learning rate allowed ({MIN_RATE:g}): every rate "
            f"**diverges** on these features. {STANDARDISE}."
        )
    if s.learning_rate >= limit:
        return text + f". At {s.learning_rate:g} the run will **diverge**."
    return text + f" (now {s.learning_rate:g}, {s.learning_rate / limit:.0%} of it)."


def divergence_advice(ex: Experiment) -> str:
    """What to do about a run that diverged: a smaller learning rate, unless the stability limit
    is below the smallest one allowed (then standardising is what helps)."""
    if ex.limit is not None and ex.limit <= MIN_RATE:
        return f"No learning rate allowed is below the stability limit ({ex.limit:.4g}). {STANDARDISE}."
    return "Lower the learning rate."


def will_diverge(ex: Experiment) -> bool:
    return ex.limit is not None and ex.settings.learning_rate >= ex.limit


def parameter_table(ex: Experiment, k: int) -> dict[str, list]:
    """Columns of a table of the parameters at iteration k against the least-squares and true
    values; with standardised features, the same in the original units too."""
    theta = ex.trajectory.params[k]
    table = {
        "parameter": list(ex.names),
        f"iteration {k}": [f"{v:.6g}" for v in theta],
        "least squares": [f"{v:.6g}" for v in ex.problem.theta_star],
    }
    if ex.true_theta is not None:
        table["true"] = [f"{v:.6g}" for v in ex.true_theta]
    if ex.scale is not None:
        table[f"iteration {k}, original units"] = [f"{v:.6g}" for v in ex.in_original_units(theta)]
        if ex.true_theta is not None:
            table["true, original units"] = [f"{v:.6g}" for v in ex.in_original_units(ex.true_theta)]
    return table
