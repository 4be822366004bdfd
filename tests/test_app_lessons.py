"""Issue 20 item 6 through AppTest: every number a preset's text states is one the page shows.

For each preset, the numbers are read out of its text (`numbers`) and each is matched, in order,
to a readout of the page with that preset chosen: an input's box, the stability note under the
learning rate, the panel's data (its condition number, its runs' loss and excess loss at an
iteration, the least-squares and true parameters, the matrix G + λD the map is drawn from). Where
the text states what a change would show ("switch it on", "set λ to 0"), the change is made on the
page and the page read again. A number added to a text without a readout here fails the test.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest
from test_live import decode, open_folds, panel, value_at

from gd.presets import PRESETS

# A number as a text writes it: 0.01, 1,000, 93%, 10⁻¹⁴; not the digit of a name (w5, L2), nor a
# coefficient of a symbol (2λ).
NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(⁻[⁰¹²³⁴⁵⁶⁷⁸⁹]+)?(%?)(?!\w)")
SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")


def numbers(text: str) -> list[str]:
    return [m.group(0) for m in NUMBER.finditer(text)]


def states(written: str, value: float, relation: str) -> bool:
    """Whether a readout `value` is what `written` states: the same at the text's precision
    ("=": 0.964 for 0.9641, 93% for 93.2), or, for a bound the text states, within it."""
    power = re.fullmatch(r"10⁻([⁰¹²³⁴⁵⁶⁷⁸⁹]+)", written)
    bound = 10.0 ** -int(power.group(1).translate(SUPERSCRIPT)) if power else None
    if relation == "below":
        return value < bound
    plain = written.rstrip("%").replace(",", "")
    if relation == "at most":
        return value <= float(plain)
    decimals = len(plain.partition(".")[2])
    return f"{value:.{decimals}f}" == plain


# ---- the page with a preset chosen, and its readouts ----------------------------------------------


@cache
def shown(name: str, **changes) -> AppTest:
    """The page with preset `name` chosen from the select, then `changes` made in its boxes."""
    at = open_folds(AppTest.from_file("../app.py", default_timeout=60))
    at.run()
    at.selectbox(key="preset").set_value(name).run()
    for key, value in changes.items():
        widget = at.toggle(key=key) if isinstance(value, bool) else at.number_input(key=key)
        widget.set_value(value).run()
    assert not at.exception, at.exception
    return at


def shown_with(name: str, **changes) -> AppTest:
    return shown(name, **dict(sorted(changes.items())))


def box(key: str) -> Callable:
    """An input's value as its box shows it."""
    return lambda at: at.session_state[key]


def limit(at) -> float:
    """The stability limit the note under the learning rate states ("learning rate < **0.964**")."""
    notes = [m.value for m in at.sidebar.markdown if "learning rate <" in m.value]
    (note,) = notes
    return float(re.search(r"learning rate < \*\*([0-9.e+-]+)\*\*", note).group(1))


def payload(at) -> dict:
    return panel(at)["payload"]


def G(at) -> np.ndarray:
    """The matrix the map and the panel's gradients are drawn from (under ridge G + λD)."""
    p = payload(at)["p"]
    return decode(payload(at)["G"]).reshape(p, p)


def run_of(at, label: str) -> int:
    return [r["label"] for r in payload(at)["runs"]].index(label)


def at_iteration(name: str, k: int, r: int = 0) -> Callable:
    """Run r's `name` (loss, excess) at iteration k, as the panel holds it."""
    return lambda at: float(value_at(payload(at), name, k, r))


def converged_by(at, label: str) -> int:
    """The first iteration at which run `label`'s excess loss is at round-off (1e-20 of its start)."""
    r = run_of(at, label)
    excess = np.array([value_at(payload(at), "excess", k, r) for k in range(payload(at)["runs"][r]["T"] + 1)])
    return int(np.flatnonzero(excess <= 1e-20 * excess[0])[0])


def below(at, bound: float) -> int:
    """The first iteration at which the main run's excess loss is below `bound`."""
    excess = [value_at(payload(at), "excess", k) for k in range(payload(at)["runs"][0]["T"] + 1)]
    return int(np.flatnonzero(np.array(excess) < bound)[0])


def curvature_ratio(at) -> float:
    """The loss's curvature along w5 over that along w1 (G's diagonal: the map's axes)."""
    return G(at)[4, 4] / G(at)[0, 0]


