"""Issue 9's inputs that broke the page or the command line, one test (or table row) each.

1, 2, 3: data whose squares overflow float64 are refused with the column and the limit, by the
engine and by `python -m gd` (one `error:` line, exit 2, no numpy warning), and the rate sweep never
fails whatever the limit. 4: a positive excess-loss floor for an all-zero target. 5, 6: parameter
and column names stay distinct. 7: `--data ''` and `--csv ''` are refused. 8: a named pipe with no
writer is refused at once; Ctrl-C gives one line and exit 130. 9: standard output full or closed.
10: a UTF-16 file is named as such. 11: below the smallest learning rate, the advice is to
standardise.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from gd import data as gd_data
from gd import explain
from gd.__main__ import divergence_message
from gd.data import MAX_CSV_VALUE, MAX_NAME, load_csv, make_regression
from gd.inputs import InputError, Settings
from gd.problem import Problem
from gd.run import experiment, sweep, sweep_rates

ROOT = Path(__file__).resolve().parents[1]
HUGE_X = b"x,y\n1e200,1\n2e200,3\n3e200,5\n"  # item 1
HUGE_Y = b"x,y\n1,1e300\n2,-1e300\n3,1e300\n"  # item 2


def gd_cli(*args: str, timeout: float = 60, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "gd", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout, **kw
    )


# ---- 1, 2: values whose squares overflow -------------------------------------------------------


@pytest.mark.parametrize(
    "raw, column, value",
    [
        (HUGE_X, "x", "3e+200"),
        (HUGE_Y, "y", "1e+300"),
        (b"size_in_bytes,y\n1,2\n-2e101,3\n", "size_in_bytes", "2e+101"),
    ],
)
def test_values_whose_squares_overflow_are_refused_naming_the_column_and_the_limit(raw, column, value):
    with pytest.raises(InputError) as err:
        load_csv(raw)
    message = str(err.value)
    assert f"column {column!r} holds {value}" in message and f"±{MAX_CSV_VALUE:g}" in message


def test_values_whose_squares_vanish_are_refused_too():
    with pytest.raises(InputError, match=r"column 'x' holds only values below 1e-100"):
        load_csv(b"x,y\n1e-200,1\n0,3\n-3e-200,5\n")


def test_values_up_to_the_limit_run_with_finite_numbers_everywhere():
    data = load_csv(b"x,y\n1e99,1\n5e99,3\n1e100,-1e100\n")
    ex = experiment(Settings(steps=5), data)
    pb = ex.problem
    for value in (pb.G, pb.c, pb.theta_star, pb.loss_star, pb.eigenvalues, ex.limit, ex.trajectory.loss):
        assert np.all(np.isfinite(value))
    lstsq = np.linalg.lstsq(np.c_[data.X, np.ones(3)], data.y)[0]
    np.testing.assert_allclose(pb.theta_star, lstsq, rtol=1e-9)
    rates = sweep_rates(ex.limit, ex.settings.learning_rate)
    assert np.all(np.isfinite(rates)) and np.all(rates > 0)
    loss, _ = sweep(pb, "gd", rates, 5)
    assert not np.any(np.isnan(loss))


@pytest.mark.parametrize("limit", [1e-320, 5e-324, 1e-300, 1e300, 1e308, 0.0, float("inf"), float("nan")])
def test_the_rate_sweep_never_fails_whatever_the_limit(limit):
    # before: np.geomspace raised "Geometric sequence cannot include zero" once limit * 1e-4 underflowed
    rates = sweep_rates(limit, 0.01)
    assert rates.size >= 2 and np.all(np.isfinite(rates)) and np.all(rates > 0) and 0.01 in rates


# ---- 3: the same files through the command line ------------------------------------------------


@pytest.mark.parametrize("raw, column", [(HUGE_X, "x"), (HUGE_Y, "y")], ids=["1e200 feature", "1e300 target"])
def test_the_cli_refuses_overflowing_data_with_one_error_line(raw, column, tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(raw)
    result = gd_cli("--quiet", "--data", str(path))
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert f"column '{column}'" in lines[0] and "1e+100" in lines[0]
    assert "Warning" not in result.stderr and result.stdout == ""


# ---- 4: an all-zero target ---------------------------------------------------------------------


def test_an_all_zero_target_has_a_positive_finite_excess_floor():
    data = load_csv(b"x,y\n1,0\n2,0\n3,0\n")
    ex = experiment(Settings(steps=5), data)
    pb = ex.problem
    assert pb.loss_star == 0 and np.all(pb.excess_loss(ex.trajectory.params) == 0)
    floor = pb.excess_floor()
    assert np.isfinite(floor) and floor > 0 and np.isfinite(np.log10(floor))
    # the chart's own formula underflows here: max(excess[0], 1e-300) * 1e-32 == 0
    assert max(float(pb.excess_loss(ex.trajectory.params[0])), 1e-300) * 1e-32 == 0.0
    # and elsewhere it is the round-off level of the starting loss
    article = experiment(Settings(steps=2)).problem
    assert article.excess_floor() == pytest.approx(1e-16 * float(article.loss(np.zeros(6))))


# ---- 5, 6: names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header, bias",
    [("b,intercept,y", "bias"), ("b,y", "intercept"), ("b,intercept,bias,y", "b_2"), ("x,y", "b")],
)
def test_every_parameter_has_its_own_name(header, bias):
    width = header.count(",") + 1
    rows = "\n".join(",".join(str(i * j + j % 3) for j in range(width)) for i in range(6))
    raw = (header + "\n" + rows).encode()
    ex = experiment(Settings(steps=2), load_csv(raw))
    assert len(set(ex.names)) == len(ex.names) and ex.names[-1] == bias


def test_column_names_sharing_their_first_39_characters_keep_distinct_labels():
    stem = "temperature_at_the_weather_station_no_1"  # 39 characters
    names = [stem + "_north_side", stem + "_south_side", stem + "_south_side_again_2", stem + "X" * 60]
    assert len(stem) == MAX_NAME - 1
    raw = (",".join([*names, "y"]) + "\n1,2,3,4,5\n2,3,5,7,11\n3,1,4,1,5\n").encode()
    data = load_csv(raw)
    assert len(set(data.names)) == len(names)
    assert all(len(label) <= MAX_NAME for label in data.names)
    assert data.names[0].endswith("north_side") and data.names[1].endswith("south_side")
    # names that fit are kept whole
    assert load_csv(b"a,b,y\n1,2,3\n").names == ("a", "b")


# ---- 7: empty file names ---------------------------------------------------------------------------


@pytest.mark.parametrize("flag", ["--data", "--csv"])
@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_file_name_is_refused(flag, value):
    result = gd_cli("--steps", "2", f"{flag}={value}")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == f"error: argument {flag}: give a file name, got an empty one\n"


# ---- 8: a named pipe with no writer; Ctrl-C ---------------------------------------------------------


def test_a_named_pipe_with_no_writer_is_not_waited_on_forever(tmp_path, monkeypatch):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    monkeypatch.setattr(gd_data, "PIPE_WAIT", 0.2)
    start = time.monotonic()
    with pytest.raises(InputError, match="pipe that no program wrote to within 0.2 s"):
        load_csv(fifo)
    assert time.monotonic() - start < 5
    result = gd_cli("--quiet", "--data", str(fifo), timeout=60)  # waits PIPE_WAIT (5 s), then refuses
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "pipe" in result.stderr


def test_a_named_pipe_with_a_writer_is_read(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    proc = subprocess.Popen(
        [sys.executable, "-m", "gd", "--data", str(fifo), "--steps", "3"], cwd=ROOT, stdout=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 60
        while True:  # the reader opens first (a non-blocking open for writing fails until then)
            try:
                fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
                break
            except OSError:
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.05)
        time.sleep(0.2)  # and the writer comes a little later
        os.write(fd, b"x,y\n1,3\n2,5\n4,9\n")
        os.close(fd)
        out, _ = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 0 and out.startswith(b"iteration 0: ")


def test_a_pipe_whose_writer_is_slow_is_waited_for(monkeypatch):
    # `slow | python -m gd --data /dev/stdin`: the writer is there, it only takes its time
    monkeypatch.setattr(gd_data, "PIPE_WAIT", 0.1)
    read_end, write_end = os.pipe()

    def writer():
        time.sleep(0.5)
        os.write(write_end, b"x,y\n1,2\n3,5\n")
        os.close(write_end)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        data = load_csv(f"/dev/fd/{read_end}")
    finally:
        thread.join()
        os.close(read_end)
    np.testing.assert_array_equal(data.y, [2.0, 5.0])


def test_ctrl_c_while_waiting_for_data_gives_one_line_and_exit_130():
    read_end, write_end = os.pipe()  # a writer that never writes: the read waits
    # Ctrl-C as a terminal delivers it: a suite run as a background job (`.ci/run &`) inherits
    # SIGINT ignored, which Python then keeps ignoring, and the read would wait for ever.
    proc = subprocess.Popen(
        [sys.executable, "-m", "gd", "--data", "/dev/stdin"],
        cwd=ROOT,
        stdin=read_end,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    os.close(read_end)
    try:
        time.sleep(3)  # well into the read (the import takes ~1 s)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        os.close(write_end)
    assert proc.returncode == 130 and err == "error: interrupted\n" and out == ""


# ---- 9: standard output full or closed ------------------------------------------------------------


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("args", [["--steps", "3"], ["--steps", "3", "--csv", "-"]])
def test_a_full_standard_output_is_named(args):
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "gd", *args], cwd=ROOT, stdout=full, stderr=subprocess.PIPE, text=True
        )
    assert proc.returncode == 2
    assert proc.stderr == "error: cannot write to standard output: No space left on device\n"


@pytest.mark.parametrize("args, code", [(["--steps", "3"], 2), (["--steps", "3", "--quiet"], 0)])
def test_a_closed_standard_output_gives_no_traceback(args, code):
    proc = subprocess.run(
        f"'{sys.executable}' -m gd {' '.join(args)} >&-",
        shell=True,  # noqa: S602
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == code and "Traceback" not in proc.stderr
    if code:
        assert proc.stderr == "error: cannot write to standard output: it is closed\n"
    else:
        assert proc.stderr == ""


# ---- 10: UTF-16 ---------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_a_utf16_file_is_named_and_utf8_asked_for(encoding):
    with pytest.raises(InputError) as err:
        load_csv("x,y\n1,2\n3,4\n".encode(encoding))
    assert "UTF-8" in str(err.value) and "binary" not in str(err.value)
    assert ("UTF-32" if encoding == "utf-32" else "UTF-16") in str(err.value)


# ---- 11: a stability limit below every learning rate allowed ------------------------------------


def test_below_the_smallest_rate_the_advice_is_to_standardise_not_to_lower_the_rate():
    ex = experiment(Settings(feature_mean=1000.0, learning_rate=1e-6, steps=2000))
    assert ex.limit < 1e-6 and ex.trajectory.diverged_at is not None
    note = explain.stability_note(ex)
    assert "Standardise the features" in note and "smallest learning rate" in note
    assert "Lower the learning rate" not in explain.divergence_advice(ex)
    assert "Standardise" in explain.divergence_advice(ex)
    message = divergence_message(ex)
    assert "--standardize" in message and "try a smaller learning rate" not in message
    result = gd_cli("--quiet", "--feature-mean", "1000", "--lr", "1e-6", "--steps", "2000")
    assert result.returncode == 3 and "--standardize" in result.stderr
    # where a smaller rate does help, that stays the advice
    ok = experiment(Settings(learning_rate=0.6, steps=50))
    assert (
        explain.divergence_advice(ok) == f"Lower the learning rate below the stability limit {ok.limit:.4g}."
    )
    assert "try a smaller learning rate" in divergence_message(ok)
    assert "Standardise" not in explain.stability_note(ok)


def test_a_problem_from_chunks_keeps_a_zero_target_finite():
    pb = Problem.from_data(np.zeros((4, 2)), np.zeros(4))
    assert pb.rank == 1 and pb.loss_star == 0 and np.all(np.isfinite(pb.theta_star))


# ---- divergence advice names the cause: eps = 0, no learning rate, a large ridge penalty --------


@pytest.mark.parametrize(
    ("optimizer", "default"), [("adam", "1e-08"), ("adagrad", "1e-10"), ("rmsprop", "1e-08")]
)
def test_eps_zero_on_a_zero_gradient_is_named_as_the_cause(optimizer, default):
    # y = 0, start 0: every gradient component is 0, so g / (sqrt(v) + 0) is 0 / 0
    ex = experiment(Settings(true_weights=(0.0,), bias=0.0, optimizer=optimizer, eps=0.0, steps=3))
    assert ex.trajectory.diverged_at == 1 and ex.trajectory.steps == 0
    cause = (
        f"eps = 0 divides by zero where a gradient component is 0; use eps > 0 (torch's default is {default})"
    )
    assert cause in explain.divergence_text(ex) and "Lower the learning rate" not in explain.divergence_text(
        ex
    )
    assert "stopped being a finite number" in explain.divergence_text(ex)
    result = gd_cli("--weights", "0", "--bias", "0", "--optimizer", optimizer, "--eps", "0", "--steps", "3")
    assert result.returncode == 3
    assert result.stderr.strip().endswith(cause) and "smaller learning rate" not in result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: the run diverged at step 1")


@pytest.mark.parametrize("optimizer", ["linesearch", "newton", "cg"])
def test_the_rate_free_advice_never_says_lower_the_rate(optimizer):
    from dataclasses import replace as dc_replace

    ex = experiment(Settings(optimizer=optimizer, steps=3))
    # a trajectory that diverged at step 2 without a finite row 2, and one that kept a finite row
    gone = dc_replace(ex, trajectory=dc_replace(ex.trajectory, diverged_at=ex.trajectory.steps + 1))
    grew = dc_replace(ex, trajectory=dc_replace(ex.trajectory, diverged_at=ex.trajectory.steps))
    for case, words in ((gone, "out of float64's range"), (grew, "round-off")):
        advice = explain.divergence_advice(case)
        assert advice.startswith(f"{optimizer} has no learning rate, so a smaller one would not help")
        assert words in advice and "Lower" not in advice
        message = divergence_message(case)
        assert "learning rate 0.01" not in message and words in message


def _ridge_lambda_max(l2: float, standardize: bool) -> float:
    """lambda_max of G + l2 D by numpy from the data themselves (D = diag(1, .., 1, 0))."""
    s = Settings()
    data = make_regression(s.true_weights, s.bias, s.samples, s.noise, s.seed)
    X = data.X
    if standardize:
        X = (X - X.mean(axis=0)) / X.std(axis=0)
    A = np.column_stack([X, np.ones(len(X))])
    return float(np.linalg.eigvalsh(A.T @ A / len(A) + l2 * np.diag([1.0] * 5 + [0.0]))[-1])


@pytest.mark.parametrize("standardize", [True, False])
def test_a_large_ridge_penalty_is_named_as_the_limits_cause_and_a_smaller_one_advised(standardize):
    ex = experiment(Settings(l2=1e6, standardize=standardize))
    lam_max = _ridge_lambda_max(1e6, standardize)
    assert ex.limit == pytest.approx(1 / lam_max, rel=1e-9) and 1 / lam_max < 1e-6
    assert ex.trajectory.diverged_at is not None
    for text in (explain.stability_note(ex), explain.divergence_advice(ex)):
        assert "The ridge penalty sets this limit: λ = 1e+06" in text
        assert "Standardise" not in text and "diverges on these features" not in text
        assert "with λ = 90 or less, η = 0.01 is under it" in text
    assert "learning rate < **9.99999e-07**" in explain.stability_note(ex)  # not a rounded 1e-06
    # the advised lambda: the rate is under its limit, and 100 (the next digit up) is not enough
    assert 1 / _ridge_lambda_max(90.0, standardize) > 0.01
    assert 1 / _ridge_lambda_max(100.0, standardize) <= 0.01
    advised = experiment(Settings(l2=90.0, standardize=standardize))
    assert advised.trajectory.diverged_at is None
    args = ["--quiet", "--l2", "1e6"] + (["--standardize"] if standardize else [])
    result = gd_cli(*args)
    assert result.returncode == 3 and result.stderr.count("\n") == 1
    assert "--standardize" not in result.stderr and "with --l2 90 or less" in result.stderr
    assert "stability limit 9.99999e-07" in result.stderr


def test_at_the_smallest_rate_a_large_ridge_run_is_past_the_limit_but_the_note_claims_no_divergence():
    ex = experiment(Settings(l2=1e6, standardize=True, learning_rate=1e-6, steps=20000))
    # |1 - 2 eta lambda_max| = 1 + 2e-6 (lambda_max - 1e6): barely above 1, so 20,000 steps grow the
    # error far less than the 1e10 the divergence rule asks for
    lam_max = _ridge_lambda_max(1e6, True)
    assert 1 < abs(1 - 2e-6 * lam_max) < 1.00002 and abs(1 - 2e-6 * lam_max) ** 40000 < 1e10
    assert ex.trajectory.diverged_at is None
    note = explain.stability_note(ex)
    assert "every rate allowed is past it" in note and "diverges" not in note
    assert "with λ = 900000 or less, η = 1e-06 is under it" in note
    assert 1 / _ridge_lambda_max(9e5, True) > 1e-6
