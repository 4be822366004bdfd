"""The workshop features of app.py through AppTest: share links, presets, uploads, scaling, compare,
presenter mode, exports. Numbers on the page are held to numpy computed here from the same data.

The numbers and charts that follow the iteration are the live panel's (its data: `panel`); what
the browser does with them is tests/e2e's. The browser's report of an iteration is `report`.
"""

from __future__ import annotations

import io
import json
import math
import re

import numpy as np
import pytest
from reference import unpack
from streamlit.testing.v1 import AppTest
from test_live import (
    chart_keys,
    component,
    figure,
    open_folds,
    panel,
    report,
    report_of,
    run_rows,
    send_state,
    shown_settings,
    value_at,
)

from gd.data import make_regression
from gd.inputs import RANGES, Settings
from gd.presets import PRESETS
from gd.run import experiment

TIMEOUT = 60
ALL_CHARTS = {"sweep"}  # besides the live panel, whose payload holds the five per-step charts
PRESENTER_CHARTS = set()  # presenter mode: no sweep (the panel hides its fit chart itself)
LIVE_CHARTS = ["surface", "contour", "convergence", "loss", "fit", "eigen", "rate"]


def page(**query) -> AppTest:
    """The page at a link, every fold of the sidebar open."""
    at = open_folds(AppTest.from_file("../app.py", default_timeout=TIMEOUT))
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def traces(at, key) -> list[dict]:
    """A chart's traces: the live panel's figure (at iteration 0), or the page's sweep chart."""
    return figure(at, key)["data"]


def loss_at(at, k: int) -> float:
    """The loss the panel shows at iteration k (the main run's, float64 as the engine computed):
    the payload's, or where the browser runs other settings over its problem, gd.run's of them."""
    data = panel(at)
    made = data["payload"]["whatif"]["settings"]
    if any(data["settings"][name] != made[name] for name in data["settings"]):
        return float(experiment(shown_settings(at)).trajectory.loss[k])
    return float(value_at(data["payload"], "loss", k))


def condition_number(at) -> float:
    return panel(at)["payload"]["condition_number"]


def run_traces(at) -> list[str]:
    """The loss chart's one line per run (not the theoretical bound, not the current point)."""
    return [
        t["name"] for t in traces(at, "loss") if t.get("mode") == "lines" and t["name"] != "plain GD bound"
    ]


def plain(text: str) -> str:
    """A message as the reader sees it: the markdown escapes removed."""
    return re.sub(r"\\(.)", r"\1", text)


def csv_bytes(X: np.ndarray, y: np.ndarray, names=("x1", "x2", "y")) -> bytes:
    out = io.StringIO()
    out.write(",".join(names) + "\n")
    for row in np.column_stack([X, y]):
        out.write(",".join(repr(float(v)) for v in row) + "\n")
    return out.getvalue().encode()


# ---- share links --------------------------------------------------------------------------------

SHARED = {
    "optimizer": "adam",
    "compare": "gd,momentum",
    "learning_rate": "0.05",
    "true_weights": "3, -1",
    "samples": "300",
    "seed": "5",
    "iteration": "7",
    "presenter": "true",
}


def test_a_shared_url_restores_its_setup():
    at = page(**SHARED)
    assert not at.warning and not at.error
    assert at.selectbox(key="optimizer").value == "adam"
    assert at.number_input(key="learning_rate").value == 0.05
    assert at.text_input(key="true_weights").value == "3, -1"
    assert at.number_input(key="samples").value == 300
    assert at.number_input(key="seed").value == 5
    assert at.toggle(key="presenter").value is True
    assert at.session_state["compare"] == ["gd", "momentum"]
    assert panel(at)["start"] == 7  # the panel opens at the link's iteration
    assert at.session_state["current"] == 7
    s = Settings(true_weights=(3.0, -1.0), samples=300, seed=5, learning_rate=0.05, optimizer="adam")
    ex = experiment(s)
    data = make_regression((3.0, -1.0), 2.0, 300, 0.0, 5)
    theta = ex.trajectory.params[7]
    np.testing.assert_array_equal(value_at(panel(at)["payload"], "P", 7), theta)
    assert loss_at(at, 7) == ex.trajectory.loss[7]
    direct = np.mean((data.X @ theta[:-1] + theta[-1] - data.y) ** 2)
    assert loss_at(at, 7) == pytest.approx(direct, rel=1e-9)
    assert panel(at)["payload"]["presenter"] is True
    assert chart_keys(at) == PRESENTER_CHARTS  # presenter mode: no sweep
    assert sorted(run_traces(at)) == sorted(["adam", "gd", "momentum (μ=0.9)"])
    assert {"gd", "momentum (μ=0.9)"} <= {t.get("name") for t in traces(at, "surface")}
    assert not at.get("download_button")
    for key, value in SHARED.items():  # the address bar still holds the link
        assert at.query_params[key] == value, key


