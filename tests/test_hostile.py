"""Hostile input through every door: command-line flags, widget values, URL parameters, uploads.

Each case must end in a clear message (or a result), never a traceback, and no input may make the
server compute or hold memory without bound. The cases are tables, so a new one is one line.
"""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from gd import share
from gd.data import MAX_CSV_BYTES

ROOT = Path(__file__).resolve().parents[1]
LONG = "9" * 100_000
SCRIPT = "<script>alert(1)</script>"


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
def test_cli_refuses_with_one_line(args, names):
    result = cli(*args)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and names in lines[0], result.stderr
    assert "Traceback" not in result.stderr and len(lines[0]) < 400


BAD_FILES = {
    "empty": b"",
    "binary": bytes(range(256)) * 4,
    "not utf-8": "a,b\n1,\xe9\n".encode("latin-1"),
    "formula": b"a,y\n=1+2,3\n",
    "html": b"a,y\n<script>,3\n",
    "ragged": b"a,b,y\n1,2,3\n4,5\n",
    "header only": b"a,y\n",
    "inf": b"a,y\n1,inf\n",
    # issue 9: squares that overflow float64 (items 1, 2), UTF-16 (item 10)
    "huge feature": b"x,y\n1e200,1\n2e200,3\n3e200,5\n",
    "huge target": b"x,y\n1,1e300\n2,-1e300\n3,1e300\n",
    "utf-16": "x,y\n1,2\n3,4\n".encode("utf-16"),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_cli_refuses_bad_files(tmp_path, name):
    path = tmp_path / "data.csv"
    path.write_bytes(BAD_FILES[name])
    result = cli("--data", str(path))
    assert result.returncode == 2 and result.stderr.startswith("error: "), result.stderr
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
    at = AppTest.from_file("../app.py", default_timeout=60)
    for key, value in URL_CASES.items():
        at.query_params[key] = value
    at.query_params["unknown"] = SCRIPT
    at.run()
    assert not at.exception
    assert len(at.warning) >= len(URL_CASES)
    assert next(m.value for m in at.metric if m.label == "Iteration") == "0"
    assert at.text_input(key="true_weights").value == "2, 4, 5, 9, 11"
    # what a warning shows is escaped: markdown and HTML stay literal text
    shown = " ".join(w.value for w in at.warning)
    assert "<script>" not in shown and "\\<script\\>" in shown


# ---- widgets: a message, the page goes on --------------------------------------------------------

WIDGET_TEXT = ["1e999", SCRIPT, "=1+1", "１,２", "\u0000", "1" * 3000, "2,4,5,9,11,", "$x$, :red[y]"]


@pytest.mark.parametrize("text", WIDGET_TEXT, ids=range(len(WIDGET_TEXT)))
def test_weights_box_takes_anything(text):
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.run()
    at.text_input(key="true_weights").input(text).run()
    assert not at.exception
    assert at.metric and at.get("plotly_chart")


@pytest.mark.parametrize(
    "key, value", [("compare_rates", "1,2,x"), ("compare_batches", "0"), ("compare_rates", LONG[:2000])]
)
def test_compare_boxes_take_anything(key, value):
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.run()
    at.multiselect(key="compare").set_value(["sgd"]).run()
    at.text_input(key=key).input(value).run()
    assert not at.exception
    assert at.error


# ---- uploads: every bad file is an st.error; the page stays usable ---------------------------------


@pytest.mark.parametrize("name", list(BAD_FILES) + ["too many rows", "too many columns"])
def test_bad_uploads_are_messages(name):
    content = BAD_FILES.get(name)
    if name == "too many rows":
        content = b"x,y\n" + b"1,2\n" * 100_001
    if name == "too many columns":
        content = (",".join(f"x{i}" for i in range(25)) + ",y\n" + ",".join(["1"] * 26) + "\n").encode()
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.run()
    at.file_uploader(key="upload").set_value(("data.csv", content, "text/csv")).run()
    assert not at.exception
    assert any("file cannot be used" in e.value for e in at.error)
    at.button(key="step").click().run()
    assert next(m.value for m in at.metric if m.label == "Iteration") == "1"


def test_an_upload_with_a_column_named_like_the_bias_keeps_every_parameter_a_surface_axis():
    # issue 9 item 5: columns b and intercept; the bias is named "bias" and can be chosen
    rows = (f"{i / 30:.4f},{i * i % 7 / 7:.4f},{0.1 * i + 1:.4f}\n" for i in range(30))
    content = b"b,intercept,y\n" + "".join(rows).encode()
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.run()
    at.file_uploader(key="upload").set_value(("data.csv", content, "text/csv")).run()
    assert not at.exception and not at.error
    options = at.selectbox(key="surface_x").options
    assert options == ["b", "intercept", "bias"]
    at.selectbox(key="surface_x").set_value("bias").run()
    assert not at.exception and at.selectbox(key="surface_x").value == "bias"


# ---- what the code never does ----------------------------------------------------------------------


def test_no_eval_exec_or_pickle_of_user_input_and_no_user_html():
    sources = {p: p.read_text() for p in [ROOT / "app.py", *(ROOT / "gd").glob("*.py")]}
    forbidden = re.compile(
        r"\beval\(|\bexec\(|import pickle|pickle\.load|st\.html\(|"
        r"unsafe_allow_html=True(?!\))"
    )
    for path, text in sources.items():
        assert not forbidden.search(text), f"{path.name}: {forbidden.search(text).group()}"
    app = sources[ROOT / "app.py"]
    # the one HTML the page writes is its own constant CSS
    assert app.count("unsafe_allow_html=True") == 1
    assert "st.markdown(PRESENTER_CSS, unsafe_allow_html=True)" in app


def test_xsrf_protection_stays_on_and_uploads_are_small():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"]["maxUploadSize"] <= 10
    assert config["browser"]["gatherUsageStats"] is False
