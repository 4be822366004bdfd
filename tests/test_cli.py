"""`python -m gd` as a user runs it: a subprocess from the repository root.

The printed lines are held to the engine's run (which tests/test_run.py holds to the article's
literal loop at full size) and the CSV to the literal loop on a small fixture; every bad
input must end in exit code 2 and one `error: ` line naming the bad value, never a traceback.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gd.__main__ import main, summary
from gd.data import make_regression
from gd.inputs import MAX_SAMPLES, MAX_SGD_SAMPLE_STEPS, MAX_STEPS, Settings
from gd.run import experiment

ROOT = Path(__file__).resolve().parents[1]
LINE = re.compile(r"iteration (\d+): w = \[([^\]]*)\],b = (\S+), loss = (\S+)\n")


def gd_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "gd", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


def parse_lines(stdout: str):
    """The article's lines -> (indices, w (k, d), b (k,), loss (k,)) and the lines after them.

    numpy wraps a long array at 75 characters, as the article's print would: w may span lines.
    """
    rows, end = [], 0
    for m in LINE.finditer(stdout):
        if m.start() != end:
            break
        rows.append((int(m[1]), [float(v) for v in m[2].split()], float(m[3]), float(m[4])))
        end = m.end()
    i, w, b, loss = zip(*rows, strict=True) if rows else ((), (), (), ())
    return np.array(i), np.array(w), np.array(b), np.array(loss), stdout[end:].splitlines()


def read_csv(text: str):
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], np.array([[float(v) for v in row] for row in rows[1:]])


def design(X):
    return np.column_stack([X, np.ones(len(X))])


# --- the article's run --------------------------------------------------------------------------


def test_default_run_prints_the_article_lines_of_the_engines_run():
    """The article's run, printed as the article prints it. That the engine's run is the literal
    loop's is tests/test_run.py's full-size test; here each line is held to the engine's numbers."""
    result = gd_cli()
    assert result.returncode == 0 and result.stderr == ""
    i, w, b, loss, rest = parse_lines(result.stdout)
    assert len(i) == 1000 and list(i) == list(range(1000))
    assert all(LINE.fullmatch(line + "\n") for line in result.stdout.splitlines()[:1000])  # one line each
    ex = experiment(Settings())
    P, L = ex.trajectory.params, ex.trajectory.loss
    # line i: w and b after update i + 1, the loss before it; b and the loss print in full
    np.testing.assert_array_equal(b, P[1:, -1])
    np.testing.assert_array_equal(loss, L[:-1])
    # numpy prints w with 8 decimals: the printed value is within 5e-9 of the exact one
    np.testing.assert_allclose(w, P[1:, :-1], rtol=0, atol=5e-9 * (1 + 1e-6))
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"iteration 0: w = {np.array2string(P[1, :-1])},b = {P[1, -1]}, loss = ")
    # line 0 holds the loss at zero, mean(y^2); the run ends at the true weights
    data = make_regression((2, 4, 5, 9, 11), 2, 5000, 0.0, 0)
    assert loss[0] == pytest.approx(np.mean(data.y**2), rel=1e-12)
    np.testing.assert_allclose(w[-1], [2, 4, 5, 9, 11], atol=1e-7)
    assert abs(b[-1] - 2) < 1e-7

    # then a summary: learned, true and least-squares parameters by name
    assert rest[0] == "after 1,000 steps of gd (learning rate 0.01):"
    lstsq = np.linalg.lstsq(design(data.X), data.y, rcond=None)[0]
    table = {line.split()[0]: [float(v) for v in line.split()[1:]] for line in rest[2:8]}
    assert list(table) == ["w1", "w2", "w3", "w4", "w5", "b"]
    learned, true, least = np.array(list(table.values())).T
    np.testing.assert_allclose(learned, P[-1], rtol=5e-10)  # 10 significant digits
    np.testing.assert_array_equal(true, [2, 4, 5, 9, 11, 2])
    np.testing.assert_allclose(least, lstsq, rtol=1e-9)
    assert rest[-1] == (
        f"loss {L[-1]:.6g} (least possible {ex.problem.loss_star:.6g}); "
        f"condition number {ex.problem.condition_number:.4g}"
    )