def test_invalid_url_values_are_warnings_that_name_them_and_defaults_stay():
    at = page(
        learning_rate="abc",
        optimizer="<script>alert(1)</script>",
        samples="1e99",
        unknown_key="1",
        steps="50",
    )
    shown = [plain(w.value) for w in at.warning]
    for name in ("learning_rate", "optimizer", "samples", "unknown_key"):
        assert sum(name in w for w in shown) == 1, (name, shown)
    assert len(shown) == 4
    assert at.number_input(key="learning_rate").value == 0.01
    assert at.selectbox(key="optimizer").value == "gd"
    assert at.number_input(key="samples").value == 5000
    assert at.number_input(key="steps").value == 50  # the valid one is kept
    assert chart_keys(at) == ALL_CHARTS
    reference = experiment(Settings(steps=50)).trajectory
    _, rows = run_rows(panel(at)["payload"])
    np.testing.assert_array_equal(rows["loss"], reference.loss)
    assert panel(at)["start"] == 0
    assert "unknown_key" not in at.query_params and "learning_rate" not in at.query_params


def test_the_url_follows_the_inputs_and_reproduces_the_page():
    at = page()
    at.text_input(key="true_weights").input("1, 2").run()
    at.selectbox(key="optimizer").set_value("momentum").run()
    at.number_input(key="momentum").set_value(0.5).run()
    at.number_input(key="learning_rate").set_value(0.2).run()
    at.number_input(key="steps").set_value(200).run()
    at.number_input(key="noise").set_value(0.5).run()
    at.toggle(key="standardize").set_value(True).run()
    report(at, 2)  # the browser stopped at iteration 2
    query = dict(at.query_params)
    expected = {
        "true_weights": "1, 2",
        "optimizer": "momentum",
        "momentum": "0.5",
        "learning_rate": "0.2",
        "steps": "200",
        "noise": "0.5",
        "standardize": "true",
        "iteration": "2",
    }
    assert {k: v for k, v in query.items() if k not in ("surface_x", "surface_y")} == expected
    again = page(**query)
    assert not again.warning
    assert panel(again)["text"] == panel(at)["text"]  # the same run, view and numbers
    assert panel(again)["start"] == 2 and again.session_state["current"] == 2  # opens where the link says
    s = Settings(
        true_weights=(1.0, 2.0),
        noise=0.5,
        learning_rate=0.2,
        steps=200,
        optimizer="momentum",
        momentum=0.5,
        standardize=True,
    )
    reference = experiment(s)
    np.testing.assert_array_equal(value_at(panel(again)["payload"], "P", 2), reference.trajectory.params[2])
    assert again.number_input(key="momentum").value == 0.5
    assert again.toggle(key="standardize").value is True
    # back to a default: it leaves the URL
    at.number_input(key="steps").set_value(1000).run()
    assert "steps" not in at.query_params


def top_of_range(key: str):
    rng = RANGES[key]
    top = math.nextafter(rng.maximum, 0.0) if rng.open_max else rng.maximum
    return int(top) if rng.integer else top


