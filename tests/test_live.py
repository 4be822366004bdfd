"""gd.live, the live panel's data, tested without Streamlit against the engine and numpy.

The helpers at the top (reading the payload back, finding the panel in an AppTest tree, making
AppTest deliver the browser's report) are shared with tests/test_app*.py, which import them.
"""

from __future__ import annotations

import base64
import gzip
import json
import re

import numpy as np
import plotly.io as pio
import pytest
from reference import compact, unpack

from gd import figures, live
from gd.inputs import Settings
from gd.run import experiment, variants

# ---- reading the payload back (shared with the AppTest modules) ------------------------------------

PER_PARAM = ("P",)  # the typed arrays with a row of p numbers per iteration


def decode(spec: dict) -> np.ndarray:
    """A typed array ({"dtype": "f8" | "f4" | "i4" ..., "bdata": base64 of little-endian bytes}, as
    gd.live.decode gives the payload's arrays) as numpy."""
    assert set(spec) == {"dtype", "bdata"} and spec["dtype"] in ("f8", "f4", "i4"), spec.keys()
    return np.frombuffer(base64.b64decode(spec["bdata"]), dtype="<" + spec["dtype"])


def ints(value) -> list | None:
    """A list of iterations in the payload (an i4 array), or None, as a list."""
    return None if value is None else decode(value).tolist()


def steps_of(payload: dict) -> np.ndarray:
    """The iterations the payload's rows are at: every one of 0..T unless `steps` lists them."""
    if payload["steps"] is None:
        return np.arange(payload["T"] + 1)
    return decode(payload["steps"])


def run_rows(payload: dict, r: int = 0) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Run r's iterations and its arrays, one row an iteration (P: rows x p)."""
    run = payload["runs"][r]
    at = steps_of(payload)
    at = at[at <= run["T"]]
    out = {}
    for name, spec in run.items():
        if name != "drawn" and isinstance(spec, dict) and "bdata" in spec:
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
    """Open the sidebar's folds (all by default; names as in ui.folds.FOLDS, without "fold_"), as a
    click on each would: a fold's inputs are drawn only while it is open. From the next run."""
    for fold in folds or ("data", "optimizer", "advanced", "compare", "surface"):
        at.session_state[f"fold_{fold}"] = True
    return at


def panel(at) -> dict:
    """The live panel's data in an AppTest tree (its element's head), its payload read back from
    the element of its own that holds it (gd.live.decode; its bytes kept as `text`)."""
    element = component(at, "live")
    assert element.proto.component_name == "gd_live"
    data, rest = unpack(element.proto.bytes)
    assert rest == b""  # the panel's element carries no payload: a change of settings is small
    problem, body = unpack(component(at, "problem").proto.bytes)
    assert problem["problem"] == data["payload"] == live.payload_id(body)
    data["text"] = body
    data["payload"] = live.decode(body)
    return data


def shown_settings(at):
    """The settings of the run the panel shows: the payload's own, or those the browser runs over
    its problem (the live element's `settings`: a full-batch rate, optimizer, momentum or start
    changed since the server made the run, ui.runs.Run.made). The browser's engine runs them as
    gd.run does, bit for bit (tests/test_engine_js.py)."""
    return at.session_state["page_state"].run.inputs.settings


def chart_keys(at) -> set:
    """The page's charts besides the live panel: st.plotly_chart's, or the module's static ones."""
    static = {e.key for e in at.get("bidi_component") if e.key not in ("live", "problem")}
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
    """The live panel's elements (the payload's and the panel's) as the server sends them, byte for
    byte: a rerun that produces the same bytes is one Streamlit's message cache does not send again."""
    return b"".join(
        component(at, key).proto.SerializeToString(deterministic=True) for key in ("problem", "live")
    )


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
    assert compact(x) == text


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
    text = compact(x)
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


