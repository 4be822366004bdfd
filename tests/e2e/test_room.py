"""The page as it is used in a room (issue 20): a presenter at 1280 x 720 pressing Play, a
keyboard-only user, students on phones. Each test measures the page in Chromium as a user meets
it: what is pressed, where things are on the screen, what takes focus."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture then skips, or fails under GD_REQUIRE_BROWSER=1
    expect = None

from test_smoke import ARTICLE, no_trouble

from gd.figures.charts import update_arrows
from gd.figures.common import slice_grid

if TYPE_CHECKING:
    from playwright.sync_api import Page

# ten weights, sgd, gradients in scientific notation: the longest formulas (as test_layout's)
WIDE = "true_weights=1,2,3,4,5,6,7,8,9,10&optimizer=sgd&feature_scale=1000&learning_rate=1e-06&iteration=3"
# The charts over the iteration axis.
ITERATION_CHARTS = ("convergence", "loss", "eigen", "rate")

# From now on, after each animation frame (once the panel has drawn it): for every chart over the
# iteration axis that is on the screen, whether the iteration shown lies inside its x-range as
# drawn, and whether Follow is pressed. `window.gdWatch` collects the frames where either fails.
WATCH_FOLLOW = """(names) => {
  const watch = window.gdWatch = { frames: 0, wrong: [], stop: false };
  const pressed = () => document.querySelector('[data-view=follow]').getAttribute('aria-pressed');
  const check = () => {
    const k = Number(document.querySelector('[data-testid=gd-iteration]').textContent);
    let seen = false;
    if (pressed() !== 'true') watch.wrong.push(`Follow un-pressed at iteration ${k}`);
    for (const name of names) {
      const gd = document.querySelector(`.gd-${name} .js-plotly-plot`);
      const box = gd && gd.getBoundingClientRect();
      if (!gd || !gd._fullLayout || gd.offsetParent === null || box.height === 0) continue;
      if (box.bottom <= 0 || box.top >= innerHeight) continue;  // not on the screen
      const [low, high] = gd._fullLayout.xaxis.range;
      if (!(low <= k && k <= high)) watch.wrong.push(`${name} shows ${low}..${high} at iteration ${k}`);
      seen = true;
    }
    if (seen) watch.frames += 1;
  };
  const frame = () => { if (watch.stop) return; setTimeout(check, 0); requestAnimationFrame(frame); };
  requestAnimationFrame(frame);
}"""
ITERATION = "() => Number(document.querySelector('[data-testid=gd-iteration]').textContent)"


def x_range(page: Page, name: str) -> list[float]:
    script = "(name) => document.querySelector(`.gd-${name} .js-plotly-plot`)._fullLayout.xaxis.range.slice()"
    return page.evaluate(script, name)


@pytest.mark.parametrize("presenter", [True, False], ids=["presenter", "page"])
def test_follow_holds_through_play_and_lets_go_for_the_users_own_zoom(
    open_app, console_errors, screenshot, presenter
):
    # issue 20, 2: at about iteration 10 of Play, Follow let go on its own and the charts stayed at
    # 0..10 while the iteration ran on
    page = open_app("presenter=true" if presenter else "", width=1280, height=720)
    page.evaluate(WATCH_FOLLOW, list(ITERATION_CHARTS))
    page.get_by_role("button", name="Play").click()
    if not presenter:  # the charts over the iteration axis in view, as a class scrolls to them
        page.locator("figure.gd-convergence").scroll_into_view_if_needed()
    on_screen = page.evaluate(
        """(names) => names.filter((n) => { const r = document.querySelector(`figure.gd-${n}`)
             .getBoundingClientRect(); return r.height > 0 && r.bottom > 0 && r.top < innerHeight; })""",
        list(ITERATION_CHARTS),
    )
    assert {"convergence"} <= set(on_screen), on_screen
    page.wait_for_function(f"() => ({ITERATION})() >= 300")
    watch = page.evaluate("() => { window.gdWatch.stop = true; return window.gdWatch; }")
    screenshot(page, "playing")
    assert watch["wrong"] == []
    assert watch["frames"] > 20  # frames checked with the charts on the screen
    for name in on_screen:
        if name != "rate":  # the rate's chart shows the whole run
            assert x_range(page, name)[1] < 1000, name  # the window follows, not the whole run

    # the user's own zoom, a drag across the parameters' plot, lets Follow go and is kept
    page.get_by_role("button", name="Pause").click()  # (Playwright scrolls to the button)
    drag = page.locator(".gd-convergence .nsewdrag")
    drag.scroll_into_view_if_needed()
    plot = drag.bounding_box()
    y = plot["y"] + plot["height"] / 2
    page.mouse.move(plot["x"] + 0.2 * plot["width"], y)
    page.mouse.down()
    page.mouse.move(plot["x"] + 0.5 * plot["width"], y, steps=5)
    page.mouse.up()
    expect(page.locator("[data-view=follow]")).to_have_attribute("aria-pressed", "false")
    zoomed = x_range(page, "convergence")
    page.get_by_role("button", name="Step", exact=True).click()
    page.get_by_role("button", name="Step", exact=True).click()
    expect(page.locator("[data-view=follow]")).to_have_attribute("aria-pressed", "false")
    assert x_range(page, "convergence") == zoomed
    page.get_by_role("button", name="Follow").click()
    expect(page.locator("[data-view=follow]")).to_have_attribute("aria-pressed", "true")
    k = page.evaluate(ITERATION)
    page.wait_for_function(
        "(k) => { const [a, b] = document.querySelector('.gd-convergence .js-plotly-plot')"
        "._fullLayout.xaxis.range; return a === 0 && a <= k && k <= b && b < 1000; }",
        arg=k,
    )
    no_trouble(page, console_errors)


# Where each part of the panel's head and stage is, in px of the window: the boxes that must not
# move (left, top, width, height) and the numbers, whose left edge and top must not move (their
# width is their text's).
STAGE_BOXES = """() => {
  const at = (e, whole) => { const r = e.getBoundingClientRect();
    return whole ? [r.left, r.top, r.width, r.height].map(Math.round) : [r.left, r.top].map(Math.round); };
  const out = {};
  const fixed = '.gd-metric, .gd-label, .gd-buttons button, .gd-scrub, .gd-toggle button, .gd-views figure';
  document.querySelectorAll(fixed).forEach((e, n) => {
    if (e.offsetParent !== null) out[`${e.className || e.tagName} ${n}`] = at(e, true); });
  document.querySelectorAll('.gd-value > span').forEach((e, n) => {
    if (e.offsetParent !== null) out[`number ${e.dataset.testid || e.classList[0]} ${n}`] = at(e, false); });
  return out;
}"""


def test_nothing_but_the_numbers_moves_on_the_stage_during_play(open_app, console_errors, screenshot):
    # issue 20, 3: the readouts jumped by up to 138 px as their numbers changed width; the whole
    # run is played and the stage measured after every frame
    page = open_app("presenter=true", width=1280, height=720)
    page.evaluate(
        """(boxes) => { const watch = window.gdStage = { first: null, moved: {}, frames: 0 };
             const check = () => { const now = (0, eval)(`(${boxes})`)(); watch.frames += 1;
               if (!watch.first) { watch.first = now; return; }
               for (const [name, box] of Object.entries(now)) {
                 const was = watch.first[name];
                 if (!was || box.some((v, n) => Math.abs(v - was[n]) > 1)) watch.moved[name] ??= [was, box,
                   document.querySelector('[data-testid=gd-iteration]').textContent];
               } };
             const frame = () => {
               if (watch.stop) return; setTimeout(check, 0); requestAnimationFrame(frame); };
             check(); requestAnimationFrame(frame); }""",
        STAGE_BOXES,
    )
    page.get_by_role("button", name="Play").click()
    expect(page.get_by_role("button", name="Play")).to_be_visible(timeout=60_000)  # the run played out
    expect(page.get_by_test_id("gd-iteration")).to_have_text("1000")
    watch = page.evaluate("() => { window.gdStage.stop = true; return window.gdStage; }")
    screenshot(page, "played")
    assert watch["frames"] > 30
    assert watch["moved"] == {}
    no_trouble(page, console_errors)


def test_opening_the_sidebar_on_the_stage_moves_nothing(open_app, console_errors, screenshot):
    # issue 20, 3: opening the sidebar in presenter mode reflowed the whole stage (the two charts
    # side by side became one column); now it lies over the stage
    page = open_app("presenter=true", width=1280, height=720)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar).to_have_attribute("data-collapsed", "true")
    before = page.evaluate(STAGE_BOXES)
    page.get_by_test_id("stExpandSidebarButton").click()
    expect(sidebar).to_have_attribute("data-collapsed", "false")
    expect(page.get_by_text("True weights")).to_be_in_viewport()
    # the sidebar slides in and the panel refits its charts 250 ms after a change of width: wait
    # for both to have happened, were they to happen, before measuring that nothing moved
    page.wait_for_timeout(1200)
    screenshot(page, "sidebar-open")
    assert sidebar.bounding_box()["x"] == 0
    assert page.evaluate(STAGE_BOXES) == before
    no_trouble(page, console_errors)


def plain(x: float) -> str:
    """A factor as a student reads it: 3 significant digits, thousands separated (6,760; 8.43)."""
    rounded = float(f"{x:.3g}")
    return f"{rounded:,.{max(0, 2 - math.floor(math.log10(rounded)))}f}"


@pytest.mark.parametrize(
    ("presenter", "width", "height"), [(True, 1280, 720), (False, 390, 844), (False, 768, 1024)]
)
def test_the_arrows_scale_is_on_the_screen_and_written_plainly(
    open_app, console_errors, screenshot, presenter, width, height
):
    # issue 20, 3 and 7: on the stage the arrows' scale was not shown (captions are off the stage);
    # on a phone it read "drawn ×6.76e+03"
    k = 300
    page = open_app(f"iteration={k}" + ("&presenter=true" if presenter else ""), width=width, height=height)
    i, j = page.evaluate(
        "() => { const d = document.querySelector('.gd-panel').parentElement.__gdPanel.data;"
        " return [d.i, d.j]; }"
    )
    xs, ys, _ = slice_grid(ARTICLE, i, j, 40)
    _, factor = update_arrows(ARTICLE, i, j, k, (xs[-1] - xs[0], ys[-1] - ys[0]))
    assert factor > 1000  # late in the run the steps are short: a factor in the thousands
    caption = page.locator("figure.gd-contour figcaption")
    if presenter:
        expect(caption).to_have_text(f"Arrows drawn {plain(factor)}× their length")
    else:
        caption.scroll_into_view_if_needed()
        expect(caption).to_contain_text(f"both drawn {plain(factor)}× their length.")
    expect(caption).to_be_in_viewport(ratio=1)
    box = caption.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width and box["y"] + box["height"] <= height
    assert caption.evaluate("(e) => e.scrollWidth <= e.clientWidth && e.scrollHeight <= e.clientHeight")
    screenshot(page, "caption")
    no_trouble(page, console_errors)


# The element that has the keyboard's focus: where it is, whether it can be seen (its own
# visibility, the opacity it is drawn at with its ancestors', a box of some size), and the chart
# and the sidebar it is in.
FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const r = e.getBoundingClientRect();
  let opacity = 1;
  for (let n = e; n && n.nodeType === 1; n = n.parentElement) opacity *= Number(getComputedStyle(n).opacity);
  const name = (e.getAttribute('aria-label') || e.dataset.testid || e.textContent || e.tagName).trim();
  return { name: `${e.tagName} ${name.slice(0, 40)}`,
           left: r.left, top: r.top, right: r.right, bottom: r.bottom, width: r.width, height: r.height,
           opacity, visibility: getComputedStyle(e).visibility,
           chart: e.closest('.js-plotly-plot')?.closest('figure')?.className ?? null,
           sidebar: !!e.closest('[data-testid=stSidebar]'), id: e.dataset.gdTab ??= String(Math.random()) };
}"""


