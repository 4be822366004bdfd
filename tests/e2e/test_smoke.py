"""Smoke test: the app loads in a real browser, draws its charts, and Step advances the iteration.

Each test checks one thing that must not happen as well: an exception box or a console error.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import plotly.graph_objects as go
from PIL import Image

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture then skips, or fails under GD_REQUIRE_BROWSER=1, saying why
    expect = None

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

# A 3-D Plotly scene draws into a WebGL canvas inside .gl-container; 2-D charts use SVG.
SCENE_CANVAS = ".js-plotly-plot .gl-container canvas"
NO_WEBGL = "WebGL is not supported"


def drawn_colours(locator: Locator) -> int:
    """Distinct colours in a screenshot of the element: 1 for a blank canvas, thousands for a surface."""
    image = Image.open(io.BytesIO(locator.screenshot())).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 16)
    return 1 << 16 if colours is None else len(colours)


def metric_value(page: Page, label: str) -> Locator:
    """The metric's value; during a rerun Streamlit keeps the previous element, marked stale,
    beside the new one until the run ends, so stale ones are left out."""
    fresh = page.locator("[data-testid='stElementContainer']:not([data-stale='true'])")
    metric = fresh.get_by_test_id("stMetric").filter(
        has=page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True)
    )
    return metric.get_by_test_id("stMetricValue")


def test_browser_draws_a_webgl_surface(browser, screenshot):
    """The harness itself: this Chromium renders a Plotly 3-D surface headless, with no app involved."""
    figure = go.Figure(go.Surface(z=[[x * x + y * y for x in range(-5, 6)] for y in range(-5, 6)]))
    page = browser.new_page()
    try:
        page.set_content(figure.to_html(include_plotlyjs=True, full_html=True))
        canvas = page.locator(SCENE_CANVAS).first
        expect(canvas).to_be_visible()
        expect(page.get_by_text(NO_WEBGL)).to_have_count(0)
        screenshot(page, "surface")
        assert drawn_colours(canvas) > 1000
    finally:
        page.close()


def test_app_loads_with_charts_and_metrics(page, console_errors, screenshot):
    expect(page.get_by_test_id("stPlotlyChart").first).to_be_visible()
    expect(page.locator(".js-plotly-plot").locator("svg.main-svg, canvas").first).to_be_visible()
    expect(metric_value(page, "Iteration")).to_be_visible()
    screenshot(page, "loaded")
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert console_errors == []


def test_surface_renders_in_webgl(page, screenshot):
    scene = page.locator(SCENE_CANVAS).first
    expect(scene).to_be_visible()
    expect(page.get_by_text(NO_WEBGL)).to_have_count(0)
    screenshot(page, "surface")
    assert drawn_colours(scene) > 1000


def test_step_advances_iteration(page, console_errors, screenshot):
    iteration = metric_value(page, "Iteration")
    expect(iteration).to_have_text("0")
    page.get_by_role("button", name="Step", exact=True).click()
    expect(iteration).to_have_text("1")
    screenshot(page, "after-step")
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert console_errors == []
