"""Waits a presenter feels: presenter mode on and off, each preset, the scrubber while dragged.

    python bench/waits.py [--repeat 5] [--before REV] [--only presenter,presets,scrubber]

Starts `streamlit run app.py` on loopback (and, with --before REV, the page as it was at git
revision REV, from a temporary worktree, measured in alternating rounds) and drives it with
Debian's Chromium (the browser tests' flags: software WebGL) through Playwright, at a projector's
1280x720. Prints medians over `--repeat` rounds (each round a new page: a new session on the same
server, whose caches the first round warmed; the first round's figures are printed too, "cold"):
  (a) presenter mode on, then off: the click on the switch -> the page settled: the script run
      done, the panel and every chart on the page ready (their data-ready), and no plotly.js call
      and no long task for a quiet second after (settled = the frame after the last plotly.js
      call ended, or the script's end if none); also the runs the server computed
      (`gd.run.experiment` calls, counted by a spy the bench loads into the server:
      GD_BENCH_COUNT) and the plotly.js calls the page made (the last round's);
  (b) each preset, chosen one after another from the sidebar: the click on the option -> settled
      (every chart drawn, as above);
  (c) the scrubber's thumb held with the mouse and moved for 3 s (see `drag_scrubber`): redraws a
      second of each 2-D chart in view (the frames in which its moving traces changed), the
      iterations shown a second, and the 3-D scene's redraws meanwhile.
Timings vary with the machine's load (printed): compare figures of one run, never across runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
sys.path.insert(0, str(ROOT / "bench"))
from browser import serve, stop  # noqa: E402
from conftest import APP_READY, CHROMIUM_ARGS, PANEL_READY  # noqa: E402

from gd.presets import PRESETS  # noqa: E402

# Loaded before the page's scripts: every plotly.js call the page makes is counted and timed (the
# page sets window.Plotly when its bundle loads), and the first pointerdown after `__gdT0 = null`
# is the moment the user acted.
SPY = """(() => {
  window.__gdCalls = {};
  window.__gdPending = 0;
  window.__gdLast = 0;
  window.__gdT0 = 0;
  window.__gdBusy = 0;  // the end of the last long task (the page busy: a payload decoded, ...)
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__gdBusy = Math.max(window.__gdBusy, e.startTime + e.duration);
  }).observe({ type: 'longtask', buffered: true });
  document.addEventListener('pointerdown', (e) => {
    if (window.__gdT0 === null) window.__gdT0 = e.timeStamp;
  }, true);
  const wrap = (owner, name, label) => {
    const f = owner[name];
    if (typeof f !== 'function') return;
    owner[name] = function (...args) {
      window.__gdCalls[label] = (window.__gdCalls[label] || 0) + 1;
      window.__gdPending += 1;
      const done = () => {
        window.__gdPending -= 1;
        requestAnimationFrame(() => { window.__gdLast = Math.max(window.__gdLast, performance.now()); });
      };
      let out;
      try { out = f.apply(this, args); } catch (e) { done(); throw e; }
      Promise.resolve(out).then(done, done);
      return out;
    };
  };
  let plotly;
  Object.defineProperty(window, 'Plotly', {
    configurable: true,
    get: () => plotly,
    set: (value) => {
      plotly = value;
      for (const name of ['newPlot', 'react', 'relayout', 'restyle', 'update', 'animate', 'purge']) {
        wrap(plotly, name, name);
      }
      if (plotly.Plots) wrap(plotly.Plots, 'resize', 'resize');
    },
  });
})();"""

# After an action (window.__gdT0 set): wait until the script run it caused is done, every chart
# on the page is ready, and plotly.js and the page have been quiet (no call, no long task) for
# `quiet` ms; the seconds from the action to the frame after the last plotly.js call (or to the
# script's end).
SETTLED = """async (quiet) => {
  const app = () => document.querySelector('[data-testid=stApp]').dataset.testScriptState;
  const frame = () => new Promise((r) => requestAnimationFrame(r));
  let sawRun = false;
  const start = performance.now();
  while (!sawRun && performance.now() - start < 3000) {  // a rerun starts at once
    if (app() === 'running') sawRun = true; else await frame();
  }
  while (app() !== 'notRunning') await frame();
  const scriptEnd = performance.now();
  const ready = () => [...document.querySelectorAll('.gd-panel, .gd-static')]
    .every((e) => e.dataset.ready === 'true');
  for (;;) {
    const now = performance.now();
    const calm = Math.min(now - window.__gdLast, now - scriptEnd, now - window.__gdBusy);
    if (ready() && app() === 'notRunning' && window.__gdPending === 0 && calm >= quiet) break;
    await frame();
  }
  return (Math.max(window.__gdLast, scriptEnd) - window.__gdT0) / 1000;
}"""

# Every frame during `seconds`: which 2-D charts' moving traces changed (a redraw seen), the
# iteration shown, and the 3-D scene's iteration; the charts in view are those whose box meets the
# window.
WATCH_DRAG = """async (seconds) => {
  const names = ['contour', 'convergence', 'loss', 'fit', 'eigen', 'rate'];
  const inView = (el) => {
    const r = el.getBoundingClientRect();
    return r.bottom > 0 && r.top < innerHeight && r.height > 0;
  };
  const sig = (name) => {
    const gd = document.querySelector(`.gd-${name} .js-plotly-plot`);
    if (!gd || !gd.data) return null;
    const end = (a) => (a ? a[a.length - 1] : '');
    return gd.data.filter((t) => t.meta && t.meta.gd).map((t) => `${end(t.x)},${end(t.y)}`).join(';');
  };
  const box = (n) => document.querySelector(`figure.gd-${n}`);
  const view = Object.fromEntries(names.filter((n) => box(n) && inView(box(n))).map((n) => [n, 0]));
  const last = Object.fromEntries(Object.keys(view).map((n) => [n, sig(n)]));
  const panel = document.querySelector('.gd-panel');
  const it = document.querySelector('[data-testid=gd-iteration]');
  const shown = new Set([it.textContent]);
  const scenes = new Set([panel.dataset.scene]);
  let frames = 0;
  const end = performance.now() + seconds * 1000;
  await new Promise((resolve) => {
    const loop = (now) => {
      frames += 1;
      for (const n of Object.keys(view)) {
        const s = sig(n);
        if (s !== last[n]) { view[n] += 1; last[n] = s; }
      }
      shown.add(it.textContent);
      scenes.add(panel.dataset.scene);
      if (now < end) requestAnimationFrame(loop); else resolve();
    };
    requestAnimationFrame(loop);
  });
  return { charts: view, iterations: shown.size, scenes: scenes.size - 1, frames };
}"""


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} / {fifteen:.1f} on {os.cpu_count()} cores"


def spy_server() -> Path:
    """A sitecustomize that counts gd.run.experiment calls in the server (runs computed) and
    writes the count to GD_BENCH_COUNT after each: the bench reads the file."""
    folder = Path(tempfile.mkdtemp())
    (folder / "sitecustomize.py").write_text(
        "import os\n"
        "if os.environ.get('GD_BENCH_COUNT'):\n"
        "    import gd.run\n"
        "    _experiment = gd.run.experiment\n"
        "    _n = [0]\n"
        "    def experiment(*a, **k):\n"
        "        _n[0] += 1\n"
        "        with open(os.environ['GD_BENCH_COUNT'], 'w') as f:\n"
        "            f.write(str(_n[0]))\n"
        "        return _experiment(*a, **k)\n"
        "    gd.run.experiment = experiment\n"
    )
    return folder


def runs_computed(path: Path) -> int:
    return int(path.read_text() or 0) if path.exists() else 0


def open_page(browser, url: str, width: int, height: int, query: str = ""):
    context = browser.new_context(viewport={"width": width, "height": height})
    context.add_init_script(SPY)
    page = context.new_page()
    page.goto(f"{url}/?{query}")
    page.locator(APP_READY).wait_for(state="attached", timeout=60_000)
    page.locator(PANEL_READY).wait_for(state="attached", timeout=60_000)
    page.evaluate(SETTLED.replace("let sawRun = false", "let sawRun = true"), 1000)
    return page


def act(page, action) -> tuple[float, dict]:
    """The seconds from `action`'s pointerdown to the page settled, and the plotly.js calls made."""
    page.evaluate("window.__gdCalls = {}; window.__gdT0 = null")
    action()
    seconds = page.evaluate(SETTLED, 1000)
    return seconds, page.evaluate("window.__gdCalls")


