"""The page as it is used in a room (issue 20): a presenter at 1280 x 720 pressing Play, a
keyboard-only user, students on phones. Each test measures the page in Chromium as a user meets
it: what is pressed, where things are on the screen, what takes focus."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture then skips, or fails under GD_REQUIRE_BROWSER=1
    expect = None

from test_smoke import no_trouble

if TYPE_CHECKING:
    from playwright.sync_api import Page

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
