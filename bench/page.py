"""Page benchmark: what the browser is sent, how long the largest runs take, what a view costs.

    python bench/page.py [--views 20] [--rounds 5] [--skip-views]

Prints, from one run on this machine:
  (a) what the browser is sent once per run (the live panel's payload and the sweep's figure) at
      the defaults and at the largest sizes allowed: budget 2 MB and 3 MB;
  (b) the time of the largest allowed run of each optimizer (experiment + the panel's payload):
      budget 5 s;
  (c) the server CPU of a page view with warm caches (a new session's first run, through
      Streamlit's websocket protocol), against a minimal Streamlit app with one Plotly chart and a
      button, both measured in this run, in alternating rounds: target 2x; and this app with
      Streamlit's default file watcher on, to show what turning it off saves.
"""

from __future__ import annotations

import argparse
import asyncio
import os
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

from gd import figures, live  # noqa: E402
from gd.inputs import MAX_FEATURES, MAX_SAMPLES, MAX_SGD_SAMPLE_STEPS, MAX_STEPS, Settings  # noqa: E402
from gd.run import MAX_KEPT, MAX_RUNS, experiment, variants  # noqa: E402

LARGEST = Settings(
    true_weights=tuple(float(i) for i in range(1, MAX_FEATURES + 1)), samples=MAX_SAMPLES, steps=MAX_STEPS
)

# The heaviest page: the largest data, and as many compared runs as that size allows.
ALLOWED = min(MAX_RUNS, MAX_KEPT // ((MAX_STEPS + 1) * (MAX_FEATURES + 1)) - 1)
COMPARE = tuple(
    variants(LARGEST, ["momentum", "nesterov", "adagrad", "rmsprop", "adam", "sgd"], [0.001, 0.003], [50])
)[:ALLOWED]

WATCHING = "this app, watching its sources"

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
    """Bytes the browser is sent once per run: the live panel's payload (every iteration's
    numbers and the five figures) and the learning-rate sweep's figure."""
    ex = experiment(settings, compare=compare)
    i, j = ex.d - 1, max(ex.d - 2, 0) if ex.d > 1 else ex.d
    sweep_fig = figures.rate_sweep_figure(ex)
    return {
        "live panel (payload)": len(live.payload(ex, i, j)),
        "learning-rate sweep": len(pio.to_json(sweep_fig, validate=False).encode()),
    }


def report_json() -> None:
    print("(a) what the browser is sent once per run (Step, Play and the scrubber send nothing)")
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
        if settings.minibatch:  # the largest sgd run the bound allows: batch x steps at the limit
            settings = replace(settings, batch_size=MAX_SGD_SAMPLE_STEPS // MAX_STEPS)
        start = time.perf_counter()
        ex = experiment(settings)
        run_s = time.perf_counter() - start
        live.payload(ex, ex.d - 1, ex.d - 2)
        total = time.perf_counter() - start
        label = name + (f" (B={settings.batch_size:,})" if settings.minibatch else "")
        print(
            f"  {label:<18} run {run_s:5.2f} s, with the panel's payload {total:5.2f} s"
            f"  {'ok' if total < 5 else 'OVER 5 s'}"
        )
    start = time.perf_counter()
    ex = experiment(LARGEST, compare=COMPARE)
    live.payload(ex, ex.d - 1, ex.d - 2)
    total = time.perf_counter() - start
    print(
        f"  {'gd + ' + str(len(COMPARE)) + ' compared':<18} all runs and the payload {total:5.2f} s"
        f"  {'ok' if total < 5 else 'OVER 5 s'}"
    )


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def report_views(views: int, rounds: int = 5) -> None:
    """(c) server CPU of a page view (a new session's first run) with warm caches, each app.

    The servers run side by side; each round times `views` views of each in turn, so that a busy
    moment of a shared machine weighs on all. The medians over rounds are quoted. The third server
    is this app with Streamlit's default file watcher, which .streamlit/config.toml turns off."""
    sys.path.insert(0, str(ROOT / "bench"))
    import load  # noqa: PLC0415  (bench/load.py: Streamlit's protocol, spoken by a script)

    print(f"\n(c) server CPU of a page view with warm caches: {rounds} rounds of {views} views each")
    apps = {}
    with tempfile.TemporaryDirectory() as tmp:
        minimal = Path(tmp) / "minimal_app.py"
        minimal.write_text(MINIMAL_APP)
        # the same server configuration as this app's (it is read from the working directory)
        shutil.copytree(ROOT / ".streamlit", Path(tmp) / ".streamlit")
        try:
            servers = (
                ("minimal app, one Plotly chart", minimal, ()),
                ("this app", ROOT / "app.py", ()),
                # what .streamlit/config.toml turns off: Streamlit's default, a development aid
                (WATCHING, ROOT / "app.py", ("--server.fileWatcherType", "auto")),
            )
            for n, (name, script, extra) in enumerate(servers):
                apps[name] = load.start_app(
                    script.resolve(), Path(tmp) / f"app{n}.log", timeout=60, extra=extra
                )
            per_view = {name: [] for name in apps}
            # views of browsers that have the page's files cached (as the one-chart app's are)
            one = ["--sessions", "1", "--clicks", "0", "--arrive", "0", "--no-assets"]
            for r in range(rounds + 1):
                for name, (process, url) in apps.items():
                    args = load.parse_args(["--url", url, *one])
                    before = cpu_seconds(process.pid)  # in clock ticks of 10 ms: time many views at once
                    for _ in range(views if r else 1):  # round 0 warms the caches
                        asyncio.run(load.run_sessions(url, args))
                    if r:
                        per_view[name].append((cpu_seconds(process.pid) - before) / views)
        finally:
            for process, _ in apps.values():
                load.stop_app(process)
    for name, values in per_view.items():
        spread = ", ".join(f"{v * 1e3:.1f}" for v in values)
        median = statistics.median(values) * 1e3
        print(f"  {name:<36} {median:7.1f} ms of CPU a view (median; rounds: {spread})")
    ours, base = per_view["this app"], per_view["minimal app, one Plotly chart"]
    ratio = statistics.median(ours) / statistics.median(base)
    rounds_ratio = ", ".join(f"{a / b:.2f}" for a, b in zip(ours, base, strict=True))
    print(f"  ratio {ratio:.2f} (rounds: {rounds_ratio}; target 2): {'met' if ratio <= 2 else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--views", type=int, default=20, help="page views per app and round (default 20)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds, each app in turn (default 5)")
    parser.add_argument("--skip-views", action="store_true", help="skip (c), the server timing")
    args = parser.parse_args()
    report_json()
    report_largest()
    if not args.skip_views:
        report_views(args.views, args.rounds)


if __name__ == "__main__":
    main()