def tab_stops(page: Page, most: int = 200) -> list[dict]:
    """Every element Tab stops on, from the top of the page to its end."""
    for _ in range(most):  # off the page's end first, wherever the focus was: Tab then starts at its top
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED) is None:
            break
    stops: list[dict] = []
    for _ in range(most):
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUSED)
        if stop is None or (stops and stop["id"] == stops[0]["id"]):
            break  # past the page's last stop (Chromium's own UI), or round again
        stops.append(stop)
    return stops


@pytest.mark.parametrize(
    ("query", "width", "height", "sidebar_open"),
    [
        ("presenter=true", 1280, 720, False),
        ("presenter=true", 1280, 720, True),
        ("", 1280, 720, True),
        ("", 1280, 720, False),
        ("", 390, 844, False),
    ],
    ids=["stage", "stage-sidebar", "page-sidebar", "page", "phone"],
)
def test_tab_stops_only_on_what_can_be_seen_and_once_a_chart(
    open_app, console_errors, query, width, height, sidebar_open
):
    # issue 20, 4: a collapsed sidebar's 16 controls took focus off the window; Tab walked through
    # about 78 chart-toolbar buttons, drawn transparent until hovered
    page = open_app(query, width=width, height=height)
    sidebar = page.get_by_test_id("stSidebar")
    if (sidebar.get_attribute("data-collapsed") == "false") != sidebar_open:
        if sidebar_open:
            page.get_by_test_id("stExpandSidebarButton").click()
        else:
            sidebar.hover()
            page.get_by_test_id("stSidebarCollapseButton").locator("button").click()
        expect(sidebar).to_have_attribute("data-collapsed", "false" if sidebar_open else "true")
    stops = tab_stops(page)
    names = [s["name"] for s in stops]
    hidden = [
        s for s in stops
        if s["visibility"] != "visible" or s["opacity"] < 0.99 or s["width"] < 1 or s["height"] < 1
    ]  # fmt: skip
    assert hidden == [], names
    cx = lambda s: (s["left"] + s["right"]) / 2  # noqa: E731
    cy = lambda s: (s["top"] + s["bottom"]) / 2  # noqa: E731
    off_screen = [s for s in stops if not (0 <= cx(s) <= width and 0 <= cy(s) <= height)]
    assert off_screen == [], names
    in_sidebar = [s["name"] for s in stops if s["sidebar"]]
    assert (len(in_sidebar) > 10) if sidebar_open else (in_sidebar == []), in_sidebar
    per_chart: dict[str, int] = {}
    for s in stops:
        if s["chart"]:
            per_chart[s["chart"]] = per_chart.get(s["chart"], 0) + 1
    assert all(n == 1 for n in per_chart.values()), per_chart
    # the panel's own controls are all there, in their order
    panel = [
        n.split(" ", 1)[1]
        for n in names
        if n.split(" ", 1)[1] in ("Step", "Play", "Reset", "Follow", "Whole run")
    ]
    assert panel == ["Step", "Play", "Reset", "Follow", "Whole run"]
    assert len(stops) <= 30 + len(in_sidebar) + len(per_chart), names
    no_trouble(page, console_errors)


