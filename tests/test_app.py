"""app.py driven through Streamlit's AppTest, by widget key, as a user would.

Step, Play, Reset and the scrubber live in the browser now (the live panel, tests/e2e); here the
server's side of them: the panel's data holds the engine's numbers at every iteration, and the
iteration the browser reports (delivered as the component's state, `report`) reaches the link.
The panel's `start` is where it opens a run (0, or a shared link's iteration for the session's first
run) and stays so for that run: the rerun after a report sends the panel the very same element.
"""

import json
import re

import numpy as np
import pytest
from reference import unpack
from streamlit.testing.v1 import AppTest
from test_live import (
    chart_keys,
    component,
    decode,
    open_folds,
    panel,
    report,
    report_of,
    run_rows,
    send_state,
    sent,
    value_at,
)

from gd import explain
from gd.data import make_regression
from gd.inputs import Settings
from gd.run import experiment
from ui.view import PAST_THE_LIMIT

TIMEOUT = 60
ALL_CHARTS = {"sweep"}  # besides the live panel, whose payload holds the five per-step charts
LIVE_CHARTS = ["surface", "contour", "convergence", "loss", "fit", "eigen", "rate"]


@pytest.fixture
def at():
    """The page with every fold of the sidebar open (`test_folds` checks them closed)."""
    app = open_folds(AppTest.from_file("../app.py", default_timeout=TIMEOUT))
    app.run()
    assert not app.exception
    return app


def test_defaults_are_the_articles_run(at):
    assert at.text_input(key="true_weights").value == "2, 4, 5, 9, 11"
    assert at.number_input(key="bias").value == 2.0
    assert at.number_input(key="samples").value == 5000
    assert at.number_input(key="noise").value == 0.0
    assert at.number_input(key="seed").value == 0
    assert at.number_input(key="learning_rate").value == 0.01
    assert at.number_input(key="steps").value == 1000
    assert at.selectbox(key="optimizer").value == "gd"
    assert at.selectbox(key="surface_x").value == "w5"  # the two largest true weights
    assert at.selectbox(key="surface_y").value == "w4"
    reference = experiment(Settings())
    data = panel(at)
    payload = data["payload"]
    assert data["start"] == 0
    assert re.fullmatch(r"app/static/build/mount\.[0-9a-f]{12}\.js", data["module"])
    assert "plotly-gd.min.js.gz" in data["plotly"]
    assert payload["T"] == 1000 and payload["steps"] is None  # every iteration 0..1000 travels
    assert (payload["i"], payload["j"]) == (4, 3) and payload["presenter"] is False
    at_, rows = run_rows(payload)
    np.testing.assert_array_equal(at_, np.arange(1001))
    np.testing.assert_array_equal(rows["loss"], reference.trajectory.loss)
    np.testing.assert_array_equal(rows["P"], reference.trajectory.params)
    assert payload["condition_number"] == reference.problem.condition_number
    X = make_regression((2.0, 4.0, 5.0, 9.0, 11.0), 2.0, 5000, 0.0, 0).X
    A = np.column_stack([X, np.ones(len(X))])
    lam = np.linalg.eigvalsh(A.T @ A / len(X))
    assert payload["condition_number"] == pytest.approx(lam[-1] / lam[0], rel=1e-9)
    assert list(payload["figures"]) == LIVE_CHARTS
    assert chart_keys(at) == ALL_CHARTS
    assert not at.error and not at.warning
    assert "0.9644" in at.sidebar.markdown[0].value  # the stability limit next to the rate
    # the formulas the panel's numbers fill in, as inline math in display style, one paragraph each
    markdown = [p for x in at.markdown for p in x.value.split("\n\n")]
    assert explain.display(explain.LOSS) in markdown
    assert explain.rule_lines(Settings()) == [explain.display(explain.rule(Settings()))]
    assert explain.rule_lines(Settings())[0] in markdown


def test_a_reported_iteration_is_kept_in_the_link_and_the_panel_stays_put(at):
    before = panel(at)
    element = sent(at)
    report(at, 3)
    assert at.session_state["current"] == 3
    assert at.query_params["iteration"] == "3"
    after = panel(at)
    assert after["start"] == 0  # where the run opened; the browser keeps its own iteration
    assert after["text"] == before["text"]  # the same run and view: the same payload, no redraw
    assert sent(at) == element
    report(at, 0)  # Reset, then the browser reports 0: the default leaves the link
    assert at.session_state["current"] == 0 and "iteration" not in at.query_params
    assert panel(at)["start"] == 0 and sent(at) == element
    assert at.text_input(key="true_weights").value == "2, 4, 5, 9, 11"  # inputs kept


