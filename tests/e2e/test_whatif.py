"""The panel's what-if controls (issue 22, items 2-4): the learning rate on a log slider, the
optimizer and momentum's β rerun the main run in the browser while they move, every view redrawn
at the iteration shown, nothing sent to the server; let go, the settings reach the server once.
What the page shows is compared with the CLI's own run (`python -m gd ... --csv -`), an independent
reference: the loss readout at the iteration shown to every digit it shows."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture then skips, or fails under GD_REQUIRE_BROWSER=1
    expect = None

from conftest import PANEL_READY
from reference import compact
from test_smoke import no_trouble

ROOT = Path(__file__).resolve().parents[2]
PANEL = "document.querySelector('.gd-panel')"
WHATIF_RUNS = f"() => Number({PANEL}.dataset.whatif || 0)"


def cli_losses(*args: str) -> list[float]:
    """The CLI's losses at every iteration of a run (its CSV on stdout)."""
    out = subprocess.run(
        [sys.executable, "-m", "gd", *args, "--csv", "-"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return [float(row["loss"]) for row in csv.DictReader(io.StringIO(out))]


def frames_sent(page) -> list:
    """The websocket frames the page sends from now on (Streamlit's one socket)."""
    sent = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(payload)))
    return sent


def open_at(open_app, query: str, k: int):
    page = open_app(f"{query}&iteration={k}" if query else f"iteration={k}", width=1280, height=900)
    page.locator(PANEL_READY).wait_for(state="attached")
    expect(page.get_by_test_id("gd-iteration")).to_have_text(str(k))
    return page


def runs_drawn(page) -> int:
    return page.evaluate(WHATIF_RUNS)


def test_an_arrow_key_on_the_rate_moves_one_position_and_redraws_at_the_iteration_shown(
    open_app, console_errors, screenshot
):
    page = open_at(open_app, "", 40)
    rate = page.get_by_test_id("gd-rate")
    expect(rate).to_have_attribute("data-value", "0.01")
    expect(rate).to_have_attribute("aria-valuetext", "learning rate 0.01")
    assert int(rate.get_attribute("max")) + 1 >= 200  # positions over the sidebar's range
    marker = page.locator(".gd-limit")
    expect(marker).to_be_visible()
    assert abs(float(marker.get_attribute("data-value")) - 0.9644106916591251) < 1e-12  # 1/λmax
    position = int(rate.input_value())
    path_before = page.evaluate(f"() => Array.from({PANEL}.querySelector('.gd-contour .gd-chart').data[1].x)")
    before = runs_drawn(page)
    rate.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"() => ({WHATIF_RUNS})() > {before}")
    assert int(rate.input_value()) == position + 1
    shown = float(rate.get_attribute("data-value"))
    assert shown != 0.01
    expect(page.get_by_test_id("gd-iteration")).to_have_text("40")  # the iteration shown stays
    assert page.evaluate(f"() => Array.from({PANEL}.querySelector('.gd-contour .gd-chart').data[1].x)") != path_before
    loss = cli_losses("--lr", repr(shown))
    expect(page.get_by_test_id("gd-loss")).to_have_text(compact(loss[40]))
    screenshot(page, "arrow")
    no_trouble(page, console_errors)
