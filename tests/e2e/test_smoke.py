"""Smoke test: the app loads in a real browser, the live panel draws its charts, and Step advances
the iteration with the engine's numbers.

Each test checks one thing that must not happen as well: an exception box or a console error.
"""

from __future__ import annotations

import gzip
import io
import re
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import plotly
import plotly.graph_objects as go
import pytest
from conftest import PANEL_READY, wait_for_app
from PIL import Image
from reference import compact

from gd.inputs import Settings
from gd.run import experiment

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture then skips, or fails under GD_REQUIRE_BROWSER=1, saying why
    expect = None

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

# A 3-D Plotly scene draws into a WebGL canvas inside .gl-container; 2-D charts use SVG.
SCENE_CANVAS = ".js-plotly-plot .gl-container canvas"
NO_WEBGL = "WebGL is not supported"
CHARTS = ("surface", "contour", "convergence", "loss", "fit", "eigen", "rate")
ARTICLE = experiment(Settings())
ROOT = Path(__file__).resolve().parents[2]


def drawn_colours(locator: Locator) -> int:
    """Distinct colours in a screenshot of the element: 1 for a blank canvas, thousands for a surface."""
    image = Image.open(io.BytesIO(locator.screenshot())).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 16)
    return 1 << 16 if colours is None else len(colours)


def no_trouble(page: Page, console_errors: list[str]) -> None:
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert console_errors == []


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
    for name in CHARTS:
        chart = page.locator(f".gd-{name} .js-plotly-plot")
        expect(chart.locator("svg.main-svg, canvas").first).to_be_attached()
    expect(page.get_by_test_id("gd-iteration")).to_have_text("0")
    expect(page.get_by_test_id("gd-loss")).to_have_text(compact(ARTICLE.trajectory.loss[0]))
    expect(page.get_by_test_id("gd-metric")).to_have_count(3)
    screenshot(page, "loaded")
    no_trouble(page, console_errors)


def test_surface_renders_in_webgl(page, screenshot):
    scene = page.locator(SCENE_CANVAS).first
    expect(scene).to_be_visible()
    expect(page.get_by_text(NO_WEBGL)).to_have_count(0)
    screenshot(page, "surface")
    assert drawn_colours(scene) > 1000


def test_step_advances_iteration(page, console_errors, screenshot):
    expect(page.get_by_test_id("gd-iteration")).to_have_text("0")
    page.get_by_role("button", name="Step", exact=True).click()
    expect(page.get_by_test_id("gd-iteration")).to_have_text("1")
    expect(page.get_by_test_id("gd-loss")).to_have_text(compact(ARTICLE.trajectory.loss[1]))
    screenshot(page, "after-step")
    no_trouble(page, console_errors)


def test_plotly_js_travels_compressed_once_not_by_the_server_for_each_browser(page, console_errors):
    # the page fetched the gzip panel.py made, once, and drew with the plotly.js inside it
    names = page.evaluate("performance.getEntriesByType('resource').map((r) => r.name)")
    fetched = [name for name in names if "plotly" in name]
    assert len(fetched) == 1 and urlparse(fetched[0]).path == "/app/static/plotly-gd.min.js.gz", fetched
    # served as it is: application/gzip, which Streamlit's gzip middleware leaves alone
    response = page.request.get(fetched[0], headers={"Accept-Encoding": "gzip"})
    assert response.ok and response.headers["content-type"] == "application/gzip"
    assert "content-encoding" not in response.headers
    assert gzip.decompress(response.body()) == (ROOT / "static" / "plotly-gd.min.js").read_bytes()
    assert page.evaluate("typeof window.Plotly.react") == "function"
    assert not console_errors, console_errors


def test_the_bundle_draws_each_trace_as_its_own_type_in_the_packages_plotly_js_version(page, console_errors):
    # plotly.js draws a trace of a type it lacks as a scatter, silently: every trace on the page
    # (the article's page has all four types the bundle carries) keeps the type the figure gave it
    types = page.evaluate(
        """() => [...document.querySelectorAll('.js-plotly-plot')].flatMap((plot) =>
             plot.data.map((trace, n) => [trace.type || 'scatter', plot._fullData[n].type]))"""
    )
    assert {asked for asked, _ in types} == {"scatter", "contour", "surface", "scatter3d"}
    assert all(asked == drawn for asked, drawn in types), types
    # the plotly.js the plotly package's figures are written for
    package = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_text(encoding="utf-8")
    assert page.evaluate("window.Plotly.version") == re.search(r"plotly\.js v(\S+)", package[:200]).group(1)
    assert not console_errors, console_errors


def test_the_plain_plotly_js_stands_in_where_the_gzip_cannot_be_had(browser, app_server):
    # a proxy that drops the gzip, or a page that refuses blob: scripts: the charts still come
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.route("**/plotly-gd.min.js.gz*", lambda route: route.abort())
        asked = []
        page.on("request", lambda r: asked.append(urlparse(r.url).path) if "plotly-gd" in r.url else None)
        page.goto(app_server.url)
        wait_for_app(page)
        assert asked == ["/app/static/plotly-gd.min.js.gz", "/app/static/plotly-gd.min.js"]
        assert page.evaluate("typeof window.Plotly.react") == "function"
        expect(page.locator(".gd-contour .js-plotly-plot")).to_be_attached()
    finally:
        context.close()


@pytest.mark.parametrize("ratio", [1, 2])
def test_the_3d_scene_is_drawn_at_the_screens_pixel_ratio(browser, app_server, ratio):
    # plotly.js's default draws a WebGL scene at ratio 2 on every screen: four times the pixels of
    # a ratio-1 screen or projector, about half of each CPU-drawn frame; a sharp screen keeps 2
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, device_scale_factor=ratio)
    try:
        page = context.new_page()
        page.goto(app_server.url)
        wait_for_app(page)
        expect(page.locator(PANEL_READY)).to_be_attached()
        size = page.evaluate(
            """() => { const c = document.querySelector('.gd-surface .gl-container canvas');
                       return [c.width, c.height, c.clientWidth, c.clientHeight]; }"""
        )
        assert size[2] > 300 and size[:2] == [round(ratio * size[2]), round(ratio * size[3])], size
    finally:
        context.close()