def test_the_rerun_after_a_report_sends_the_panel_byte_for_byte_what_it_sent_before(at):
    """Why `start` is fixed for a run: an unchanged element is not sent again (bench/load.py
    measured 301 kB a report when the start followed the report)."""
    before = sent(at)
    assert len(component(at, "problem").proto.bytes) > 100_000  # the payload this saves resending
    send_state(at, report_of(at, 5))
    assert not at.exception
    assert at.session_state["current"] == 5 and at.query_params["iteration"] == "5"
    assert sent(at) == before
    # a session opened by a link opens its first run at the link's iteration, and stays so
    linked = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    linked.query_params["iteration"] = "4"
    linked.run()
    assert panel(linked)["start"] == 4 and linked.session_state["current"] == 4
    before = sent(linked)
    send_state(linked, report_of(linked, 5))
    assert not linked.exception
    assert linked.session_state["current"] == 5 and linked.query_params["iteration"] == "5"
    assert sent(linked) == before and panel(linked)["start"] == 4


def test_every_iteration_the_scrubber_reaches_is_the_engines(at):
    reference = experiment(Settings()).trajectory
    payload = panel(at)["payload"]
    for k in (1, 2, 3, 640, 1000):
        assert value_at(payload, "loss", k) == reference.loss[k]
        np.testing.assert_array_equal(value_at(payload, "P", k), reference.params[k])
        assert value_at(payload, "grad_norm", k) == reference.grad_norm[k]
    theta = value_at(payload, "P", 640)  # the math at iteration 640: its loss from the data itself
    data = make_regression((2.0, 4.0, 5.0, 9.0, 11.0), 2.0, 5000, 0.0, 0)
    direct = np.mean((data.X @ theta[:-1] + theta[-1] - data.y) ** 2)
    assert value_at(payload, "loss", 640) == pytest.approx(direct, rel=1e-6)
    report(at, 640)
    assert at.session_state["current"] == 640 and at.query_params["iteration"] == "640"
    assert panel(at)["start"] == 0


def test_a_report_past_the_end_of_a_shorter_run_is_held_to_its_end(at):
    at.number_input(key="steps").set_value(2).run()
    assert panel(at)["payload"]["T"] == 2
    report(at, 2)
    assert at.session_state["current"] == 2 and at.query_params["iteration"] == "2"
    assert panel(at)["start"] == 0
    report(at, 7)  # a stale browser: the page never points past the run
    assert at.session_state["current"] == 2 and at.query_params["iteration"] == "2"
    assert panel(at)["start"] == 0


def test_new_weights_make_a_new_problem_from_iteration_zero(at):
    report(at, 1)
    old = panel(at)["payload"]["run"]
    at.text_input(key="true_weights").input("3, -1").run()
    assert not at.exception
    data = panel(at)
    assert data["start"] == 0 and at.session_state["current"] == 0
    assert "iteration" not in at.query_params
    assert data["payload"]["run"] != old
    reference = experiment(Settings(true_weights=(3.0, -1.0)))
    _, rows = run_rows(data["payload"])
    np.testing.assert_array_equal(rows["loss"], reference.trajectory.loss)
    assert data["payload"]["names"] == ["w1", "w2", "b"]
    assert at.selectbox(key="surface_x").options == ["w1", "w2", "b"]
    assert (at.selectbox(key="surface_x").value, at.selectbox(key="surface_y").value) == ("w1", "w2")


