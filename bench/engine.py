"""Engine benchmark: what a full-batch step costs, against the article's loop and a plain numpy loop.

    python bench/engine.py [--reps 7]

Prints, from one run on this machine:
  (a) our step in a whole `python -m gd --quiet --csv FILE` process at 1,000,000 samples:
      (time of --steps 10100 - time of --steps 100) / 10000, medians over --reps processes each;
  (b) the article's literal loop (its l, df and update over (x, y) pairs) per step at n = 5,000;
  (c) a plain numpy loop that touches the data every step (r = X w + b - y; grad = 2 X^T r / n)
      per step at n = 1e3, 1e5, 1e6;
and the ratio (b) / (a); also gd.run's loop alone, in-process, for reference. Budget (docs/benchmarks.md):
(a) <= 10 us, ratio >= 1000. Takes under a minute; process start-up varies by tenths of a second
on a busy machine, hence the medians over many processes.
  (d) beyond plain descent: a step of each of linesearch, newton, cg and of gd under each schedule
      (step, exponential, cosine, inverse), measured as (a) in whole processes (--steps 20,000 -
      --steps 100) but in the processes' CPU time (other work on a shared machine inflates wall
      time, not a process's own CPU time), each interleaved with plain gd's processes measured
      alongside (the ratio to that gd is the figure; budget <= 2x); and, in-process, gd.run's whole
      step and one active update of each (a gradient that is not zero: cg and linesearch hold
      their point once converged, which costs less) against gd's, in CPU time too.
OPENBLAS_* variables are left as the machine sets them and printed, since they change (c).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gd.data import make_regression  # noqa: E402
from gd.inputs import Settings  # noqa: E402

ARTICLE = Settings()
SHORT, LONG = 100, 10_100
LONGEST = 20_000  # (d): the most steps allowed, for the largest difference over process noise


VARIANTS = {
    "linesearch": ["--optimizer", "linesearch"],
    "newton": ["--optimizer", "newton"],
    "cg": ["--optimizer", "cg"],
    "gd, step schedule": ["--schedule", "step"],
    "gd, exponential schedule": ["--schedule", "exponential"],
    "gd, cosine schedule": ["--schedule", "cosine"],
    "gd, inverse schedule": ["--schedule", "inverse"],
}


def cli_seconds(steps: int, out: Path, extra: tuple[str, ...] | list[str] = ()) -> float:
    """Wall time of one whole `python -m gd` process: start-up, data, one pass, the steps, the CSV."""
    cmd = [
        sys.executable,
        "-m",
        "gd",
        "--quiet",
        "--csv",
        str(out),
        "--samples",
        "1000000",
        "--steps",
        str(steps),
        *extra,
    ]
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True)
    return time.perf_counter() - start


def cli_step(reps: int) -> tuple[float, list[float], list[float]]:
    """(a): per-step cost from the difference of two step counts; short and long interleaved so that
    drift in the machine's speed hits both alike."""
    shorts, longs = [], []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "trajectory.csv"
        cli_seconds(SHORT, out)  # warm the file cache and the interpreter's .pyc files
        for _ in range(reps):
            shorts.append(cli_seconds(SHORT, out))
            longs.append(cli_seconds(LONG, out))
    per_step = (statistics.median(longs) - statistics.median(shorts)) / (LONG - SHORT)
    return per_step, shorts, longs


