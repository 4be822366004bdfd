"""The workshop features of app.py through AppTest: share links, presets, uploads, scaling, compare,
presenter mode, exports. Numbers on the page are held to numpy computed here from the same data."""

from __future__ import annotations

import io
import json
import math
import re

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from gd.data import make_regression
from gd.inputs import RANGES, Settings
from gd.presets import PRESETS
from gd.run import experiment

TIMEOUT = 60
ALL_CHARTS = {"surface", "contour", "convergence", "loss", "fit", "sweep"}
PRESENTER_CHARTS = {"surface", "contour", "convergence", "loss"}


def page(**query) -> AppTest:
    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def metric(at, label) -> str:
    return next(m.value for m in at.metric if m.label == label)


def metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


def chart_keys(at) -> set:
    return {c.key for c in at.get("plotly_chart")}


def traces(at, key) -> list[dict]:
    chart = next(c for c in at.get("plotly_chart") if c.key == key)
    return json.loads(chart.proto.spec)["data"]


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
    assert metric(at, "Iteration") == "7"
    s = Settings(true_weights=(3.0, -1.0), samples=300, seed=5, learning_rate=0.05, optimizer="adam")
    ex = experiment(s)
    data = make_regression((3.0, -1.0), 2.0, 300, 0.0, 5)
    theta = ex.trajectory.params[7]
    direct = np.mean((data.X @ theta[:-1] + theta[-1] - data.y) ** 2)
    assert float(metric(at, "Loss")) == pytest.approx(direct, rel=1e-5)
    assert chart_keys(at) == PRESENTER_CHARTS  # presenter mode: no sweep, no fit
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
    assert float(metric(at, "Loss")) == pytest.approx(experiment(Settings()).trajectory.loss[0], rel=1e-5)
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
    at.button(key="step").click().run()
    at.button(key="step").click().run()
    assert not at.exception
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
    assert metrics(again) == metrics(at)
    assert metric(again, "Iteration") == "2"
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


def test_an_untouched_page_has_a_clean_url_and_both_downloads():
    at = page()
    assert dict(at.query_params) == {}
    buttons = {b.key: b.label for b in at.get("download_button")}
    assert buttons == {
        "download_csv": "Download the trajectory (CSV)",
        "download_html": "Download the animated surface (HTML, plays offline)",
    }


# ---- presets ------------------------------------------------------------------------------------


def test_every_preset_applies_and_says_what_to_watch():
    at = page()
    for name, preset in PRESETS.items():
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
        assert metric(at, "Iteration") == "0"
        if name == "divergence":
            assert any("diverged at step" in e.value for e in at.error)
        else:
            assert not at.error, name
        if name == "sgd_noise":  # full-batch, mini-batch and single-sample paths on one surface
            assert sorted(run_traces(at)) == ["gd", "sgd (B=1)", "sgd (B=32)"]
            assert {"gd", "sgd (B=1)"} <= {t.get("name") for t in traces(at, "surface")}


def test_a_preset_chosen_in_presenter_mode_stays_in_presenter_mode():
    at = page(presenter="true")
    at.selectbox(key="preset").set_value("oscillation").run()
    assert at.toggle(key="presenter").value is True
    assert chart_keys(at) == PRESENTER_CHARTS


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
    assert float(metric(at, "Loss")) == pytest.approx(np.mean(y**2), rel=1e-5)  # zeros: mean(y^2)
    A = np.column_stack([X, np.ones(len(y))])
    lam = np.linalg.eigvalsh(A.T @ A / len(y))
    assert float(metric(at, "Condition number")) == pytest.approx(lam[-1] / lam[0], rel=1e-3)
    assert at.selectbox(key="surface_x").options == ["x1", "x2", "b"]
    assert chart_keys(at) == ALL_CHARTS
    at.slider(key="iteration").set_value(1000).run()
    theta = np.linalg.lstsq(A, y, rcond=None)[0]
    assert float(metric(at, "Loss")) == pytest.approx(np.mean((A @ theta - y) ** 2), rel=1e-4)
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
    for name, (content, needs_standardize, says) in BAD_FILES.items():
        if needs_standardize != standardize:
            continue
        # one session, one file after another, as a user would try them
        at.file_uploader(key="upload").set_value((f"{name}.csv", content, "text/csv")).run()
        assert not at.exception
        errors = [plain(e.value) for e in at.error]
        assert len(errors) == 1 and "file cannot be used" in errors[0] and says in errors[0], (name, errors)
        assert "<script>" not in " ".join(e.value for e in at.error)  # shown escaped, never as HTML
        assert chart_keys(at) == ALL_CHARTS and len(at.metric) == 5
        before = int(metric(at, "Iteration"))
        at.button(key="step").click().run()  # still usable
        assert metric(at, "Iteration") == str(before + 1), name


