"""Plain GD's references follow the what-if controls (issue 22, item 2): the loss chart's bound and
the eigen view's dashed predictions (and the rate chart's line of eta_t) are drawn for the
browser's run while the rate is held and after, not left at the server's run. Compared with
gd.figures' own lines for the same settings (numpy's gd_rate, gd_bound and gd_theory in float64),
every iteration drawn, to 1e-12. So are the words under those charts (the rate, the factors it
brings): gd.live's for the same settings, letter for letter."""

from __future__ import annotations

import contextlib

import numpy as np

try:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture then skips, or fails under GD_REQUIRE_BROWSER=1
    expect = None
    PlaywrightError = Exception

from conftest import PANEL_READY
from test_smoke import no_trouble
from test_whatif import WHATIF_RUNS, runs_drawn

from gd import figures, live
from gd.inputs import Settings
from gd.run import experiment

# a chart's plain-GD lines ([x, y] each, in trace order) and whether the eigen view's note on them shows
THEORY = """(name) => {
  const gd = document.querySelector(`.gd-panel .gd-${name} .gd-chart`);
  const note = (gd.layout.annotations || []).find((a) => a.name === 'prediction');
  const lines = gd.data.filter((t) => t.meta && t.meta.gd === 'theory');
  return { lines: lines.map((t) => [Array.from(t.x), Array.from(t.y)]), note: note ? note.visible : null };
}"""

# whether a chart's plain-GD lines are `want` ([x, y] each) to 1e-12: the panel draws them once a
# frame is through plotly.js
SAME = """([name, want]) => {
  const gd = document.querySelector(`.gd-panel .gd-${name} .gd-chart`);
  const lines = gd.data.filter((t) => t.meta && t.meta.gd === 'theory');
  const near = (a, b) => Math.abs(a - b) <= 1e-12 * Math.abs(b);
  return lines.length === want.length && lines.every((t, n) => t.x.length === want[n][0].length
    && want[n][0].every((x, m) => t.x[m] === x && near(t.y[m], want[n][1][m])));
}"""


# the rate chart's line of eta_t: [x, y]
RATES = """() => {
  const gd = document.querySelector('.gd-panel .gd-rate .gd-chart');
  const line = gd.data.find((t) => t.meta && t.meta.gd === 'rates');
  return [Array.from(line.x), Array.from(line.y)];
}"""


# the eigen view's and the rate chart's words as the page shows them
WORDS = """() => Object.fromEntries(['eigen', 'rate'].flatMap((name) => {
  const box = document.querySelector(`.gd-panel figure.gd-${name}`);
  const caption = box.querySelector('figcaption').textContent;
  return [[name, box.getAttribute('aria-label')], [`${name}_caption`, caption]];
}))"""


def assert_words(page, settings: Settings, where: str) -> dict:
    """The eigen view's and the rate chart's captions and names are those gd.live writes for the
    settings' run (they name the rate and the factors it brings: captions.js for a browser's run)."""
    text = live.decode(live.payload(experiment(settings), 0, 1))["text"]
    want = {key: text[key] for key in ("eigen", "eigen_caption", "rate", "rate_caption")}
    with contextlib.suppress(PlaywrightError):  # compared below, where the difference is said
        same = f"([want]) => JSON.stringify(({WORDS})()) === JSON.stringify(want)"
        page.wait_for_function(same, arg=[want])
    assert page.evaluate(WORDS) == want, where
    return want


def server_lines(settings: Settings) -> dict:
    """gd.figures' plain-GD lines for the settings' run: {chart: [[x, y], ...]}, and the note's."""
    ex = experiment(settings)
    out, note = {}, None
    for name, fig in (("loss", figures.loss_figure(ex, 0)), ("eigen", figures.eigen_figure(ex, 0))):
        theory = [t for t in fig.data if t.meta and t.meta["gd"] == "theory"]
        out[name] = [[np.asarray(t.x).tolist(), np.asarray(t.y, dtype=float).tolist()] for t in theory]
        if name == "eigen":
            note = next(a.visible for a in fig.layout.annotations if a.name == "prediction")
    return {"lines": out, "note": note}


