"""Browser benchmark: the live panel in headless Chromium against a one-chart Streamlit app.

    python bench/browser.py [--repeat 10] [--loads 7] [--load-only] [--before REV]

Starts `streamlit run app.py` and a minimal app (a button, a metric and one Plotly chart: a click
is a rerun) on loopback, drives both with Debian's Chromium through Playwright, and prints, from
one run on this machine (medians):
  (a) Step: a real click -> the paint that shows it (the browser's Event Timing); click -> every
      chart and metric updated (ours: the frame after the one that drew them all; the minimal
      app: click -> its metric shows the new value), and what the page sends then;
  (b) Play: distinct iterations shown a second (read from data-testid="gd-iteration") and redraws
      of the 2-D charts a second, with the server running and with it stopped (SIGSTOP); websocket
      frames the page sends and bytes it receives during 5 s of Play;
  (c) first load: page open -> every chart drawn (the live panel's seven and the sweep's below
      it; each load in a new browser context, nothing cached), against the minimal app's chart, and with
      --before REV against the page as it was at git revision REV (checked out in a temporary
      worktree; before the live panel the page drew six st.plotly_chart charts); with --before,
      (a) and (b) are measured for the page at REV too, in the same run.
Timings vary with the machine's load: compare figures of one run, never across runs.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
from conftest import APP_READY, CHROMIUM_ARGS, PANEL_READY, watch_frames  # noqa: E402
from page import MINIMAL_APP  # noqa: E402  (the same one-chart app as bench/page.py)

# Click Step and wait for the frame after the one that drew the new iteration: render + paint.
OUR_STEP = """async () => {
  const button = [...document.querySelectorAll('.gd-buttons button')].find(b => b.textContent === 'Step');
  const t0 = performance.now();
  button.click();
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  return performance.now() - t0;
}"""
# The same click, waiting until the 3-D scene too shows the new iteration.
OUR_STEP_3D = """async () => {
  const button = [...document.querySelectorAll('.gd-buttons button')].find(b => b.textContent === 'Step');
  const panel = document.querySelector('.gd-panel');
  const next = String(parseInt(document.querySelector('[data-testid=gd-iteration]').textContent) + 1);
  const t0 = performance.now();
  button.click();
  await new Promise(resolve => {
    const poll = () => (panel.dataset.scene === next ? resolve() : requestAnimationFrame(poll));
    poll();
  });
  return performance.now() - t0;
}"""
# Click the minimal app's button and wait until its metric shows the next value.
MINIMAL_STEP = """async () => {
  const value = () => document.querySelector('[data-testid=stMetricValue]').textContent;
  const before = value();
  const button = [...document.querySelectorAll('button')].find(b => b.textContent === 'Step');
  const t0 = performance.now();
  button.click();
  await new Promise(resolve => {
    const poll = () => (value() !== before ? resolve() : requestAnimationFrame(poll));
    poll();
  });
  await new Promise(r => requestAnimationFrame(r));
  return performance.now() - t0;
}"""
# The browser's own measure of a click (Event Timing): from the input to the next paint after its
# handlers, in 8 ms steps (entries under 16 ms are not reported: read as 16). Armed before a real,
# trusted click (a script's button.click() gets no entry), read after it.
ARM_EVENT_TIMING = """() => { const seen = (window.__gdClicks = []);
  const observer = new PerformanceObserver((list) => seen.push(...list.getEntries()));
  observer.observe({ type: 'event', durationThreshold: 16 }); window.__gdObserver = observer; }"""
READ_EVENT_TIMING = """() => { window.__gdObserver.takeRecords().forEach((e) => window.__gdClicks.push(e));
  window.__gdObserver.disconnect();
  const click = window.__gdClicks.find((e) => e.name === 'click'); return click ? click.duration : 16; }"""


def painted_steps(page, repeat: int) -> list[float]:
    """`repeat` real clicks on Step, each timed from the input to the paint that shows it."""
    box = page.get_by_role("button", name="Step", exact=True).bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    times = []
    for _ in range(repeat):
        before = page.get_by_test_id("gd-iteration").inner_text()
        page.evaluate(ARM_EVENT_TIMING)
        page.mouse.down()
        page.mouse.up()
        page.wait_for_function(
            "(k) => document.querySelector('[data-testid=gd-iteration]').textContent !== k", arg=before
        )
        page.wait_for_timeout(300)  # the entry comes after the paint, and the views out of sight follow
        times.append(page.evaluate(READ_EVENT_TIMING))
    return times


# Watch the iteration and the charts for `seconds` of Play: distinct iterations shown, and frames
# in which the contour map's point (a 2-D chart) and the 3-D marker moved.
WATCH_PLAY = """async (seconds) => {
  const shown = new Set();
  const it = document.querySelector('[data-testid=gd-iteration]');
  const observer = new MutationObserver(() => shown.add(it.textContent));
  observer.observe(it, { childList: true, characterData: true, subtree: true });
  const point = (name) => {
    const plot = document.querySelector(`.gd-${name} .js-plotly-plot`);
    const index = plot.data.findIndex((t) => t.meta && t.meta.gd === 'point');
    return () => plot.data[index].x[0];
  };
  const flat = point('contour');
  const scene = point('surface');
  let moves2d = 0, moves3d = 0, last2d = flat(), last3d = scene();
  const end = performance.now() + seconds * 1000;
  await new Promise((resolve) => {
    const loop = (now) => {
      const a = flat(), b = scene();
      if (a !== last2d) { moves2d += 1; last2d = a; }
      if (b !== last3d) { moves3d += 1; last3d = b; }
      if (now < end) requestAnimationFrame(loop); else resolve();
    };
    requestAnimationFrame(loop);
  });
  observer.disconnect();
  return [shown.size / seconds, moves2d / seconds, moves3d / seconds];
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(script: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
        "--server.address", "127.0.0.1", "--server.port", str(port), "--server.fileWatcherType", "none",
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        cwd=script.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
            return process, url
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{script} did not start")


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=10)


# Every chart of the page drawn: the live panel's (the 3-D scene last) and the sweep's below it.
STATIC_READY = ".gd-static[data-ready='true']"


def open_page(browser, url: str, *ready: str):
    """A new page (a new browser context: nothing cached) at `url`, and the seconds until every
    selector in `ready` is attached."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    t0 = time.perf_counter()
    page.goto(url)
    for selector in ready:
        page.locator(selector).first.wait_for(state="attached", timeout=60_000)
    return page, time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10, help="clicks (and loads / 3) to take the median of")
    parser.add_argument("--loads", type=int, default=7, help="first loads of each app to take the median of")
    parser.add_argument("--load-only", action="store_true", help="time the first load (c) alone")
    parser.add_argument("--before", metavar="REV", help="also time the first load of the page at REV")
    parser.add_argument(
        "--scene-only", action="store_true", help="time the 3-D scene's Step and Play alone, against --before"
    )
    parser.add_argument(
        "--step-play",
        action="store_true",
        help="time Step and Play alone, against --before, pages alternating",
    )
    args = parser.parse_args()
    if (args.scene_only or args.step_play) and not args.before:
        parser.error("--scene-only and --step-play compare the page with the page at --before REV")
    before = None
    if args.before:
        old = Path(tempfile.mkdtemp()) / "before"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach", str(old), args.before], check=True
        )
        before, before_url = serve(old / "app.py")
    ours, our_url = serve(ROOT / "app.py")
    folder = Path(tempfile.mkdtemp())
    (folder / "minimal.py").write_text(MINIMAL_APP)
    minimal, minimal_url = serve(folder / "minimal.py")
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            if args.scene_only:
                compare_scenes(browser, our_url, before_url, args.before, args.loads, args.repeat)
                return
            if args.step_play:
                compare_step_play(browser, our_url, before_url, args.before, args.loads, args.repeat)
                return
            # (c) first load, alternating the apps; a first view of each warms its server's caches
            loads = {"ours": [], "minimal": [], "before": []}
            for round_ in range(args.loads + 1):
                page, seconds = open_page(browser, our_url, PANEL_READY, STATIC_READY)
                page.close()
                if round_:
                    loads["ours"].append(seconds)
                page, seconds = open_page(browser, minimal_url, f"{APP_READY} .js-plotly-plot .main-svg")
                page.close()
                if round_:
                    loads["minimal"].append(seconds)
                if before is not None and (old / "panel.py").exists():  # a live panel: as ours
                    page, seconds = open_page(browser, before_url, PANEL_READY, STATIC_READY)
                    page.close()
                    if round_:
                        loads["before"].append(seconds)
                elif before is not None:  # the page before the live panel: all six charts drawn
                    page = browser.new_page(viewport={"width": 1400, "height": 1000})
                    t0 = time.perf_counter()
                    page.goto(before_url)
                    page.locator(APP_READY).wait_for(state="attached", timeout=60_000)
                    page.locator(".js-plotly-plot .main-svg").nth(5).wait_for(
                        state="attached", timeout=60_000
                    )
                    if round_:
                        loads["before"].append(time.perf_counter() - t0)
                    page.close()
            report_loads(loads, args.before)
            if not args.load_only:
                step_and_play(browser, our_url, minimal_url, ours.pid, args.repeat)
                if before is not None and (old / "panel.py").exists():  # the same, for the page at REV
                    step_and_play(browser, before_url, minimal_url, before.pid, args.repeat, args.before)
            browser.close()
    finally:
        stop(ours)
        stop(minimal)
        if before is not None:
            stop(before)
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)], check=False)


def report_loads(loads: dict[str, list[float]], before: str | None) -> None:
    ms = statistics.median
    ours, minimal = loads["ours"], loads["minimal"]

    def rounds(times: list[float]) -> str:  # each round's ratio to the one-chart app's load
        return ", ".join(f"{a / b:.2f}" for a, b in zip(times, minimal, strict=True))

    print(f"(c) first load, page open -> every chart drawn, median of {len(ours)}:")
    print(
        f"    ours {ms(ours):.2f} s   one-chart app {ms(minimal):.2f} s   ratio {ms(ours) / ms(minimal):.2f} "
        f"(rounds: {rounds(ours)}; target 2)"
    )
    if loads["before"]:
        old = loads["before"]
        ratio = ms(old) / ms(minimal)
        print(f"    the page at {before}: {ms(old):.2f} s   ratio {ratio:.2f} (rounds: {rounds(old)})")


def scene_steps(browser, url: str, repeat: int) -> tuple[list[float], float]:
    """A fresh page's `repeat` Steps, each timed until the 3-D scene shows it, and the rate at
    which the scene moves during 5 s of Play."""
    page, _ = open_page(browser, url, PANEL_READY)
    page.wait_for_function("document.querySelector('.gd-panel').dataset.scene === '0'", timeout=60_000)
    page.wait_for_timeout(800)
    steps = []
    for _ in range(repeat):
        steps.append(page.evaluate(OUR_STEP_3D))
        page.wait_for_timeout(100)
    page.get_by_role("button", name="Play", exact=True).click()
    scene = page.evaluate(WATCH_PLAY, 5)[2]
    page.close()
    return steps, scene


def compare_scenes(browser, our_url: str, before_url: str, before: str, rounds: int, repeat: int) -> None:
    """(d) The 3-D scene's Step and Play, the page against the page at `before`, alternating."""
    steps, plays = {"ours": [], "before": []}, {"ours": [], "before": []}
    for _ in range(rounds):
        for label, url in (("ours", our_url), ("before", before_url)):
            times, scene = scene_steps(browser, url, repeat)
            steps[label] += times
            plays[label].append(scene)
    ms = statistics.median
    ours, old = ms(steps["ours"]), ms(steps["before"])
    print(f"(d) Step, click -> the 3-D scene drawn, median of {rounds} x {repeat}:")
    print(f"    ours {ours:.0f} ms   the page at {before} {old:.0f} ms   ratio {ours / old:.2f}")
    print(
        f"    Play, the 3-D scene redrawn a second (median of {rounds}): ours {ms(plays['ours']):.1f}, "
        f"the page at {before} {ms(plays['before']):.1f}"
    )


def step_play_round(browser, url: str, repeat: int) -> tuple[list[float], ...]:
    """A fresh page's `repeat` Steps (every view drawn), `repeat` more (the 3-D scene drawn too),
    and 5 s of Play: [iterations shown a second, contour map redrawn a second, 3-D scene]; then
    `repeat` real clicks on Step, each timed to the paint that shows it."""
    page, _ = open_page(browser, url, PANEL_READY)
    page.wait_for_function("document.querySelector('.gd-panel').dataset.scene === '0'", timeout=60_000)
    page.wait_for_timeout(800)
    flat, scene = [], []
    for _ in range(repeat):
        flat.append(page.evaluate(OUR_STEP))
        page.wait_for_timeout(100)
    for _ in range(repeat):
        scene.append(page.evaluate(OUR_STEP_3D))
        page.wait_for_timeout(100)
    page.get_by_role("button", name="Reset", exact=True).click()
    page.wait_for_timeout(800)
    page.get_by_role("button", name="Play", exact=True).click()
    play = page.evaluate(WATCH_PLAY, 5)
    page.get_by_role("button", name="Pause", exact=True).click()
    painted = painted_steps(page, repeat)
    page.close()
    return flat, scene, play, painted


def compare_step_play(browser, our_url: str, before_url: str, before: str, rounds: int, repeat: int) -> None:
    """(e) Step and Play, the page against the page at `before`, alternating round by round on fresh
    pages, so that both see the same load of a shared machine."""
    got = {"ours": ([], [], [], []), "before": ([], [], [], [])}
    for _ in range(rounds):
        for label, url in (("ours", our_url), ("before", before_url)):
            flat, scene, play, painted = step_play_round(browser, url, repeat)
            got[label][0].extend(flat)
            got[label][1].extend(scene)
            got[label][2].append(play)
            got[label][3].extend(painted)
    ms = statistics.median
    print(f"(e) Step and Play, the page against the page at {before}, {rounds} alternating rounds:")
    for label in ("ours", "before"):
        flat, scene, plays, painted = got[label]
        rates = [ms(p[n] for p in plays) for n in range(3)]
        print(
            f"    {label if label == 'ours' else before:>8}: Step, click -> its paint {ms(painted):.0f} ms "
            f"(Event Timing, median of {len(painted)} real clicks); every view drawn {ms(flat):.0f} ms, "
            f"the 3-D scene too {ms(scene):.0f} ms (medians of {len(flat)}); Play {rates[0]:.1f} "
            f"iterations/s, contour map {rates[1]:.1f}/s, 3-D scene {rates[2]:.1f}/s "
            f"(medians of {len(plays)})"
        )
    for n, what in ((3, "click -> its paint"), (0, "every view drawn")):
        print(f"    Step ratio ours / {before}, {what}: {ms(got['ours'][n]) / ms(got['before'][n]):.2f}")


def step_and_play(
    browser, our_url: str, minimal_url: str, pid: int, repeat: int, rev: str | None = None
) -> None:
    """(a) Step and (b) Play, measured and printed (for the page at git revision `rev`, if given)."""
    page, _ = open_page(browser, our_url, PANEL_READY)
    sent, received = watch_frames(page)
    page.wait_for_timeout(1500)
    sent.clear()
    received.clear()
    steps, steps_3d = [], []
    for _ in range(repeat):
        steps.append(page.evaluate(OUR_STEP))
        page.wait_for_timeout(100)  # a burst of Steps: the server hears the last one, later
    step_sent = len(sent)
    page.wait_for_timeout(1500)
    after_sent = len(sent)
    for _ in range(repeat):
        steps_3d.append(page.evaluate(OUR_STEP_3D))
        page.wait_for_timeout(100)
    painted = painted_steps(page, repeat)
    minimal_page, _ = open_page(browser, minimal_url, f"{APP_READY} .js-plotly-plot .main-svg")
    minimal_steps = []
    for _ in range(repeat):
        minimal_steps.append(minimal_page.evaluate(MINIMAL_STEP))
        minimal_page.wait_for_timeout(300)

    # (b) Play, with the server running, then stopped
    play = {}
    for label in ("server running", "server stopped (SIGSTOP)"):
        page.get_by_role("button", name="Reset", exact=True).click()
        page.wait_for_timeout(1200)
        if label.startswith("server stopped"):
            os.killpg(pid, signal.SIGSTOP)
        sent.clear()
        received.clear()
        page.get_by_role("button", name="Play", exact=True).click()
        rate, flat, scene = page.evaluate(WATCH_PLAY, 5)
        play[label] = (rate, flat, scene, len(sent), sum(len(r) for r in received))
        page.get_by_role("button", name="Pause", exact=True).click()
        if label.startswith("server stopped"):
            os.killpg(pid, signal.SIGCONT)

    ms = statistics.median
    if rev is not None:
        print(f"--- the page at {rev}:")
    print(
        f"(a) Step, a real click -> the paint that shows it (Event Timing), "
        f"median of {repeat}: {ms(painted):.0f} ms"
    )
    print(f"    Step, click -> every view drawn, median of {repeat}:")
    print(
        f"    ours {ms(steps):.0f} ms   one-chart app's rerun {ms(minimal_steps):.0f} ms   "
        f"ratio {ms(steps) / ms(minimal_steps):.2f}"
    )
    print(f"    the 3-D scene too: {ms(steps_3d):.0f} ms (drawn in the frame after; on the CPU here)")
    print(
        f"    websocket frames sent by {repeat} Steps before they settle: {step_sent}; "
        f"after the 0.7 s pause: {after_sent - step_sent} (the iteration, once)"
    )
    print("(b) Play, 5 s:")
    for label, (rate, flat, scene, frames, received_bytes) in play.items():
        print(
            f"    {label}: {rate:.1f} distinct iterations/s; contour map redrawn {flat:.1f}/s, "
            f"3-D scene {scene:.1f}/s; frames sent {frames}, bytes received {received_bytes}"
        )


if __name__ == "__main__":
    main()