# The math's formulas, row by row: for each line of the math, the rows its formulas wrap onto
# ([top, bottom] of each row, px), and the formulas' font size.
MATH_ROWS = """() => [...document.querySelectorAll('.gd-math .gd-eq')].map((line) => {
  const rows = [];
  for (const m of line.querySelectorAll(':scope > math')) {
    const r = m.getBoundingClientRect();
    // a formula in a row overlaps it by most of its height (an exponent makes one taller)
    const row = rows.find((w) => Math.min(r.bottom, w[1]) - Math.max(r.top, w[0]) > 0.5 * r.height);
    if (row) { row[0] = Math.min(row[0], r.top); row[1] = Math.max(row[1], r.bottom); }
    else rows.push([r.top, r.bottom]);
  }
  return { rows: rows.sort((a, b) => a[0] - b[0]), size: parseFloat(getComputedStyle(line).fontSize) };
})"""


@pytest.mark.parametrize("query", ["optimizer=adam&iteration=3", WIDE])
def test_the_math_lines_stand_apart_on_a_phone(open_app, console_errors, screenshot, query):
    # issue 20, 7: at 390 px the math's lines, wrapped onto rows with no gap, ran into each other
    page = open_app(query, width=390, height=844)
    page.locator(".gd-math").scroll_into_view_if_needed()
    lines = page.evaluate(MATH_ROWS)
    rows = [row for line in lines for row in line["rows"]]
    assert any(len(line["rows"]) > 1 for line in lines)  # a phone wraps a vector onto rows
    size = lines[0]["size"]
    gaps = [below[0] - above[1] for above, below in zip(rows, rows[1:], strict=False)]
    assert min(gaps) >= 0.3 * size, gaps  # every row, within a line and between lines, apart
    screenshot(page, "math")
    no_trouble(page, console_errors)


