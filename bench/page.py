"""Page benchmark: what the browser is sent, how long the largest runs take, what a Step costs.

    python bench/page.py [--clicks 30]

Prints, from one run on this machine:
  (a) the JSON of every figure on the page (what st.plotly_chart serialises) at the defaults and at
      the largest sizes allowed: budget 2 MB and 3 MB;
  (b) the time of the largest allowed run of each optimizer (experiment + the surface figure):
      budget 5 s;
  (c) a Step's server time, click -> finished rerun through Streamlit's websocket protocol, against
      a minimal Streamlit app with one Plotly chart and a button, both measured in this run:
      budget 4x.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import plotly.io as pio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gd import figures  # noqa: E402
from gd.inputs import MAX_FEATURES, MAX_SAMPLES, MAX_SGD_SAMPLE_STEPS, MAX_STEPS, Settings  # noqa: E402
from gd.run import MAX_KEPT, MAX_RUNS, experiment, sweep, sweep_rates, variants  # noqa: E402

LARGEST = Settings(
    true_weights=tuple(float(i) for i in range(1, MAX_FEATURES + 1)), samples=MAX_SAMPLES, steps=MAX_STEPS
)

# The heaviest page: the largest data, and as many compared runs as that size allows.
ALLOWED = min(MAX_RUNS, MAX_KEPT // ((MAX_STEPS + 1) * (MAX_FEATURES + 1)) - 1)
COMPARE = tuple(
    variants(LARGEST, ["momentum", "nesterov", "adagrad", "rmsprop", "adam", "sgd"], [0.001, 0.003], [50])
)[:ALLOWED]

MINIMAL_APP = """
import plotly.graph_objects as go
import streamlit as st

if "n" not in st.session_state:
    st.session_state.n = 0
if st.button("Step", key="step"):
    st.session_state.n += 1
st.metric("Iteration", st.session_state.n)
st.plotly_chart(go.Figure(go.Scatter(x=[0, 1, 2], y=[0, st.session_state.n, 4])), key="chart")
"""


def page_json(settings: Settings, compare: tuple = ()) -> dict[str, int]:
    """Bytes of JSON for each figure the page draws, at iteration T/2."""
    ex = experiment(settings, compare=compare)
    k = ex.trajectory.steps // 2
    i, j = ex.d - 1, max(ex.d - 2, 0) if ex.d > 1 else ex.d
    rates = sweep_rates(ex.limit, settings.learning_rate)
    loss, _ = sweep(ex.problem, settings.optimizer, rates, settings.steps, settings.momentum)
    figs = {
        "surface (animated, 3-D)": figures.surface_figure(ex, i, j),
        "contour": figures.contour_figure(ex, i, j, k),
        "convergence": figures.convergence_figure(ex, k),
        "loss": figures.loss_figure(ex, k),
        "fit": figures.fit_figure(ex, k),
        "learning-rate sweep": figures.sweep_figure(
            rates,
            loss,
            ex.problem.loss_star,
            ex.limit,
            settings.learning_rate,
            settings.steps,
            settings.optimizer,
        ),
    }
    return {name: len(pio.to_json(fig, validate=False)) for name, fig in figs.items()}


def report_json() -> None:
    print("(a) figure JSON sent to the browser")
    largest = f"largest: d={MAX_FEATURES}, n={MAX_SAMPLES:,}, steps={MAX_STEPS:,}"
    for title, settings, compare, budget in (
        ("defaults", Settings(), (), 2e6),
        (largest, LARGEST, (), 3e6),
        (largest + f", {len(COMPARE)} runs compared", LARGEST, COMPARE, 3e6),
    ):
        sizes = page_json(settings, compare)
        total = sum(sizes.values())
        print(f"  {title}")
        for name, size in sizes.items():
            print(f"    {name:<26} {size / 1e3:9.1f} kB")
        verdict = "met" if total <= budget else "NOT met"
        print(f"    {'total':<26} {total / 1e3:9.1f} kB   budget {budget / 1e6:.0f} MB: {verdict}")


def report_largest() -> None:
    print("\n(b) the largest allowed runs (experiment, then the surface figure), budget 5 s")
    for name in ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "sgd"):
        settings = replace(LARGEST, optimizer=name)
        if name == "sgd":  # the largest sgd run the bound allows: batch x steps at the limit
            settings = replace(settings, batch_size=MAX_SGD_SAMPLE_STEPS // MAX_STEPS)
        start = time.perf_counter()
        ex = experiment(settings)
        run_s = time.perf_counter() - start
        figures.surface_figure(ex, ex.d - 1, ex.d - 2)
        total = time.perf_counter() - start
        label = name + (f" (B={settings.batch_size:,})" if name == "sgd" else "")
        print(
            f"  {label:<18} run {run_s:5.2f} s, with the surface {total:5.2f} s"
            f"  {'ok' if total < 5 else 'OVER 5 s'}"
        )
    start = time.perf_counter()
    ex = experiment(LARGEST, compare=COMPARE)
    figures.surface_figure(ex, ex.d - 1, ex.d - 2)
    total = time.perf_counter() - start
    print(
        f"  {'gd + ' + str(len(COMPARE)) + ' compared':<18} all runs and the surface {total:5.2f} s"
        f"  {'ok' if total < 5 else 'OVER 5 s'}"
    )


def report_step(clicks: int) -> None:
    """(c) through bench/load.py's websocket client: one session, `clicks` Steps, each app."""
    sys.path.insert(0, str(ROOT / "bench"))
    import load  # noqa: PLC0415  (bench/load.py: Streamlit's protocol, spoken by a script)

    print(f"\n(c) a Step's server time, click -> finished rerun, median of {clicks} clicks")
    with tempfile.TemporaryDirectory() as tmp:
        minimal = Path(tmp) / "minimal_app.py"
        minimal.write_text(MINIMAL_APP)
        # the same server configuration as this app's (it is read from the working directory)
        shutil.copytree(ROOT / ".streamlit", Path(tmp) / ".streamlit")
        results = {}
        for name, script in (("minimal app, one Plotly chart", minimal), ("this app", ROOT / "app.py")):
            latencies = load.time_clicks(script, clicks)
            results[name] = statistics.median(latencies)
            print(
                f"  {name:<32} median {results[name] * 1e3:7.1f} ms   "
                f"p95 {sorted(latencies)[int(0.95 * (len(latencies) - 1))] * 1e3:7.1f} ms"
            )
    ratio = results["this app"] / results["minimal app, one Plotly chart"]
    print(f"  ratio {ratio:.2f} (budget 4): {'met' if ratio <= 4 else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=30, help="Steps timed per app (default 30)")
    parser.add_argument("--skip-step", action="store_true", help="skip (c), the server timing")
    args = parser.parse_args()
    report_json()
    report_largest()
    if not args.skip_step:
        report_step(args.clicks)


if __name__ == "__main__":
    main()