def cli_cpu_seconds(steps: int, out: Path, extra: tuple[str, ...] | list[str] = ()) -> float:
    """CPU time (user + system) of one whole `python -m gd` process: on a machine other work
    shares, the time the process itself spent, which its wall time is not."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    cli_seconds(steps, out, extra)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def variant_steps(reps: int) -> dict[str, tuple[float, float]]:
    """(d): {variant: (its step, plain gd's step measured alongside)}, each from whole processes as
    (a) but in CPU time, the variant's and gd's short and long runs interleaved."""
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "trajectory.csv"
        for name, extra in VARIANTS.items():
            cli_seconds(SHORT, csv, extra)  # warm
            times = {key: [] for key in ("gd short", "gd long", "short", "long")}
            for _ in range(reps):
                times["gd short"].append(cli_cpu_seconds(SHORT, csv))
                times["short"].append(cli_cpu_seconds(SHORT, csv, extra))
                times["gd long"].append(cli_cpu_seconds(LONGEST, csv))
                times["long"].append(cli_cpu_seconds(LONGEST, csv, extra))
            med = {key: statistics.median(values) for key, values in times.items()}
            out[name] = (
                (med["long"] - med["short"]) / (LONGEST - SHORT),
                (med["gd long"] - med["gd short"]) / (LONGEST - SHORT),
            )
    return out


def active_updates(steps: int = 20_000, reps: int = 5) -> dict[str, tuple[float, float]]:
    """(d) in-process, per step: {name: (gd.run's whole step, one update alone at a gradient that
    is never zero (a fixed g off the optimum))}, the schedule's factor included in both."""
    from gd import registry
    from gd.problem import Problem
    from gd.run import run

    data = make_regression(ARTICLE.true_weights, ARTICLE.bias, 1_000_000)
    problem = Problem.from_data(data.X, data.y)
    g = problem.gradient(np.zeros(problem.p))
    settings = {
        "gd": ARTICLE,
        "linesearch": Settings(optimizer="linesearch"),
        "newton": Settings(optimizer="newton"),
        "cg": Settings(optimizer="cg"),
        **{
            f"gd, {name} schedule": Settings(schedule=name)
            for name in ("step", "exponential", "cosine", "inverse")
        },
    }
    out = {}
    for name, s in settings.items():
        opt = registry.build(s, problem, steps)
        whole = []
        for _ in range(reps):
            start = time.process_time()
            run(problem, opt, steps)
            whole.append((time.process_time() - start) / steps)
        times = []
        for _ in range(reps):
            state = opt.init(np.zeros(problem.p))
            update = opt.update
            start = time.process_time()
            for _ in range(steps):
                _, next_state = update(g, state)
                if not registry.entry(s.optimizer).finite:  # cg's state would hold its point; keep it fresh
                    state = next_state
            times.append((time.process_time() - start) / steps)
        out[name] = (statistics.median(whole), statistics.median(times))
    return out


def in_process_step(steps: int = 20_000, reps: int = 5) -> float:
    """(a) without the process around it: gd.run's loop alone on the 1e6-sample problem."""
    from gd import optimizers
    from gd.problem import Problem
    from gd.run import run

    data = make_regression(ARTICLE.true_weights, ARTICLE.bias, 1_000_000)
    problem = Problem.from_data(data.X, data.y)
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        run(problem, optimizers.gd(ARTICLE.learning_rate), steps)
        times.append((time.perf_counter() - start) / steps)
    return statistics.median(times)


def article_step(n: int = 5000, iterations: int = 5, reps: int = 3) -> float:
    """(b): the article's code, verbatim but for the print, on the article's data."""
    data = make_regression(ARTICLE.true_weights, ARTICLE.bias, n)
    pairs = list(zip(data.X, data.y, strict=True))

    def l(w, b):  # noqa: E743 - the article's name
        return sum((w.dot(x) + b - y) ** 2 for x, y in pairs) / len(pairs)

    def df(w, b):
        return (
            sum(2 * (w.dot(x) + b - y) * x for x, y in pairs) / len(pairs),
            sum(2 * (w.dot(x) + b - y) * 1 for x, y in pairs) / len(pairs),
        )

    times = []
    for _ in range(reps):
        w, b, eta = np.zeros(data.d), 0, 0.01
        start = time.perf_counter()
        for _ in range(iterations):
            loss = l(w, b)  # noqa: F841 - the article computes it every step to print it
            gradientw, gradientb = df(w, b)
            w = w - eta * gradientw
            b = b - eta * gradientb
        times.append((time.perf_counter() - start) / iterations)
    return statistics.median(times)


def numpy_step(n: int, reps: int = 5) -> float:
    """(c): the vectorised loop people write first: two passes over X per step."""
    data = make_regression(ARTICLE.true_weights, ARTICLE.bias, n)
    X, y = data.X, data.y
    iterations = max(5, min(2000, 20_000_000 // (n * data.d)))
    times = []
    for _ in range(reps):
        w, b, eta = np.zeros(data.d), 0.0, 0.01
        start = time.perf_counter()
        for _ in range(iterations):
            r = X @ w + b - y
            loss = r @ r / n  # noqa: F841 - computed every step, as the article does
            w = w - eta * (2.0 * (r @ X) / n)
            b = b - eta * (2.0 * r.sum() / n)
        times.append((time.perf_counter() - start) / iterations)
    return statistics.median(times)


def us(seconds: float) -> str:
    return f"{seconds * 1e6:,.1f} us"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=21, help="processes per step count in (a)")
    parser.add_argument("--variant-reps", type=int, default=7, help="processes per step count in (d)")
    args = parser.parse_args()
    reps = args.reps
    began = time.perf_counter()
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}, "
        f"{os.cpu_count()} CPUs, {platform.processor() or platform.platform()}"
    )
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        print(f"{name}={os.environ.get(name, '(unset)')}")

    ours, shorts, longs = cli_step(reps)
    print(f"\n(a) python -m gd --quiet --csv FILE --samples 1000000, {reps} processes per step count:")
    print(
        f"    --steps {SHORT:>6,}: median {statistics.median(shorts):.3f} s "
        f"(min {min(shorts):.3f}, max {max(shorts):.3f})"
    )
    print(
        f"    --steps {LONG:>6,}: median {statistics.median(longs):.3f} s "
        f"(min {min(longs):.3f}, max {max(longs):.3f})"
    )
    pairs = statistics.median(b - a for a, b in zip(shorts, longs, strict=True)) / (LONG - SHORT)
    fastest = (min(longs) - min(shorts)) / (LONG - SHORT)
    print(
        f"    cross-checks: median of the {reps} paired differences {us(pairs)} a step; "
        f"fastest against fastest {us(fastest)}"
    )
    inner = in_process_step()
    article = article_step()
    plain = {n: numpy_step(n) for n in (1_000, 100_000, 1_000_000)}

    rows = [
        ("ours: python -m gd, full batch (a)", "1,000,000", ours),
        ("  the same, gd.run alone in-process", "1,000,000", inner),
        ("article's literal loop (b)", "5,000", article),
        *(("plain numpy loop, X @ w every step (c)", f"{n:,}", t) for n, t in plain.items()),
    ]
    print(f"\n{'per step (medians)':<42}{'n':>11}{'time':>16}")
    for name, n, t in rows:
        print(f"{name:<42}{n:>11}{us(t):>16}")
    ratio = article / ours
    print(f"\nratio article step (n = 5,000) / our step (n = 1,000,000): {ratio:,.0f}")
    print(f"plain numpy step at n = 1,000,000 / our step: {plain[1_000_000] / ours:,.0f}")
    ok = ours <= 10e-6 and ratio >= 1000
    print(f"budget: our step <= 10 us and ratio >= 1000: {'met' if ok else 'NOT met'}")

    print(
        f"\n(d) beyond plain descent at n = 1,000,000, CPU time of whole processes ({args.variant_reps} "
        "per step count), each beside plain gd measured alongside; gd.run's step and one active "
        "update in-process:"
    )
    variants = variant_steps(args.variant_reps)
    active = active_updates()
    head = ("process step", "gd alongside", "ratio", "run() step", "/ gd", "update", "/ gd")
    widths = (14, 14, 7, 12, 6, 10, 6)
    print(f"{'':<26}" + "".join(f"{h:>{w}}" for h, w in zip(head, widths, strict=True)))
    worst = 0.0
    gd_whole, gd_update = active["gd"]
    for name, (step, gd_step) in variants.items():
        ratio = step / gd_step
        worst = max(worst, ratio)
        whole, update = active[name]
        cells = (us(step), us(gd_step), f"{ratio:.2f}", us(whole), f"{whole / gd_whole:.2f}", us(update))
        cells += (f"{update / gd_update:.2f}",)
        print(f"{name:<26}" + "".join(f"{c:>{w}}" for c, w in zip(cells, widths, strict=True)))
    cells = ("", "", "", us(gd_whole), "1.00", us(gd_update), "1.00")
    print(f"{'gd (reference)':<26}" + "".join(f"{c:>{w}}" for c, w in zip(cells, widths, strict=True)))
    verdict = "met" if worst <= 2 else "NOT met"
    print(f"budget: every process step <= 2x plain gd's: {verdict} (worst {worst:.2f}x)")
    print(f"(benchmark took {time.perf_counter() - began:.0f} s)")


if __name__ == "__main__":
    main()