def test_arrays_round_trip_bit_for_bit_aligned_and_stored_once():
    values = np.array([0.0, -0.0, 1.5, -2.2035e-15, 3.1668e12, np.pi, 1e-300, 1.7e308, np.nan, -np.inf])
    arrays = live.Arrays()
    ref = arrays.add(values)
    assert ref == {"dtype": "f8", "offset": 0, "length": 10}
    single = arrays.add(values[:3], "f4")  # 12 bytes, then 4 of padding
    steps = arrays.add(np.array([0, 7, 70_000]), "i4")
    grid = arrays.add(np.arange(6.0).reshape(2, 3) / 7, "f8", "2, 3")
    again = arrays.add(values.copy())  # the same bytes: stored once
    big_endian = arrays.add(np.array([1.25, -3.5], dtype=">f8"))  # written little-endian whatever it was
    assert again == ref and (single["offset"], steps["offset"], grid["offset"]) == (80, 96, 112)
    binary = arrays.bytes()
    assert len(binary) == 112 + 48 + 16 and all(
        r["offset"] % 8 == 0 for r in (single, steps, grid, big_endian)
    )
    assert binary[:80] == values.astype("<f8").tobytes() and binary[92:96] == bytes(4)
    # read back as a payload: one line of JSON, zeros up to a multiple of 8, the bytes
    head = json.dumps({"id": "x", "a": ref, "b": [single, {"c": steps}], "d": grid, "e": big_endian}).encode()
    data = live.decode(head + b"\n" + bytes(-(len(head) + 1) % 8) + binary)
    np.testing.assert_array_equal(decode(data["a"]), values)
    assert np.signbit(decode(data["a"])[1])
    assert decode(data["b"][0]).dtype == np.dtype("<f4")
    np.testing.assert_array_equal(decode(data["b"][0]), values[:3].astype(np.float32))
    assert decode(data["b"][1]["c"]).tolist() == [0, 7, 70_000]
    assert data["d"]["shape"] == "2, 3"
    np.testing.assert_array_equal(
        decode({k: v for k, v in data["d"].items() if k != "shape"}), np.arange(6.0) / 7
    )
    assert decode(data["e"]).tolist() == [1.25, -3.5]


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
    payload = live.decode(live.payload(ex, 1, 0))
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
    for key in ("P", "loss", "grad_norm", "excess"):
        assert main[key].dtype == np.dtype("<f8"), key
    assert "grad" not in main  # the browser computes it from P, G and c
    np.testing.assert_array_equal(main["P"], P)
    np.testing.assert_array_equal(main["loss"], ex.trajectory.loss[at])
    np.testing.assert_array_equal(main["grad_norm"], ex.trajectory.grad_norm[at])
    np.testing.assert_array_equal(decode(payload["G"]).reshape(ex.problem.p, -1), ex.problem.G)
    np.testing.assert_array_equal(decode(payload["c"]), ex.problem.c)
    # the browser computes the gradient from P, G and c as the engine does, to the bit: checked on
    # the JavaScript itself (tests/js/rules.test.mjs, on the cases of tests/rules.json)
    grad = ex.problem.gradient(P)
    np.testing.assert_array_equal(main["excess"], ex.problem.excess_loss(ex.trajectory.params[at]))
    # the 3-D heights, float32 (never shown as text): the loss on the slice over parameters 1, 0
    theta = np.repeat(ex.problem.theta_star[None, :], len(at), axis=0)
    theta[:, [1, 0]] = P[:, [1, 0]]
    lift = figures.surface.surface_lift(figures.common.slice_grid(ex, 1, 0)[2])
    assert main["z"].dtype == np.dtype("<f4")
    np.testing.assert_allclose(main["z"], ex.problem.loss(theta) + lift, rtol=1e-6)
    # the eigen view's errors are the browser's |(theta - theta*) V|: V is G's eigenvectors, in the
    # order of its eigenvalues, so computed from the payload they are the engine's
    V = decode(payload["eigenvectors"]).reshape(ex.problem.p, ex.problem.p)
    G = ex.problem.G
    np.testing.assert_allclose(G @ V, V * ex.problem.eigenvalues, atol=1e-12 * np.abs(G).max())
    np.testing.assert_allclose(V.T @ V, np.eye(ex.problem.p), atol=1e-12)
    np.testing.assert_array_equal(V, ex.problem.eigenvectors)  # what eigen_errors multiplies by
    e = P - ex.problem.theta_star  # and numpy's own product, to round-off
    bound = ex.problem.p**2 * np.finfo(float).eps * np.abs(e).max()
    np.testing.assert_allclose(ex.problem.eigen_errors(P), np.abs(e @ V), rtol=0, atol=bound)
    # a constant learning rate travels as one number
    assert payload["runs"][0]["rate"] == ex.settings.learning_rate and ex.settings.schedule == "constant"
    # independent of the engine's formulas: the gradient and its norm from numpy's own algebra
    c = ex.problem.c
    np.testing.assert_allclose(grad, 2 * (P @ G - c), rtol=1e-12, atol=1e-12 * np.abs(c).max())
    np.testing.assert_allclose(main["grad_norm"], np.linalg.norm(grad, axis=1), rtol=1e-12)
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
    payload = live.decode(live.payload(compared, 0, 1))
    for r, other in enumerate(compared.others, start=1):
        at, rows = run_rows(payload, r)
        assert at[-1] == other.trajectory.steps and len(rows["P"]) == other.trajectory.steps + 1


