"""Keys a presenter's clicker sends (issue 22, item 5): with the focus on the page, not in a text
box, Space plays and pauses, ArrowRight and PageDown step forward, ArrowLeft and PageUp step back,
Home and End go to the first and the last iteration; in a text box the keys stay the box's."""

from __future__ import annotations

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture then skips, or fails under GD_REQUIRE_BROWSER=1
    expect = None

from reference import compact
from test_smoke import ARTICLE, no_trouble

ITERATION = "gd-iteration"


def test_a_clickers_keys_move_the_iteration_and_play(open_app, console_errors, screenshot):
    page = open_app(width=1280, height=720)  # a projector's
    iteration = page.get_by_test_id(ITERATION)
    page.locator("h1").first.click()  # the focus on the page itself, as after a click on a slide
    loss = ARTICLE.trajectory.loss
    for key, k in (("PageDown", 1), ("PageDown", 2), ("ArrowRight", 3), ("PageUp", 2), ("ArrowLeft", 1)):
        page.keyboard.press(key)
        expect(iteration).to_have_text(str(k))
        expect(page.get_by_test_id("gd-loss")).to_have_text(compact(loss[k]))  # every view at k
    scrolled = page.evaluate("() => scrollY")
    page.keyboard.press("End")
    expect(iteration).to_have_text(str(ARTICLE.settings.steps))
    page.keyboard.press("Home")
    expect(iteration).to_have_text("0")
    assert page.evaluate("() => scrollY") == scrolled  # the keys moved the run, not the page

    play = page.locator(".gd-panel button").filter(has_text="Play")
    page.keyboard.press(" ")  # Play
    shown = "() => Number(document.querySelector('[data-testid=gd-iteration]').textContent)"
    page.wait_for_function(f"() => ({shown})() > 5")
    page.keyboard.press(" ")  # Pause
    expect(play).to_be_visible()  # the button says Play again: paused
    held = iteration.inner_text()
    page.keyboard.press("ArrowRight")
    expect(iteration).to_have_text(str(int(held) + 1))
    screenshot(page, "keys")
    no_trouble(page, console_errors)


def test_a_text_box_keeps_its_keys(open_app, console_errors):
    page = open_app(width=1280, height=720)
    box = page.get_by_label("Learning rate").first
    box.click()
    for key in ("ArrowRight", "End", "Home", "PageDown"):
        page.keyboard.press(key)
    page.keyboard.press(" ")
    expect(page.get_by_test_id(ITERATION)).to_have_text("0")
    assert page.evaluate("() => document.activeElement.tagName") == "INPUT"
    no_trouble(page, console_errors)