# Each number widget takes a URL value anywhere in gd.inputs' range: the widgets' bounds are those.
# One page per group of values a run allows together (the top of every range at once would pass
# the sgd work bound); the hyper-parameters' widgets show for their optimizers only.
WIDGET_ENDS = {
    "tops": {
        key: top_of_range(key)
        for key in ("bias", "samples", "noise", "seed", "learning_rate", "steps", "feature_scale")
    }
    | {"feature_mean": top_of_range("feature_mean"), "outlier": top_of_range("outlier")},
    "bottoms": {"learning_rate": RANGES["learning_rate"].minimum, "feature_mean": -1000.0, "samples": 1},
    "sgd": {"optimizer": "sgd", "batch_size": top_of_range("batch_size")},
    "momentum": {"optimizer": "momentum", "momentum": top_of_range("momentum")},  # at the bound itself
    "adam": {"optimizer": "adam", "beta1": top_of_range("beta1"), "beta2": 0.0, "eps": top_of_range("eps")},
    "rmsprop": {"optimizer": "rmsprop", "alpha": top_of_range("alpha"), "eps": 0.0},
}


@pytest.mark.parametrize("group", list(WIDGET_ENDS))
def test_a_url_value_anywhere_in_range_reaches_its_widget(group):
    values = WIDGET_ENDS[group]
    texts = {k: repr(v) if isinstance(v, float) else str(v) for k, v in values.items()}
    at = page(**texts)
    messages = [plain(m.value) for m in [*at.warning, *at.error]]  # "will diverge" may be fair
    assert not any("Ignored" in m or "last valid" in m or "cannot be used" in m for m in messages), messages
    for key, value in values.items():
        if key != "optimizer":
            assert at.number_input(key=key).value == value, key
        assert at.query_params[key] == texts[key]


def test_hyper_parameter_widgets_show_for_their_optimizers_with_torchs_defaults():
    at = page()
    assert not [w for w in at.number_input if w.key in ("momentum", "eps", "alpha", "beta1", "beta2")]
    at.selectbox(key="optimizer").set_value("adam").run()
    assert [at.number_input(key=k).value for k in ("beta1", "beta2", "eps")] == [0.9, 0.999, None]
    at.number_input(key="beta1").set_value(0.5).run()
    assert at.query_params["beta1"] == "0.5" and not at.error
    at.selectbox(key="optimizer").set_value("rmsprop").run()
    assert at.number_input(key="alpha").value == 0.99 and not [w for w in at.number_input if w.key == "beta1"]
    at.selectbox(key="optimizer").set_value("adam").run()
    assert at.number_input(key="beta1").value == 0.5  # kept while hidden


def test_an_untouched_page_has_a_clean_url_and_both_downloads_in_the_export_fold():
    at = page()
    assert dict(at.query_params) == {}
    assert not at.get("download_button")  # the Export fold is closed: its buttons are not drawn
    at.session_state["fold_export"] = True  # as a click on the fold: it reruns the page
    at.run()
    assert dict(at.query_params) == {}  # opening it changes no input
    buttons = {b.key: b.label for b in at.get("download_button")}
    assert buttons == {
        "download_csv": "Download the trajectory (CSV)",
        "download_html": "Download the animated surface (HTML, plays offline)",
    }


# ---- presets ------------------------------------------------------------------------------------


def test_every_preset_applies_and_says_what_to_watch():
    at = page()
    for name in [*list(PRESETS)[1:], "article"]:  # the article's is chosen already: last
        preset = PRESETS[name]
        at.selectbox(key="preset").set_value(name).run()
        assert not at.exception, name
        assert any(preset.watch in i.value for i in at.info), name
        for key, value in preset.values.items():
            if key in (
                "learning_rate",
                "steps",
                "samples",
                "bias",
                "noise",
                "outlier",
                "feature_scale",
                "feature_mean",
            ):
                assert at.number_input(key=key).value == value, (name, key)
        assert at.number_input(key="learning_rate").value == preset.values.get("learning_rate", 0.01)
        assert chart_keys(at) == ALL_CHARTS
        data = panel(at)
        # it opens on its own iteration, and the share link says so
        assert data["start"] == preset.start and at.query_params["iteration"] == str(preset.start)
        steps = preset.values.get("steps", 1000)
        assert data["payload"]["T"] < steps if name == "divergence" else data["payload"]["T"] == steps
        assert data["payload"]["learning_rate"] == preset.values.get("learning_rate", 0.01)
        if name == "divergence":  # said once: one message about it besides the preset's line
            assert [e.value for e in at.error if "diverged at step" in e.value] == [
                e.value for e in at.error
            ] and len(at.error) == 1
            assert not any("diverge" in w.value for w in at.warning)
        else:
            assert not at.error, name
        if name == "sgd_noise":  # full-batch, mini-batch and single-sample paths on one surface
            assert sorted(run_traces(at)) == ["gd", "sgd (B=1)", "sgd (B=32)"]
            assert {"gd", "sgd (B=1)"} <= {t.get("name") for t in traces(at, "surface")}


