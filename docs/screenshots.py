"""Retake the screenshots of the README and docs/guide.md from the real app: `python docs/screenshots.py`.

- docs/screenshot.png: the page at iteration 40 of the article's run, in a 1600 x 1100 window.
- docs/compare.png: the parameter and loss charts of the "Noisy data: SGD against GD" preset
  (sgd with B = 32 against gd and single-sample sgd) at iteration 300.

It starts `streamlit run app.py` on a free port and drives Debian's Chromium exactly as the browser
tests do (tests/e2e/conftest.py), waits until every chart is drawn, then stops the server.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
from conftest import APP_READY, CHROMIUM, CHROMIUM_ARGS, PANEL_READY, AppServer  # noqa: E402

SHOTS = {
    "screenshot.png": ("iteration=40", None),
    "compare.png": (
        "noise=5&optimizer=sgd&learning_rate=0.02&compare=gd,sgd&compare_batches=1,32&iteration=300",
        ".gd-views > .gd-grid:nth-child(2)",  # the parameters and the loss, side by side
    ),
}


def main() -> None:
    server = AppServer(ROOT)
    server.start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            for name, (query, element) in SHOTS.items():
                page = browser.new_page(viewport={"width": 1600, "height": 1100})
                page.goto(f"{server.url}/?{query}")
                page.wait_for_selector(APP_READY, state="attached", timeout=60_000)
                page.wait_for_selector(PANEL_READY, state="attached", timeout=60_000)
                page.wait_for_timeout(1000)  # the 3-D scene and the legends' heights settle
                path = ROOT / "docs" / name
                if element:
                    page.locator(element).screenshot(path=path)
                else:
                    page.screenshot(path=path)
                print(f"wrote {path.relative_to(ROOT)}")
                page.close()
            browser.close()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
