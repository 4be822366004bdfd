"""gd.live, the live panel's data, tested without Streamlit against the engine and numpy.

The helpers at the top (reading the payload back, finding the panel in an AppTest tree, making
AppTest deliver the browser's report) are shared with tests/test_app*.py, which import them.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
from pathlib import Path

import numpy as np
import plotly
import plotly.io as pio
import pytest

from gd import figures, live
from gd.inputs import Settings
from gd.run import experiment, variants
from panel import unpack

# ---- reading the payload back (shared with the AppTest modules) ------------------------------------

PER_PARAM = ("P", "grad", "eig")  # the typed arrays with a row of p numbers per iteration


def decode(spec: dict) -> np.ndarray:
    """A typed array ({"dtype": "f8" | "f4", "bdata": base64 of little-endian bytes}) as numpy."""
    assert set(spec) == {"dtype", "bdata"} and spec["dtype"] in ("f8", "f4"), spec.keys()
    return np.frombuffer(base64.b64decode(spec["bdata"]), dtype="<" + spec["dtype"])


def steps_of(payload: dict) -> np.ndarray:
    """The iterations the payload's rows are at: every one of 0..T unless `steps` lists them."""
    if payload["steps"] is None:
        return np.arange(payload["T"] + 1)
    return np.asarray(payload["steps"])


def run_rows(payload: dict, r: int = 0) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Run r's iterations and its arrays, one row an iteration (P and grad: rows x p)."""
    run = payload["runs"][r]
    at = steps_of(payload)
    at = at[at <= run["T"]]
    out = {}
    for name, spec in run.items():
        if isinstance(spec, dict) and "bdata" in spec:
            values = decode(spec)
            out[name] = values.reshape(len(at), payload["p"]) if name in PER_PARAM else values
            assert len(out[name]) == len(at), name
    return at, out


def value_at(payload: dict, name: str, k: int, r: int = 0):
    """Run r's `name` at iteration k (k must be one the payload holds)."""
    at, arrays = run_rows(payload, r)
    rows = np.flatnonzero(at == k)
    assert len(rows) == 1, f"iteration {k} is not in the payload"
    return arrays[name][rows[0]]


def component(at, key: str):
    """The page's Components v2 element with this key (the live panel is "live")."""
    [element] = [e for e in at.get("bidi_component") if e.key == key]
    return element


def open_folds(at, *folds: str):
    """Open the sidebar's folds (all by default; names as in ui.FOLDS, without "fold_"), as a
    click on each would: a fold's inputs are drawn only while it is open. From the next run."""
    for fold in folds or ("data", "optimizer", "advanced", "compare", "surface"):
        at.session_state[f"fold_{fold}"] = True
    return at


def panel(at) -> dict:
    """The live panel's data in an AppTest tree, its payload parsed (the text kept as `text`)."""
    element = component(at, "live")
    assert element.proto.component_name == "gd_live"
    data, body = unpack(element.proto.bytes)
    data["text"] = body.decode()
    data["payload"] = json.loads(body)
    return data


def chart_keys(at) -> set:
    """The page's charts besides the live panel: st.plotly_chart's, or the module's static ones."""
    static = {e.key for e in at.get("bidi_component") if e.key != "live"}
    return {c.key for c in at.get("plotly_chart")} | static


def figure(at, key: str) -> dict:
    """A chart's Plotly JSON: one of the live panel's five (at iteration 0), else a page chart."""
    figures = panel(at)["payload"]["figures"]
    if key in figures:
        return figures[key]
    charts = [c for c in at.get("plotly_chart") if c.key == key]
    if charts:
        return json.loads(charts[0].proto.spec)
    head, body = unpack(component(at, key).proto.bytes)
    assert head["figure"]
    return json.loads(body)


def send_state(at, state: dict, widgets=None):
    """One run with the component's state as the browser would send it: JSON under the element's
    widget id, every other widget as it is (AppTest's own widget states leave the component out),
    or as `widgets` (widget states taken earlier: a browser that has not yet heard the last run)."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    element = component(at, "live")
    states = at._tree.get_widget_states() if widgets is None else widgets
    states.widgets.append(WidgetState(id=element.proto.id, json_value=json.dumps(state)))
    return at._run(states)


def sent(at) -> bytes:
    """The live panel's element as the server sends it, byte for byte (its data text included):
    a rerun that produces the same bytes is one Streamlit's message cache does not send again."""
    return component(at, "live").proto.SerializeToString(deterministic=True)