def test_choosing_the_preset_on_screen_again_reopens_it_on_its_iteration():
    at = page()
    at.selectbox(key="preset").set_value("oscillation").run()
    first = panel(at)
    report(at, 90)  # the user moved on
    at.selectbox(key="preset").set_value("article").run()
    at.selectbox(key="preset").set_value("oscillation").run()  # the same run as before
    again = panel(at)
    assert again["payload"]["run"] == first["payload"]["run"]
    assert again["start"] == PRESETS["oscillation"].start and again["opened"] > first["opened"]


def test_a_report_made_before_a_preset_opened_loses_to_the_presets_iteration():
    """The race: Reset on one preset's run, then another preset chosen before the Reset's report
    (0.7 s later) left. The report reaches the server after the preset's rerun, and its rerun
    carries every input as the browser still showed it: the old preset's."""
    at = page()
    at.selectbox(key="preset").set_value("divergence").run()
    divergence = panel(at)
    assert divergence["start"] == 40
    at.selectbox(key="preset").set_value("oscillation")
    # what the browser holds once the user chose: the new preset, the old preset's inputs
    stale_widgets = at._tree.get_widget_states()
    stale = report_of(at, 0)  # Reset on the Divergence run, made under Divergence's `opened`
    at.run()
    oscillation = panel(at)
    assert oscillation["start"] == 12 and oscillation["opened"] > divergence["opened"]
    send_state(at, stale, stale_widgets)
    assert not at.exception, at.exception
    # the preset's run, at the preset's iteration, its inputs and its link
    reference = experiment(Settings(learning_rate=0.9, steps=100))
    data = panel(at)
    assert data["payload"]["run"] == oscillation["payload"]["run"] != divergence["payload"]["run"]
    assert data["payload"]["T"] == 100 and loss_at(at, 12) == reference.trajectory.loss[12]
    assert data["start"] == 12 and data["opened"] == oscillation["opened"]
    assert at.number_input(key="learning_rate").value == 0.9 and at.number_input(key="steps").value == 100
    assert at.session_state["current"] == 12
    assert at.query_params["iteration"] == "12" and at.query_params["learning_rate"] == "0.9"
    assert "compare" not in at.query_params
    # a report made after the preset opened is kept: the link follows the user on
    report(at, 30)
    assert at.session_state["current"] == 30 and at.query_params["iteration"] == "30"


def test_a_report_about_the_same_run_made_before_it_reopened_is_not_taken():
    """The preset's run is the one the stale report names (chosen again): the run matches, the
    `opened` does not, and the preset's iteration stays."""
    at = page()
    at.selectbox(key="preset").set_value("oscillation").run()
    report(at, 50)
    stale = report_of(at, 0)  # Reset, its report still on its way...
    at.selectbox(key="preset").set_value("article").run()
    at.selectbox(key="preset").set_value("oscillation").run()  # ...while the same run reopens
    assert panel(at)["payload"]["run"] == stale["iteration"]["run"]
    send_state(at, stale)
    assert not at.exception, at.exception
    assert panel(at)["start"] == 12 and at.session_state["current"] == 12
    assert at.query_params["iteration"] == "12"
    report(at, 0)  # the same Reset made now is kept
    assert at.session_state["current"] == 0 and "iteration" not in at.query_params


