"""Issue 20 item 6 in a real browser: the contour map's fill covers the whole plotted range in
every preset, chosen one after another as a presenter does (plotly.js's react onto the previous
map widened its x range past the grid: the fill stopped short of the axes in "SGD noise" and
"Outlier").
"""

from __future__ import annotations

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture then skips, or fails under GD_REQUIRE_BROWSER=1
    expect = None

from test_smoke import no_trouble
from test_workshop import choose

from gd.presets import PRESETS

# The map's plotted ranges, its grid's extents (the contour trace's first and last x and y) and
# the pinned fill's extents (static/patches.js pinContourFill: the fill copied into an image under the plot).
MAP = """() => {
  const gd = document.querySelector('.gd-contour .js-plotly-plot');
  if (!gd || !gd._fullLayout || !gd.data) return null;
  const { xaxis, yaxis, images } = gd._fullLayout;
  const t = gd.data[0];
  const image = images && images[0];
  return {
    x: xaxis.range, y: yaxis.range,
    gridX: [t.x[0], t.x[t.x.length - 1]], gridY: [t.y[0], t.y[t.y.length - 1]],
    fillX: image ? [image.x, image.x + image.sizex] : null,
    fillY: image ? [image.y - image.sizey, image.y] : null,
  };
}"""


def close(a, b) -> bool:
    span = abs(b[1] - b[0])
    return all(abs(u - v) <= 1e-9 * span for u, v in zip(a, b, strict=True))


def test_the_contour_fill_covers_the_plotted_range_in_every_preset(page, screenshot, console_errors):
    for name, preset in PRESETS.items():
        if name == "article":
            continue  # the page opens on it
        draws = page.locator(".gd-panel").get_attribute("data-draws")
        choose(page, "Preset", preset.label)
        expect(page.get_by_test_id("gd-iteration")).to_have_text(str(preset.start))
        page.wait_for_function(
            "(n) => document.querySelector('.gd-panel').dataset.draws !== n && "
            "document.querySelector('[data-testid=stApp]').dataset.testScriptState === 'notRunning'",
            arg=draws,
        )
        m = page.evaluate(MAP)
        assert m is not None, name
        assert close(m["x"], m["gridX"]) and close(m["y"], m["gridY"]), (name, m)  # the grid spans the axes
        assert close(m["fillX"], m["x"]) and close(m["fillY"], m["y"]), (name, m)  # and so does the fill
        if name in ("sgd_noise", "outlier"):
            page.locator(".gd-contour").scroll_into_view_if_needed()
            screenshot(page, f"contour-{name}")
    no_trouble(page, console_errors)
