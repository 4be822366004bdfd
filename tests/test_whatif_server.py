"""The what-if controls' server side (issue 22): the payload's `whatif` block (the problem's
statistics and the settings in force, from which the browser reruns), `panel.read_settings` (the
controls' settled choice, checked field by field as a URL parameter is: anything else ignored,
never a traceback) and the page's callback (the choice becomes the sidebar's inputs, the link's,
and the new run opens at the iteration shown)."""

from __future__ import annotations

import base64
import logging
import math

import numpy as np
import pytest
from test_app import send_trigger
from test_app_answers import page
from test_live import component, panel

from gd import live, registry
from gd.inputs import RANGES, Settings
from gd.run import experiment
from ui.panel_events import read_settings

GOOD = {"run": "R", "learning_rate": 0.05, "optimizer": "momentum", "momentum": 0.8, "k": 40}
HOSTILE = [math.inf, -math.inf, math.nan, "1", "x", None, True, [1], {"a": 1}, 10**30, -(10**30), 1e308]


def test_the_payload_carries_what_the_browser_reruns_from():
    ex = experiment(Settings(optimizer="momentum", learning_rate=0.05, momentum=0.8))
    block = live.decode(live.payload(ex, 0, 1))["whatif"]
    stats = ex.problem.statistics()
    assert block["problem"]["theta_star"] == stats["theta_star"]
    assert block["problem"]["loss_star"] == stats["loss_star"]
    assert block["settings"]["learning_rate"] == 0.05 and block["settings"]["momentum"] == 0.8
    assert block["settings"]["start"] == [0.0] * 6
    rate = RANGES["learning_rate"]
    assert (block["rate"]["min"], block["rate"]["max"]) == (rate.minimum, rate.maximum)
    assert block["rate"]["positions"] >= 200
    names = [o["name"] for o in block["optimizers"]]
    assert names == list(registry.NAMES)
    chosen = block["optimizers"][names.index("momentum")]
    assert chosen["limit"] == ex.limit  # (1 + mu) / lambda_max at mu = 0.8
    assert chosen["limits"][80] == pytest.approx(ex.limit, rel=1e-15)  # the slider's position of 0.8
    assert [o["browser"] for o in block["optimizers"]] == [not registry.entry(n).minibatch for n in names]


def test_read_settings_takes_the_controls_form_only():
    assert read_settings(GOOD, "R", 1000) == {k: v for k, v in GOOD.items() if k != "run"}
    assert read_settings({**GOOD, "k": 0, "learning_rate": 1e-6}, "R", 1000)["learning_rate"] == 1e-6
    bad = [{**GOOD, field: value} for field in GOOD for value in HOSTILE]
    bad += [{k: v for k, v in GOOD.items() if k != field} for field in GOOD]
    bad += [
        {**GOOD, "optimizer": "lbfgs"},  # not the registry's
        {**GOOD, "learning_rate": 0.0},  # out of the sidebar's range
        {**GOOD, "learning_rate": 101.0},
        {**GOOD, "learning_rate": -0.01},
        {**GOOD, "momentum": 1.0},
        {**GOOD, "momentum": -0.1},
        {**GOOD, "k": 1001},
        {**GOOD, "k": 2.5},
        {**GOOD, "k": -1},
        {**GOOD, "run": "other"},
        {**GOOD, "seq": -1},  # the panel's count of choices sent: a whole number >= 0
        {**GOOD, "seq": 2.5},
        {**GOOD, "seq": "3"},
        {**GOOD, "seq": True},
        None,
        7,
        "settings",
        [GOOD],
        {},
    ]
    for message in bad:
        assert read_settings(message, "R", 1000) is None, message


def test_read_settings_keeps_the_choices_number_where_the_panel_sends_one():
    want = {k: v for k, v in GOOD.items() if k != "run"} | {"seq": 7}
    assert read_settings({**GOOD, "seq": 7}, "R", 1000) == want
    assert "seq" not in read_settings(GOOD, "R", 1000)  # bench/load.py's clicks send none


