"""The contour map keeps its coloured fill and its contour lines in a real browser, whatever moves.

Plotly.animate, which moves the map's path, point and arrows cheaply, takes the layers of the
traces it does not move off the plot (plotly.js issue 4491): a map drawn once and then moved showed
only its axes and the path. These tests read what the user sees: the pixels of the map's plot area.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from conftest import painted, played_to, sizes_settled
from PIL import Image
from test_beyond_page import plot_point
from test_smoke import ARTICLE, no_trouble
from test_workshop import iteration, moving

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture then skips, or fails under GD_REQUIRE_BROWSER=1
    expect = None

SURFACE_X, SURFACE_Y = 4, 3  # the map's axes: w5 and w4
PLOT_AREA = ".gd-contour .nsewdrag"  # Plotly's drag rectangle: exactly the plot area


def plot_area(page):
    """The map's plot area as RGB pixels (what is composited on screen there)."""
    area = page.locator(PLOT_AREA).last  # the topmost: the one that takes the pointer
    area.scroll_into_view_if_needed()
    png = area.screenshot()
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def filled(page) -> float:
    """The share of the plot area in colour: the Viridis fill is saturated, the white
    background and grey grid are not."""
    rgb = plot_area(page)
    return float(((rgb.max(axis=2) - rgb.min(axis=2)) > 40).mean())


def lined(page) -> int:
    """Contour lines: pixels much darker than their right-hand neighbour's fill, row by row,
    away from the moving traces (a line crossing the fill makes a thin dark step)."""
    rgb = plot_area(page)
    grey = rgb.mean(axis=2)
    return int((np.abs(np.diff(grey, axis=1)) > 12).sum())


# The map's point, where the article's run is at an iteration (the payload's float64s, to the bit).
POINT_AT = """(x) => { const plot = document.querySelector('.gd-contour .js-plotly-plot');
  const point = plot && plot.data && plot.data.find((t) => t.meta && t.meta.gd === 'point');
  return Boolean(point && point.x && point.x[0] === x); }"""


def map_at(page, k: int) -> None:
    """Wait until the map's point stands on iteration k of the article's run and is painted."""
    page.wait_for_function(POINT_AT, arg=float(ARTICLE.trajectory.params[k, SURFACE_X]))
    painted(page)


def assert_map(page, when: str) -> None:
    share = filled(page)
    assert share > 0.6, f"{when}: only {share:.0%} of the map's plot area is in colour"
    edges = lined(page)
    assert edges > 200, f"{when}: {edges} edges, no contour lines"


def test_the_map_keeps_its_fill_and_lines_as_the_run_moves(page, console_errors, screenshot):
    assert_map(page, "at load")
    for _ in range(3):
        page.get_by_role("button", name="Step", exact=True).click()
    expect(page.get_by_test_id("gd-iteration")).to_have_text("3")
    map_at(page, 3)
    assert_map(page, "after 3 Steps")
    page.get_by_role("button", name="Play", exact=True).click()
    played_to(page, 10)
    assert_map(page, "during Play")
    played_to(page, 20)
    page.get_by_role("button", name="Pause", exact=True).click()
    assert iteration(page) > 3
    assert_map(page, "after 2 s of Play")
    screenshot(page, "after-play")
    scrubber = page.get_by_role("slider", name="Go to iteration")
    scrubber.focus()
    scrubber.press("End")
    expect(page.get_by_test_id("gd-iteration")).to_have_text("1000")
    map_at(page, 1000)
    assert_map(page, "after a scrub to the end")
    no_trouble(page, console_errors)