def test_html_in_column_names_is_only_text():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(30, 2))
    y = X @ [1.0, 2.0]
    content = csv_bytes(X, y, ("<b>bold</b>", "<img src=x onerror=alert(1)>", "y"))
    at = page()
    at.file_uploader(key="upload").set_value(("data.csv", content, "text/csv")).run()
    assert not at.exception and not at.error
    for key in ("contour", "convergence", "loss", "fit"):
        spec = json.dumps(traces(at, key))
        assert "<b>" not in spec and "<img" not in spec, key
    caption = next(c.value for c in at.caption if "bold" in c.value)  # the surface's axes
    assert "<b>bold</b>" in plain(caption) and "<b>" not in caption


# ---- scaling, compare, presenter mode, exports ------------------------------------------------------


def test_standardising_unscaled_features_makes_the_condition_number_near_one():
    at = page()
    at.number_input(key="feature_scale").set_value(10.0).run()
    X = make_regression((2.0, 4.0, 5.0, 9.0, 11.0), 2.0, 5000, 0.0, 0, feature_scale=10.0).X

    def condition(X):
        A = np.column_stack([X, np.ones(len(X))])
        lam = np.linalg.eigvalsh(A.T @ A / len(X))
        return lam[-1] / lam[0]

    unscaled = float(metric(at, "Condition number"))
    assert unscaled == pytest.approx(condition(X), rel=1e-3) and unscaled > 50
    at.toggle(key="standardize").set_value(True).run()
    scaled = float(metric(at, "Condition number"))
    assert scaled == pytest.approx(condition((X - X.mean(axis=0)) / X.std(axis=0)), rel=1e-3)
    assert scaled < 1.2
    assert at.query_params["standardize"] == "true" and at.query_params["feature_scale"] == "10.0"
    table = next(d for d in at.dataframe)  # the weights in the original units too
    assert any("original units" in str(c) for c in table.value.columns)


def test_compare_draws_one_line_per_run_on_every_chart():
    at = page()
    assert run_traces(at) == ["L − L*"]
    at.multiselect(key="compare").set_value(["momentum", "adam"]).run()
    assert not at.exception
    expected = sorted(["gd", "momentum (μ=0.9)", "adam"])
    assert sorted(run_traces(at)) == expected
    contour = [t["name"] for t in traces(at, "contour") if t.get("mode") == "lines+markers"]
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
    at.toggle(key="presenter").set_value(True).run()
    assert not at.exception
    assert chart_keys(at) == PRESENTER_CHARTS
    assert not at.get("download_button")
    assert at.query_params["presenter"] == "true"
    at.toggle(key="presenter").set_value(False).run()
    assert chart_keys(at) == ALL_CHARTS and "presenter" not in at.query_params


def test_presenter_mode_keeps_the_comparison():
    at = page()
    at.multiselect(key="compare").set_value(["adam"]).run()
    at.toggle(key="presenter").set_value(True).run()
    at.run()  # any later rerun
    assert sorted(run_traces(at)) == ["adam", "gd"]
    assert at.query_params.get("compare") == "adam"
