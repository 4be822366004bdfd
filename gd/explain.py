"""The words and formulas the page shows: pure functions, so tests read them without Streamlit.

LaTeX uses the article's notation: weights w, bias b, learning rate eta, n samples (x_i, y_i).
Only numbers are put into LaTeX, never user text.
"""

from __future__ import annotations

import numpy as np

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

# Each optimizer's update of theta = (w, b) with g the gradient at step t, as in torch.optim.
RULES = {
    "gd": r"\theta_{t+1} = \theta_t - \eta\, g_t",
    "sgd": r"\theta_{t+1} = \theta_t - \eta\, g_t^{\text{batch}}"
    r"\quad (g^{\text{batch}}: \text{the same formulas over the next } B \text{ samples})",
    "momentum": r"v_{t+1} = \mu v_t + g_t, \quad \theta_{t+1} = \theta_t - \eta\, v_{t+1}",
    "nesterov": r"v_{t+1} = \mu v_t + g_t, \quad \theta_{t+1} = \theta_t - \eta\,(g_t + \mu v_{t+1})",
    "adagrad": r"s_{t+1} = s_t + g_t^2, \quad \theta_{t+1} = \theta_t - \frac{\eta\, g_t}"
    r"{\sqrt{s_{t+1}} + 10^{-10}}",
    "rmsprop": r"v_{t+1} = 0.99\, v_t + 0.01\, g_t^2, \quad \theta_{t+1} = \theta_t - "
    r"\frac{\eta\, g_t}{\sqrt{v_{t+1}} + 10^{-8}}",
    "adam": r"m_{t} = 0.9\, m_{t-1} + 0.1\, g_t,\; v_t = 0.999\, v_{t-1} + 0.001\, g_t^2,\;"
    r" \theta_{t} = \theta_{t-1} - \eta \frac{m_t / (1 - 0.9^t)}"
    r"{\sqrt{v_t / (1 - 0.999^t)} + 10^{-8}}",
}


_MARKDOWN = set("\\`*_{}[]()#+-.!|<>~$:=&")


def md(text: str) -> str:
    """User text as Streamlit markdown shows it literally: every markdown, LaTeX ($), emoji and
    directive (:) character escaped, line breaks flattened."""
    return "".join(
        "\\" + ch if ch in _MARKDOWN else ch for ch in str(text).replace("\r", " ").replace("\n", " ")
    )


def number(x: float, digits: int = 4) -> str:
    """A float as LaTeX: 1.234 \\times 10^{-5} rather than 1.234e-05."""
    x = float(x)
    if not np.isfinite(x):
        return r"\infty" if x > 0 else (r"-\infty" if x < 0 else r"\text{NaN}")
    if x == 0:
        return "0"
    text = f"{x:.{digits}g}"
    if "e" in text:
        mantissa, exp = text.split("e")
        return rf"{mantissa} \times 10^{{{int(exp)}}}"
    return text


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
        RULES[ex.settings.optimizer],
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