def assert_drawn(page, settings: Settings, where: str, rtol: float = 1e-12) -> dict:
    """The panel's plain-GD lines are gd.figures' for `settings` (waited for, then compared) to
    `rtol`: 1e-12 for the browser's own (float64), float32's rounding for the server's (its
    payload carries a figure's values as float32)."""
    want = server_lines(settings)
    for name in ("loss", "eigen"):
        same = SAME.replace("1e-12", repr(rtol))
        with contextlib.suppress(PlaywrightError):  # compared below, where the difference is said
            page.wait_for_function(same, arg=[name, want["lines"][name]], timeout=10_000)
        got = page.evaluate(THEORY, name)["lines"]
        assert len(got) == len(want["lines"][name]), f"{where}: {name}"
        for (x, y), (wx, wy) in zip(got, want["lines"][name], strict=True):
            assert x == wx, f"{where}: {name}: the iterations drawn"
            # (a whole number comes back from the page as an int, past int64 too)
            np.testing.assert_allclose(np.asarray(y, dtype=float), wy, rtol=rtol, err_msg=f"{where}: {name}")
    assert page.evaluate(THEORY, "eigen")["note"] == want["note"], f"{where}: the eigen view's note"
    return want


def test_plain_gds_bound_and_predictions_follow_the_rate_while_it_is_held(
    open_app, console_errors, screenshot
):
    # tall enough that every chart is in sight: those out of sight are drawn once the slider is let go
    page = open_app("iteration=40", width=1280, height=3400)
    page.locator(PANEL_READY).wait_for(state="attached")
    expect(page.get_by_test_id("gd-iteration")).to_have_text("40")
    first = assert_drawn(page, Settings(), "the server's run", rtol=2**-24)
    rate = page.get_by_test_id("gd-rate")
    box = rate.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + int(rate.input_value()) / int(rate.get_attribute("max")) * box["width"], y)
    page.mouse.down()
    seen = []
    for fraction in (0.64, 0.76):  # about 0.2, then past the stability limit (0.964)
        before = runs_drawn(page)
        page.mouse.move(box["x"] + fraction * box["width"], y)
        page.wait_for_function(f"() => ({WHATIF_RUNS})() > {before}")
        shown = float(rate.get_attribute("data-value"))
        seen.append(assert_drawn(page, Settings(learning_rate=shown), f"held at η = {shown}"))
        words = assert_words(page, Settings(learning_rate=shown), f"held at η = {shown}")
        assert f"η = {shown:g}" in words["rate_caption"] and f"η = {shown:g}" in words["eigen_caption"]
        # the rate chart's line of eta_t: gd.figures' updates, each at the new rate
        [line] = [
            t
            for t in figures.rate_figure(experiment(Settings(learning_rate=shown)), 0).data
            if t.name == "ηₜ"
        ]
        x = np.asarray(line.x).tolist()
        page.wait_for_function(
            f"([want, rate]) => {{ const [x, y] = ({RATES})(); return x.length === want.length"
            " && x.every((v, n) => v === want[n]) && y.every((v) => v === rate); }",
            arg=[x, shown],
        )
    page.mouse.up()
    assert shown > 0.9644 and first["lines"] != seen[0]["lines"] != seen[1]["lines"]
    screenshot(page, "theory-held")
    # newton has no rate of its own: no prediction, the note goes; gd again brings both back
    for optimizer in ("newton", "gd"):
        before = runs_drawn(page)
        page.get_by_test_id("gd-optimizer").select_option(optimizer)
        page.wait_for_function(f"() => ({WHATIF_RUNS})() > {before}")
        want = assert_drawn(page, Settings(optimizer=optimizer, learning_rate=shown), optimizer)
        assert (want["lines"]["eigen"][0][1] == []) == (optimizer == "newton")
        assert want["note"] is (optimizer == "gd")
        words = assert_words(page, Settings(optimizer=optimizer, learning_rate=shown), optimizer)
        assert ("has no learning rate" in words["rate_caption"]) == (optimizer == "newton")
    no_trouble(page, console_errors)
