"""Waits a presenter feels (issue 20, item 9): what the page redraws while the scrubber is dragged.

The speeds themselves are measured by bench/waits.py (figures in docs/benchmarks.md), never asserted here:
these tests check the behaviour that makes them, by counting the plotly.js calls the page makes.
"""

from __future__ import annotations

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture then skips, or fails under GD_REQUIRE_BROWSER=1
    expect = None

from conftest import PANEL_READY, SIZES_SETTLED
from test_smoke import no_trouble

# A spy on the page's plotly.js: each call that draws or moves a chart, counted by the chart
# (the panel's figure it is in: contour, surface, ...), from now on.
SPY = """() => {
  window.__gdDrawn = {};
  window.__gdCalls = {};
  if (window.Plotly.__gdSpied) return;
  window.Plotly.__gdSpied = true;
  for (const name of ['newPlot', 'react', 'relayout', 'restyle', 'update', 'animate']) {
    const f = window.Plotly[name];
    window.Plotly[name] = function (gd, ...args) {
      const box = gd.closest && gd.closest('figure.gd-figure');
      const named = box && [...box.classList].find((c) => c.startsWith('gd-') && c !== 'gd-figure');
      const chart = named ? named.slice(3) : '?';
      window.__gdDrawn[chart] = (window.__gdDrawn[chart] || 0) + 1;
      const calls = (window.__gdCalls[chart] ||= {});
      calls[name] = (calls[name] || 0) + 1;
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
    page = open_app(width=1280, height=720)  # a projector's
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
        assert drawn.get(name, 0) == 0, (name, page.evaluate("() => window.__gdCalls"))
    assert drawn.get("surface", 0) == 0, drawn  # the 3-D scene waits for the release
    assert page.locator(".gd-panel").get_attribute("data-scene") == "0"

    page.mouse.up()
    expect(page.locator(".gd-panel")).to_have_attribute("data-scene", str(held))  # the scene caught up
    page.wait_for_function("() => ['eigen', 'fit'].every((n) => (window.__gdDrawn[n] || 0) > 0)")
    screenshot(page, "released")
    no_trouble(page, console_errors)


# The plotly.js calls counted (SPY) from the moment the panel takes the new payload (it says it is
# not ready) to when it next says it is ready: the new figures' draws. (Until the payload comes,
# the charts on the page are the old ones, refitted when the sidebar's move changes their width:
# on a loaded machine the payload can come a second after the sidebar has moved.)
CALLS_WHEN_READY = """() => {
  window.__gdAtReady = null;
  const panel = document.querySelector('.gd-panel');
  let left = false;
  const watch = new MutationObserver(() => {
    if (panel.dataset.ready !== 'true') {
      if (!left) window.__gdCalls = {};
      left = true;
    } else if (left) {
      window.__gdAtReady = JSON.parse(JSON.stringify(window.__gdCalls));
      watch.disconnect();
    }
  });
  watch.observe(panel, { attributes: true, attributeFilter: ['data-ready'] });
}"""


def presenter_switch(page):
    return page.get_by_test_id("stCheckbox").filter(has_text="Presenter mode").locator("label").first


def test_presenter_mode_draws_each_chart_once(open_app, console_errors, screenshot):
    """Presenter mode on or off changes the panel's figures (a projector's fonts and lines) and,
    with the sidebar, the panel's width over a CSS transition: by the time the panel is ready,
    each chart has been drawn once, at its new size. (Before, plotly.js drew each chart at the size
    it had, then again at its new one, and again at widths the sidebar passed through: 12 to 18
    redraws on top of the 7 draws, about half of the seconds the switch took.)"""
    page = open_app(width=1280, height=720)  # a projector's
    page.locator(PANEL_READY).wait_for(state="attached")
    page.wait_for_function(SIZES_SETTLED)  # the new window's refit done
    for presenter in (True, False, True):
        page.evaluate(SPY)  # counted from here, anew for each switch
        page.evaluate(CALLS_WHEN_READY)
        presenter_switch(page).click()
        mode = ".gd-presenter" if presenter else ":not(.gd-presenter)"
        expect(page.locator(f".gd-panel{mode}[data-ready='true']")).to_be_attached()
        page.wait_for_function("() => window.__gdAtReady !== null")
        calls = page.evaluate("() => window.__gdAtReady")
        for name in ("contour", "convergence", "loss", "eigen"):  # the 2-D charts (the 3-D scene: see below)
            # drawn once (the map by newPlot, see panel.js), Follow's window drawn with it; at most
            # two refits (a relayout each, no redraw of the data): on a loaded machine Streamlit
            # may lay out the words above the panel (the caption, the page's presenter CSS) after
            # the charts were drawn, and the sidebar's transition, its frames late, may reach the
            # panel's width observer in two steps more than its quiet apart (CI saw both)
            drawn = calls[name].get("react", 0) + calls[name].get("newPlot", 0)
            assert drawn == 1 and calls[name].get("relayout", 0) <= 2, (presenter, name, calls)
        assert calls["contour"].get("update", 0) <= 1, calls  # the fill pinned under the paths, once
        assert calls["surface"].get("react") == 1, (
            calls
        )  # drawn once by the panel (plotly.js may relayout it)
        screenshot(page, f"presenter-{presenter}")
    no_trouble(page, console_errors)