def report_of(at, k) -> dict:
    """The component's state when the browser stops on iteration k: the report names the run it
    shows and the `opened` it was opened under."""
    data = panel(at)
    return {"iteration": {"run": data["payload"]["run"], "k": k, "opened": data["opened"]}}


def report(at, k: int):
    """What the browser sends when the user stops on iteration k of the run it shows. The rerun
    that follows must send the panel the very same element (the ~300 kB payload is not resent)."""
    before = sent(at)
    send_state(at, report_of(at, k))
    assert not at.exception, at.exception
    assert sent(at) == before, "a report changed the live panel's element"
    return at


def traces(payload: dict, name: str) -> list[dict]:
    return payload["figures"][name]["data"]


def tagged(payload: dict, name: str) -> list:
    """The meta tags of a chart's moving traces, in order."""
    return [t["meta"] for t in traces(payload, name) if "meta" in t]


# ---- compact ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "x, text",
    [
        (2.2035e-15, "2.20e-15"),
        (3.1668e12, "3.17e12"),
        (-3.1668e12, "-3.17e12"),
        (51631.2, "51,631"),
        (-51631.2, "-51,631"),
        (0.20351, "0.2035"),
        (12.3456, "12.35"),
        (0, "0"),
        (0.0, "0"),
        (-0.5, "-0.5"),
        (1e-3, "0.001"),  # the lower end of 4 significant digits is in
        (9.99e-4, "9.99e-4"),  # just below it: scientific
        (9999.4, "9999"),
        (1e4, "10,000"),  # separators from 10,000
        (10000.5, "10,000"),  # half to even, as the browser's roundHalfEven
        (10001.5, "10,002"),
        (999_999.4, "999,999"),
        (1e6, "1.00e6"),  # a million and up: scientific
        (float("nan"), "NaN"),
        (float("inf"), "∞"),
        (float("-inf"), "−∞"),
    ],
)
def test_compact_writes_numbers_as_the_docstring_says(x, text):
    assert live.compact(x) == text


DOCUMENTED = re.compile(
    r"-?\d\.\d{1,3}|-?\d+(\.\d+)?"  # 4 significant digits (0.2035, 12.35, 9999)
    r"|-?\d{1,3}(,\d{3})+"  # whole numbers with separators
    r"|-?\d\.\d\de-?\d+"  # 3 significant digits, scientific without '+' or leading zeros
)


@pytest.mark.parametrize(
    "x",
    [
        9999.5,
        999_999.6,
        0.00099996,
        0.0012345,
        123456.0,
    ],
)
def test_compact_near_a_boundary_keeps_a_documented_form_and_the_value(x):
    text = live.compact(x)
    assert DOCUMENTED.fullmatch(text), text
    assert float(text.replace(",", "")) == pytest.approx(x, rel=5e-3)


# ---- which iterations travel -------------------------------------------------------------------------


def test_every_step_travels_when_it_fits_the_budget():
    required = np.array([0, 7, 100])
    np.testing.assert_array_equal(live.anchor_steps(100, 10, required, budget=1010), np.arange(101))
    np.testing.assert_array_equal(live.anchor_steps(0, 10, np.array([0]), budget=10), [0])
    anchors = live.anchor_steps(100, 10, required, budget=1009)  # one byte short: thinned
    assert len(anchors) < 101
    np.testing.assert_array_equal(live.sent_steps(np.arange(101), 100), np.arange(101))