def test_the_summary_shows_the_last_row_and_the_least_possible_loss():
    # noisy data, a short run: the last two rows differ, and the loss is far from L*
    ex = experiment(Settings(true_weights=(3.0, -1.0), noise=2.0, samples=60, steps=7))
    P, pb = ex.trajectory.params, ex.problem
    assert np.abs(P[-1] - P[-2]).min() > 1e-6 and ex.trajectory.loss[-1] > 2 * pb.loss_star
    lines = summary(ex).splitlines()
    learned = [float(line.split()[1]) for line in lines[2:5]]
    np.testing.assert_allclose(learned, P[-1], rtol=5e-10)
    assert f"loss {ex.trajectory.loss[-1]:.6g} (least possible {pb.loss_star:.6g});" in lines[-1]


def test_csv_equals_the_literal_loop(small_article_run, tmp_path):
    ref = small_article_run
    out = tmp_path / "run.csv"
    result = gd_cli("--samples", str(ref["n"]), "--steps", str(ref["steps"]), "--csv", str(out))
    assert result.returncode == 0
    header, table = read_csv(out.read_text())
    assert header == ["step", "loss", "w1", "w2", "w3", "w4", "w5", "b"]
    assert table.shape == (ref["steps"] + 1, 8)
    np.testing.assert_array_equal(table[:, 0], np.arange(ref["steps"] + 1))
    np.testing.assert_array_equal(table[0, 2:], 0.0)
    # rtol 1e-9: the same arithmetic in another order; losses add the literal loop's round-off floor
    np.testing.assert_allclose(table[1:, 2:-1], ref["w"], rtol=1e-9, atol=0)
    np.testing.assert_allclose(table[1:, -1], ref["b"], rtol=1e-9, atol=0)
    assert np.all(np.abs(table[:-1, 1] - ref["loss"]) <= 1e-9 * ref["loss"] + ref["loss_atol"])
    # and the printed lines are the same run
    i, w, b, loss, _ = parse_lines(result.stdout)
    assert len(i) == ref["steps"]
    np.testing.assert_array_equal(b, table[1:, -1])
    np.testing.assert_array_equal(loss, table[:-1, 1])


def test_csv_to_stdout_is_only_the_csv(tmp_path):
    result = gd_cli("--samples", "100", "--steps", "20", "--csv", "-")
    assert result.returncode == 0 and result.stderr == ""
    header, table = read_csv(result.stdout)
    assert header == ["step", "loss", "w1", "w2", "w3", "w4", "w5", "b"] and table.shape == (21, 8)
    gd_cli("--samples", "100", "--steps", "20", "--csv", str(tmp_path / "f.csv"), "--quiet")
    assert (tmp_path / "f.csv").read_text() == result.stdout


@pytest.mark.parametrize(
    "steps, every, expected",
    [(10, 3, [0, 3, 6, 9]), (11, 5, [0, 5, 10]), (12, 5, [0, 5, 10, 11]), (4, 100, [0, 3])],
)
def test_every_k_prints_every_kth_iteration_and_the_last(steps, every, expected, capsys):
    assert main(["--samples", "50", "--steps", str(steps), "--every", str(every)]) == 0  # in-process
    i, *_, rest = parse_lines(capsys.readouterr().out)
    assert list(i) == expected
    assert rest[0].startswith(f"after {steps} steps of gd")


def test_quiet_prints_nothing_but_still_writes_the_csv(tmp_path):
    result = gd_cli("--samples", "100", "--steps", "30", "--quiet", "--csv", str(tmp_path / "q.csv"))
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert len((tmp_path / "q.csv").read_text().splitlines()) == 32