def test_figures_at_iteration_zero_are_gd_figures_own(compared):
    i, j = 2, 5
    for presenter in (False, True):
        payload = live.decode(live.payload(compared, i, j, presenter))
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
        # the 3-D path travels without its points (every one of them is among the rows): the
        # browser takes them from the main run's parameters and heights, which match the figure's
        surface = json.loads(pio.to_json(expected["surface"], validate=False))
        [path] = [t for t in surface["data"] if t.get("meta") == {"gd": "path", "run": 0}]
        T = compared.trajectory.steps
        steps = ints(payload["path"])
        assert steps == figures.common.drawn_steps(T, T, figures.common.PATH_POINTS).tolist()
        _, main = run_rows(payload)
        for axis, column in (("x", main["P"][steps, i]), ("y", main["P"][steps, j]), ("z", main["z"][steps])):
            np.testing.assert_allclose(decode(path.pop(axis)), column, rtol=1e-6)
        narrowed = []
        for name, fig in expected.items():
            want = surface if name == "surface" else json.loads(pio.to_json(fig, validate=False))
            got = payload["figures"][name]
            assert not same_but_float32(got["layout"], want["layout"]), name
            assert len(got["data"]) == len(want["data"]), name
            for n, (mine, theirs) in enumerate(zip(got["data"], want["data"], strict=True)):
                if same_but_float32(mine, theirs):
                    narrowed.append((name, n))
        # float32 only where no number is ever shown: a trace without hover, or the 3-D scene's,
        # whose hover is off (Plotly's hover labels would show more digits than float32 holds)
        assert ("surface", 0) in narrowed and ("contour", 0) not in narrowed  # the loss grids
        assert expected["surface"].layout.scene.hovermode is False
        for name, n in narrowed:
            assert name == "surface" or expected[name].data[n].hoverinfo in ("skip", "none"), (name, n)


def same_but_float32(got, want) -> bool:
    """`got` is `want` (Plotly JSON) but for arrays sent as float32, each the float32 of `want`'s
    float64; whether there are such arrays."""
    if isinstance(want, dict) and "bdata" in want:
        if got["dtype"] == "f4" and want["dtype"] == "f8":
            assert got.get("shape") == want.get("shape")
            np.testing.assert_array_equal(decode(strip(got)), decode(strip(want)).astype(np.float32))
            return True
        assert got == want
        return False
    if isinstance(want, dict):
        assert isinstance(got, dict) and set(got) == set(want), set(got) ^ set(want)
        return any([same_but_float32(got[k], v) for k, v in want.items()])
    if isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want)
        return any([same_but_float32(g, w) for g, w in zip(got, want, strict=True)])
    assert got == want
    return False


def strip(spec: dict) -> dict:
    return {k: v for k, v in spec.items() if k != "shape"}


@pytest.mark.parametrize("name", ["article", "compared"])
def test_every_moving_trace_carries_its_tag(name, request):
    ex = request.getfixturevalue(name)
    payload = live.decode(live.payload(ex, 0, 1))
    n, p = 1 + len(ex.others), ex.problem.p
    contour = tagged(payload, "contour")
    assert sorted(m["run"] for m in contour if m["gd"] == "path") == list(range(n))
    assert [m for m in contour if m["gd"] == "point"] == [{"gd": "point"}]
    assert [m["n"] for m in contour if m["gd"] == "arrow"] == [0, 1]
    assert len(contour) == n + 3
    lines = [(m["run"], m["param"]) for m in tagged(payload, "convergence") if m["gd"] == "line"]
    assert sorted(lines) == [(r, q) for r in range(n) for q in range(p)]
    assert [m["gd"] for m in tagged(payload, "convergence")].count("point") == 1
    loss = tagged(payload, "loss")
    assert [m["run"] for m in loss if m["gd"] == "line"] == list(range(n))
    assert [m["gd"] for m in loss].count("point") == 1 and len(loss) == n + 2
    # plain GD's references, which the panel draws again for a run of the browser's (theory.js)
    assert [m for m in loss if m["gd"] == "theory"] == [{"gd": "theory"}]
    assert [m["param"] for m in tagged(payload, "eigen") if m["gd"] == "theory"] == list(range(p))
    assert tagged(payload, "fit") == [{"gd": "fit"}]
    # the surface's own path, which the browser fills from the run's rows, and the moving traces
    assert tagged(payload, "surface") == [{"gd": "path", "run": 0}, {"gd": "point"}, {"gd": "trail"}]
    # the current point of the contour map is iteration 0's, where the browser starts moving it
    point = next(t for t in traces(payload, "contour") if t.get("meta") == {"gd": "point"})
    assert (point["x"], point["y"]) == ([ex.trajectory.params[0, 0]], [ex.trajectory.params[0, 1]])