def test_read_settings_takes_a_start_of_p_numbers_in_range_only():
    start = [1.5, -2.0, 0.0]
    assert read_settings({**GOOD, "start": start}, "R", 1000, 3)["start"] == start
    assert "start" not in read_settings({**GOOD, "start": []}, "R", 1000, 3)  # the run's own
    bad = [[1.5, -2.0], [1.5, -2.0, 0.0, 1.0], "1, 2, 3", 7, {"0": 1}, None, [1, 2, [3]]]
    bad += [[1.5, -2.0, value] for value in HOSTILE]
    bad += [[1.5, -2.0, 2e9]]  # beyond the start's range
    for value in bad:
        assert read_settings({**GOOD, "start": value}, "R", 1000, 3) is None, value


def choose(at, **choice):
    """What the controls send once let go: the run shown, the choice, the iteration shown."""
    return send_trigger(at, "live", "settings", {"run": panel(at)["payload"]["run"], **choice})


@pytest.fixture
def runs(monkeypatch):
    """The runs the server computes from here on (gd.run.experiment's calls through ui.runs)."""
    import ui.runs

    made = []

    def counted(settings, *args, **kwargs):
        made.append(settings)
        return experiment(settings, *args, **kwargs)

    monkeypatch.setattr(ui.runs, "experiment", counted)
    return made


def test_a_settled_choice_becomes_the_sidebars_and_costs_the_server_no_run(runs):
    at = page(iteration="40")
    runs.clear()  # the page's own run, made (or a cache's hit) above
    before = panel(at)
    # a rate no other test uses: a run of it would be a miss in every cache
    choose(at, learning_rate=0.0537, optimizer="momentum", momentum=0.8, k=40)
    assert not at.exception, at.exception
    assert at.number_input(key="learning_rate").value == 0.0537
    assert at.selectbox(key="optimizer").value == "momentum"
    assert at.number_input(key="momentum").value == 0.8
    assert at.query_params["learning_rate"] == "0.0537" and at.query_params["optimizer"] == "momentum"
    assert at.query_params["iteration"] == "40"
    assert runs == []  # no run: the browser runs the settings over the problem it holds
    data = panel(at)
    assert data["text"] == before["text"]  # the same payload: Streamlit sends a reference to it
    assert data["start"] == 40  # the panel stays where the user stood
    assert data["settings"] == {
        "learning_rate": 0.0537,
        "optimizer": "momentum",
        "momentum": 0.8,
        "start": [0.0] * 6,
    }
    # the live element's data: one line of JSON with the rate in it
    element = component(at, "live").proto
    assert b'"learning_rate":0.0537' in element.bytes
    # and small: the stylesheet is fetched by URL, not carried in every element sent again
    size = len(element.SerializeToString())
    assert element.css_content == "" and size < 4000, size
    # the sidebar's note speaks of the settings shown (momentum's limit at 0.8: (1 + 0.8) / lambda_max)
    limit = experiment(Settings(optimizer="momentum", momentum=0.8)).limit
    assert any(f"{limit:.4g}" in m.value for m in at.sidebar.markdown)
    # a rate typed in the sidebar costs no run either; a change of the steps does
    at.number_input(key="learning_rate").set_value(0.0481).run()
    assert runs == [] and panel(at)["settings"]["learning_rate"] == 0.0481
    at.number_input(key="steps").set_value(400).run()
    assert [s.steps for s in runs] == [400] and runs[0].learning_rate == 0.0481
    assert panel(at)["settings"]["learning_rate"] == 0.0481 == panel(at)["payload"]["learning_rate"]


def test_a_start_dragged_on_the_map_becomes_the_start_box(runs):
    at = page(iteration="40")
    runs.clear()
    choose(at, learning_rate=0.01, optimizer="gd", momentum=0.9, k=40, start=[0, 0, 0, 2.5, 1.5, 0])
    assert not at.exception, at.exception
    assert at.text_input(key="start").value == "0, 0, 0, 2.5, 1.5, 0"
    assert at.query_params["start"] == "0, 0, 0, 2.5, 1.5, 0" and at.query_params["iteration"] == "40"
    assert runs == []
    assert panel(at)["settings"]["start"] == [0, 0, 0, 2.5, 1.5, 0]


def test_the_start_shown_echoed_with_a_choice_leaves_the_start_box_as_it_was(runs):
    """The panel sends the start it runs with every choice; the start shown (zeros from an empty
    box) is not written into the box, nor into the link."""
    at = page(iteration="40")
    choose(at, learning_rate=0.05, optimizer="momentum", momentum=0.9, k=40, start=[0.0] * 6)
    assert not at.exception, at.exception
    assert at.text_input(key="start").value == "" and "start" not in at.query_params
    assert at.query_params["optimizer"] == "momentum" and runs == []


