"""Issue 20, items 5 and 8 through AppTest: every input is answered, never ignored or a traceback.

8a: the ridge λ, schedule gamma and step-size boxes follow the rule for numbers (docs/decisions.md) (a value
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
from reference import unpack
from streamlit.testing.v1 import AppTest
from test_live import component, open_folds, panel, report, sent

from gd.data import load_csv
from gd.export import trajectory_csv
from gd.inputs import Settings
from gd.presets import PRESETS
from gd.run import experiment

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

RNG = np.random.default_rng(20)
FEATURES = RNG.normal(size=(40, 3))
# a file whose target was meant to be y but is headed "yy" (a typo); the last column is another
# feature. Without the typo the automatic choice would be right; with it, it takes z.
TYPO = ("x1", "x2", "yy", "z")
TYPO_COLUMNS = (FEATURES[:, 0], FEATURES[:, 1], FEATURES @ [1.0, -2.0, 3.0] + 0.5, FEATURES[:, 2])


def csv_of(names, columns) -> bytes:
    rows = [",".join(names)] + [",".join(repr(float(v)) for v in row) for row in np.column_stack(columns)]
    return ("\n".join(rows) + "\n").encode()


def upload(at, content: bytes, name: str = "data.csv"):
    # the page's one uploader: its key is a session's own where the page opened from an
    # uploaded=true link (PageState.upload_key)
    at.file_uploader[0].set_value((name, content, "text/csv")).run()
    assert not at.exception, at.exception
    return at


def least_squares(X: np.ndarray, y: np.ndarray) -> list[float]:
    """The optimum of y ~ X w + b, by numpy's lstsq: the reference the panel's theta_star is held to."""
    return np.linalg.lstsq(np.column_stack([X, np.ones(len(y))]), y, rcond=None)[0]


def test_the_page_says_which_column_is_the_target_and_why_and_lets_the_user_choose_it():
    at = upload(page(), csv_of(TYPO, TYPO_COLUMNS))
    x1, x2, yy, z = TYPO_COLUMNS
    # said: the automatic choice, and why (no column is named y)
    assert [plain(c.value) for c in at.sidebar.caption if c.value.startswith("Target")] == [
        "Target: z, the last column, as no column is named y; the other 3 columns are features."
    ]
    select = at.selectbox(key="target")
    assert select.options == ["z (automatic)", "x1", "x2", "yy", "z"]
    np.testing.assert_allclose(panel(at)["payload"]["theta_star"], least_squares(np.c_[x1, x2, yy], z))
    # chosen: the run learns yy from the other three, and the link carries the choice by name
    select.set_value("yy").run()
    assert not at.exception and not at.error
    np.testing.assert_allclose(
        panel(at)["payload"]["theta_star"], least_squares(np.c_[x1, x2, z], yy), rtol=1e-10, atol=1e-12
    )
    assert [plain(c.value) for c in at.sidebar.caption if c.value.startswith("Target")] == [
        "Target: yy, the column chosen; the other 3 columns are features."
    ]
    assert at.query_params["target"] == "yy" and at.query_params["uploaded"] == "true"
    # the link, opened and given the same file, runs on the same target
    shared = upload(page(**dict(at.query_params)), csv_of(TYPO, TYPO_COLUMNS))
    assert shared.selectbox(key="target").value == "yy", [w.value for w in shared.warning]
    assert not [w for w in shared.warning if "target" in w.value]
    assert panel(shared)["payload"]["theta_star"] == panel(at)["payload"]["theta_star"]
    # without a file the link's column means nothing: it leaves the link
    at.file_uploader(key="upload").set_value(None).run()
    assert "target" not in at.query_params and "uploaded" not in at.query_params
    assert any(PRESETS["article"].label in i.value for i in at.info)  # its note, as on any default page


def test_an_upload_with_every_fold_closed_is_learned():
    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT)  # the start's fold never opened
    at.run()
    upload(at, csv_of(TYPO, TYPO_COLUMNS))
    assert not at.error and at.selectbox(key="target").value == ""
    x1, x2, yy, z = TYPO_COLUMNS
    np.testing.assert_allclose(panel(at)["payload"]["theta_star"], least_squares(np.c_[x1, x2, yy], z))


def test_a_target_name_the_file_does_not_have_is_answered_with_the_columns_it_has():
    at = upload(page(target="prce", uploaded="true"), csv_of(("x", "price"), TYPO_COLUMNS[:2]))
    assert [plain(w.value) for w in at.warning if "target" in w.value] == [
        "Ignored the target column 'prce': the file has no column 'prce'; its columns are 'x', "
        "'price'. Using price, the last column, as no column is named y."
    ]
    assert at.selectbox(key="target").value == "" and "target" not in at.query_params
    x, price = TYPO_COLUMNS[:2]
    np.testing.assert_allclose(panel(at)["payload"]["theta_star"], least_squares(x[:, None], price))


def test_the_command_line_takes_the_target_by_name_and_names_the_columns_of_a_wrong_one(tmp_path, capsys):
    from gd.__main__ import main

    path = tmp_path / "typo.csv"
    path.write_bytes(csv_of(TYPO, TYPO_COLUMNS))
    assert main(["--data", str(path), "--target", "yy", "--steps", "3", "--quiet", "--csv", "-"]) == 0
    out = capsys.readouterr().out
    for target, same in (("yy", True), ("", False)):  # the run on yy's data, not on z's
        ex = experiment(Settings(steps=3), load_csv(path, target=target))
        assert (out == trajectory_csv(ex.trajectory, ex.d)) is same
    assert main(["--data", str(path), "--target", "y"]) == 2
    assert capsys.readouterr().err == (
        "error: the file has no column 'y'; its columns are 'x1', 'x2', 'yy', 'z'\n"
    )
    assert main(["--target", "yy"]) == 2  # no file to take it from: not ignored
    assert capsys.readouterr().err == (
        "error: argument --target: it names a column of a CSV; give the file with --data\n"
    )


MAP_PICK = {"i": 4, "j": 3, "x": 1.5, "y": 2.5}  # on the article's map: w5 and w4


def test_a_start_chosen_on_the_map_that_a_new_file_cannot_use_is_dropped_with_a_note():
    at = page()
    send_component(at, "live", {"pick": {"run": panel(at)["payload"]["run"], **MAP_PICK}})
    assert at.text_input(key="start").value == "0, 0, 0, 2.5, 1.5, 0"
    assert at.query_params["start"] == "0, 0, 0, 2.5, 1.5, 0"
    content = csv_of(("x", "y"), TYPO_COLUMNS[:2])
    upload(at, content)
    assert not at.error and not at.sidebar.error  # not an error about a start never typed
    assert [plain(i.value) for i in at.info if "map" in i.value] == [
        "The start chosen on the map (0, 0, 0, 2.5, 1.5, 0) has 6 numbers and this file's run has "
        "2 parameters: it starts from zeros."
    ]
    assert at.text_input(key="start").value == ""
    payload = panel(at)["payload"]
    np.testing.assert_allclose(
        payload["theta_star"], least_squares(TYPO_COLUMNS[0][:, None], TYPO_COLUMNS[1])
    )
    # the link and the page agree: the file's run, from zeros
    assert at.query_params["uploaded"] == "true" and "start" not in at.query_params
    at.number_input(key="learning_rate").set_value(0.02).run()  # the note was said once
    assert not [i for i in at.info if "map" in i.value] and not at.error


def test_a_typed_start_the_file_cannot_use_stays_in_its_box_and_the_link_holds_the_run_shown():
    at = page(start="1,2,3,4,5,6")
    upload(at, csv_of(("x", "y"), TYPO_COLUMNS[:2]))
    assert [plain(e.value) for e in at.error] == [
        "The start cannot be used with this file: start: give 2 numbers (w1..w1, b), one for each "
        "parameter, or none for zeros; got 6. Starting from zeros instead."
    ]
    assert at.text_input(key="start").value == "1, 2, 3, 4, 5, 6"  # what the user typed stays
    assert at.query_params["uploaded"] == "true" and "start" not in at.query_params