def presenter_switch(page):
    return page.get_by_test_id("stCheckbox").filter(has_text="Presenter mode").locator("label").first


def choose_preset(page, label: str) -> None:
    page.get_by_test_id("stSelectbox").filter(has_text="Preset").first.click()
    page.get_by_role("option", name=label, exact=True).click()


def drag_scrubber(page, seconds: float) -> dict:
    """Hold the scrubber's thumb with the mouse and move it for `seconds`, while watching the
    charts. The moves are the input events a dragged range input fires (its value set, `input`
    dispatched), made by the page itself every 8 ms, as a mouse or finger moved by a person does
    (60 to 125 a second): Playwright's own mouse moves, each a round trip through the browser's
    protocol, came at about 10 a second on this loaded machine, which would have measured the
    driver rather than the page."""
    scrub = page.locator(".gd-scrub")
    scrub.evaluate("(e) => e.scrollIntoView({ block: 'start' })")  # the first row of charts below it
    page.wait_for_timeout(500)  # the charts that came into sight catch up (IntersectionObserver)
    box = scrub.bounding_box()
    page.mouse.move(box["x"] + 8, box["y"] + box["height"] / 2)
    page.mouse.down()
    result = page.evaluate(
        """async ([watch, seconds]) => {
          const scrub = document.querySelector('.gd-scrub');
          const top = Number(scrub.max);
          let value = 0, direction = 1, moves = 0;
          const timer = setInterval(() => {
            value += direction * Math.max(1, Math.round(top / 150));
            if (value >= top || value <= 0) {
              direction = -direction;
              value = Math.min(Math.max(value, 0), top);
            }
            scrub.value = String(value);
            scrub.dispatchEvent(new Event('input', { bubbles: true }));
            moves += 1;
          }, 8);
          const out = await (eval(watch))(seconds);
          clearInterval(timer);
          return { ...out, moves };
        }""",
        [f"({WATCH_DRAG})", seconds],
    )
    page.mouse.up()
    result["seconds"] = seconds
    return result


