"""The what-if controls (issue 22, items 2-3): redraws a second while the learning rate is dragged,
and the websocket frames the page sends while dragging and on release.

    python bench/whatif.py [--repeat 12] [--seconds 3]

Starts `streamlit run app.py` on loopback and drives it with Debian's Chromium (the browser tests'
flags: software WebGL) through Playwright, on the default page and a 5000-step run at 1400x1000 and
in presenter mode at a projector's 1280x720, each opened at iteration 40. A round: the rate
slider's thumb held with the mouse and moved for `--seconds`, the moves made by the page itself
every 8 ms (a range input's value set,
`input` dispatched, as a mouse moved by a person fires them: Playwright's own mouse moves, a round
trip each, would measure the driver), over positions short of the stability limit; then let go.
Prints medians over `--repeat` rounds of
  - runs/s: the browser's runs drawn a second (the panel's data-whatif count: each is a run of the
    engine, every 2-D chart in view, the readouts and the math redrawn);
  - map/s: frames a second in which the contour map's path changed (what the eye sees move);
  - frames sent while dragging, and in the 3 s after the release (the settled choice: one);
  - kB received in those 3 s (the server computes no run: the panel's settings, the sidebar's
    rate, the link; the payload and the sweep are not sent again);
  - the server's CPU time over the release and those 3 s (its CPU-time clock, to the
    nanosecond), over 3 s of the drag (the server hears nothing: what it spends anyway, Streamlit
    polling its config files 10 times a second, ~5 ms a second here), and their difference: the
    change's own CPU (target 15 ms on average).
Timings vary with the machine's load (printed): compare figures of one run, never across runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
sys.path.insert(0, str(ROOT / "bench"))
from browser import serve, stop  # noqa: E402
from conftest import CHROMIUM_ARGS, PANEL_READY  # noqa: E402
from load import tree_cpu_s  # noqa: E402

DRAG = """async (seconds) => {
  const panel = document.querySelector('.gd-panel');
  const rate = document.querySelector('[data-testid=gd-rate]');
  const map = panel.querySelector('.gd-contour .gd-chart');
  const path = () => map.data.find((t) => t.meta && t.meta.gd === 'path').x;
  const low = 150, high = 290;  // 1e-4 .. 0.5: short of the article's limit (0.96)
  let value = low, direction = 1, moves = 0, seen = path(), mapFrames = 0;
  const runs0 = Number(panel.dataset.whatif || 0);
  const timer = setInterval(() => {
    value += direction;
    if (value >= high || value <= low) direction = -direction;
    rate.value = String(value);
    rate.dispatchEvent(new Event('input', { bubbles: true }));
    moves += 1;
  }, 8);
  const t0 = performance.now();
  await new Promise((resolve) => {
    const frame = () => {
      const now = path();
      if (now !== seen) { mapFrames += 1; seen = now; }
      if (performance.now() - t0 < seconds * 1000) requestAnimationFrame(frame); else resolve();
    };
    requestAnimationFrame(frame);
  });
  clearInterval(timer);
  const elapsed = (performance.now() - t0) / 1000;
  return { runs: (Number(panel.dataset.whatif) - runs0) / elapsed, map: mapFrames / elapsed, moves, elapsed };
}"""


def one_round(page, seconds: float, sent: list, received: list, server: int) -> dict:
    rate = page.get_by_test_id("gd-rate")
    rate.scroll_into_view_if_needed()
    box = rate.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] / 2)
    before = len(sent)
    page.mouse.down()
    idle = tree_cpu_s(server)
    result = page.evaluate(DRAG, seconds)
    result["sent dragging"] = len(sent) - before
    cpu = tree_cpu_s(server)
    # the server hears nothing while the thumb is dragged: its CPU then is what it spends anyway
    # (Streamlit polls its config files 10 times a second), per 3 s
    result["idle ms"] = 1000 * (cpu - idle) * 3 / result["elapsed"]
    page.mouse.up()
    rate.dispatch_event("change")  # the release, as the thumb let go fires it
    before, got = len(sent), len(received)
    page.wait_for_timeout(3000)  # a fixed wait: the frames of the 3 s after the release are the figure
    result["sent on release"] = len(sent) - before
    result["kB received"] = sum(received[got:]) / 1000
    result["server ms"] = 1000 * (tree_cpu_s(server) - cpu)  # the server's CPU over the 3 s after
    result["change ms"] = result["server ms"] - result["idle ms"]  # the change's own
    page.locator(PANEL_READY).wait_for(state="attached", timeout=60_000)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=12, help="rounds to take the medians of")
    parser.add_argument("--seconds", type=float, default=3.0, help="each drag's length")
    args = parser.parse_args()
    process, url = serve(ROOT / "app.py")
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
            cases = (
                ("default page", "iteration=40"),
                ("5000 steps", "steps=5000&iteration=40"),
                ("presenter", "presenter=true&iteration=40"),
            )
            for label, query in cases:
                # the page's own window (two columns of charts: the map beside the 3-D scene), the
                # presenter's a projector's
                size = (1280, 720) if "presenter" in query else (1400, 1000)
                page = browser.new_page(viewport={"width": size[0], "height": size[1]})
                sent, received = [], []

                def socket(ws, sent=sent, received=received):
                    ws.on("framesent", lambda payload: sent.append(payload))
                    ws.on("framereceived", lambda payload: received.append(len(payload)))

                page.on("websocket", socket)
                page.goto(f"{url}/?{query}")
                page.locator(PANEL_READY).wait_for(state="attached", timeout=60_000)
                # The first settled choice on a problem builds the sweep the browser's runs are
                # marked on, once for every session (a shared cache, gd.figures.rate_sweep_figure's
                # run_known): a round of its own, printed apart; the rounds after measure a change.
                first = one_round(page, args.seconds, sent, received, process.pid)
                rounds = [
                    one_round(page, args.seconds, sent, received, process.pid) for _ in range(args.repeat)
                ]
                medians = {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}
                mean_ms = statistics.mean(r["change ms"] for r in rounds)
                print(
                    f"{label:>13}: {medians['runs']:.1f} runs/s, {medians['map']:.1f} map redraws/s "
                    f"({medians['moves'] / medians['elapsed']:.0f} moves/s), frames sent while dragging "
                    f"{max(r['sent dragging'] for r in rounds)} (max), "
                    f"on release {medians['sent on release']:.0f} "
                    f"(max {max(r['sent on release'] for r in rounds)}), "
                    f"{medians['kB received']:.1f} kB received in the 3 s after "
                    f"(max {max(r['kB received'] for r in rounds):.1f}); server CPU in "
                    f"those 3 s {medians['server ms']:.1f} ms, in 3 s of the drag (nothing heard) "
                    f"{medians['idle ms']:.1f} ms: the change's own {medians['change ms']:.1f} ms "
                    f"(mean {mean_ms:.1f}) (medians of {args.repeat}; the first change, which "
                    f"builds the sweep: {first['change ms']:.0f} ms)"
                )
                page.close()
            browser.close()
    finally:
        stop(process)


if __name__ == "__main__":
    main()