def test_the_map_keeps_its_fill_through_a_zoom_a_pan_and_a_reset(page, console_errors, screenshot):
    page.get_by_role("button", name="Step", exact=True).click()
    expect(page.get_by_test_id("gd-iteration")).to_have_text("1")
    area = page.locator(PLOT_AREA).last
    area.scroll_into_view_if_needed()
    box = area.bounding_box()
    ranges = "() => { const l = document.querySelector('.gd-contour .js-plotly-plot')._fullLayout;" \
        " return [l.xaxis.range.slice(), l.yaxis.range.slice()]; }"  # fmt: skip
    before = page.evaluate(ranges)
    # a zoom box dragged over the middle of the map, as a user does
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.6, steps=8)
    page.mouse.up()
    page.wait_for_function(f"() => ({ranges})()[0][1] < {before[0][1]}")
    painted(page)
    assert_map(page, "after a zoom")
    screenshot(page, "zoomed")
    page.get_by_role("button", name="Step", exact=True).click()
    expect(page.get_by_test_id("gd-iteration")).to_have_text("2")
    map_at(page, 2)
    assert_map(page, "after a Step on the zoomed map")
    # a pan (the axes moved by a third of the view), then the axes reset
    page.evaluate(
        """() => { const gd = document.querySelector('.gd-contour .js-plotly-plot');
                   const [x0, x1] = gd._fullLayout.xaxis.range;
                   return Plotly.relayout(gd, {'xaxis.range': [x0 + (x1 - x0) / 3, x1 + (x1 - x0) / 3]}); }"""
    )  # the promise relayout returns: the axes have moved when it resolves
    painted(page)
    assert_map(page, "after a pan")
    page.mouse.dblclick(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    page.wait_for_function(f"() => ({ranges})()[0][1] === {before[0][1]}")
    # a fixed wait is the point here: it shows an absence (no new run), past the double-click
    # delay and a rerun, had one been asked for; nothing on the page could be waited on instead
    page.wait_for_timeout(1500)
    # a double click resets the axes and nothing else: its first click does not start a new run
    assert "start=" not in page.url
    assert moving(page, "contour", "point")[0]["x"] == [ARTICLE.trajectory.params[2, SURFACE_X]]
    assert_map(page, "after the axes' reset")
    page.get_by_role("button", name="Step", exact=True).click()
    expect(page.get_by_test_id("gd-iteration")).to_have_text("3")
    map_at(page, 3)
    assert_map(page, "after a Step on the reset map")
    no_trouble(page, console_errors)


def test_the_map_keeps_its_fill_in_presenter_mode_and_at_phone_width(open_app, console_errors, screenshot):
    page = open_app("presenter=true")
    page.get_by_role("button", name="Step", exact=True).click()
    expect(page.get_by_test_id("gd-iteration")).to_have_text("1")
    map_at(page, 1)
    assert_map(page, "presenter mode, after a Step")
    screenshot(page, "presenter")
    phone = open_app()
    phone.set_viewport_size({"width": 390, "height": 844})
    sizes_settled(phone)
    for _ in range(2):
        phone.get_by_role("button", name="Step", exact=True).click()
    expect(phone.get_by_test_id("gd-iteration")).to_have_text("2")
    map_at(phone, 2)
    assert_map(phone, "at phone width, after 2 Steps")
    screenshot(phone, "phone")
    no_trouble(page, console_errors)


def test_the_map_still_tells_the_loss_under_the_pointer_after_it_moved(page, console_errors):
    from gd.figures.common import slice_grid

    xs, ys, Z = slice_grid(ARTICLE, SURFACE_X, SURFACE_Y, 40)
    for _ in range(2):
        page.get_by_role("button", name="Step", exact=True).click()
    expect(page.get_by_test_id("gd-iteration")).to_have_text("2")
    page.locator(".gd-contour").scroll_into_view_if_needed()
    # a node of the map's grid far from the path (which runs from the origin up the diagonal)
    a, b = 32, 6
    page.mouse.move(*plot_point(page, "contour", xs[a], ys[b]))
    label = page.locator(".gd-contour .hoverlayer .hovertext").first
    expect(label).to_contain_text("loss ")
    shown = float(label.text_content().split("loss ")[1].split()[0])
    assert shown == pytest.approx(Z[b, a], rel=5e-4)
    no_trouble(page, console_errors)