def test_a_view_or_rate_change_keeps_the_iteration_a_new_run_does_not():
    at = open_folds(AppTest.from_file("../app.py", default_timeout=TIMEOUT))
    at.query_params["iteration"] = "4"  # a shared link: the session's first run opens at 4
    at.run()
    assert panel(at)["start"] == 4
    report(at, 7)
    run = panel(at)["payload"]["run"]
    at.selectbox(key="surface_x").set_value("b").run()
    data = panel(at)
    assert at.session_state["current"] == 7 and at.query_params["iteration"] == "7"
    assert data["start"] == 4  # the same run: where it opened, whatever was reported since
    assert data["payload"]["run"] == run and data["payload"]["i"] == 5  # a new view of the same run
    at.toggle(key="presenter").set_value(True).run()
    data = panel(at)
    assert at.session_state["current"] == 7 and at.query_params["iteration"] == "7"
    assert data["start"] == 4
    assert data["payload"]["presenter"] is True and data["payload"]["run"] == run
    at.toggle(key="presenter").set_value(False).run()
    # a new rate: the browser runs it over the problem it holds, at the iteration shown
    at.number_input(key="learning_rate").set_value(0.02).run()
    assert panel(at)["start"] == 4 and at.session_state["current"] == 7
    assert at.query_params["iteration"] == "7" and panel(at)["payload"]["run"] == run
    assert panel(at)["settings"]["learning_rate"] == 0.02
    at.number_input(key="steps").set_value(500).run()  # a new run (on the server) opens at 0
    assert panel(at)["start"] == 0 and at.session_state["current"] == 0
    assert "iteration" not in at.query_params and panel(at)["payload"]["run"] != run
    assert panel(at)["payload"]["learning_rate"] == 0.02


def test_the_first_report_of_a_new_run_reaches_the_link_whatever_its_value(at):
    report(at, 5)
    at.text_input(key="true_weights").input("3, -1").run()
    assert "iteration" not in at.query_params
    assert panel(at)["start"] == 0 and at.session_state["current"] == 0
    report(at, 5)  # the user steps 5 times in the new run and stops
    assert at.session_state["current"] == 5 and at.query_params["iteration"] == "5"
    assert panel(at)["start"] == 0


@pytest.mark.parametrize(
    "given",
    [-3, "x", None, 5, {"k": 5}, {"run": "RUN", "k": -3}, {"run": "RUN", "k": 5000},
     {"run": "RUN", "k": True}, {"run": "another run", "k": 5}, {"run": "RUN", "k": "5"}],
)  # fmt: skip
def test_a_malformed_report_is_no_crash_and_no_link(given):
    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT).run()
    if isinstance(given, dict) and given.get("run") == "RUN":
        given = {**given, "run": panel(at)["payload"]["run"]}
    element = sent(at)
    send_state(at, {"iteration": given})
    assert not at.exception
    assert at.session_state["current"] == 0 and panel(at)["start"] == 0  # nothing moved
    assert "iteration" not in at.query_params and sent(at) == element


def test_rate_past_the_limit_is_warned_of_before_any_run(at):
    """A rate typed past the limit is the browser's to run: the page warns at once (from the limit
    alone: no run), and the panel's note says where its run diverged (tests/e2e/test_whatif.py)."""
    at.number_input(key="learning_rate").set_value(1.5).run()
    assert not at.exception and not at.error
    assert panel(at)["settings"]["learning_rate"] == 1.5
    [warning] = [w.value for w in at.warning if "diverge" in w.value]
    assert warning.startswith(PAST_THE_LIMIT) and "will **diverge**" in warning


def test_rate_past_the_limit_reports_the_step_once():
    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    at.query_params["learning_rate"] = "1.5"  # a link: the server makes the session's first run
    at.run()
    assert not at.exception
    reference = experiment(Settings(learning_rate=1.5)).trajectory
    assert reference.diverged_at is not None
    assert [e.value for e in at.error if "diverge" in e.value] == [e.value for e in at.error]
    assert len(at.error) == 1 and f"diverged at step {reference.diverged_at}" in at.error[0].value
    assert not any("diverge" in w.value for w in at.warning)  # said once, not warned again
    payload = panel(at)["payload"]
    assert payload["T"] == reference.steps  # the timeline ends at the last finite row
    _, rows = run_rows(payload)
    assert np.isfinite(rows["loss"]).all() and np.isfinite(rows["P"]).all()
    np.testing.assert_array_equal(rows["loss"], reference.loss)
    report(at, reference.steps)
    assert at.session_state["current"] == reference.steps
    assert at.query_params["iteration"] == str(reference.steps)