def test_the_unscaled_note_stays_while_its_advice_is_tried():
    at = page()
    at.selectbox(key="preset").set_value("unscaled").run()
    watch = PRESETS["unscaled"].watch
    at.toggle(key="standardize").set_value(True).run()
    at.number_input(key="learning_rate").set_value(0.5).run()
    assert any(watch in i.value for i in at.info)
    assert loss_at(at, 5) < 1e-9  # what the note promised, on the page
    at.number_input(key="steps").set_value(300).run()  # another change: the note no longer applies
    assert not any(watch in i.value for i in at.info)


def test_a_preset_chosen_in_presenter_mode_stays_in_presenter_mode():
    at = page(presenter="true")
    at.selectbox(key="preset").set_value("oscillation").run()
    assert at.toggle(key="presenter").value is True
    assert chart_keys(at) == PRESENTER_CHARTS
    assert panel(at)["payload"]["presenter"] is True


def test_a_link_to_a_preset_does_not_describe_the_articles_run():
    at = page()
    at.selectbox(key="preset").set_value("divergence").run()
    shared = page(**dict(at.query_params))
    assert any("diverged at step" in e.value for e in shared.error)
    assert not any(PRESETS["article"].watch in i.value for i in shared.info)


# ---- own data -----------------------------------------------------------------------------------


def test_an_uploaded_csv_is_what_the_run_learns_from():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(60, 2)) * [1.0, 3.0]
    y = X @ [1.5, -2.0] + 0.7 + 0.1 * rng.normal(size=60)
    at = page()
    at.file_uploader(key="upload").set_value(("data.csv", csv_bytes(X, y), "text/csv")).run()
    assert not at.exception and not at.error
    assert loss_at(at, 0) == pytest.approx(np.mean(y**2), rel=1e-12)  # zeros: mean(y^2)
    A = np.column_stack([X, np.ones(len(y))])
    lam = np.linalg.eigvalsh(A.T @ A / len(y))
    assert condition_number(at) == pytest.approx(lam[-1] / lam[0], rel=1e-9)
    assert at.selectbox(key="surface_x").options == ["x1", "x2", "b"]
    assert panel(at)["payload"]["names"] == ["x1", "x2", "b"] and panel(at)["payload"]["T"] == 1000
    assert chart_keys(at) == ALL_CHARTS
    theta = np.linalg.lstsq(A, y, rcond=None)[0]
    assert loss_at(at, 1000) == pytest.approx(np.mean((A @ theta - y) ** 2), rel=1e-4)
    np.testing.assert_allclose(panel(at)["payload"]["theta_star"], theta, rtol=1e-9)
    report(at, 1000)
    assert at.session_state["current"] == 1000 and at.query_params["iteration"] == "1000"
    names = {t.get("name") for t in traces(at, "convergence")}
    assert {"x1", "x2", "b"} <= names


def header_and_rows(header: str, rows: int = 3) -> bytes:
    width = header.count(",") + 1
    body = "".join(",".join(str(i + j) for j in range(width)) + "\n" for i in range(rows))
    return (header + "\n" + body).encode()


BAD_FILES = {
    "empty": (b"", False, "empty"),
    "binary": (b"x1,y\n1,2\x00\x01\x02\n", False, "binary"),
    "non-numeric": (b"x1,x2,y\n1,2,3\n4,five,6\n", False, "'five' is not a number"),
    "ragged": (b"x1,x2,y\n1,2,3\n4,5\n", False, "row 3 has 2 values"),
    "single row": (b"x1,y\n1,2\n", True, "single row"),
    "constant column": (b"x1,x2,y\n1,5,2\n2,5,3\n3,5,1\n", True, "constant column (x2)"),
    "header only": (b"x1,x2,y\n", False, "no data rows"),
    "22 columns": (
        header_and_rows(",".join(f"x{i}" for i in range(1, 22)) + ",y"),
        False,
        "21 feature columns; at most 20",
    ),
    "formula": (b"x1,y\n=1+2,3\n4,5\n", False, "'=1+2' is not a number"),
    "html header": (b"<script>alert(1)</script>,y\n<b>1</b>,2\n", False, "'<b>1</b>' is not a number"),
}