# Each preset's numbers in the order its text states them: (as written, readout, relation).
READOUTS: dict[str, list[tuple[str, Callable, str]]] = {
    "article": [("0.01", box("learning_rate"), "=")],
    "too_small": [
        ("0.0005", box("learning_rate"), "="),
        ("1,000", box("steps"), "="),
        ("34", at_iteration("loss", 1000), "="),
        ("0.01", lambda at: float(at.session_state["compare_rates"]), "="),  # the run beside it
        ("10⁻¹⁴", at_iteration("excess", 1000, 1), "below"),
    ],
    "oscillation": [("93%", lambda at: 100 * at.session_state["learning_rate"] / limit(at), "=")],
    "divergence": [
        ("1.05", box("learning_rate"), "="),
        ("109%", lambda at: 100 * at.session_state["learning_rate"] / limit(at), "="),
        ("0.964", limit, "="),
        ("0.95", lambda at: float(at.session_state["compare_rates"]), "="),
        ("98.5%", lambda at: 100 * float(at.session_state["compare_rates"]) / limit(at), "="),
    ],
    "unscaled": [
        ("273", lambda at: payload(at)["condition_number"], "="),
        ("1.09", lambda at: payload(shown_with("unscaled", standardize=True))["condition_number"], "="),
        ("0.034", limit, "="),
        ("0.96", lambda at: limit(shown_with("unscaled", standardize=True)), "="),
        (
            "0.5",
            lambda at: shown_with("unscaled", standardize=True, learning_rate=0.5).session_state[
                "learning_rate"
            ],
            "=",
        ),
        (
            "10⁻⁹",
            lambda at: at_iteration("excess", 5)(shown_with("unscaled", standardize=True, learning_rate=0.5)),
            "below",
        ),
        ("5", lambda at: below(shown_with("unscaled", standardize=True, learning_rate=0.5), 1e-9), "at most"),
        ("386", at_iteration("loss", 5), "="),
        ("0.03", box("learning_rate"), "="),
    ],
    "sgd_noise": [("32", box("batch_size"), "=")],
    "outlier": [
        ("200", box("outlier"), "="),
        ("4", lambda at: abs(payload(at)["theta_star"][-1] - payload(at)["true_theta"][-1]), "="),
        ("49", lambda at: at.session_state["samples"] - 1, "="),
    ],
    "methods": [("6", lambda at: converged_by(at, "cg"), "at most")],
    "ridge": [
        ("1", lambda at: np.sqrt(G(shown_with("ridge", l2=0.0))[0, 0]), "="),  # w1's feature scale
        ("10", box("feature_scale"), "="),
        ("100", lambda at: curvature_ratio(shown_with("ridge", l2=0.0)), "="),
        ("20", box("l2"), "="),
        ("5.7", curvature_ratio, "="),
        ("0.1", lambda at: payload(at)["theta_star"][0], "="),
        ("2", lambda at: payload(at)["true_theta"][0], "="),
        ("1", lambda at: G(at)[5, 5], "="),  # the bias's curvature, not penalised
        ("100", lambda at: payload(shown_with("ridge", l2=0.0))["condition_number"], "="),
        ("120", lambda at: payload(at)["condition_number"], "="),
        ("0", lambda at: shown_with("ridge", l2=0.0).session_state["l2"], "="),
    ],
}


def test_every_preset_has_its_numbers_read_here():
    assert set(READOUTS) == set(PRESETS)


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_number_a_preset_states_is_what_the_page_shows(name):
    written = numbers(PRESETS[name].watch)
    assert written == [w for w, _, _ in READOUTS[name]], "a number of the text has no readout here"
    at = shown(name)
    assert [i.value for i in at.info if PRESETS[name].label in i.value], "the preset's text is on the page"
    wrong = []
    for text, readout, relation in READOUTS[name]:
        value = readout(at)
        if not states(text, float(value), relation):
            wrong.append(f"{text}: the page shows {value}")
    assert not wrong, wrong


@pytest.mark.parametrize(
    ("written", "value", "relation", "holds"),
    [
        ("0.964", 0.96412, "=", True),
        ("0.964", 0.9636, "=", True),
        ("0.964", 0.9654, "=", False),
        ("93%", 93.4, "=", True),
        ("93%", 92.4, "=", False),
        ("1,000", 1000, "=", True),
        ("120", 100.2, "=", False),
        ("10⁻¹⁴", 3e-15, "below", True),
        ("10⁻¹⁴", 2e-14, "below", False),
        ("6", 6, "at most", True),
        ("6", 7, "at most", False),
    ],
)
def test_a_number_is_matched_at_the_precision_it_is_written(written, value, relation, holds):
    assert states(written, value, relation) is holds