def test_negative_values_as_users_type_them():
    ref = None
    for args in (["--weights", "-1,2", "--bias", "-2e3"], ["--weights=-1,2", "--bias=-2e3"]):
        result = gd_cli(*args, "--samples", "200", "--steps", "3000", "--lr", "0.2", "--csv", "-")
        assert result.returncode == 0, result.stderr
        _, table = read_csv(result.stdout)
        np.testing.assert_allclose(table[-1, 2:], [-1, 2, -2000], rtol=1e-9)
        if ref is not None:
            np.testing.assert_array_equal(table, ref)
        ref = table


def test_feature_flags_shape_the_synthetic_data():
    result = gd_cli(
        "--feature-scale",
        "10",
        "--feature-mean",
        "-3",
        "--outlier",
        "-50",
        "--samples",
        "200",
        "--lr",
        "0.001",
        "--steps",
        "1",
        "--csv",
        "-",
    )
    assert result.returncode == 0, result.stderr
    _, table = read_csv(result.stdout)
    data = make_regression((2, 4, 5, 9, 11), 2, 200, 0.0, 0, feature_scale=10, feature_mean=-3, outlier=-50)
    # row 0 is the loss at zero, mean(y^2); row 1 one gd step from zero: -eta * (-2 A^T y / n)
    assert table[0, 1] == pytest.approx(np.mean(data.y**2), rel=1e-12)
    A = design(data.X)
    np.testing.assert_allclose(table[1, 2:], 0.001 * 2 * A.T @ data.y / 200, rtol=1e-12)


def test_standardize_prints_the_weights_in_original_units(tmp_path):
    rng = np.random.default_rng(3)
    X = np.column_stack([1000 + 500 * rng.standard_normal(300), 0.01 * rng.standard_normal(300)])
    y = X @ [0.003, 200.0] + 1.0 + 0.1 * rng.standard_normal(300)
    path = tmp_path / "scaled.csv"
    rows = (f"{a!r},{b!r},{c!r}\n" for (a, b), c in zip(X.tolist(), y.tolist(), strict=True))
    path.write_text("size,ratio,y\n" + "".join(rows))
    result = gd_cli("--data", str(path), "--standardize", "--lr", "0.1", "--steps", "2000", "--quiet")
    assert result.returncode == 0 and result.stdout == ""
    result = gd_cli("--data", str(path), "--standardize", "--lr", "0.1", "--steps", "2000", "--every", "5000")
    assert result.returncode == 0, result.stderr
    line = next(x for x in result.stdout.splitlines() if x.startswith("in the original units"))
    values = dict(re.findall(r"(\w+) = (\S+?)(?:,|$)", line.split(": ", 1)[1]))
    assert list(values) == ["size", "ratio", "b"]
    lstsq = np.linalg.lstsq(design(X), y, rcond=None)[0]  # the fit on the original features
    np.testing.assert_allclose([float(v) for v in values.values()], lstsq, rtol=1e-8)


def test_a_learning_rate_past_the_limit_exits_3_naming_the_step_and_the_limit():
    result = gd_cli("--lr", "1.5")
    assert result.returncode == 3 and "Traceback" not in result.stderr
    data = make_regression((2, 4, 5, 9, 11), 2, 5000, 0.0, 0)
    A = design(data.X)
    limit = 1 / np.linalg.eigvalsh(A.T @ A / len(A))[-1]
    theta, loss0, step = np.zeros(6), np.mean(data.y**2), None
    for k in range(1, 200):  # the plain loop: first step whose loss passes 1e10 L(0)
        theta = theta - 1.5 * 2 * A.T @ (A @ theta - data.y) / len(A)
        if np.mean((A @ theta - data.y) ** 2) > 1e10 * loss0:
            step = k
            break
    message = result.stderr.strip()
    assert "\n" not in message and message.startswith("error: ") and "diverged" in message
    assert f"step {step} " in message and f"{limit:.6g}" in message
    i, *_ = parse_lines(result.stdout)
    assert len(i) == step  # the lines up to divergence, then no summary
    assert not result.stdout.splitlines()[-1].startswith("after")


