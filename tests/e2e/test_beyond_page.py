"""Beyond plain descent in a real browser: a click on the contour map starts the run there, a
click on the learning-rate sweep sets η; the eigen view and the η_t chart follow the iteration
exactly as gd.figures draws them.

Each test also checks what must not happen: an exception box or a console error.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from test_smoke import no_trouble
from test_workshop import CHART, SENT_AS_FLOAT32, WHOLE, moving

from gd import figures
from gd.inputs import Settings
from gd.run import experiment

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture then skips, or fails under GD_REQUIRE_BROWSER=1
    expect = None

SURFACE_X, SURFACE_Y = 4, 3  # the default map: w5 across, w4 up

# True once the contour map's path starts somewhere other than the origin
LEFT_THE_ORIGIN = """() => {
  const plot = document.querySelector('.gd-contour .js-plotly-plot');
  const path = plot && plot.data && plot.data.find((t) => t.meta && t.meta.gd === 'path');
  return Boolean(path && path.x && path.x.length && (path.x[0] !== 0 || path.y[0] !== 0));
}"""


def plot_point(page, name: str, x: float, y: float) -> tuple[float, float]:
    """The page coordinates of data point (x, y) on chart `name`'s axes (Plotly's own mapping)."""
    return page.evaluate(
        """([sel, x, y]) => {
          const plot = document.querySelector(sel);
          const { xaxis, yaxis } = plot._fullLayout;
          const box = plot.getBoundingClientRect();
          return [box.left + xaxis._offset + xaxis.d2p(x), box.top + yaxis._offset + yaxis.d2p(y)];
        }""",
        [f".gd-{name} .js-plotly-plot" if name != "sweep" else ".gd-static .js-plotly-plot", x, y],
    )


def test_a_click_on_the_map_starts_the_run_there(open_app, console_errors):
    page = open_app()
    page.locator(".gd-contour").scroll_into_view_if_needed()
    px, py = plot_point(page, "contour", 6.0, 4.0)  # w5 = 6, w4 = 4: inside the map
    page.mouse.click(px, py)
    page.wait_for_url(re.compile(r"start="), timeout=20_000)
    # the URL can change before the new run's panel arrives, while the old one is still ready:
    # wait until the path no longer starts at the origin (the default start)
    page.wait_for_function(LEFT_THE_ORIGIN, timeout=30_000)
    expect(page.locator(".gd-panel[data-ready='true']")).to_be_attached(timeout=30_000)
    box = page.get_by_label("Start θ₀ (w1, …, wd, b)", exact=True)
    text = box.input_value()
    start = [float(v) for v in text.split(",")]
    assert len(start) == 6 and start[:3] == [0, 0, 0] and start[5] == 0  # the others keep zero
    # where the click fell, to the map's resolution (a thousandth of its span, rounded)
    assert start[SURFACE_X] == pytest.approx(6.0, abs=0.1) and start[SURFACE_Y] == pytest.approx(4.0, abs=0.1)
    # the run starts there: the path's first point, and the engine's run from that start
    path = moving(page, "contour", "path")[0]
    assert (path["x"][0], path["y"][0]) == (start[SURFACE_X], start[SURFACE_Y])
    ex = experiment(Settings(start=tuple(start)))
    point = moving(page, "contour", "point")[0]
    assert point["x"] == [ex.trajectory.params[0, SURFACE_X]]
    # an ordinary input afterwards, in the fold the click opened: editing the box undoes it
    box.fill("")
    box.press("Enter")
    page.wait_for_url(lambda url: "start=" not in url, timeout=20_000)
    no_trouble(page, console_errors)


def test_a_click_on_the_sweep_sets_the_learning_rate(open_app, console_errors):
    page = open_app()
    sweep = page.locator(".gd-static .js-plotly-plot")
    sweep.scroll_into_view_if_needed()
    expect(page.locator(".gd-static[data-ready='true']")).to_be_attached()
    ys = page.evaluate("() => document.querySelector('.gd-static .js-plotly-plot')._fullLayout.yaxis.range")
    px, py = plot_point(page, "sweep", 0.2, 10 ** ((ys[0] + ys[1]) / 2))
    page.mouse.click(px, py)
    page.wait_for_url(re.compile(r"learning_rate="), timeout=20_000)
    rate = float(re.search(r"learning_rate=([^&]+)", page.url).group(1))
    assert rate == pytest.approx(0.2, rel=0.02)  # the rate under the pointer, to 3 digits
    # the box follows once the rerun the click asked for has drawn it
    expect(page.get_by_label("Learning rate η", exact=True)).to_have_value(f"{rate:g}", timeout=20_000)
    expect(page.locator(".gd-panel[data-ready='true']")).to_be_attached(timeout=30_000)
    no_trouble(page, console_errors)


@pytest.mark.parametrize("k", [0, 9, 60])
def test_the_eigen_view_and_the_rate_follow_the_engine_with_a_schedule(open_app, console_errors, k):
    settings = Settings(
        schedule="step", gamma=0.5, step_size=20, learning_rate=0.12, steps=80, feature_scale=3.0, l2=0.5
    )
    query = "schedule=step&gamma=0.5&step_size=20&learning_rate=0.12&steps=80&feature_scale=3&l2=0.5"
    page = open_app(f"{query}&iteration={k}")
    expect(page.get_by_test_id("gd-iteration")).to_have_text(str(k))
    ex = experiment(settings)
    for name, reference in (("eigen", figures.eigen_figure(ex, k)), ("rate", figures.rate_figure(ex, k)),
                            ("loss", figures.loss_figure(ex, k))):  # fmt: skip
        shown = page.evaluate(CHART, name)
        for index, trace in enumerate(reference.data):
            if trace.meta is None:
                continue
            rtol = SENT_AS_FLOAT32 if trace.meta["gd"] in WHOLE else 0
            for axis in ("x", "y"):
                want = np.asarray(getattr(trace, axis), dtype=float)
                where = f"{name} {index} {axis}"
                np.testing.assert_allclose(shown[index][axis], want, rtol=rtol, err_msg=where)
    mse = ex.problem.mse(ex.trajectory.params[k])
    assert page.get_by_test_id("gd-mse").get_attribute("title") == repr(float(mse))
    no_trouble(page, console_errors)
