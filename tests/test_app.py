"""app.py driven through Streamlit's AppTest, by widget key, as a user would."""

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from gd.data import make_regression
from gd.inputs import Settings
from gd.run import experiment

TIMEOUT = 60


@pytest.fixture
def at():
    app = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    app.run()
    assert not app.exception
    return app


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


ALL_CHARTS = {"surface", "contour", "convergence", "loss", "fit", "sweep"}


def charts(at):
    return {c.key for c in at.get("plotly_chart")}


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
    assert metric(at, "Iteration") == "0"
    assert float(metric(at, "Loss")) == pytest.approx(reference.trajectory.loss[0], rel=1e-5)
    assert float(metric(at, "Condition number")) == pytest.approx(
        reference.problem.condition_number, rel=1e-3
    )
    assert charts(at) == ALL_CHARTS
    assert not at.error and not at.warning
    assert "0.9644" in at.sidebar.markdown[0].value  # the stability limit next to the rate


def test_step_advances_one_update_reset_returns_to_zero_and_the_end_disables_step(at):
    reference = experiment(Settings()).trajectory
    for k in (1, 2, 3):
        at.button(key="step").click().run()
        assert metric(at, "Iteration") == str(k)
        assert float(metric(at, "Loss")) == pytest.approx(reference.loss[k], rel=1e-5)
    assert at.slider(key="iteration").value == 3
    at.button(key="reset").click().run()
    assert metric(at, "Iteration") == "0"
    assert at.text_input(key="true_weights").value == "2, 4, 5, 9, 11"  # inputs kept
    # at the end of a run, Step is disabled
    at.number_input(key="steps").set_value(2).run()
    at.button(key="step").click().run()
    assert not at.button(key="step").disabled
    at.button(key="step").click().run()
    assert metric(at, "Iteration") == "2"
    assert at.button(key="step").disabled


def test_scrubber_jumps_to_any_iteration_and_math_follows(at):
    reference = experiment(Settings()).trajectory
    at.slider(key="iteration").set_value(640).run()
    assert metric(at, "Iteration") == "640"
    assert float(metric(at, "Loss")) == pytest.approx(reference.loss[640], rel=1e-5)
    latex = " ".join(x.value for x in at.latex)
    assert f"{reference.params[640, -1]:.4g}" in latex  # b at that iteration, in the formulas


def test_new_weights_make_a_new_problem_from_iteration_zero(at):
    at.button(key="step").click().run()
    at.text_input(key="true_weights").input("3, -1").run()
    assert not at.exception
    assert metric(at, "Iteration") == "0"
    reference = experiment(Settings(true_weights=(3.0, -1.0)))
    assert float(metric(at, "Loss")) == pytest.approx(reference.trajectory.loss[0], rel=1e-5)
    assert at.selectbox(key="surface_x").options == ["w1", "w2", "b"]
    assert (at.selectbox(key="surface_x").value, at.selectbox(key="surface_y").value) == ("w1", "w2")


def test_rate_past_the_limit_warns_before_and_reports_the_step(at):
    at.number_input(key="learning_rate").set_value(1.5).run()
    assert not at.exception
    assert any("diverge" in w.value for w in at.warning)
    reference = experiment(Settings(learning_rate=1.5)).trajectory
    assert reference.diverged_at is not None
    assert any(f"diverged at step {reference.diverged_at}" in e.value for e in at.error)
    at.slider(key="iteration").set_value(reference.steps).run()  # the last finite row
    assert np.isfinite(float(metric(at, "Loss")))


BAD_WEIGHTS = [
    ("1,,2", "empty"),
    ("1, x", "must be a number"),
    ("", "at least one number"),
    ("nan", "finite"),
    (",".join(["1"] * 21), "at most 20"),
    ("1e400", "finite"),
]


def test_bad_weights_name_the_problem_and_the_page_keeps_working(at):
    at.button(key="step").click().run()
    for n, (text, problem) in enumerate(BAD_WEIGHTS):  # one session, one text after another
        at.text_input(key="true_weights").input(text).run()
        assert not at.exception
        errors = [e.value for e in at.error]
        assert len(errors) == 1 and problem in errors[0], (text, errors)
        assert errors[0].endswith("Showing the last valid weights\\: 2, 4, 5, 9, 11\\.")  # escaped
        assert at.text_input(key="true_weights").value == text  # what the user typed stays
        assert charts(at) == ALL_CHARTS
        at.button(key="step").click().run()
        assert metric(at, "Iteration") == str(n + 2)  # the last valid run goes on


def test_optimizer_specific_inputs_appear_when_they_apply(at):
    assert not [w for w in at.number_input if w.key in ("momentum", "batch_size")]
    at.selectbox(key="optimizer").set_value("momentum").run()
    assert at.number_input(key="momentum").value == 0.9
    # the limit (1 + mu) / lambda_max of the article's data, computed here from numpy's SVD
    data = make_regression((2, 4, 5, 9, 11), 2, 5000)
    A = np.column_stack([data.X, np.ones(5000)])
    limit = 1.9 / (np.linalg.svd(A, compute_uv=False)[0] ** 2 / 5000)
    assert at.sidebar.markdown[0].value == (
        f"Stability limit: learning rate < **{limit:.4g}** (now 0.01, {0.01 / limit:.0%} of it)."
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
    assert at.caption[1].value.startswith("The loss over b and w1, the other parameters held at")


def test_play_and_pause_set_the_state_the_button_shows(at):
    at.button(key="play").click().run()
    assert at.button(key="play").label == "Pause"
    assert at.button(key="step").disabled
    at.button(key="play").click().run()
    assert at.button(key="play").label == "Play"
    assert not at.button(key="step").disabled
    assert not at.exception
