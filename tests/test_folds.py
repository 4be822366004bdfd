"""The sidebar's folds: groups of inputs few users touch, drawn only while open (ui.folds.FOLDS).

A closed fold draws none of its inputs (a page view then costs less server time), yet every value
in it stays in force: the run, the share link and the messages follow it whether the fold is open
or closed. A fold opens by itself where a share link or a preset sets one of its inputs.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest
from test_live import open_folds, panel, shown_settings

from gd import live, share
from gd.inputs import Settings
from gd.presets import PRESETS
from gd.run import experiment
from ui.folds import FOLDS

TIMEOUT = 60

LABELS = [
    "Noise, seed, feature scales and outliers",
    "Advanced: start, schedule, ridge",
    "Compare with other runs",
    "Surface axes",
    "Export: the trajectory as CSV, the animated surface as HTML",  # under the sweep: no inputs
]


def page(**query) -> AppTest:
    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def drawn(at) -> set[str]:
    """The keys of every input drawn in the sidebar."""
    kinds = ("number_input", "text_input", "selectbox", "multiselect", "toggle")
    return {e.key for kind in kinds for e in at.sidebar.get(kind)}


def opened(at) -> set[str]:
    return {fold for fold in FOLDS if fold in at.session_state and at.session_state[fold] is True}


def run_of(at) -> str:
    return panel(at)["payload"]["run"]


def test_folds_are_closed_on_a_new_page_and_their_inputs_not_drawn():
    at = page()
    assert sorted(e.label for e in at.expander) == sorted(LABELS)  # gd has no optimizer settings to fold
    folded = {key for keys in FOLDS.values() for key in keys}
    assert not drawn(at) & folded
    assert {"true_weights", "bias", "samples", "learning_rate", "steps", "optimizer"} <= drawn(at)
    assert run_of(at) == live.run_key(experiment(Settings()))  # the folded inputs at their defaults
    open_folds(at).run()
    assert folded - {"alpha", "beta1", "beta2", "eps", "gamma", "step_size"} <= drawn(at)


def test_a_value_set_in_a_fold_stays_in_force_once_it_is_closed():
    at = page()
    open_folds(at, "data", "advanced").run()
    at.number_input(key="feature_scale").set_value(10.0).run()
    at.number_input(key="l2").set_value(0.5).run()
    want = experiment(Settings(feature_scale=10.0, l2=0.5))
    assert run_of(at) == live.run_key(want)
    at.session_state["fold_data"] = at.session_state["fold_advanced"] = False
    at.run()
    assert not drawn(at) & {"feature_scale", "l2"}
    assert run_of(at) == live.run_key(want) and float(at.query_params["feature_scale"]) == 10
    # another input changed while the fold is closed: the folded values still hold
    at.number_input(key="learning_rate").set_value(0.02).run()
    assert shown_settings(at) == Settings(feature_scale=10.0, l2=0.5, learning_rate=0.02)
    assert run_of(at) == live.run_key(want)  # the browser runs the new rate over the same problem
    assert (float(at.query_params["feature_scale"]), float(at.query_params["l2"])) == (10, 0.5)
    at.session_state["fold_data"] = True
    at.run()
    assert at.number_input(key="feature_scale").value == 10.0  # reopened: the box shows it


def test_an_out_of_range_value_in_a_closed_fold_is_still_named_and_refused():
    at = page()
    before = run_of(at)
    open_folds(at, "data").run()
    at.number_input(key="feature_scale").set_value(-3.0).run()
    at.session_state["fold_data"] = False
    at.run()
    assert "feature_scale" not in drawn(at)
    assert any("feature scale" in e.value.lower() and "last valid run" in e.value for e in at.error)
    assert run_of(at) == before


@pytest.mark.parametrize(
    ("query", "folds"),
    [
        ({"l2": "0.5"}, {"fold_advanced"}),
        ({"compare": "adam", "seed": "3"}, {"fold_compare", "fold_data"}),
        ({"optimizer": "adam", "beta2": "0.99"}, {"fold_optimizer"}),
        ({"surface_x": "w1", "surface_y": "b"}, {"fold_surface"}),
        ({"learning_rate": "0.1"}, set()),
    ],
)
def test_a_link_that_sets_a_folded_input_opens_its_fold(query, folds):
    at = page(**query)
    assert opened(at) == folds
    for key, value in query.items():
        if key not in ("learning_rate", "optimizer"):
            assert at.query_params[key] == value  # kept in the link, the fold shows its box


@pytest.mark.parametrize("name", list(PRESETS))
def test_a_preset_opens_the_folds_of_the_inputs_it_sets(name):
    at = page()
    at.selectbox(key="preset").set_value(name).run()
    assert not at.exception
    values = PRESETS[name].values
    want = {fold for fold, keys in FOLDS.items() if any(key in values for key in keys)}
    assert opened(at) == want
    for fold in want:  # and every input it set is in a box the user can see
        for key in set(FOLDS[fold]) & set(values):
            [widget] = [
                e
                for kind in ("number_input", "text_input", "selectbox", "multiselect")
                for e in at.sidebar.get(kind)
                if e.key == key
            ]
            assert widget.value == values[key]


def test_a_click_on_the_map_opens_the_fold_of_the_start_it_sets():
    from test_app import send_trigger

    at = page()
    payload = panel(at)["payload"]
    send_trigger(
        at, "live", "pick", {"run": payload["run"], "i": payload["i"], "j": payload["j"], "x": 1.5, "y": 2.0}
    )
    assert not at.exception
    assert opened(at) == {"fold_advanced"}
    start = [0.0] * 6
    start[payload["i"]], start[payload["j"]] = 1.5, 2.0
    assert at.text_input(key="start").value == ", ".join(f"{v:g}" for v in start)


def test_the_hot_path_memo_answers_repeats_once_per_arguments_and_stays_bounded():
    """ui.runs.recent: the last results in front of Streamlit's caches, looked up by the hashed
    (non-underscore) arguments: a repeat is not computed again, another argument is, and at most
    RECENT results are held (the oldest dropped first)."""
    from ui import runs  # noqa: PLC0415

    calls = []

    def square(*, key: int, _unhashed: object = None) -> int:
        calls.append(key)
        return key * key

    runs._recent.clear()
    assert runs.recent(square, key=3, _unhashed=object()) == 9
    assert runs.recent(square, key=3, _unhashed=object()) == 9  # underscore arguments: not looked at
    assert calls == [3]
    for key in range(4, 4 + runs.RECENT):
        assert runs.recent(square, key=key) == key * key
    assert len(runs._recent) == runs.RECENT
    assert runs.recent(square, key=3) == 9 and calls[-1] == 3  # the oldest was dropped: computed again
    assert calls.count(3) == 2
    runs._recent.clear()


def test_a_new_page_holds_only_the_inputs_it_draws_and_reads_the_others_as_their_defaults():
    """Every widget Streamlit draws scans all of session state: a folded input, another
    optimizer's hyper-parameter or a full-batch optimizer's batch size enters it only once its
    widget is drawn (or a link or a preset sets it), and counts as its default meanwhile."""
    from ui.folds import LAZY  # noqa: PLC0415

    at = page()
    held = set(at.session_state._state.filtered_state)
    assert not held & LAZY, held & LAZY
    assert {"true_weights", "bias", "samples", "learning_rate", "steps", "optimizer"} <= held
    assert run_of(at) == live.run_key(experiment(Settings()))  # the defaults' run
    open_folds(at, "data").run()  # drawn: in session state, at its default
    assert at.session_state["noise"] == share.DEFAULTS["noise"] and at.number_input(key="noise").value == 0.0
    at.number_input(key="noise").set_value(0.5).run()
    at.session_state["fold_data"] = False
    at.run()
    at.run()  # closed for two runs: kept (init_state), still in force
    assert float(at.query_params["noise"]) == 0.5
    assert run_of(at) == live.run_key(experiment(Settings(noise=0.5)))
