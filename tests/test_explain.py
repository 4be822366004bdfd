"""gd.explain: user text reads back literally, numbers in LaTeX read back as the numbers, and the
formulas at iteration k hold that iteration's loss and gradient.

References: a small reader of CommonMark's backslash escapes written here; a reader of the LaTeX
numbers written here; the loss and gradient computed directly from the data with numpy.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gd import explain, registry
from gd.data import make_regression
from gd.inputs import Settings
from gd.run import experiment

# ---- md: user text shown literally -----------------------------------------------------------------

# Characters that start markdown, LaTeX ($), emoji or colour directives (:), HTML (<, &) in
# Streamlit's markdown. ASCII punctuation, which a CommonMark backslash escape makes literal.
SPECIAL = set("\\`*_{}[]()#+-.!|<>~$:&=")


def read_markdown_escapes(text: str) -> tuple[str, list[str]]:
    """What CommonMark shows for `text` if only backslash escapes matter: a backslash before ASCII
    punctuation is that character, literally. Returns (literal text, special characters left
    unescaped)."""
    out, bare, i = [], [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in SPECIAL:
            out.append(text[i + 1])
            i += 2
            continue
        if ch in SPECIAL:
            bare.append(ch)
        out.append(ch)
        i += 1
    return "".join(out), bare


def flattened(text: str) -> str:
    return text.replace("\r", " ").replace("\n", " ")


@settings(max_examples=300, deadline=None)
@given(st.text() | st.text(alphabet=st.sampled_from(sorted(SPECIAL) + ["a", " ", "\n", "é"])))
def test_md_escapes_every_special_character_and_reads_back_literally(text):
    shown = explain.md(text)
    literal, bare = read_markdown_escapes(shown)
    assert bare == []
    assert literal == flattened(text)
    assert re.sub(r"\\(.)", r"\1", shown, flags=re.S) == flattened(text)  # the brief's reading
    assert "\n" not in shown and "\r" not in shown


@pytest.mark.parametrize(
    "text",
    [
        "**bold** and _it_",
        "$x^2$",
        ":red[danger] :smile:",
        "<script>alert(1)</script>",
        "[link](javascript:alert(1))",
        "# heading",
        "1. item",
        "- item",
        "> quote",
        "`code`",
        "a\\b",
        "a\\",
        "&lt;b&gt;",
        "~~strike~~",
        "| a | b |",
        "line one\nline two\r\n",
        "x=1+2",
        "col_1 (kg)",
        "",
    ],
)
def test_md_examples(text):
    shown = explain.md(text)
    literal, bare = read_markdown_escapes(shown)
    assert bare == [] and literal == flattened(text)
    for ch in "*_$[:<":
        assert not re.search(rf"(?<!\\){re.escape(ch)}", shown.replace("\\\\", "")), (ch, shown)


# ---- number: floats as LaTeX ---------------------------------------------------------------------

NUMBER = re.compile(r"^(-?\d+(?:\.\d+)?)(?: \\times 10\^\{(-?\d+)\})?$")


def read_number(latex: str) -> float:
    """A number as explain.number writes it, back to a float."""
    latex = latex.strip()
    if latex == r"\infty":
        return math.inf
    if latex == r"-\infty":
        return -math.inf
    if latex == r"\text{NaN}":
        return math.nan
    match = NUMBER.match(latex)
    assert match, f"not a LaTeX number: {latex!r}"
    mantissa, exponent = match.groups()
    return float(f"{mantissa}e{exponent or 0}")


@pytest.mark.parametrize(
    "x, latex",
    [
        (1e-5, r"1 \times 10^{-5}"),
        (1.234e-5, r"1.234 \times 10^{-5}"),
        (-2.5e12, r"-2.5 \times 10^{12}"),
        (12345.678, r"1.235 \times 10^{4}"),
        (0.01, "0.01"),
        (3.0, "3"),
        (0.0, "0"),
        (-0.0, "0"),
        (math.inf, r"\infty"),
        (-math.inf, r"-\infty"),
        (math.nan, r"\text{NaN}"),
        (1e300, r"1 \times 10^{300}"),
    ],
)
def test_number_examples(x, latex):
    assert explain.number(x) == latex


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False), st.sampled_from([4, 6]))
def test_number_reads_back_to_its_significant_digits(x, digits):
    latex = explain.number(x, digits)
    assert not re.search(r"\de|\de[+-]", latex)  # never Python's 1e-05
    match = NUMBER.match(latex)
    assert match, latex
    # exact decimals: 1.798 x 10^308 is past the largest float, yet the right 4 digits of 1.7975e308
    shown = Decimal(match.group(1)).scaleb(int(match.group(2) or 0))
    assert abs(shown - Decimal(x)) <= Decimal(5) * Decimal(10) ** -digits * abs(Decimal(x))


# ---- stability_note -------------------------------------------------------------------------------


def limit_by_hand(s: Settings) -> float:
    data = make_regression(s.true_weights, s.bias, s.samples, s.noise, s.seed)
    A = np.column_stack([data.X, np.ones(s.samples)])
    lam = np.linalg.eigvalsh(A.T @ A / s.samples)[-1]
    mu = s.momentum
    return {
        "gd": 1 / lam,
        "sgd": 1 / lam,
        "momentum": (1 + mu) / lam,
        "nesterov": (1 + mu) / ((1 + 2 * mu) * lam),
    }[s.optimizer]


@pytest.mark.parametrize("optimizer", ["gd", "sgd", "momentum", "nesterov"])
def test_stability_note_says_diverge_exactly_from_the_limit_on(optimizer):
    s = Settings(
        true_weights=(2.0, -3.0),
        bias=1.0,
        samples=100,
        noise=0.3,
        seed=4,
        learning_rate=0.1,
        steps=3,
        optimizer=optimizer,
        momentum=0.6,
    )
    limit = experiment(s).limit
    assert limit == pytest.approx(limit_by_hand(s), rel=1e-10)
    for rate, diverges in [
        (limit * 0.5, False),
        (math.nextafter(limit, 0), False),
        (limit, True),
        (limit * 1.01, True),
        (min(limit * 50, 100.0), True),
    ]:
        ex = experiment(replace(s, learning_rate=rate))
        note = explain.stability_note(ex)
        assert ("diverge" in note) == diverges, (rate, note)
        assert explain.will_diverge(ex) == diverges
        assert f"{limit_by_hand(s):.4g}" in note
        assert "no fixed" not in note


@pytest.mark.parametrize("optimizer", ["adam", "adagrad", "rmsprop"])
@pytest.mark.parametrize("rate", [1e-6, 0.1, 100.0])
def test_adaptive_optimizers_have_no_fixed_limit(optimizer, rate):
    ex = experiment(
        Settings(
            true_weights=(2.0, -3.0),
            bias=1.0,
            samples=100,
            noise=0.3,
            seed=4,
            learning_rate=rate,
            steps=3,
            optimizer=optimizer,
        )
    )
    note = explain.stability_note(ex)
    assert "no fixed" in note and "diverge" not in note and optimizer in note
    assert not explain.will_diverge(ex)


# ---- rule_lines: the update rule in lines that wrap ---------------------------------------------


@pytest.mark.parametrize("optimizer", registry.NAMES)
def test_rule_lines_hold_the_whole_rule_one_equation_a_line(optimizer):
    settings = Settings(optimizer=optimizer, momentum=0.8 if optimizer == "nesterov" else None)
    rule = explain.rule(settings)
    lines = explain.rule_lines(settings)
    maths = [re.findall(r"\$(.*?)\$", line) for line in lines]
    # every equation of the rule, each on its own line, nothing lost or changed
    assert sum(m.count("=") for ms in maths for m in ms) == rule.count("=")
    assert all(sum(m.count("=") for m in ms) <= 1 for ms in maths)
    squeeze = lambda t: re.sub(r"\\displaystyle|\\quad|\\;|\\text\{|[\s,{}()]", "", t)  # noqa: E731
    assert squeeze("".join(line.replace("$", "") for line in lines)) == squeeze(rule)
    if optimizer == "sgd":  # the note is words that wrap, not one unbreakable \text
        assert lines[1] == "$g^{\\text{batch}}:$ the same formulas over the next $B$ samples"
