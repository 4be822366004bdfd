"""Hostile input through every door: command-line flags, widget values, URL parameters, uploads.

Each case must end in a clear message (or a result), never a traceback, and no input may make the
server compute or hold memory without bound. The cases are tables, so a new one is one line.
"""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest
from test_live import open_folds, panel, report, report_of, run_rows, send_state, sent

from gd import explain, live, share
from gd.__main__ import main
from gd.data import MAX_CSV_BYTES, load_csv
from gd.inputs import Settings
from gd.run import experiment, variants

ROOT = Path(__file__).resolve().parents[1]
LONG = "9" * 100_000
SCRIPT = "<script>alert(1)</script>"
TIMEOUT = 60
DEFAULT_AXES = (4, 3)  # the article's surface: w5 and w4, its two largest true weights


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


def shown_as_text(messages) -> list[str]:
    """Messages as read, after checking that each is escaped whole (no markdown, HTML or LaTeX)."""
    out = []
    for m in messages:
        text = plain(m.value)
        assert m.value == explain.md(text), m.value
        assert "<script>" not in m.value and "<b>" not in m.value
        out.append(text)
    return out


def assert_last_valid_run(at, settings: Settings, compare=(), axes=DEFAULT_AXES) -> str:
    """The panel holds the engine's run for these settings: the payload gd.live builds for it,
    and its rows the engine's trajectory. Returns the payload text."""
    ex = experiment(settings, None, tuple(compare))
    data = panel(at)
    assert data["text"] == live.payload(ex, *axes, False)
    at_, rows = run_rows(data["payload"])
    np.testing.assert_array_equal(at_, np.arange(ex.trajectory.steps + 1))
    np.testing.assert_array_equal(rows["loss"], ex.trajectory.loss)
    np.testing.assert_array_equal(rows["P"], ex.trajectory.params)
    return data["text"]


def assert_goes_on(at, k: int, start: int = 0) -> None:
    """The browser's report of iteration k reaches the link; the panel stays on the same run, as
    it was sent: opened at `start` (0 unless a link said otherwise), its element the same bytes."""
    text, element = panel(at)["text"], sent(at)
    report(at, k)
    assert at.session_state["current"] == k and at.query_params["iteration"] == str(k)
    assert panel(at)["start"] == start and panel(at)["text"] == text and sent(at) == element


def cli(*args, timeout=60):
    return subprocess.run(
        [sys.executable, "-m", "gd", "--quiet", *args],
        cwd=ROOT,
        text=True,
        capture_output=True,
        timeout=timeout,
    )


# ---- command line: exit 2, one line "error: ...", never a traceback ---------------------------

CLI_CASES = [
    (["--samples", "1e99"], "--samples"),
    (["--samples", "-5"], "--samples"),
    (["--steps", "1e300"], "--steps"),
    (["--bias", "1e400"], "--bias"),
    (["--bias", "nan"], "--bias"),
    (["--lr", "inf"], "--lr"),
    (["--lr", "-0.1"], "--lr"),
    (["--noise", "-1"], "--noise"),
    (["--seed", "1.5"], "--seed"),
    (["--weights", ""], "--weights"),
    (["--weights", SCRIPT], "--weights"),
    (["--weights", "=1+1"], "--weights"),
    (["--weights", LONG], "--weights"),
    (["--weights", ",".join(["1"] * 21)], "--weights"),
    (["--weights", "1,nan"], "--weights"),
    (["--optimizer", "eval"], "--optimizer"),
    (["--batch-size", "0", "--optimizer", "sgd"], "--batch-size"),
    (["--momentum", "1"], "--momentum"),
    (["--optimizer", "nesterov", "--momentum", "0"], "nesterov"),
    (
        ["--optimizer", "sgd", "--batch-size", "1000000", "--steps", "20000", "--samples", "1000000"],
        "batch size x steps",
    ),
    (["--every", "0"], "--every"),
    (["--feature-scale", "1e9"], "--feature-scale"),
    (["--unknown"], "unrecognized"),
]


