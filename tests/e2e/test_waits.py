"""Waits a presenter feels (issue 20, item 9): what the page redraws while the scrubber is dragged.

The speeds themselves are measured by bench/waits.py (figures in the README), never asserted here:
these tests check the behaviour that makes them, by counting the plotly.js calls the page makes.
"""

from __future__ import annotations

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture then skips, or fails under GD_REQUIRE_BROWSER=1
    expect = None

from conftest import PANEL_READY
from test_smoke import no_trouble

# A spy on the page's plotly.js: each call that draws or moves a chart, counted by the chart
# (the panel's figure it is in: contour, surface, ...), from now on.
SPY = """() => {
  window.__gdDrawn = {};
  for (const name of ['react', 'relayout', 'restyle', 'update', 'animate']) {
    const f = window.Plotly[name];
    window.Plotly[name] = function (gd, ...args) {
      const box = gd.closest && gd.closest('figure.gd-figure');
      const named = box && [...box.classList].find((c) => c.startsWith('gd-') && c !== 'gd-figure');
      const chart = named ? named.slice(3) : '?';
      window.__gdDrawn[chart] = (window.__gdDrawn[chart] || 0) + 1;
      return f.call(this, gd, ...args);
    };
  }
}"""

# The panel's charts whose figure meets the window, and those that do not.
IN_VIEW = """() => {
  const inView = [], out = [];
  for (const box of document.querySelectorAll('.gd-panel figure.gd-figure')) {
    if (box.hidden) continue;
    const r = box.getBoundingClientRect();
    const name = [...box.classList].find((c) => c.startsWith('gd-') && c !== 'gd-figure').slice(3);
    (r.bottom > 0 && r.top < innerHeight ? inView : out).push(name);
  }
  return [inView, out];
}"""


def test_a_dragged_scrubber_redraws_the_charts_in_view_and_the_rest_on_release(
    open_app, console_errors, screenshot
):
    """While the thumb is held, each move redraws the 2-D charts in view only: the 3-D scene (a
    CPU-drawn WebGL scene here, hundreds of ms a draw) and the charts out of view wait, and catch
    up with the iteration shown when the thumb is let go. (Before, every move drew every chart
    and the scene: about 0.37 s a move.)"""
    page = open_app()
    page.set_viewport_size({"width": 1280, "height": 720})
    page.locator(PANEL_READY).wait_for(state="attached")
    page.wait_for_function("document.querySelector('.gd-panel').dataset.scene === '0'")
    scrub = page.locator(".gd-scrub")
    scrub.evaluate("(e) => e.scrollIntoView({ block: 'start' })")  # the first row of charts below it
    in_view, out_of_view = page.evaluate(IN_VIEW)
    assert "contour" in in_view and "surface" in in_view, in_view
    assert "eigen" in out_of_view and "fit" in out_of_view, out_of_view  # the test needs both kinds
    # the charts that came into sight have caught up; nothing is drawn while nothing moves
    expect(page.locator(".gd-panel")).to_have_attribute("data-scene", "0")
    page.evaluate(SPY)

    box = scrub.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + 8, y)
    page.mouse.down()
    for fraction in (0.2, 0.3, 0.4, 0.5):
        page.mouse.move(box["x"] + fraction * box["width"], y)
    held = int(page.get_by_test_id("gd-iteration").inner_text())
    assert held > 0
    page.wait_for_function("() => (window.__gdDrawn.contour || 0) > 0")
    # Nothing is due to happen now but what the page does on its own (no fixed wait could show
    # an absence otherwise): give a redraw of the rest the time it took before (0.4 s a move).
    page.wait_for_timeout(1000)
    drawn = page.evaluate("() => ({ ...window.__gdDrawn })")
    assert drawn.get("contour", 0) >= 1, drawn
    for name in out_of_view:
        assert drawn.get(name, 0) == 0, (name, drawn)
    assert drawn.get("surface", 0) == 0, drawn  # the 3-D scene waits for the release
    assert page.locator(".gd-panel").get_attribute("data-scene") == "0"

    page.mouse.up()
    expect(page.locator(".gd-panel")).to_have_attribute("data-scene", str(held))  # the scene caught up
    page.wait_for_function("() => ['eigen', 'fit'].every((n) => (window.__gdDrawn[n] || 0) > 0)")
    screenshot(page, "released")
    no_trouble(page, console_errors)