@pytest.mark.parametrize("standardize", [False, True])
def test_every_bad_file_is_an_error_that_says_what_is_wrong(standardize):
    at = page(standardize="true") if standardize else page()
    synthetic = experiment(Settings(standardize=standardize)).trajectory.loss
    for name, (content, needs_standardize, says) in BAD_FILES.items():
        if needs_standardize != standardize:
            continue
        # one session, one file after another, as a user would try them
        at.file_uploader(key="upload").set_value((f"{name}.csv", content, "text/csv")).run()
        assert not at.exception
        errors = [plain(e.value) for e in at.error]
        assert len(errors) == 1 and "file cannot be used" in errors[0] and says in errors[0], (name, errors)
        assert "<script>" not in " ".join(e.value for e in at.error)  # shown escaped, never as HTML
        assert chart_keys(at) == ALL_CHARTS
        _, rows = run_rows(panel(at)["payload"])  # the synthetic data's run instead
        np.testing.assert_array_equal(rows["loss"], synthetic)
    report(at, 1)  # still usable
    assert at.session_state["current"] == 1 and at.query_params["iteration"] == "1"


def test_html_in_column_names_is_only_text():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(30, 2))
    y = X @ [1.0, 2.0]
    content = csv_bytes(X, y, ("<b>bold</b>", "<img src=x onerror=alert(1)>", "y"))
    at = page()
    at.file_uploader(key="upload").set_value(("data.csv", content, "text/csv")).run()
    assert not at.exception and not at.error
    payload = panel(at)["payload"]
    for key in LIVE_CHARTS:  # Plotly renders tags in names and titles: none may form
        spec = json.dumps(payload["figures"][key])
        assert "<b>" not in spec and "<img" not in spec, key
        assert key not in ("surface", "contour", "convergence") or "bold" in spec, key  # named there
    # the panel's words are set as text (never as HTML) by the browser: the names as they are
    assert payload["names"] == ["<b>bold</b>", "<img src=x onerror=alert(1)>", "b"]
    names = payload["names"]
    caption = payload["text"]["surface_caption"]  # the surface's axes
    assert caption.startswith(f"The loss over {names[payload['i']]} and {names[payload['j']]},")
    assert "<b>bold</b>" in caption


# ---- scaling, compare, presenter mode, exports ------------------------------------------------------