@pytest.mark.parametrize(
    "text, problem",
    [
        ("1,,2", "empty"),
        ("1, x", "must be a number"),
        ("", "at least one number"),
        ("nan", "finite"),
        (",".join(["1"] * 21), "at most 20"),
        ("1e400", "finite"),
    ],
)
def test_bad_weights_name_the_problem_and_the_page_keeps_working(at, text, problem):
    report(at, 1)
    shown, element = panel(at)["text"], sent(at)
    at.text_input(key="true_weights").input(text).run()
    assert not at.exception
    assert any(problem in e.value for e in at.error), [e.value for e in at.error]
    assert at.text_input(key="true_weights").value == text  # what the user typed stays
    assert chart_keys(at) == ALL_CHARTS
    data = panel(at)
    assert data["text"] == shown and data["start"] == 0 and sent(at) == element  # the last valid run
    assert at.session_state["current"] == 1 and at.query_params["iteration"] == "1"  # where it was
    report(at, 2)  # the last valid run goes on
    assert at.session_state["current"] == 2 and panel(at)["start"] == 0
    assert at.query_params["iteration"] == "2"


def test_optimizer_specific_inputs_appear_when_they_apply(at):
    assert not [w for w in at.number_input if w.key in ("momentum", "batch_size")]
    at.selectbox(key="optimizer").set_value("momentum").run()
    assert at.number_input(key="momentum").value == 0.9
    # the limit (1 + mu) / lambda_max of the article's data, computed here from numpy's SVD
    data = make_regression((2, 4, 5, 9, 11), 2, 5000)
    A = np.column_stack([data.X, np.ones(5000)])
    limit = 1.9 / (np.linalg.svd(A, compute_uv=False)[0] ** 2 / 5000)
    assert at.sidebar.markdown[0].value == (
        f"Stability limit: learning rate < **{limit:.4g}** (now 0.01: {100 * 0.01 / limit:.2g}% of it)."
    )
    at.selectbox(key="optimizer").set_value("sgd").run()
    assert at.number_input(key="batch_size").value == 32
    at.selectbox(key="optimizer").set_value("adam").run()
    assert "no fixed" in at.sidebar.markdown[0].value
    assert not at.exception


def test_inputs_not_allowed_together_are_messages_not_crashes(at):
    at.selectbox(key="optimizer").set_value("nesterov").run()
    at.number_input(key="momentum").set_value(0.0).run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "nesterov needs a momentum above 0 \\(try 0\\.9\\)\\. Showing the last valid run\\."
    ]
    at.number_input(key="momentum").set_value(0.9).run()
    assert not at.error
    at.selectbox(key="optimizer").set_value("sgd").run()
    at.number_input(key="batch_size").set_value(5000).run()
    at.number_input(key="steps").set_value(20_000).run()  # (the same session: one page load)
    assert not at.exception
    assert [e.value for e in at.error] == [
        "The settings cannot be used\\: sgd\\: batch size x steps \\= 100,000,000 samples drawn; at most "
        "20,000,000 \\(use fewer steps or a smaller batch\\)\\."
    ]


def test_surface_axes_can_be_chosen(at):
    at.selectbox(key="surface_x").set_value("b").run()
    at.selectbox(key="surface_y").set_value("w1").run()
    assert not at.exception
    payload = panel(at)["payload"]
    assert (payload["i"], payload["j"]) == (5, 0)
    caption = payload["text"]["surface_caption"]
    assert caption.startswith("The loss over b and w1,")
    scene = payload["figures"]["surface"]["layout"]["scene"]
    assert (scene["xaxis"]["title"]["text"], scene["yaxis"]["title"]["text"]) == ("b", "w1")


# ---- beyond plain descent: the advanced inputs, and clicks on the map and the sweep ----------------


def send_trigger(at, key: str, event: str, value):
    """One run with a component's trigger value as the browser sends it (setTriggerValue): a list
    of {event, value} under the component's trigger aggregator widget."""
    from streamlit.components.v2.bidi_component.main import _make_trigger_id
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    element = component(at, key)
    states = at._tree.get_widget_states()
    states.widgets.append(
        WidgetState(
            id=_make_trigger_id(element.proto.id, "events"),
            json_trigger_value=json.dumps([{"event": event, "value": value}]),
        )
    )
    return at._run(states)