def test_a_long_run_sends_the_first_steps_then_a_stride_within_the_budget():
    T, row_bytes, budget = 20_000, 368, 1_500_000
    required = np.array([5000, 12_345, 19_999, 12_345])
    anchors = live.anchor_steps(T, row_bytes, required, budget)
    # by hand: rows = 1_500_000 // 736 - 4 = 2034, dense = 1017, stride = ceil(18983 / 1017) = 19
    assert anchors.dtype.kind == "i"
    assert np.all(np.diff(anchors) > 0)  # sorted, unique
    assert set(range(1018)) <= set(anchors.tolist())  # every one of the first 0..1017
    assert anchors[0] == 0 and anchors[-1] == T
    assert {5000, 12_345, 19_999} <= set(anchors.tolist())
    assert np.diff(anchors).max() <= 19
    sent = live.sent_steps(anchors, T)
    assert np.all(np.diff(sent) > 0) and set(anchors.tolist()) <= set(sent.tolist())
    assert set((anchors[anchors < T] + 1).tolist()) <= set(sent.tolist())  # each anchor's next step
    assert sent.max() == T
    assert len(sent) * row_bytes <= budget


@pytest.mark.parametrize("T", [0, 1, 5, 299, 300, 301, 1000, 20_000])
def test_play_marks_start_at_zero_end_at_T_and_show_every_first_step(T):
    marks = live.play_marks(T)
    assert marks[0] == 0 and marks[-1] == T
    assert np.all(np.diff(marks) > 0)
    assert len(marks) <= live.PLAY_FRAMES
    first = min(T + 1, live.PLAY_FRAMES // 6)
    np.testing.assert_array_equal(marks[:first], np.arange(first))
    if T + 1 <= live.PLAY_FRAMES:
        np.testing.assert_array_equal(marks, np.arange(T + 1))


def test_typed_arrays_round_trip_bit_for_bit():
    values = np.array([0.0, -0.0, 1.5, -2.2035e-15, 3.1668e12, np.pi, 1e-300, 1.7e308])
    spec = live.typed(values)
    assert spec["dtype"] == "f8"
    assert base64.b64decode(spec["bdata"]) == values.astype("<f8").tobytes()
    np.testing.assert_array_equal(decode(spec), values)
    assert np.signbit(decode(spec)[1])
    matrix = np.arange(12.0).reshape(3, 4) / 7
    np.testing.assert_array_equal(decode(live.typed(matrix)).reshape(3, 4), matrix)
    single = decode(live.typed(values[:6], "f4"))
    assert single.dtype == np.dtype("<f4")
    np.testing.assert_array_equal(single, values[:6].astype(np.float32))
    big_endian = np.array([1.25, -3.5], dtype=">f8")  # written little-endian whatever it was
    assert base64.b64decode(live.typed(big_endian)["bdata"]) == np.array([1.25, -3.5], "<f8").tobytes()


# ---- the payload ---------------------------------------------------------------------------------------

COMPARED = Settings(samples=400, steps=300, learning_rate=0.05)
LONG = Settings(samples=400, steps=20_000)  # 20,001 rows of 6 parameters: over the budget


@pytest.fixture(scope="module")
def article():
    return experiment(Settings())


@pytest.fixture(scope="module")
def compared():
    others = tuple(variants(COMPARED, ["gd", "momentum", "sgd"], [0.05, 1.0], [8]))
    return experiment(COMPARED, None, others)


@pytest.fixture(scope="module")
def long_run():
    return experiment(LONG)


@pytest.fixture(scope="module")
def largest():
    """20 weights, 20,000 steps and 5 compared runs: the most a payload carries."""
    s = Settings(true_weights=tuple(float(w) for w in range(1, 21)), samples=1000, steps=20_000)
    others = tuple(variants(s, ["momentum", "nesterov", "adam", "sgd"], [], [1, 32]))
    assert len(others) == 5
    ex = experiment(s, None, others)
    return ex, live.payload(ex, 19, 18)


@pytest.mark.parametrize("name", ["article", "compared", "long_run"])
def test_the_payload_holds_the_engines_own_numbers(name, request):
    ex = request.getfixturevalue(name)
    payload = json.loads(live.payload(ex, 1, 0))
    T = ex.trajectory.steps
    assert payload["T"] == T and payload["p"] == ex.problem.p and payload["names"] == list(ex.names)
    steps = steps_of(payload)
    if name == "long_run":
        assert payload["steps"] is not None and len(steps) < T + 1
    else:
        assert payload["steps"] is None and payload["anchors"] is None
    at, main = run_rows(payload)
    np.testing.assert_array_equal(at, steps)
    P = ex.trajectory.params[at]
    for key in ("P", "loss", "grad_norm", "grad", "excess"):
        assert main[key].dtype == np.dtype("<f8"), key
    np.testing.assert_array_equal(main["P"], P)
    np.testing.assert_array_equal(main["loss"], ex.trajectory.loss[at])
    np.testing.assert_array_equal(main["grad_norm"], ex.trajectory.grad_norm[at])
    np.testing.assert_array_equal(main["grad"], ex.problem.gradient(ex.trajectory.params[at]))
    np.testing.assert_array_equal(main["excess"], ex.problem.excess_loss(ex.trajectory.params[at]))
    assert len(main["z"]) == len(at)
    # independent of the engine's formulas: the gradient and its norm from numpy's own algebra
    G, c = ex.problem.G, ex.problem.c
    np.testing.assert_allclose(main["grad"], 2 * (P @ G - c), rtol=1e-12, atol=1e-12 * np.abs(c).max())
    np.testing.assert_allclose(main["grad_norm"], np.linalg.norm(main["grad"], axis=1), rtol=1e-12)
    assert payload["theta_star"] == ex.problem.theta_star.tolist()
    assert payload["condition_number"] == ex.problem.condition_number
    assert payload["learning_rate"] == ex.settings.learning_rate
    assert [run["label"] for run in payload["runs"]] == [ex.label] + [o.label for o in ex.others]
    for r, other in enumerate(ex.others, start=1):
        at, rows = run_rows(payload, r)
        assert payload["runs"][r]["T"] == other.trajectory.steps
        assert set(rows) == {"P", "excess"} and rows["P"].dtype == np.dtype("<f4")
        Q = other.trajectory.params[at]
        np.testing.assert_array_equal(rows["P"], Q.astype(np.float32))
        np.testing.assert_array_equal(rows["excess"], ex.problem.excess_loss(Q).astype(np.float32))


def test_a_compared_run_that_stops_early_has_rows_only_to_its_end(compared):
    diverged = [o for o in compared.others if o.trajectory.diverged_at is not None]
    assert diverged, "gd at 1.0, past its limit, diverges"
    payload = json.loads(live.payload(compared, 0, 1))
    for r, other in enumerate(compared.others, start=1):
        at, rows = run_rows(payload, r)
        assert at[-1] == other.trajectory.steps and len(rows["P"]) == other.trajectory.steps + 1


def test_figures_at_iteration_zero_are_gd_figures_own(compared):
    i, j = 2, 5
    for presenter in (False, True):
        payload = json.loads(live.payload(compared, i, j, presenter))
        assert payload["presenter"] is presenter and (payload["i"], payload["j"]) == (i, j)
        expected = {
            "surface": figures.surface_figure(compared, i, j, presenter),
            "contour": figures.contour_figure(compared, i, j, 0, presenter),
            "convergence": figures.convergence_figure(compared, 0, presenter),
            "loss": figures.loss_figure(compared, 0, presenter),
            "fit": figures.fit_figure(compared, 0, presenter, live.FIT_POINTS),
            "eigen": figures.eigen_figure(compared, 0, presenter),
            "rate": figures.rate_figure(compared, 0, presenter),
        }
        assert list(payload["figures"]) == list(expected)
        for name, fig in expected.items():
            assert payload["figures"][name] == json.loads(pio.to_json(fig, validate=False)), name


@pytest.mark.parametrize("name", ["article", "compared"])
def test_every_moving_trace_carries_its_tag(name, request):
    ex = request.getfixturevalue(name)
    payload = json.loads(live.payload(ex, 0, 1))
    n, p = 1 + len(ex.others), ex.problem.p
    contour = tagged(payload, "contour")
    assert [m["run"] for m in contour if m["gd"] == "path"] == list(range(n))
    assert [m for m in contour if m["gd"] == "point"] == [{"gd": "point"}]
    assert [m["n"] for m in contour if m["gd"] == "arrow"] == [0, 1]
    assert len(contour) == n + 3
    lines = [(m["run"], m["param"]) for m in tagged(payload, "convergence") if m["gd"] == "line"]
    assert sorted(lines) == [(r, q) for r in range(n) for q in range(p)]
    assert [m["gd"] for m in tagged(payload, "convergence")].count("point") == 1
    loss = tagged(payload, "loss")
    assert [m["run"] for m in loss if m["gd"] == "line"] == list(range(n))
    assert [m["gd"] for m in loss].count("point") == 1 and len(loss) == n + 1
    assert tagged(payload, "fit") == [{"gd": "fit"}]
    assert sorted(m["gd"] for m in tagged(payload, "surface")) == ["point", "trail"]
    # the current point of the contour map is iteration 0's, where the browser starts moving it
    point = next(t for t in traces(payload, "contour") if t.get("meta") == {"gd": "point"})
    assert (point["x"], point["y"]) == ([ex.trajectory.params[0, 0]], [ex.trajectory.params[0, 1]])


def test_the_run_digest_follows_the_run_and_the_id_every_change(article):
    base = json.loads(live.payload(article, 4, 3))
    views = [live.payload(article, 3, 4), live.payload(article, 0, 5), live.payload(article, 4, 3, True)]
    for text in views:
        view = json.loads(text)
        assert view["run"] == base["run"] and view["id"] != base["id"]
    assert json.loads(live.payload(article, 4, 3))["id"] == base["id"]  # the same payload: the same id
    for s in (Settings(learning_rate=0.02), Settings(seed=1), Settings(steps=999), Settings(noise=0.1)):
        other = json.loads(live.payload(experiment(s), 4, 3))
        assert other["run"] != base["run"] and other["id"] != base["id"], s
    with_compare = experiment(Settings(), None, (Settings(optimizer="adam"),))
    other = json.loads(live.payload(with_compare, 4, 3))
    assert other["run"] != base["run"] and other["id"] != base["id"]


def test_the_payload_text_starts_with_its_digests(article):
    """The browser redraws only when the first 80 characters change: the id must be among them."""
    text = live.payload(article, 4, 3)
    payload = json.loads(text)
    assert text.startswith('{"id":"' + payload["id"] + '","run":"' + payload["run"] + '"')


def test_the_default_payload_is_small(article):
    text = live.payload(article, 4, 3)
    assert len(text.encode()) < 400_000
    assert json.loads(text)["steps"] is None  # every iteration of the article's run travels


def test_the_largest_payload_thins_its_steps_but_keeps_what_play_and_the_charts_need(largest):
    ex, text = largest
    payload = json.loads(text)
    T = ex.trajectory.steps
    assert T == 20_000 and len(payload["runs"]) == 6
    anchors, steps = set(payload["anchors"]), set(payload["steps"])
    assert payload["anchors"] == sorted(anchors) and payload["steps"] == sorted(steps)
    assert anchors <= steps and {0, T} <= anchors
    assert set(payload["play"]) <= anchors
    assert payload["play"] == live.play_marks(T).tolist()
    # the 3-D trail stands on the points the lines draw: the browser has their numbers
    trail = figures.surface.trail_steps(T, T // 2)
    assert set(trail[:-1]) <= set(payload["runs"][0]["drawn"][str(payload["points"])])
    for run in payload["runs"]:
        for drawn in run["drawn"].values():
            assert set(drawn) <= anchors
    assert {a + 1 for a in anchors if a < T} <= steps
    # the rows there are the engine's
    at, main = run_rows(payload)
    np.testing.assert_array_equal(main["loss"], ex.trajectory.loss[at])


def test_the_largest_payload_stays_within_its_budget(largest):
    ex, text = largest
    payload = json.loads(text)
    raw = sum(
        len(base64.b64decode(spec["bdata"]))
        for run in payload["runs"]
        for spec in run.values()
        if isinstance(spec, dict) and "bdata" in spec
    )
    assert raw <= live.ARRAY_BYTES  # the per-iteration arrays of every run
    assert len(text.encode()) < 3_000_000
    assert ex.trajectory.steps == payload["T"]


def test_the_page_loads_plotly_js_from_a_gzip_of_the_packages_own():
    import panel as panel_module

    package = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    assert f"app/static/plotly.min.js.gz?v={plotly.__version__}" == panel_module.PLOTLY_URL
    assert gzip.decompress(panel_module.PLOTLY_GZ.read_bytes()) == package.read_bytes()
    assert panel_module.PLOTLY_JS.read_bytes() == package.read_bytes()  # for a browser that cannot unpack