def test_standardising_unscaled_features_makes_the_condition_number_near_one():
    at = page()
    at.number_input(key="feature_scale").set_value(10.0).run()
    X = make_regression((2.0, 4.0, 5.0, 9.0, 11.0), 2.0, 5000, 0.0, 0, feature_scale=10.0).X

    def condition(X):
        A = np.column_stack([X, np.ones(len(X))])
        lam = np.linalg.eigvalsh(A.T @ A / len(X))
        return lam[-1] / lam[0]

    unscaled = condition_number(at)
    assert unscaled == pytest.approx(condition(X), rel=1e-9) and unscaled > 50
    assert panel(at)["payload"]["mean"] is None and panel(at)["payload"]["scale"] is None
    at.toggle(key="standardize").set_value(True).run()
    scaled = condition_number(at)
    assert scaled == pytest.approx(condition((X - X.mean(axis=0)) / X.std(axis=0)), rel=1e-9)
    assert scaled < 1.2
    assert at.query_params["standardize"] == "true" and at.query_params["feature_scale"] == "10.0"
    # what the panel turns the weights into the original units with (its table's extra columns)
    payload = panel(at)["payload"]
    np.testing.assert_allclose(payload["mean"], X.mean(axis=0), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(payload["scale"], X.std(axis=0), rtol=1e-12)
    A = np.column_stack([X, np.ones(len(X))])
    theta = np.linalg.lstsq(A, A @ [2.0, 4.0, 5.0, 9.0, 11.0, 0.0] + 2.0, rcond=None)[0]
    w = np.array(payload["theta_star"][:-1]) / payload["scale"]  # back to the original units
    np.testing.assert_allclose(w, theta[:-1], rtol=1e-8)


def test_compare_draws_one_line_per_run_on_every_chart():
    at = page()
    assert run_traces(at) == ["L − L*"]
    at.multiselect(key="compare").set_value(["momentum", "adam"]).run()
    assert not at.exception
    expected = sorted(["gd", "momentum (μ=0.9)", "adam"])
    assert sorted(run_traces(at)) == expected
    contour = [t["name"] for t in traces(at, "contour") if t.get("meta", {}).get("gd") == "path"]
    assert sorted(contour) == expected
    legend = [t["name"] for t in traces(at, "convergence") if t.get("showlegend")]
    assert sorted(legend) == expected
    assert at.query_params["compare"] == "momentum,adam"
    at.text_input(key="compare_rates").input("0.01, 0.1").run()
    assert sorted(run_traces(at)) == sorted(
        [
            "gd (η=0.01)",
            "momentum (η=0.01, μ=0.9)",
            "momentum (η=0.1, μ=0.9)",
            "adam (η=0.01)",
            "adam (η=0.1)",
        ]
    )
    styles = {
        (t["line"]["color"], t["line"].get("dash")) for t in traces(at, "loss") if t["name"] in run_traces(at)
    }
    assert len(styles) == 5  # each run its own colour and dash


def test_presenter_mode_hides_the_extras_and_is_in_the_url():
    at = page()
    assert chart_keys(at) == ALL_CHARTS
    assert panel(at)["payload"]["presenter"] is False
    at.toggle(key="presenter").set_value(True).run()
    assert not at.exception
    assert chart_keys(at) == PRESENTER_CHARTS
    assert panel(at)["payload"]["presenter"] is True
    assert not at.get("download_button")
    assert at.query_params["presenter"] == "true"
    at.toggle(key="presenter").set_value(False).run()
    assert chart_keys(at) == ALL_CHARTS and "presenter" not in at.query_params
    assert panel(at)["payload"]["presenter"] is False


def test_presenter_mode_keeps_the_comparison():
    at = page()
    at.multiselect(key="compare").set_value(["adam"]).run()
    at.toggle(key="presenter").set_value(True).run()
    at.run()  # any later rerun
    assert sorted(run_traces(at)) == ["adam", "gd"]
    assert at.query_params.get("compare") == "adam"


def test_refused_input_leaves_the_link_on_the_run_shown():
    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT).run()
    at.text_input(key="true_weights").input("3, -1").run()
    report(at, 7)
    good = dict(at.query_params)
    assert good["iteration"] == "7" and "true_weights" in good
    at.text_input(key="true_weights").input("3, x").run()
    assert any("Showing the last valid weights" in e.value for e in at.error)
    assert dict(at.query_params) == good  # still a link to the run on screen
    report(at, 9)  # the iteration still follows
    assert dict(at.query_params) == {**good, "iteration": "9"}


# ---- the learning-rate sweep ----------------------------------------------------------------------


def test_with_sgd_chosen_the_sweep_runs_sgd_and_marks_the_runs_own_loss():
    at = page(optimizer="sgd", noise="5", learning_rate="0.02", steps="400")
    sweep = traces(at, "sweep")
    assert sweep[0]["name"] == "L − L* after 400 steps of sgd (B=32)"
    ex = experiment(Settings(optimizer="sgd", noise=5.0, learning_rate=0.02, steps=400))
    excess = ex.trajectory.loss[-1] - ex.problem.loss_star
    assert loss_at(at, 400) == ex.trajectory.loss[-1]  # the page's run is this one
    assert sweep[-1]["x"] == [0.02] and sweep[-1]["y"][0] == pytest.approx(excess, rel=1e-6)
    caption = unpack(component(at, "sweep").proto.bytes)[0]["caption"]  # under the chart, as text
    assert "400 steps of sgd (B=32)" in caption and "mini-batches" in caption


# ---- guidance from the numbers ---------------------------------------------------------------------


