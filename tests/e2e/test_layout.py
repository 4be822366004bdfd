"""The page's layout measured in real Chromium at a projector's, a laptop's, a tablet's and a
phone's size: nothing overlaps (axis titles, tick labels, legends, plot areas, the chart toolbar),
nothing is cut (buttons, numbers, formulas), nothing scrolls sideways; presenter mode puts its key
views on one 1280 x 720 screen. Every box is the browser's own (getBoundingClientRect of the SVG
and HTML elements Plotly and the page draw)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import numpy as np
import pytest
from PIL import Image

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture then skips, or fails under GD_REQUIRE_BROWSER=1
    expect = None

from conftest import painted, played_to, sizes_settled
from test_smoke import no_trouble

from gd.figures.common import RUN_COLOURS
from gd.inputs import Settings
from gd.run import experiment

if TYPE_CHECKING:
    from playwright.sync_api import Page

SIZES = [(1280, 720), (1920, 1080), (768, 1024), (390, 844)]
# 12 runs: gd at 0.01 and 11 compared (six optimizers at two rates, less the main run)
TWELVE = "compare=gd,momentum,nesterov,adagrad,rmsprop,adam&compare_rates=0.01,0.05&steps=200"
# ten weights, sgd, gradients in scientific notation: the longest formulas
WIDE = "true_weights=1,2,3,4,5,6,7,8,9,10&optimizer=sgd&feature_scale=1000&learning_rate=1e-06&iteration=3"

# What is wrong with the page as drawn, as a list of sentences (empty: nothing).
PROBLEMS = """() => {
  const problems = [];
  const box = (e) => e.getBoundingClientRect();
  const area = (a, b) => Math.max(0, Math.min(a.right, b.right) - Math.max(a.left, b.left))
                       * Math.max(0, Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top));
  const shown = (e) => { const r = box(e); return r.width > 0 && r.height > 0 && !e.closest('.gd-sr')
                         && getComputedStyle(e).visibility !== 'hidden'; };  // .gd-sr: for screen readers
  const name = (e) => (e.textContent || e.className || e.tagName).toString().trim().slice(0, 40);
  const main = document.querySelector('[data-testid=stMain]');
  const width = document.documentElement.clientWidth;
  // sideways scrolling, of the document or of the main column
  if (document.documentElement.scrollWidth > width + 1)
    problems.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} > ${width}`);
  if (main.scrollWidth > main.clientWidth + 1)
    problems.push(`the main column scrolls sideways: ${main.scrollWidth} > ${main.clientWidth}`);
  // text cut short: buttons, the panel's numbers and labels, its math, the page's formulas
  const cut = main.querySelectorAll(
    'button, .gd-value, .gd-label, .gd-eq, .gd-table, [data-testid=stWidgetLabel], h1, h2, h3, '
    + '.katex-display, .stMarkdown');
  for (const e of cut) {
    if (shown(e) && e.scrollWidth > e.clientWidth + 1)
      problems.push(`cut: "${name(e)}" ${e.scrollWidth} > ${e.clientWidth}`);
  }
  for (const e of main.querySelectorAll('.katex, .gd-eq math')) {
    const holder = e.closest('.stMarkdown, .gd-eq');
    if (shown(e) && box(e).right > box(holder).right + 1)
      problems.push(`formula runs out of its column: "${name(e)}"`);
  }
  for (const e of main.querySelectorAll('button, .gd-metric, .gd-chart, h1, .modebar')) {
    if (shown(e) && (box(e).right > width + 1 || box(e).left < -1))
      problems.push(`outside the window: "${name(e)}" ${box(e).left}..${box(e).right}`);
  }
  // charts: wide enough, and nothing in them on top of another thing
  for (const chart of main.querySelectorAll('.gd-chart')) {
    if (!shown(chart)) continue;
    const room = chart.parentElement.clientWidth;
    if (box(chart).width < Math.min(300, room - 1))
      problems.push(`chart ${chart.parentElement.className} only ${box(chart).width} px wide`);
  }
  for (const gd of main.querySelectorAll('.js-plotly-plot')) {
    if (!shown(gd) || !gd._fullLayout) continue;
    const where = gd.closest('figure')?.className || 'chart';
    const g = box(gd);
    if (Math.abs(gd._fullLayout.width - gd.clientWidth) > 2)  // it follows the window and the sidebar
      problems.push(`${where}: drawn ${gd._fullLayout.width} px wide in a box of ${gd.clientWidth}`);
    const size = gd._fullLayout._size;
    const plot = { left: g.left + size.l, top: g.top + size.t, right: g.left + size.l + size.w,
                   bottom: g.top + size.t + size.h };
    const texts = (selector) =>
      [...gd.querySelectorAll(selector)].filter((e) => shown(e) && e.textContent.trim());
    const titles = texts('.g-xtitle text, .g-ytitle text');
    const ticks = texts('.xtick text, .ytick text');
    for (const t of titles) for (const k of ticks) {
      if (area(box(t), box(k)) > 1) problems.push(`${where}: axis title "${name(t)}" on tick "${name(k)}"`);
    }
    const legend = gd.querySelector('.legend');
    if (legend && shown(legend) && gd._fullLayout.showlegend) {
      const l = box(legend.querySelector('.bg') || legend);
      if (area(l, plot) > 1) problems.push(`${where}: the legend covers the plot area`);
      for (const t of [...titles, ...ticks]) {
        if (area(l, box(t)) > 1) problems.push(`${where}: the legend covers "${name(t)}"`);
      }
      const bar = gd.querySelector('.modebar');
      if (bar && area(l, box(bar)) > 1) problems.push(`${where}: the chart toolbar covers the legend`);
      if (l.bottom > g.bottom + 1 || l.right > g.right + 1) problems.push(`${where}: the legend is cut`);
    }
  }
  return problems;
}"""


def table_number(text: str) -> float:
    """A number as the panel's tables write it: 4 digits, 1.016×10⁴ for 1.016e+04."""
    plain = text.replace("×10", "e").translate(str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789"))
    return float(plain.replace("−", "-"))


def settle(page: Page, width: int, height: int) -> None:
    """The window at a size, once the charts have followed it (the panel refits them a quarter of
    a second after a change of width)."""
    page.set_viewport_size({"width": width, "height": height})
    sizes_settled(page)


def heading_levels(page: Page) -> list[int]:
    return page.evaluate(
        "() => [...document.querySelectorAll('[data-testid=stMain] :is(h1,h2,h3,h4,h5,h6)')]"
        ".map((h) => Number(h.tagName[1]))"
    )


@pytest.mark.parametrize(("width", "height"), SIZES)
@pytest.mark.parametrize("query", ["", TWELVE, WIDE], ids=["article", "twelve-runs", "wide-sgd"])
def test_nothing_overlaps_is_cut_or_scrolls_sideways(
    open_app, console_errors, screenshot, query, width, height
):
    page = open_app(query)
    settle(page, width, height)
    if query == WIDE:
        page.locator(".gd-full summary").click()  # every entry of the shortened vectors, open
        page.locator(".gd-mathbox").scroll_into_view_if_needed()
    screenshot(page, "view")
    problems = page.evaluate(PROBLEMS)
    assert not problems, "\n".join(problems)
    no_trouble(page, console_errors)


# Each chart's legend height as the panel worked it out before drawing the chart (null: it could
# not tell), the height of the legend plotly.js then drew, whether the plot's side margins were
# pushed past the figure's own (by wide tick labels, which the guess does not foresee) and the
# relayouts made after the draw to fit the chart's height.
LEGENDS = """() => {
  const panel = document.querySelector('.gd-panel').parentElement.__gdPanel;
  return Object.entries(panel.charts).filter(([, c]) => c.chart._fullLayout).map(([name, c]) => {
    const gd = c.chart, full = gd._fullLayout, legend = gd.querySelector('.legend');
    const drawn = legend && full.showlegend ? Math.ceil(legend.getBoundingClientRect().height) : 0;
    return {
      name, guess: c.legendGuess, drawn,
      pushed: full._size.l !== full.margin.l || full._size.r !== full.margin.r,
      refits: Number(gd.dataset.refits || 0),
      // plotly.js draws a chart again when its automargin moves a margin by more than 1 px
      moved: ['l', 'r', 't', 'b'].filter((side) => Math.abs(full._size[side] - full.margin[side]) > 1),
      plot: full.height - (drawn ? drawn + 8 : 0),
      base: name === 'surface' ? null : c.baseHeight,
    };
  });
}"""


@pytest.mark.parametrize(
    ("query", "width"),
    [("", 1280), ("", 390), (TWELVE, 1920), (TWELVE, 768), ("compare=adam,momentum", 1400)],
    ids=["article-1280", "article-phone", "twelve-runs-1920", "twelve-runs-768", "three-runs-1400"],
)
def test_each_chart_is_drawn_once_at_its_height_its_legend_worked_out_before(
    open_app, console_errors, query, width
):
    """A chart drawn at the wrong height is drawn twice (a relayout to fit its legend): the panel
    works each legend's height out first, as plotly.js lays legends out. Where the plot's margins
    were not pushed by its tick labels the guess is exact, and the chart was drawn once."""
    page = open_app(query, width=width)
    charts = page.evaluate(LEGENDS)
    assert len(charts) >= 6
    for chart in charts:
        if not chart["pushed"]:
            assert chart["guess"] == chart["drawn"], chart
            assert chart["refits"] == 0, chart
        if chart["base"] is not None:  # the legend adds to the height: the plot keeps its own
            assert abs(chart["plot"] - chart["base"]) <= 2, chart
    # on the article's page on a laptop every chart, pushed or not, was drawn once
    if query == "" and width >= 1280:
        assert [c["refits"] for c in charts] == [0] * len(charts), charts
        # nor did plotly.js draw any a second time: the legend's room and a log axis's labels
        # were in the margins from the start (reserveLegend, gd.figures.charts._layout)
        assert [c["moved"] for c in charts] == [[]] * len(charts), charts
        sweep = page.locator(".gd-static[data-ready='true'] .gd-chart")  # the sweep's, below
        expect(sweep).to_be_attached()
        assert sweep.evaluate("(gd) => Number(gd.dataset.refits || 0)") == 0
    no_trouble(page, console_errors)


# plotly.js draws a chart again, whole, when its automargin finds that the tick labels or the
# legend need wider margins than the chart was drawn with (plots.doAutoMargin calls its registered
# "_doPlot" again). This spy, set up before plotly.js loads, registers a "_doPlot" that counts
# those calls on the chart's element and then does what plotly.js's would (Plotly.redraw runs the
# same _doPlot; relayouts that replot pass the layout, which it puts back first).
MARGIN_REDRAW_SPY = """
(() => {
  let plotly;
  Object.defineProperty(window, 'Plotly', { configurable: true, get: () => plotly, set(value) {
    plotly = value;
    value.register({ moduleType: 'apiMethod', name: '_doPlot', fn(gd, data, layout) {
      const count = Number(gd.dataset.marginRedraws || 0);
      if (arguments.length === 1) gd.dataset.marginRedraws = String(count + 1);
      if (layout !== undefined) gd.layout = layout;
      return value.redraw(gd);
    } });
  } });
})();
"""
MARGIN_REDRAWS = """() => [...document.querySelectorAll('.js-plotly-plot')].map((gd) =>
  [gd.closest('figure')?.className ?? 'sweep', Number(gd.dataset.marginRedraws || 0)])"""


@pytest.mark.parametrize(
    ("query", "width"),
    [
        ("", 1400),
        ("", 1280),
        ("presenter=true", 1400),
        ("compare=adam,momentum&presenter=true", 1920),
        (TWELVE, 1400),
    ],
    ids=["article-1400", "article-1280", "presenter", "presenter-three-runs-1920", "twelve-runs"],
)
def test_no_chart_is_drawn_again_for_its_margins(open_app, console_errors, query, width):
    """Every chart's margins hold its tick labels, titles and legend from the first draw. On the
    iteration axis plotly.js's automargin swung: the label at the right end pushed the right
    margin out, the narrower plot moved the ticks, the margin came back, four times over, and
    the loss, parameter and eigen charts were each drawn five times on every first load."""
    page = open_app(query, width=width, init_script=MARGIN_REDRAW_SPY)
    if "presenter" not in query:
        expect(page.locator(".gd-static[data-ready='true']")).to_be_attached()  # the sweep too
    charts = page.evaluate(MARGIN_REDRAWS)
    assert len(charts) >= 7
    assert [n for _, n in charts] == [0] * len(charts), charts
    no_trouble(page, console_errors)


def test_headings_go_down_one_level_at_a_time(page, console_errors):
    levels = heading_levels(page)
    assert levels[0] == 1 and levels.count(1) == 1, levels
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), levels
    no_trouble(page, console_errors)


def test_a_long_vector_is_shortened_and_given_whole_on_demand(open_app, console_errors):
    page = open_app(WIDE)
    weights = page.locator(".gd-eq[data-line='0']")
    assert "…" in weights.inner_text()
    full = page.locator(".gd-full")
    expect(full.locator("tbody tr")).to_have_count(0)  # drawn only once opened
    full.locator("summary").click()
    rows = full.locator("tbody tr")
    expect(rows).to_have_count(11)  # w1..w10 and b
    assert rows.nth(9).inner_text().split("\t")[0] == "w10"
    # what the table holds at iteration 3 is what the shortened line shows of w10
    shown_last = weights.inner_text().replace("\n", "").split("…")[1]
    assert rows.nth(9).inner_text().split("\t")[1].replace("-", "−") in shown_last
    # every entry right: the parameters, the gradient and the update at iteration 3, to 4 digits
    ex = experiment(
        Settings(
            true_weights=tuple(float(w) for w in range(1, 11)),
            optimizer="sgd",
            feature_scale=1000.0,
            learning_rate=1e-6,
        )
    )
    theta = ex.trajectory.params[3]
    table = np.array([[table_number(v) for v in row.split("\t")[1:]] for row in rows.all_inner_texts()])
    want = np.column_stack([theta, ex.problem.gradient(theta), ex.trajectory.params[4] - theta])
    np.testing.assert_allclose(table, want, rtol=5.1e-4)
    page.get_by_role("button", name="Step", exact=True).click()
    expect(page.locator(".gd-full thead th").nth(1)).to_have_text("iteration 4")
    no_trouble(page, console_errors)


def test_presenter_mode_is_a_stage_at_1280_by_720(open_app, console_errors, screenshot):
    page = open_app()
    settle(page, 1280, 720)
    normal_value = page.evaluate(
        "() => parseFloat(getComputedStyle(document.querySelector('.gd-value')).fontSize)"
    )
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar).to_have_attribute("data-collapsed", "false")

    page.get_by_test_id("stCheckbox").filter(has_text="Presenter mode").locator("label").first.click()
    expect(page.locator(".gd-panel.gd-presenter[data-ready='true']")).to_be_attached()
    expect(sidebar).to_have_attribute("data-collapsed", "true")
    sizes_settled(page)
    screenshot(page, "presenter-1280x720")
    boxes = page.evaluate(
        """() => Object.fromEntries(Object.entries({
             title: 'h1', metrics: '.gd-metrics', buttons: '.gd-buttons', scrubber: '.gd-scrub',
             map: 'figure.gd-contour', parameters: 'figure.gd-convergence',
             sidebar: '[data-testid=stSidebar]',
           }).map(([k, s]) => { const r = document.querySelector(s).getBoundingClientRect();
                                return [k, {left: r.left, top: r.top, right: r.right, bottom: r.bottom,
                                            height: r.height}]; }))"""
    )
    for view in ("title", "metrics", "buttons", "scrubber", "map", "parameters"):
        b = boxes[view]
        assert b["left"] >= 0 and b["top"] >= 0 and b["right"] <= 1280 and b["bottom"] <= 720, (view, b)
    assert boxes["sidebar"]["right"] <= 0  # collapsed
    title = page.locator("h1")
    line = title.evaluate("(e) => parseFloat(getComputedStyle(e).lineHeight)")
    assert boxes["title"]["height"] < 1.5 * line  # one line
    value = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('.gd-value')).fontSize)")
    assert value >= 1.5 * normal_value, (value, normal_value)
    assert page.evaluate(PROBLEMS) == []

    page.get_by_test_id("stCheckbox").filter(has_text="Presenter mode").locator("label").first.click()
    expect(page.locator(".gd-panel:not(.gd-presenter)[data-ready='true']")).to_be_attached()
    expect(sidebar).to_have_attribute("data-collapsed", "false")  # the page as it was
    expect(page.locator("figure.gd-fit")).to_be_visible()
    again = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('.gd-value')).fontSize)")
    assert again == normal_value
    no_trouble(page, console_errors)


def test_presenter_mode_fits_at_1920_by_1080_with_runs_compared(open_app, console_errors, screenshot):
    page = open_app(f"presenter=true&{TWELVE}")
    settle(page, 1920, 1080)
    screenshot(page, "presenter-1920x1080")
    for view in ("figure.gd-contour", "figure.gd-loss", ".gd-metrics", ".gd-buttons"):
        b = page.locator(view).bounding_box()
        assert b["y"] >= 0 and b["y"] + b["height"] <= 1080 and b["x"] + b["width"] <= 1920, view
    assert page.evaluate(PROBLEMS) == []
    # twelve runs, twelve colours on the loss chart
    colours = page.evaluate(
        "() => document.querySelector('.gd-loss .js-plotly-plot')._fullData"
        ".filter((t) => t.meta && t.meta.gd === 'line').map((t) => t.line.color)"
    )
    assert sorted(colours) == sorted(RUN_COLOURS)
    no_trouble(page, console_errors)


def test_presenter_mode_keeps_the_stage_when_the_run_has_something_to_say(
    open_app, console_errors, screenshot
):
    """A diverging run (an error, the note) in presenter mode: the stage comes first, whole, and
    the words follow it below, rather than pushing the charts off the projector."""
    page = open_app("presenter=true&learning_rate=1.05&steps=100")
    settle(page, 1280, 720)
    screenshot(page, "presenter-diverging-1280x720")
    for view in ("h1", ".gd-metrics", ".gd-buttons", "figure.gd-contour", "figure.gd-convergence"):
        b = page.locator(view).bounding_box()
        assert b["y"] >= 0 and b["y"] + b["height"] <= 720 and b["x"] + b["width"] <= 1280, (view, b)
    chart = page.locator("figure.gd-contour .js-plotly-plot .nsewdrag").first.bounding_box()
    quiet = open_app("presenter=true")  # the same stage with nothing to say
    settle(quiet, 1280, 720)
    alone = quiet.locator("figure.gd-contour .js-plotly-plot .nsewdrag").first.bounding_box()
    assert abs(chart["height"] - alone["height"]) <= 2, (chart, alone)  # the words take no room from it
    error = page.get_by_test_id("stAlertContentError").filter(has_text="diverged").bounding_box()
    panel = page.locator(".gd-panel").bounding_box()
    assert error["y"] >= panel["y"] + panel["height"] - 1  # said once, after the stage
    no_trouble(page, console_errors)


def test_the_contour_map_keeps_its_fill_as_the_run_moves(page, console_errors):
    """Plotly.animate, which moves the map's path, takes a contour trace's layer off the map: the
    fill must still be there, in colour, after a Step and after a Play."""

    def coloured() -> float:
        png = page.locator(".gd-contour .nsewdrag").first.screenshot()
        rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
        return float(((rgb.max(axis=2) - rgb.min(axis=2)) > 40).mean())  # saturated pixels

    assert coloured() > 0.5
    page.get_by_role("button", name="Step", exact=True).click()
    expect(page.get_by_test_id("gd-iteration")).to_have_text("1")
    painted(page)
    assert coloured() > 0.5
    page.get_by_role("button", name="Play", exact=True).click()
    played_to(page, 15)
    page.get_by_role("button", name="Pause", exact=True).click()
    painted(page)
    assert coloured() > 0.5
    no_trouble(page, console_errors)