# Text the page shows that a browser draws from an emoji font: a phone or a Chromium without one
# draws an empty box. (Material icons are the font the page ships: text, not emoji.)
EMOJI = r"""() => [...(document.body.textContent.match(/\p{Extended_Pictographic}/gu) || [])]"""


@pytest.mark.parametrize("query", ["", "feature_scale=1000&learning_rate=1e-06"], ids=["article", "unscaled"])
def test_the_page_shows_no_emoji(open_app, console_errors, screenshot, query):
    # issue 20, 7: an emoji rendered as an empty box on a phone
    page = open_app(query, width=390, height=844)
    page.get_by_test_id("stExpandSidebarButton").click()
    expect(page.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "false")
    assert page.evaluate(EMOJI) == []
    screenshot(page, "page")
    no_trouble(page, console_errors)


def test_a_charts_tooltip_goes_when_the_finger_leaves(open_app, console_errors):
    # issue 20, 7: on a phone a chart's tooltip stayed on the screen after the finger had left
    page = open_app("iteration=50", width=390, height=844)
    chart = page.locator(".gd-loss .js-plotly-plot")
    chart.scroll_into_view_if_needed()
    labels = page.locator(".gd-loss .hoverlayer .hovertext")
    # a tap's tooltip (plotly.js draws it as it would for the finger's point), then the finger
    # lifts: the touch ends, and no mouse ever leaves the chart
    chart.evaluate("(gd) => Plotly.Fx.hover(gd, [{ curveNumber: 0, pointNumber: 3 }])")
    expect(labels.first).to_be_attached()
    chart.evaluate(
        """(gd) => gd.dispatchEvent(new TouchEvent('touchend', { bubbles: true,
             changedTouches: [new Touch({ identifier: 1, target: gd, clientX: 0, clientY: 0 })] }))"""
    )
    expect(labels).to_have_count(0)
    no_trouble(page, console_errors)