def test_wine_like_upload_shows_its_rows_and_the_standardise_tip_with_its_numbers():
    from test_guidance import csv_of, wine_like

    X, y = wine_like()
    at = page()
    at.file_uploader(key="upload").set_value(("wine.csv", csv_of(X, y), "text/csv")).run()
    assert not at.exception
    rows = [n for n in at.number_input if n.label.startswith("Samples")]
    assert [(n.value, n.disabled) for n in rows] == [(178, True)]  # not the synthetic 5000
    tips = [i.value for i in at.info if "Standardise the features" in i.value]
    assert len(tips) == 1 and "next to the smallest (1e-06) learning rate allowed" in tips[0]
    at.toggle(key="standardize").set_value(True).run()
    assert not any("Standardise the features" in i.value for i in at.info)
    at.file_uploader(key="upload").set_value(None).run()  # the synthetic data's count comes back
    assert at.number_input(key="samples").value == 5000 and not at.number_input(key="samples").disabled


def test_the_unscaled_preset_says_standardise_once():
    at = page()
    at.selectbox(key="preset").set_value("unscaled").run()
    said = [i.value for i in at.info if "tandardis" in i.value]
    assert len(said) == 1 and PRESETS["unscaled"].watch in said[0]


# ---- share links and uploads --------------------------------------------------------------------


def test_a_link_made_on_an_uploaded_file_says_the_file_is_not_in_it_and_the_page_it_opens_says_so():
    from test_guidance import csv_of, wine_like

    X, y = wine_like()
    at = page()
    at.file_uploader(key="upload").set_value(("wine.csv", csv_of(X, y), "text/csv")).run()
    assert at.query_params["uploaded"] == "true"
    assert any("not in the share link" in w.value for w in at.warning)
    assert any("Not in the share link" in c.value for c in at.sidebar.caption)  # by the uploader
    shared = page(**dict(at.query_params))
    assert any("made with an uploaded CSV file" in w.value for w in shared.warning)
    assert shared.query_params["uploaded"] == "true"  # passed on as it is re-shared
    # uploading the file there: nothing is missing any more
    shared.file_uploader[0].set_value(("wine.csv", csv_of(X, y), "text/csv")).run()  # its own key
    assert not any("made with an uploaded CSV file" in w.value for w in shared.warning)
    shared.file_uploader[0].set_value(None).run()
    assert "uploaded" not in shared.query_params
    assert not any("uploaded" in w.value.lower() for w in shared.warning)


def test_a_link_without_an_upload_says_nothing_about_files():
    at = page(learning_rate="0.05")
    assert "uploaded" not in at.query_params and not at.warning


def test_a_surface_axis_the_data_do_not_have_is_named_in_a_warning():
    at = page(surface_x="s1")
    (warning,) = [w.value for w in at.warning]
    plain = warning.replace("\\", "")  # the page escapes markdown
    assert (
        "surface_x='s1'" in plain and "no parameter 's1'" in plain and "w1" in plain and "Using w5." in plain
    )
    assert at.selectbox(key="surface_x").value == "w5"
    at.number_input(key="learning_rate").set_value(0.02).run()  # said once a session, as the others
    assert len(at.warning) == 1


# ---- out-of-range numbers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("learning_rate", 0.0, "Learning rate must be at least 1e-06 and at most 100, got 0."),
        ("learning_rate", 500.0, "Learning rate must be at least 1e-06 and at most 100, got 500."),
        ("steps", 50_000, "Steps must be at least 1 and at most 20,000, got 50,000."),
        ("samples", 0, "Samples must be at least 1 and at most 1,000,000, got 0."),
    ],
)
def test_an_out_of_range_number_is_kept_in_its_box_and_named_under_it(key, value, says):
    at = page()
    shown = panel(at)["text"]
    at.number_input(key=key).set_value(value).run()
    assert not at.exception
    assert at.number_input(key=key).value == value  # the user's number stays in the box
    under = [plain(e.value) for e in at.sidebar.error]
    assert under == [f"{says} The page keeps the last valid run."]
    assert panel(at)["text"] == shown  # the last valid run, unchanged
    assert key not in at.query_params  # the link keeps the run shown
    at.number_input(key=key).set_value(Settings().to_dict()[key] if key != "steps" else 200).run()
    assert not at.sidebar.error and not at.error