def test_start_schedule_and_ridge_inputs_make_the_run(at):
    at.text_input(key="start").set_value("1, 1, 1, 1, 1, 1")
    at.selectbox(key="schedule").set_value("step").run()
    at.number_input(key="gamma").set_value(0.5)
    at.number_input(key="step_size").set_value(10)
    at.number_input(key="l2").set_value(0.25).run()
    assert not at.exception and not at.error
    want = experiment(Settings(start=(1.0,) * 6, schedule="step", gamma=0.5, step_size=10, l2=0.25))
    payload = panel(at)["payload"]
    _, rows = run_rows(payload)
    np.testing.assert_array_equal(rows["P"], want.trajectory.params)
    np.testing.assert_array_equal(rows["loss"], want.trajectory.loss)
    np.testing.assert_array_equal(rows["mse"], want.problem.mse(want.trajectory.params))  # beside it
    # the browser's eigen errors are computed from these eigenvectors (tests/js/rules.test.mjs)
    np.testing.assert_array_equal(decode(payload["eigenvectors"]).reshape(6, 6), want.problem.eigenvectors)
    np.testing.assert_array_equal(rows["rate"][:30], [0.01] * 10 + [0.005] * 10 + [0.0025] * 10)
    query = at.query_params
    assert (query["start"], query["schedule"], query["gamma"], query["step_size"], query["l2"]) == (
        "1, 1, 1, 1, 1, 1",
        "step",
        "0.5",
        "10",
        "0.25",
    )
    markdown = [p for x in at.markdown for p in x.value.split("\n\n")]  # the formulas, one paragraph each
    loss = explain.loss_lines(want.settings)[0]
    assert explain.display(loss) in markdown and "0.25" in loss


def test_a_start_of_the_wrong_length_keeps_the_last_run_and_says_why(at):
    before = panel(at)["payload"]["run"]
    at.text_input(key="start").set_value("1, 2").run()
    assert not at.exception
    assert any("start: give 6 numbers" in e.value.replace("\\", "") for e in at.error)
    assert panel(at)["payload"]["run"] == before


def test_methods_without_a_rate_say_the_rate_has_no_effect(at):
    at.selectbox(key="optimizer").set_value("cg").run()
    assert not at.exception
    note = " ".join(m.value for m in at.sidebar.markdown)
    assert "has no learning rate" in note and "no effect" in note
    assert panel(at)["settings"]["optimizer"] == "cg"  # the browser runs it (and hides the rate chart)
    at.number_input(key="steps").set_value(300).run()  # the server's run of cg: no rate chart
    payload = panel(at)["payload"]
    assert "rate" not in payload["figures"] and "eigen" in payload["figures"]
    note = " ".join(m.value for m in at.sidebar.markdown)
    assert "reached the optimum" in note  # what only the run tells, once the server made it


def test_a_click_on_the_map_sets_the_start_of_the_two_parameters_shown(at):
    payload = panel(at)["payload"]
    i, j = payload["i"], payload["j"]
    send_trigger(at, "live", "pick", {"run": payload["run"], "i": i, "j": j, "x": 3.5, "y": -2.25})
    assert not at.exception
    start = [0.0] * 6
    start[i], start[j] = 3.5, -2.25
    assert at.text_input(key="start").value == ", ".join(f"{v:g}" for v in start)
    assert at.query_params["start"] == at.text_input(key="start").value
    assert panel(at)["settings"]["start"] == start  # the browser runs it from there
    assert panel(at)["payload"]["run"] == payload["run"]  # over the same problem: no run made
    # a second click keeps the first one's other coordinates; one about an old run is ignored
    send_trigger(at, "live", "pick", {"run": "stale", "i": i, "j": j, "x": 9.0, "y": 9.0})
    assert panel(at)["settings"]["start"] == start


def test_a_click_on_the_sweep_sets_the_learning_rate(at):
    figure, _ = unpack(component(at, "sweep").proto.bytes)
    send_trigger(at, "sweep", "pick", {"id": figure["id"], "x": 0.123456, "y": 1.0})
    assert not at.exception
    assert at.number_input(key="learning_rate").value == 0.123
    assert at.query_params["learning_rate"] == "0.123"
    assert panel(at)["settings"]["learning_rate"] == 0.123
    # past the largest rate allowed: a message, the rate kept
    figure, _ = unpack(component(at, "sweep").proto.bytes)
    send_trigger(at, "sweep", "pick", {"id": figure["id"], "x": 250.0, "y": 1.0})
    assert not at.exception and at.number_input(key="learning_rate").value == 0.123
    assert any("not allowed" in w.value for w in at.warning)
