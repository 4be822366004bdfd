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
from gd.__main__ import main
from gd.data import MAX_CSV_BYTES
from gd.inputs import InputError, format_weights, parse_weights

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


BAD_FILES = {
    "empty": b"",
    "binary": bytes(range(256)) * 4,
    "not utf-8": "a,b\n1,\xe9\n".encode("latin-1"),
    "formula": b"a,y\n=1+2,3\n",
    "html": b"a,y\n<script>,3\n",
    "ragged": b"a,b,y\n1,2,3\n4,5\n",
    "header only": b"a,y\n",
    "inf": b"a,y\n1,inf\n",
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_cli_refuses_bad_files(tmp_path, name, capsys):
    path = tmp_path / "data.csv"
    path.write_bytes(BAD_FILES[name])
    code = main(["--quiet", "--data", str(path)])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1, err


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


def plain(text: str) -> str:
    """A message as the reader sees it: the markdown escapes removed."""
    return re.sub(r"\\(.)", r"\1", text)


def test_weights_box_takes_anything():
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.run()
    last_valid = "2, 4, 5, 9, 11"
    for text in WIDGET_TEXT:  # one session: each text after the last, as a user would type them
        at.text_input(key="true_weights").input(text).run()
        assert not at.exception, text
        errors = [plain(e.value) for e in at.error]
        try:
            weights = parse_weights(text)  # "１,２": Python reads full-width digits as 1 and 2
        except InputError as err:
            assert errors == [f"{err}. Showing the last valid weights: {last_valid}."], (text, errors)
        else:
            assert errors == [], (text, errors)
            last_valid = format_weights(weights)
        assert next(m.value for m in at.metric if m.label == "Iteration") == "0" and at.get("plotly_chart")


COMPARE_BOXES = [
    ("compare_rates", "1,2,x", "learning rate must be a number, got 'x'"),
    ("compare_batches", "0", "batch size must be at least 1 and at most 1,000,000, got 0"),
    ("compare_rates", LONG[:2000], "learning rate must be a number, got a text of 2000 characters"),
]


def test_compare_boxes_take_anything():
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.run()
    at.multiselect(key="compare").set_value(["sgd"]).run()
    for key, value, says in COMPARE_BOXES:  # one session: each box emptied before the next
        at.text_input(key=key).input(value).run()
        assert not at.exception
        assert [plain(e.value) for e in at.error] == [f"{says}. Showing the last valid run."], key
        at.text_input(key=key).input("").run()
        assert not at.error


# ---- uploads: every bad file is an st.error; the page stays usable ---------------------------------


# The other bad files are tests/test_app_workshop.py's (each message checked there); these three
# are the ones only this door sees.
UPLOADS = {
    "not utf-8": (BAD_FILES["not utf-8"], "UTF-8"),
    "inf": (BAD_FILES["inf"], "infinity"),
    "too many rows": (b"x,y\n" + b"1,2\n" * 100_001, "100,000"),
}


def test_bad_uploads_are_messages():
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.run()
    for name, (content, says) in UPLOADS.items():  # one session, one file after another
        at.file_uploader(key="upload").set_value((f"{name}.csv", content, "text/csv")).run()
        assert not at.exception
        errors = [plain(e.value) for e in at.error]
        assert len(errors) == 1 and "file cannot be used" in errors[0] and says in errors[0], errors
        before = int(next(m.value for m in at.metric if m.label == "Iteration"))
        at.button(key="step").click().run()
        assert next(m.value for m in at.metric if m.label == "Iteration") == str(before + 1)


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
