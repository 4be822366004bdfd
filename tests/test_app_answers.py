"""Issue 20, items 5 and 8 through AppTest: every input is answered, never ignored or a traceback.

8a: the ridge λ, schedule gamma and step-size boxes follow the README's rule for numbers (a value
out of range stays in its box, named under it with its range; the page keeps the last valid run).
8b: whatever the browser sends as the panel's or a chart's state is checked as a URL parameter is:
a message not in the panel's form changes nothing and logs no exception.
5: an uploaded file's target column is said, chosen and carried by the link; a start chosen on the
map that a new file cannot use is dropped with a note; the link agrees with the page.
"""

from __future__ import annotations

import json
import logging
import math
import re

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest
from test_live import component, open_folds, panel, report, sent

from panel import unpack

from gd.data import load_csv
from gd.inputs import Settings

TIMEOUT = 60


def page(**query) -> AppTest:
    """The page at a link, every fold of the sidebar open."""
    at = open_folds(AppTest.from_file("../app.py", default_timeout=TIMEOUT))
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def plain(text: str) -> str:
    """A message as the reader sees it: the markdown escapes removed."""
    return re.sub(r"\\(.)", r"\1", text)


# ---- 8a: the advanced fold's number boxes -----------------------------------------------------------


@pytest.mark.parametrize(
    ("schedule", "key", "value", "says"),
    [
        (None, "l2", -1.0, "L2 must be at least 0 and at most 1,000,000, got -1."),
        (None, "l2", 2e6, "L2 must be at least 0 and at most 1,000,000, got 2,000,000."),
        ("exponential", "gamma", 1.5, "Gamma must be above 0 and at most 1, got 1.5."),
        ("exponential", "gamma", 0.0, "Gamma must be above 0 and at most 1, got 0."),
        ("inverse", "gamma", 2000.0, "Gamma must be at least 0 and at most 1,000, got 2,000."),
        ("step", "step_size", 0, "Step size must be at least 1 and at most 20,000, got 0."),
        ("step", "step_size", 30_000, "Step size must be at least 1 and at most 20,000, got 30,000."),
    ],
)
def test_an_out_of_range_ridge_or_schedule_number_stays_in_its_box_and_is_named(schedule, key, value, says):
    at = page(**({"schedule": schedule} if schedule else {}))
    shown = panel(at)["text"]
    at.number_input(key=key).set_value(value).run()
    assert not at.exception
    assert at.number_input(key=key).value == value  # the user's number stays in the box
    under = [plain(e.value) for e in at.sidebar.error]
    assert under == [f"{says} The page keeps the last valid run."]
    assert panel(at)["text"] == shown  # the last valid run, unchanged
    assert key not in at.query_params  # the link keeps the run shown
    at.number_input(key=key).set_value(Settings().to_dict()[key] or 0.5).run()
    assert not at.sidebar.error and not at.error


# ---- 8b: what the browser sends ----------------------------------------------------------------------

BIG = 10**30
HOSTILE_VALUES = [math.inf, -math.inf, math.nan, "1", "x", None, True, [1], {"a": 1}, BIG, -BIG, 1e308]


def hostile_picks(run: str) -> list:
    """Map picks of the panel's form {run, i, j, x, y} with one field hostile or missing, and
    messages of another form altogether."""
    good = {"run": run, "i": 4, "j": 3, "x": 1.5, "y": 2.5}
    picks = [{**good, field: bad} for field in good for bad in HOSTILE_VALUES]
    picks += [{k: v for k, v in good.items() if k != field} for field in good]  # a key missing
    picks += [{**good, "i": 4, "j": 4}, {**good, "i": -1}, {**good, "i": 6}, {**good, "i": 2.5}]
    picks += [None, 7, "pick", [good], {}, {"run": "x" * 100_000}]
    return picks


def send_component(at, key: str, state):
    """One run with the component `key`'s state as the browser would send it, written with the
    browser's JSON (Infinity and NaN as JSON.stringify cannot, so as a hostile client can)."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    states = at._tree.get_widget_states()
    states.widgets.append(WidgetState(id=component(at, key).proto.id, json_value=json.dumps(state)))
    return at._run(states)


def test_every_hostile_pick_on_the_map_is_ignored_and_logs_nothing(caplog):
    at = page()
    report(at, 3)
    run = panel(at)["payload"]["run"]
    text, element, query = panel(at)["text"], sent(at), dict(at.query_params)
    caplog.set_level(logging.WARNING)
    for pick in hostile_picks(run):
        for state in ({"pick": pick}, {"pick": pick, "iteration": {"run": run, "k": math.inf}}):
            send_component(at, "live", state)
            assert not at.exception, (pick, at.exception)
            assert at.text_input(key="start").value == "", pick  # no start was chosen
            assert not at.error and not at.sidebar.error, pick
            assert panel(at)["text"] == text and sent(at) == element, pick
            assert at.session_state["current"] == 3 and dict(at.query_params) == query, pick
    assert not [r for r in caplog.records if r.exc_info], "an exception was logged"
    # a pick in the panel's form is still heard
    send_component(at, "live", {"pick": {"run": run, "i": 4, "j": 3, "x": 1.5, "y": 2.5}})
    assert at.text_input(key="start").value == "0, 0, 0, 2.5, 1.5, 0"


def test_every_hostile_iteration_report_is_ignored_and_logs_nothing(caplog):
    at = page()
    report(at, 3)
    data = panel(at)
    run, opened = data["payload"]["run"], data["opened"]
    element = sent(at)
    caplog.set_level(logging.WARNING)
    for bad in [*HOSTILE_VALUES, -1, 1001, 2.5]:
        for report_ in ({"run": run, "k": bad, "opened": opened}, {"run": run, "k": 4, "opened": bad}):
            send_component(at, "live", {"iteration": report_})
            assert not at.exception, (report_, at.exception)
            assert at.session_state["current"] == 3 and at.query_params["iteration"] == "3", report_
            assert sent(at) == element, report_
    assert not [r for r in caplog.records if r.exc_info], "an exception was logged"


def test_every_hostile_click_on_the_sweep_is_ignored_or_answered_and_logs_nothing(caplog):
    at = page()
    rate = at.number_input(key="learning_rate").value
    caplog.set_level(logging.WARNING)
    sweep_id = sweep_figure_id(at)
    good = {"id": sweep_id, "x": 0.02, "y": 1.0}
    picks = [{**good, field: bad} for field in ("id", "x") for bad in HOSTILE_VALUES]
    picks += [{"id": sweep_id}, {"x": 0.02}, None, 3, "x", [good], {}]
    for pick in picks:
        send_component(at, "sweep", {"pick": pick})
        assert not at.exception, (pick, at.exception)
        assert at.number_input(key="learning_rate").value == rate, pick
        assert not at.error and not at.sidebar.error, pick
    assert not [r for r in caplog.records if r.exc_info], "an exception was logged"
    send_component(at, "sweep", {"pick": good})
    assert at.number_input(key="learning_rate").value == 0.02


def sweep_figure_id(at) -> str:
    """The id the sweep chart's clicks must name (its element's head, as the browser reads it)."""
    head, _ = unpack(component(at, "sweep").proto.bytes)
    return head["id"]


# ---- 5: own data -------------------------------------------------------------------------------------


def csv_of(names, columns) -> bytes:
    rows = [",".join(names)] + [",".join(f"{v:.6g}" for v in row) for row in np.column_stack(columns)]
    return ("\n".join(rows) + "\n").encode()


def numbers_only(content: bytes):
    return load_csv(content)
