"""The engine's side of the rules it shares with the browser (tests/rules.json; the browser's side
is tests/js/rules.test.mjs, run by tests/test_node.py): each case as the engine computes it, and the
table itself checked against independent references where there are some (numpy's algebra)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from reference import compact

from gd.data import to_original_units
from gd.figures.charts import arrow_tips, step_rate
from gd.figures.common import MAX_POINTS, milestones
from gd.figures.surface import trail_steps
from gd.ordered import products as ordered_products

RULES = json.loads(Path(__file__).with_name("rules.json").read_text(encoding="utf-8"))


def value(x) -> float:
    return float(x)  # float("nan"), float("inf") and float("-inf") read the table's strings


def values(xs) -> np.ndarray:
    return np.array([value(x) for x in xs])


@pytest.mark.parametrize(("x", "text"), RULES["compact"])
def test_compact(x, text):
    assert compact(value(x)) == text


@pytest.mark.parametrize(("x", "digits", "text"), RULES["format_g"])
def test_format_g_is_pythons_own(x, digits, text):
    assert format(value(x), f".{digits}g") == text


@pytest.mark.parametrize("case", RULES["products"], ids=[c["name"] for c in RULES["products"]])
def test_gradients_and_eigen_errors_are_the_engines_to_the_bit(case):
    p = case["p"]
    G, c, V = values(case["G"]).reshape(p, p), values(case["c"]), values(case["V"]).reshape(p, p)
    star, P = values(case["theta_star"]), values(case["P"]).reshape(-1, p)
    grad, eig = values(case["gradient"]).reshape(-1, p), values(case["eigen_errors"]).reshape(-1, p)
    # the engine's own summation, which the browser repeats, gives the table's bits
    np.testing.assert_array_equal(2.0 * (ordered_products(P, G) - c), grad)
    np.testing.assert_array_equal(np.abs(ordered_products(P - star, V)), eig)
    # and they are the gradient and the errors to round-off (numpy's BLAS, in its own order)
    scale = np.abs(P).max() * np.abs(G).max() + np.abs(c).max()
    np.testing.assert_allclose(grad, 2 * (P @ G - c), rtol=0, atol=4 * p * np.finfo(float).eps * scale)
    bound = p**2 * np.finfo(float).eps * np.abs(P - star).max()
    np.testing.assert_allclose(eig, np.abs((P - star) @ V), rtol=0, atol=bound)


def test_the_table_tells_the_order_of_the_sum_apart():
    """Another order of the same sum rounds differently somewhere in the table: a browser that
    summed in another order would fail its side."""
    differs = False
    for case in RULES["products"]:
        p = case["p"]
        G, c = values(case["G"]).reshape(p, p), values(case["c"])
        P = values(case["P"]).reshape(-1, p)
        backwards = 2.0 * (sum(P[:, m, None] * G[m] for m in reversed(range(p))) - c)
        differs |= bool(np.any(backwards != values(case["gradient"]).reshape(-1, p)))
    assert differs


@pytest.mark.parametrize("case", RULES["original_units"])
def test_original_units(case):
    got = to_original_units(values(case["theta"]), values(case["mean"]), values(case["scale"]))
    np.testing.assert_allclose(got, values(case["original"]), rtol=1e-14, atol=0)


@pytest.mark.parametrize("case", RULES["arrows"])
def test_arrows(case):
    tips, factor = arrow_tips(values(case["origin"]), values(case["g"]), values(case["u"]), case["span"])
    if case["factor"] is None:
        assert (tips, factor) == ([], None)
        return
    assert factor == case["factor"]
    np.testing.assert_array_equal(tips, [values(t) for t in case["tips"]])
    # the longer arrow is 15% of the view
    scale = np.array(case["span"])
    longest = max(np.linalg.norm((np.array(t) - values(case["origin"])) / scale) for t in tips)
    assert longest == pytest.approx(0.15, rel=1e-12)


@pytest.mark.parametrize("case", RULES["rates"])
def test_the_rate_shown_for_an_update(case):
    settings = SimpleNamespace(learning_rate=case["learning_rate"])
    ex = SimpleNamespace(step_rates=values(case["rates"]), settings=settings)
    assert step_rate(ex, case["k"]) == case["eta"]


@pytest.mark.parametrize("case", RULES["trail"])
def test_the_3d_trail(case):
    assert milestones(case["T"], MAX_POINTS).tolist() == case["drawn"]
    assert trail_steps(case["T"], case["k"]).tolist() == case["steps"]


def test_the_table_is_what_the_engine_writes():
    """tests/rules.json is rules_cases.build's output: a change of a rule in the engine is written
    to the table (python tests/rules_cases.py), and the browser's side then fails until it follows."""
    from rules_cases import build

    assert json.loads(json.dumps(build(), ensure_ascii=False)) == RULES