def test_the_run_digest_follows_the_run_and_the_id_every_change(article):
    base = live.decode(live.payload(article, 4, 3))
    views = [live.payload(article, 3, 4), live.payload(article, 0, 5), live.payload(article, 4, 3, True)]
    for data in views:
        view = live.decode(data)
        assert view["run"] == base["run"] and view["id"] != base["id"]
    assert live.decode(live.payload(article, 4, 3))["id"] == base["id"]  # the same payload: the same id
    for s in (Settings(learning_rate=0.02), Settings(seed=1), Settings(steps=999), Settings(noise=0.1)):
        other = live.decode(live.payload(experiment(s), 4, 3))
        assert other["run"] != base["run"] and other["id"] != base["id"], s
    with_compare = experiment(Settings(), None, (Settings(optimizer="adam"),))
    other = live.decode(live.payload(with_compare, 4, 3))
    assert other["run"] != base["run"] and other["id"] != base["id"]


def test_the_id_is_a_digest_of_the_whole_payload_binary_part_included(article):
    data = live.payload(article, 4, 3)
    payload = live.decode(data)
    end = data.index(b"\n")
    start = end + 1 + (-(end + 1) % 8)
    assert data[end + 1 : start] == bytes(start - end - 1) and len(data) > start
    head = f'{{"id":"{payload["id"]}","run":"{payload["run"]}",'.encode()
    assert data.startswith(head)
    body = b"{" + data[len(head) : end]
    # the digest covers the JSON (without the two digests) and the arrays' bytes
    assert payload["id"] == live._digest(body + data[start:])
    assert payload["id"] != live._digest(body)


def test_the_payload_starts_with_its_digests(article):
    """The browser redraws only when the first 80 bytes change: the id must be among them."""
    data = live.payload(article, 4, 3)
    payload = live.decode(data)
    assert data.startswith(
        b'{"id":"' + payload["id"].encode() + b'","run":"' + payload["run"].encode() + b'"'
    )


def test_the_default_payload_is_small(article):
    data = live.payload(article, 4, 3)
    assert len(data) < 240_000
    assert live.decode(data)["steps"] is None  # every iteration of the article's run travels


def test_the_largest_payload_thins_its_steps_but_keeps_what_play_and_the_charts_need(largest):
    ex, data = largest
    payload = live.decode(data)
    T = ex.trajectory.steps
    assert T == 20_000 and len(payload["runs"]) == 6
    anchors, steps = ints(payload["anchors"]), ints(payload["steps"])
    assert anchors == sorted(set(anchors)) and steps == sorted(set(steps))
    anchors, steps = set(anchors), set(steps)
    assert anchors <= steps and {0, T} <= anchors
    assert set(ints(payload["play"])) <= anchors
    assert ints(payload["play"]) == live.play_marks(T).tolist()
    # the 3-D trail stands on the points the lines draw: the browser has their numbers
    trail = figures.surface.trail_steps(T, T // 2)
    assert set(trail[:-1]) <= set(ints(payload["runs"][0]["drawn"][str(payload["points"])]))
    for run in payload["runs"]:
        for drawn in run["drawn"].values():
            assert set(ints(drawn)) <= anchors
    assert {a + 1 for a in anchors if a < T} <= steps
    # the rows there are the engine's
    at, main = run_rows(payload)
    np.testing.assert_array_equal(main["loss"], ex.trajectory.loss[at])
    # not every iteration of the 3-D path is among the rows: the figure carries its points (float32)
    assert payload["path"] is None
    [path] = [t for t in traces(payload, "surface") if t.get("meta") == {"gd": "path", "run": 0}]
    drawn = figures.common.drawn_steps(T, T, figures.common.PATH_POINTS)
    np.testing.assert_array_equal(decode(path["x"]), ex.trajectory.params[drawn, 19].astype(np.float32))


def test_the_largest_payload_stays_within_its_budget(largest):
    ex, data = largest
    payload = live.decode(data)
    raw = sum(
        len(base64.b64decode(spec["bdata"]))
        for run in payload["runs"]
        for name, spec in run.items()
        if name != "drawn" and isinstance(spec, dict) and "bdata" in spec
    )
    assert raw <= live.ARRAY_BYTES  # the per-iteration arrays of every run
    assert len(data) < 3_000_000
    assert ex.trajectory.steps == payload["T"]


def test_the_page_loads_plotly_js_from_a_gzip_of_the_projects_bundle():
    import panel as panel_module

    bundle = panel_module.STATIC / "plotly-gd.min.js"
    assert f"app/static/plotly-gd.min.js.gz?v={panel_module._version(bundle)}" == panel_module.PLOTLY_URL
    assert gzip.decompress(panel_module.PLOTLY_GZ.read_bytes()) == bundle.read_bytes()
    assert bundle == panel_module.PLOTLY_JS  # the plain script, for a browser that cannot unpack