def measure(page, only: set[str], count: Path, results: dict[str, list]) -> None:
    """One round on a fresh page: each measure in `only`, appended to `results`."""
    if "presenter" in only:
        for label in ("presenter on", "presenter off"):
            before = runs_computed(count)
            seconds, calls = act(page, lambda: presenter_switch(page).click())
            results.setdefault(label, []).append((seconds, runs_computed(count) - before, calls))
    if "presets" in only:
        for key in [*list(PRESETS)[1:], "article"]:
            before = runs_computed(count)
            seconds, calls = act(page, lambda key=key: choose_preset(page, PRESETS[key].label))
            results.setdefault(f"preset {key}", []).append((seconds, runs_computed(count) - before, calls))
    if "scrubber" in only:
        results.setdefault("scrubber", []).append(drag_scrubber(page, 3.0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="rounds to take the medians of")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=720)
    parser.add_argument(
        "--only", default="presenter,presets,scrubber", help="which measures, comma-separated"
    )
    parser.add_argument(
        "--before", metavar="REV", help="also measure the page at git revision REV, alternating"
    )
    args = parser.parse_args()
    only = set(args.only.split(","))
    folder = Path(tempfile.mkdtemp())
    os.environ["PYTHONPATH"] = os.pathsep.join([str(spy_server()), os.environ.get("PYTHONPATH", "")])
    apps = {"ours": ROOT}
    if args.before:
        old = folder / "before"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach", str(old), args.before], check=True
        )
        apps = {f"at {args.before}": old, "ours": ROOT}
    servers = {}
    print(f"bench/waits.py at {time.strftime('%H:%M:%S')}, {load()}; {args.width}x{args.height}, Chromium")
    results: dict[str, dict[str, list]] = {name: {} for name in apps}
    try:
        for name, root in apps.items():
            os.environ["GD_BENCH_COUNT"] = str(folder / f"runs-{len(servers)}")
            servers[name] = (*serve(root / "app.py"), Path(os.environ["GD_BENCH_COUNT"]))
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for _ in range(args.repeat):
                for name, (_, url, count) in servers.items():
                    page = open_page(browser, url, args.width, args.height)
                    measure(page, only, count, results[name])
                    page.context.close()
            browser.close()
    finally:
        for server, _, _ in servers.values():
            stop(server)
        if args.before:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)], check=False)
    for name, measured in results.items():
        print(f"-- the page {name}:")
        report(measured)
    print(f"done at {time.strftime('%H:%M:%S')}, {load()}")


def report(results: dict[str, list]) -> None:
    ms = statistics.median
    for label, rounds in results.items():
        if label == "scrubber":
            continue
        seconds = [r[0] for r in rounds]
        warm = seconds[1:] or seconds
        calls = rounds[-1][2]
        print(
            f"{label:<22} settled in {ms(warm):5.2f} s (median of {len(warm)} warm; "
            f"cold {seconds[0]:.2f} s); "
            f"runs computed {[r[1] for r in rounds]}; plotly.js calls (last round) "
            + ", ".join(f"{k} {v}" for k, v in sorted(calls.items()))
        )
    if "scrubber" in results:
        rounds = results["scrubber"]
        charts = sorted({n for r in rounds for n in r["charts"]})
        rates = {n: ms([r["charts"].get(n, 0) / r["seconds"] for r in rounds]) for n in charts}
        print(
            f"scrubber dragged 3 s (median of {len(rounds)}): redraws/s of the 2-D charts in view: "
            + ", ".join(f"{n} {v:.1f}" for n, v in rates.items())
            + f"; iterations shown/s {ms([r['iterations'] / r['seconds'] for r in rounds]):.1f}; "
            f"3-D scene redraws {ms([r['scenes'] for r in rounds])}; "
            f"mouse moves/s {ms([r['moves'] / r['seconds'] for r in rounds]):.0f}; "
            f"frames/s {ms([r['frames'] / r['seconds'] for r in rounds]):.1f}"
        )


if __name__ == "__main__":
    main()