def test_data_file_and_broken_pipe(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("height,weight\n1,3\n2,5\n3,7.5\n4,9\n")
    result = gd_cli("--data", str(path), "--steps", "5", "--csv", "-")
    header, table = read_csv(result.stdout)
    assert result.returncode == 0 and header == ["step", "loss", "w1", "b"] and len(table) == 6
    # `python -m gd | head -1`: the reader leaves early; no traceback
    proc = subprocess.run(
        f"'{sys.executable}' -m gd --steps 20000 | head -1",
        shell=True,
        cwd=ROOT,  # noqa: S602
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.stdout.startswith("iteration 0: ") and "Traceback" not in proc.stderr


# --- bad input ----------------------------------------------------------------------------------

FILES = {
    "empty.csv": b"",
    "ragged.csv": b"x,y\n1,2\n3\n",
    "binary.csv": b"x,y\n\x00\x01\x02\n",
    "letters.csv": b"x,y\n1,abc\n",
    "header.csv": b"x,y\n",
    "nan.csv": b"x,y\n1,nan\n",
    "latin1.csv": "x,y\n1,2\ncaf\xe9,3\n".encode("latin-1"),
}
SGD_BATCH = MAX_SGD_SAMPLE_STEPS // MAX_STEPS + 1  # with MAX_STEPS steps, just over the work bound

BAD = [
    (["--lr", "abc"], "'abc'"),
    (["--lr", "nan"], "nan"),
    (["--lr", "inf"], "inf"),
    (["--lr", "-inf"], "-inf"),
    (["--lr", "0"], "got 0"),
    (["--lr", "1e3"], "got 1,000"),
    (["--lr", "x" * 300], "300 characters"),
    (["--lr"], "--lr"),
    (["--samples", "0"], "got 0"),
    (["--samples", "1.5"], "1.5"),
    (["--samples", str(MAX_SAMPLES + 1)], f"{MAX_SAMPLES + 1:,}"),
    (["--steps", "0"], "got 0"),
    (["--steps", "-5"], "-5"),
    (["--steps", str(MAX_STEPS + 1)], f"{MAX_STEPS + 1:,}"),
    (["--steps", "1e400"], "got 1e400"),
    (["--seed", "-1"], "-1"),
    (["--seed", "2.5"], "2.5"),
    (["--noise", "-0.5"], "-0.5"),
    (["--noise", "nan"], "nan"),
    (["--bias", "inf"], "inf"),
    (["--bias", "1e7"], "10,000,000"),
    (["--weights", ""], "at least one number"),
    (["--weights", "1,,2"], "empty"),
    (["--weights", "1,x"], "'x'"),
    (["--weights", "1,nan"], "nan"),
    (["--weights", ",".join(["1"] * 21)], "21"),
    (["--optimizer", "foo"], "'foo'"),
    (["--batch-size", "0"], "got 0"),
    (["--momentum", "1"], "got 1"),
    (["--momentum", "-0.1"], "-0.1"),
    (["--optimizer", "nesterov", "--momentum", "0"], "nesterov"),
    (
        [
            "--optimizer",
            "sgd",
            "--samples",
            str(SGD_BATCH),
            "--batch-size",
            str(SGD_BATCH),
            "--steps",
            str(MAX_STEPS),
        ],
        f"{SGD_BATCH * MAX_STEPS:,}",
    ),
    (["--feature-scale", "0.5"], "got 0.5"),
    (["--start", "1,2"], "give 6 numbers"),
    (["--start", "1,x,2,3,4,5"], "'x'"),
    (["--schedule", "warmup"], "'warmup'"),
    (["--schedule", "exponential", "--gamma", "1.5"], "got 1.5 for the exponential schedule"),
    (["--gamma", "-1"], "got -1"),
    (["--step-size", "0"], "got 0"),
    (["--damping", "0"], "above 0"),
    (["--l2", "-0.5"], "-0.5"),
    (["--feature-mean", "nan"], "nan"),
    (["--outlier", "abc"], "'abc'"),
    (["--every", "0"], "got 0"),
    (["--every", "x"], "'x'"),
    (["--frobnicate"], "--frobnicate"),
    (["stray"], "stray"),
    (["--data", "missing.csv"], "missing.csv"),
    (["--data", "empty.csv"], "empty"),
    (["--data", "ragged.csv"], "row 3"),
    (["--data", "binary.csv"], "binary"),
    (["--data", "letters.csv"], "'abc'"),
    (["--data", "header.csv"], "no data rows"),
    (["--data", "nan.csv"], "NaN"),
    (["--data", "latin1.csv"], "UTF-8"),
    (["--csv", "no/such/dir/out.csv", "--steps", "2", "--quiet"], "no/such/dir/out.csv"),
]


@pytest.mark.parametrize("args, named", BAD, ids=[" ".join(a)[:60] for a, _ in BAD])
def test_bad_input_exits_2_with_one_error_line(args, named, tmp_path, capsys):
    for name, content in FILES.items():
        (tmp_path / name).write_bytes(content)
    args = [str(tmp_path / a) if a in FILES or a == "missing.csv" or a.startswith("no/") else a for a in args]
    # in-process (a subprocess each would cost a second): any exception but the exit code fails here
    code = main(args)
    result = capsys.readouterr()
    assert code == 2, result.err
    assert result.out == ""
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert named in lines[0]


# --- beyond plain descent: start, schedules, the methods without a rate, ridge --------------------


def test_new_flags_reach_the_engine_and_keep_the_print_and_csv_formats(tmp_path):
    """Each flag runs the run the engine makes of the same settings: the CSV is its trajectory."""
    cases = [
        (["--start", "1,-2,0.5,3,-1,4"], Settings(start=(1.0, -2.0, 0.5, 3.0, -1.0, 4.0))),
        (
            ["--schedule", "step", "--gamma", "0.5", "--step-size", "7"],
            Settings(schedule="step", gamma=0.5, step_size=7),
        ),
        (
            ["--optimizer", "adam", "--lr", "0.1", "--schedule", "cosine"],
            Settings(optimizer="adam", learning_rate=0.1, schedule="cosine"),
        ),
        (["--optimizer", "newton", "--damping", "0.5"], Settings(optimizer="newton", damping=0.5)),
        (["--optimizer", "cg", "--lr", "50", "--schedule", "inverse"], Settings(optimizer="cg")),
        (["--optimizer", "linesearch", "--l2", "0.3"], Settings(optimizer="linesearch", l2=0.3)),
    ]
    for args, settings in cases:
        out = tmp_path / "run.csv"
        code = main([*args, "--samples", "200", "--steps", "30", "--csv", str(out), "--quiet"])
        assert code == 0, args
        header, table = read_csv(out.read_text())
        assert header == ["step", "loss", "w1", "w2", "w3", "w4", "w5", "b"]
        from dataclasses import replace

        ex = experiment(replace(settings, samples=200, steps=30))
        np.testing.assert_array_equal(table[:, 2:], ex.trajectory.params, err_msg=str(args))
        np.testing.assert_array_equal(table[:, 1], ex.trajectory.loss)


def test_the_ridge_csv_holds_the_penalised_loss(tmp_path):
    out = tmp_path / "run.csv"
    assert main(["--l2", "0.5", "--samples", "100", "--steps", "5", "--csv", str(out), "--quiet"]) == 0
    _, table = read_csv(out.read_text())
    data = make_regression((2.0, 4.0, 5.0, 9.0, 11.0), 2.0, 100, 0.0, 0)
    for row in table:
        theta = row[2:]
        r = design(data.X) @ theta - data.y
        assert row[1] == pytest.approx(r @ r / 100 + 0.5 * theta[:-1] @ theta[:-1], rel=1e-12)


@pytest.mark.parametrize("optimizer", ["adam", "adagrad", "rmsprop"])
def test_an_adaptive_run_from_the_optimum_exits_0(optimizer):
    out = gd_cli("--start", "2,4,5,9,11,2", "--optimizer", optimizer, "--steps", "5", "--quiet")
    assert out.returncode == 0 and out.stderr == "" and out.stdout == ""