def test_an_sgd_choice_is_run_on_the_server(runs):
    at = page(iteration="40")
    runs.clear()
    choose(at, learning_rate=0.0123, optimizer="sgd", momentum=0.9, k=40)
    assert not at.exception, at.exception
    assert [(s.optimizer, s.learning_rate) for s in runs] == [("sgd", 0.0123)]
    data = panel(at)
    assert data["payload"]["learning_rate"] == 0.0123 and data["settings"]["optimizer"] == "sgd"
    reference = experiment(Settings(optimizer="sgd", learning_rate=0.0123)).trajectory
    loss = np.frombuffer(base64.b64decode(data["payload"]["runs"][0]["loss"]["bdata"]), "<f8")
    np.testing.assert_array_equal(loss[: reference.steps + 1], reference.loss)
    assert data["start"] == 40  # the new run opens where the user stood


def test_every_hostile_settings_message_is_ignored_and_logs_nothing(caplog):
    at = page()
    run = panel(at)["payload"]["run"]
    text, query = panel(at)["text"], dict(at.query_params)
    caplog.set_level(logging.WARNING)
    good = {**GOOD, "run": run}
    bad = [
        {**good, field: value}
        for field in ("learning_rate", "optimizer", "momentum", "k")
        for value in HOSTILE
    ]
    bad += [
        {**good, "optimizer": "lbfgs"},
        {**good, "learning_rate": 1e3},
        {**good, "run": "stale"},
        None,
        "x",
    ]
    for message in bad:
        send_trigger(at, "live", "settings", message)
        assert not at.exception, (message, at.exception)
        assert not at.error and not at.sidebar.error, message
        assert at.number_input(key="learning_rate").value == 0.01, message
        assert panel(at)["text"] == text and dict(at.query_params) == query, message
    assert not [r for r in caplog.records if r.exc_info], "an exception was logged"


def test_the_panels_element_says_which_choice_the_server_heard_last():
    """Each settled choice carries the panel's count (`seq`); the panel's element answers with the
    last one heard and the session's name (`heard`), so that the panel tells an answer to an
    earlier choice (a slow rerun) from the answer to its last, and keeps the newer choice on screen
    (static/whatif-panel.js adopt), while a new session (a replica taking over) is taken. A choice
    without a count (an older page) leaves it as it was."""
    at = page(iteration="40")
    seq = lambda at: panel(at)["heard"]["seq"]  # noqa: E731
    session = panel(at)["heard"]["session"]
    assert seq(at) == 0 and len(session) == 8  # a name of this session's own
    assert page(iteration="40") is not at and panel(page(iteration="40"))["heard"]["session"] != session
    choose(at, learning_rate=0.0412, optimizer="newton", momentum=0.9, k=40, seq=1)
    assert seq(at) == 1 and panel(at)["settings"]["optimizer"] == "newton"
    choose(at, learning_rate=0.0412, optimizer="gd", momentum=0.9, k=40, seq=2)
    assert seq(at) == 2 and panel(at)["settings"]["optimizer"] == "gd"
    choose(at, learning_rate=0.0413, optimizer="gd", momentum=0.9, k=40)
    assert seq(at) == 2 and panel(at)["settings"]["learning_rate"] == 0.0413
    choose(at, learning_rate=0.0414, optimizer="gd", momentum=0.9, k=40, seq=-3)  # not a count: ignored
    assert seq(at) == 2 and panel(at)["settings"]["learning_rate"] == 0.0413
    # a choice the server cannot take (here about another iteration than the run has) is ignored,
    # but heard: the panel does not wait for an answer to it for ever
    choose(at, learning_rate=0.0415, optimizer="gd", momentum=0.9, k=10**6, seq=3)
    assert seq(at) == 3 and panel(at)["settings"]["learning_rate"] == 0.0413
    # a rate typed in the sidebar keeps the count: the panel takes it (heard is its last)
    at.number_input(key="learning_rate").set_value(0.0481).run()
    assert seq(at) == 3 and panel(at)["settings"]["learning_rate"] == 0.0481
    assert panel(at)["heard"]["session"] == session  # the same session's, run after run