@pytest.mark.parametrize("args, names", CLI_CASES, ids=[" ".join(a)[:40] for a, _ in CLI_CASES])
def test_cli_refuses_with_one_line(args, names, capsys):
    code = main(["--quiet", *args])  # in-process: an exception other than the exit code fails here
    err = capsys.readouterr().err
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and names in lines[0], err
    assert len(lines[0]) < 400


def test_the_cli_process_refuses_with_one_line_and_no_traceback():
    result = cli("--weights", SCRIPT)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr


BAD_FILES = {  # name: (content, what the message says is wrong)
    "empty": (b"", "the file is empty"),
    "binary": (bytes(range(256)) * 4, "the file is binary, not a CSV text file"),
    "not utf-8": ("a,b\n1,\xe9\n".encode("latin-1"), "the file is not UTF-8 text (save it as CSV UTF-8)"),
    "formula": (b"a,y\n=1+2,3\n", "row 2: '=1+2' is not a number"),
    "html": (b"a,y\n<script>,3\n", "row 2: '<script>' is not a number"),
    "ragged": (b"a,b,y\n1,2,3\n4,5\n", "row 3 has 2 values; the header has 3"),
    "header only": (b"a,y\n", "the file has a header but no data rows"),
    "inf": (b"a,y\n1,inf\n", "row 2: NaN or infinity is not allowed"),
    # issue 9: squares that overflow float64 (items 1, 2), UTF-16 (item 10)
    "huge feature": (
        b"x,y\n1e200,1\n2e200,3\n3e200,5\n",
        "column 'x' holds 3e+200; values must be within ±1e+100 (their squares would overflow): "
        "rescale the column, e.g. to other units",
    ),
    "huge target": (
        b"x,y\n1,1e300\n2,-1e300\n3,1e300\n",
        "column 'y' holds 1e+300; values must be within ±1e+100 (their squares would overflow): "
        "rescale the column, e.g. to other units",
    ),
    "utf-16": (
        "x,y\n1,2\n3,4\n".encode("utf-16"),
        "the file is UTF-16 text; save it as UTF-8 (in a spreadsheet: CSV UTF-8)",
    ),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_cli_refuses_bad_files(tmp_path, name):
    content, says = BAD_FILES[name]
    path = tmp_path / "data.csv"
    path.write_bytes(content)
    result = cli("--data", str(path))
    assert result.returncode == 2 and result.stderr.startswith("error: "), result.stderr
    assert says in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr


def test_cli_refuses_a_file_over_the_limit_without_reading_it(tmp_path):
    path = tmp_path / "huge.csv"
    with open(path, "wb") as f:  # sparse: the size is there, the bytes are not
        f.truncate(MAX_CSV_BYTES + 1)
    result = cli("--data", str(path), timeout=20)
    assert result.returncode == 2 and "bytes; at most" in result.stderr


# ---- URL parameters: ignored with a warning that names them; defaults kept ---------------------

URL_CASES = {
    "samples": "1e99",
    "steps": "nan",
    "bias": "Infinity",
    "learning_rate": "0",
    "noise": "-0.5",
    "seed": "-1",
    "optimizer": SCRIPT,
    "true_weights": '=HYPERLINK("x")',
    "momentum": "1",
    "batch_size": "0",
    "compare": "gd,<b>x</b>",
    "compare_rates": "1,2,abc",
    "standardize": "maybe",
    "iteration": "-3",
    "surface_x": LONG,
    "presenter": "\u202etrue",
    "feature_scale": "0",
    "outlier": "1e400",
    "compare_batches": ",".join(["1"] * 50),
}


@pytest.mark.parametrize("key", list(URL_CASES))
def test_url_values_are_ignored_with_a_warning(key):
    values, warnings = share.from_query({key: URL_CASES[key]})
    assert key not in values
    assert len(warnings) == 1 and key in warnings[0]
    assert len(warnings[0]) < 400  # a long value is cut, not echoed whole


def test_the_page_survives_every_hostile_url_at_once():
    query = {**URL_CASES, "unknown": SCRIPT}
    at = page(**query)
    shown = shown_as_text(at.warning)  # what a warning shows is escaped: markdown and HTML stay text
    assert len(shown) == len(query)
    for key in query:  # one warning names each ignored parameter
        assert sum(f"URL parameter {key}=" in w or f"parameter '{key}'" in w for w in shown) == 1, key
    assert any("\\<script\\>" in w.value for w in at.warning)
    assert not at.error
    assert at.text_input(key="true_weights").value == "2, 4, 5, 9, 11"
    # every value was refused: the article's run, from iteration 0 (not the link's -3), no presenter
    assert panel(at)["start"] == 0 and at.session_state["current"] == 0
    assert_last_valid_run(at, Settings())
    assert dict(at.query_params) == {}  # none of the hostile values stays in the address bar
    assert_goes_on(at, 5)


# ---- widgets: a message, the page goes on --------------------------------------------------------

# What the weights box is given, and the weights it reads or what its message says is wrong.
WIDGET_TEXT = [
    ("1e999", "must be a finite number, got 1e999"),
    (SCRIPT, "must be a number, got '<script>alert(1)</script>'"),
    ("=1+1", "must be a number, got '=1+1'"),
    ("１,２", (1.0, 2.0)),  # full-width digits are digits to Python's float
    ("\u0000", "must be a number, got '\\x00'"),
    ("1" * 3000, "the text is 3,000 characters long; at most 2,000"),
    ("2,4,5,9,11,", "number 6 is empty"),
    ("$x$, :red[y]", "must be a number, got '$x$'"),
]


@pytest.mark.parametrize("text, outcome", WIDGET_TEXT, ids=range(len(WIDGET_TEXT)))
def test_weights_box_takes_anything(text, outcome):
    at = page()
    report(at, 1)
    element = sent(at)
    at.text_input(key="true_weights").input(text).run()
    assert not at.exception
    assert at.text_input(key="true_weights").value == text  # what the user typed stays
    errors = shown_as_text(at.error)
    if isinstance(outcome, tuple):  # read as numbers: a new run from iteration 0
        assert not errors and not at.warning
        assert_last_valid_run(at, Settings(true_weights=outcome), axes=(1, 0))
        assert panel(at)["start"] == 0 and at.session_state["current"] == 0
        assert "iteration" not in at.query_params
    else:  # the message names the problem; the last valid run stays where it was
        assert len(errors) == 1 and errors[0].startswith("true weights: "), errors
        assert outcome in errors[0], errors
        assert errors[0].endswith("Showing the last valid weights: 2, 4, 5, 9, 11.")
        assert_last_valid_run(at, Settings())
        assert panel(at)["start"] == 0 and sent(at) == element  # the panel as it was sent
        assert at.session_state["current"] == 1 and at.query_params["iteration"] == "1"
    assert_goes_on(at, 2)


@pytest.mark.parametrize(
    "key, value, says",
    [
        ("compare_rates", "1,2,x", "learning rate must be a number, got 'x'"),
        ("compare_batches", "0", "batch size must be at least 1 and at most 1,000,000, got 0"),
        ("compare_rates", LONG[:2000], "learning rate must be a number, got a text of 2000 characters"),
    ],
)
def test_compare_boxes_take_anything(key, value, says):
    at = page()
    at.multiselect(key="compare").set_value(["sgd"]).run()
    compare = variants(Settings(), ["sgd"], [], [])
    assert len(compare) == 1 and panel(at)["payload"]["runs"][1]["label"] == "sgd (B=32)"
    shown = assert_last_valid_run(at, Settings(), compare)
    report(at, 3)
    element = sent(at)
    at.text_input(key=key).input(value).run()
    assert not at.exception
    assert at.text_input(key=key).value == value
    assert shown_as_text(at.error) == [f"{says}. Showing the last valid run."]
    assert assert_last_valid_run(at, Settings(), compare) == shown  # gd and sgd, as before
    assert panel(at)["start"] == 0 and sent(at) == element  # the panel as it was sent
    assert at.session_state["current"] == 3 and at.query_params["iteration"] == "3"
    assert_goes_on(at, 4)


# ---- the live panel's report: the browser's word is input too ------------------------------------

T = Settings().steps  # the article's run: iterations 0..1000
BAD_K = ["x", None, -3, T + 5, 2.5, True, [3]]


def assert_report_changes_nothing(at, state) -> None:
    """After the browser's report of iteration 3, `state` as the component's state is no error and
    leaves the page and its link at 3 and the panel as it was sent; the next good report is heard."""
    report(at, 3)
    text, element = panel(at)["text"], sent(at)
    send_state(at, state)
    assert not at.exception, at.exception
    assert at.session_state["current"] == 3 and at.query_params["iteration"] == "3"
    assert panel(at)["start"] == 0 and panel(at)["text"] == text and sent(at) == element
    assert_goes_on(at, 4)


@pytest.mark.parametrize(
    "k", BAD_K, ids=["text", "null", "negative", "past the end", "fraction", "bool", "list"]
)
def test_a_malformed_or_out_of_range_iteration_in_a_report_changes_nothing(k):
    at = page()
    assert panel(at)["payload"]["T"] == T
    assert_report_changes_nothing(at, report_of(at, k))


@pytest.mark.parametrize(
    "state",
    [
        {"iteration": 7},  # a bare number, without the run it is about
        {"iteration": "7"},
        {"iteration": None},
        {"iteration": [7]},
        {"iteration": {"k": 7}},
        {"iteration": {"run": "0" * 24, "k": 7}},  # a report about another run
        {"iteration": {"run": None, "k": 7}},
        {"iteration": {"run": ["x"], "k": 7}},
        {"iteration": {"run": SCRIPT, "k": 7}},
        {"iteration": {"run": LONG, "k": 7}},
    ],
    ids=range(10),
)
def test_a_report_not_in_the_panels_form_changes_nothing(state):
    assert_report_changes_nothing(page(), state)


def test_a_late_report_about_the_previous_run_changes_nothing():
    at = page()
    old = panel(at)["payload"]["run"]
    at.number_input(key="steps").set_value(500).run()  # a new run (a new rate alone is the browser's)
    assert panel(at)["payload"]["run"] != old
    assert_report_changes_nothing(at, {"iteration": {"run": old, "k": 7}})


# ---- uploads: every bad file is an st.error; the page stays usable ---------------------------------

UPLOADS = {
    **{name: pair for name, pair in BAD_FILES.items()},
    "too many rows": (b"x,y\n" + b"1,2\n" * 100_001, "the file has more than 100,000 data rows"),
    "too many columns": (
        (",".join(f"x{i}" for i in range(25)) + ",y\n" + ",".join(["1"] * 26) + "\n").encode(),
        "the file has 25 feature columns; at most 20",
    ),
}


@pytest.mark.parametrize("name", list(UPLOADS))
def test_bad_uploads_are_messages(name):
    content, says = UPLOADS[name]
    at = page()
    report(at, 1)
    element = sent(at)
    at.file_uploader(key="upload").set_value(("data.csv", content, "text/csv")).run()
    assert not at.exception
    assert shown_as_text(at.error) == [
        f"The file cannot be used: {says}. Showing the synthetic data instead."
    ]
    # the synthetic data's run, the one on screen before, as it was sent, where it was
    assert_last_valid_run(at, Settings())
    assert panel(at)["start"] == 0 and sent(at) == element
    assert at.session_state["current"] == 1 and at.query_params["iteration"] == "1"
    assert_goes_on(at, 2)


def test_an_upload_with_a_column_named_like_the_bias_keeps_every_parameter_a_surface_axis():
    # issue 9 item 5: columns b and intercept; the bias is named "bias" and can be chosen
    rows = (f"{i / 30:.4f},{i * i % 7 / 7:.4f},{0.1 * i + 1:.4f}\n" for i in range(30))
    content = b"b,intercept,y\n" + "".join(rows).encode()
    at = open_folds(AppTest.from_file("../app.py", default_timeout=60))
    at.run()
    at.file_uploader(key="upload").set_value(("data.csv", content, "text/csv")).run()
    assert not at.exception and not at.error
    options = at.selectbox(key="surface_x").options
    assert options == ["b", "intercept", "bias"]
    at.selectbox(key="surface_x").set_value("bias").run()
    assert not at.exception and at.selectbox(key="surface_x").value == "bias"


START_TYPED = "1,2,3,4,5,6"


def test_a_start_that_does_not_fit_the_file_is_dropped_and_the_file_kept():
    # a link's start for the article's six parameters, then a file of one feature: the file is
    # fine, the start is what cannot be used; the run is the file's, from zeros
    rows = (f"{i / 30:.4f},{0.5 * i + 1:.4f}\n" for i in range(30))
    content = b"x,y\n" + "".join(rows).encode()
    at = page(start=START_TYPED)
    at.file_uploader(key="upload").set_value(("data.csv", content, "text/csv")).run()
    assert not at.exception
    assert shown_as_text(at.error) == [
        "The start cannot be used with this file: start: give 2 numbers (w1..w1, b), one for each "
        "parameter, or none for zeros; got 6. Starting from zeros instead."
    ]
    data = load_csv(content)
    want = np.linalg.lstsq(np.column_stack([data.X, np.ones(data.n)]), data.y, rcond=None)[0]
    shown = panel(at)["payload"]
    np.testing.assert_allclose(shown["theta_star"], want, rtol=1e-12)  # the file's run
    assert at.text_input(key="start").value == "1, 2, 3, 4, 5, 6"  # what the user gave stays, shown


# ---- what the code never does ----------------------------------------------------------------------


def test_no_eval_exec_or_pickle_of_user_input_and_no_user_html():
    sources = {
        p: p.read_text() for p in [ROOT / "app.py", *(ROOT / "ui").glob("*.py"), *(ROOT / "gd").glob("*.py")]
    }
    forbidden = re.compile(
        r"\beval\(|\bexec\(|import pickle|pickle\.load|st\.html\(|"
        r"unsafe_allow_html=True(?!\))"
    )
    for path, text in sources.items():
        assert not forbidden.search(text), f"{path.name}: {forbidden.search(text).group()}"
    app = "".join(text for path, text in sources.items() if path.parent.name == "ui")
    # the one HTML the page writes is its own constant CSS
    assert app.count("unsafe_allow_html=True") == 1
    assert "st.markdown(PRESENTER_CSS, unsafe_allow_html=True)" in app


def test_xsrf_protection_stays_on_and_uploads_are_small():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"]["maxUploadSize"] <= 10
    assert config["browser"]["gatherUsageStats"] is False


def test_past_the_limit_the_page_says_so_without_promising_a_divergence_the_run_never_reaches():
    # a ridge lambda of 1e6 puts the limit just under the smallest rate allowed: the error grows by
    # 1.000002 a step, and 20,000 steps never reach the divergence rule's 1e10. The warning used to
    # open with "This learning rate will make the run diverge."
    at = page(l2="1e6", standardize="true", learning_rate="1e-6", steps="20000")
    assert not at.error  # the run did not diverge
    warnings = [plain(w.value) for w in at.warning]  # the stability note's bold is markdown's
    past = [w for w in warnings if w.startswith("This learning rate is past the stability limit")]
    assert len(past) == 1, warnings
    assert "grows with every step, and the run diverges if it runs long enough" in past[0]
    assert not any("will make the run diverge" in w for w in warnings)
