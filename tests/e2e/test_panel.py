"""The live panel in a real browser: motion without the server, every view on one timeline and
drawn as gd.figures draws it, numbers that fit their boxes, names for screen readers.

Each test also checks what must not happen: an exception box or a console error.
"""

from __future__ import annotations

import os
import re
import signal

import numpy as np
import pytest
from conftest import APP_READY, played_to, sizes_settled, watch_frames
from reference import compact
from test_smoke import ARTICLE, CHARTS, no_trouble
from test_workshop import CHART, SENT_AS_FLOAT32, WHOLE, iteration, moving, scene_at

from gd import figures
from gd.inputs import Settings
from gd.live import FIT_POINTS
from gd.run import experiment

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture then skips, or fails under GD_REQUIRE_BROWSER=1
    expect = None

SURFACE_X, SURFACE_Y = 4, 3  # the default surface axes: w5 and w4, the largest true weights


def test_the_page_moves_with_the_server_stopped(app_server, page, console_errors, screenshot):
    P = ARTICLE.trajectory.params
    os.killpg(app_server.process.pid, signal.SIGSTOP)
    try:
        for _ in range(3):
            page.get_by_role("button", name="Step", exact=True).click()
        expect(page.get_by_test_id("gd-iteration")).to_have_text("3")
        assert moving(page, "contour", "point")[0]["x"] == [P[3, SURFACE_X]]
        scrubber = page.get_by_role("slider", name="Go to iteration")
        scrubber.focus()
        scrubber.press("End")
        expect(page.get_by_test_id("gd-iteration")).to_have_text("1000")
        page.get_by_role("button", name="Reset", exact=True).click()
        expect(page.get_by_test_id("gd-iteration")).to_have_text("0")
        page.get_by_role("button", name="Play", exact=True).click()
        played_to(page, 20)
        page.get_by_role("button", name="Pause", exact=True).click()
        k = iteration(page)
        scene_at(page, k)
        assert moving(page, "surface", "point")[0]["x"] == [P[k, SURFACE_X]]
        screenshot(page, "frozen-server")
    finally:
        os.killpg(app_server.process.pid, signal.SIGCONT)
    page.wait_for_url(re.compile(rf"iteration={k}\b"), timeout=10_000)  # told once it could hear
    no_trouble(page, console_errors)


def test_play_sends_nothing_and_the_server_sends_nothing(page, console_errors):
    sent, received = watch_frames(page)
    expect(page.locator(APP_READY)).to_be_attached()  # the first run's messages have come
    draws = page.locator(".gd-panel").get_attribute("data-draws")
    page.get_by_role("button", name="Play", exact=True).click()
    sent.clear()
    received.clear()
    start = iteration(page)
    # 30 iterations of Play (about 2 s), during which the websocket must stay silent both ways
    played_to(page, start + 30)
    during_sent, during_received = len(sent), sum(len(r) for r in received)
    assert iteration(page) > start
    page.get_by_role("button", name="Pause", exact=True).click()
    assert during_sent == 0 and during_received == 0, (during_sent, during_received)
    page.wait_for_url(re.compile(r"iteration=\d+"), timeout=5_000)
    assert 1 <= len(sent) <= 3  # after Pause, the iteration once (and what Streamlit says of the rerun)
    expect(page.locator(APP_READY)).to_be_attached()
    # the light rerun that follows sends the panel the same run: nothing moves or is redrawn
    assert page.locator(".gd-panel").get_attribute("data-draws") == draws
    assert iteration(page) == int(re.search(r"iteration=(\d+)", page.url).group(1))
    no_trouble(page, console_errors)


@pytest.mark.parametrize("k", [0, 7, 250, 1000])
def test_every_view_is_drawn_as_the_engine_draws_it(open_app, console_errors, k):
    page = open_app(f"iteration={k}")
    expect(page.get_by_test_id("gd-iteration")).to_have_text(str(k))
    reference = {
        "contour": figures.contour_figure(ARTICLE, SURFACE_X, SURFACE_Y, k),
        "convergence": figures.convergence_figure(ARTICLE, k),
        "loss": figures.loss_figure(ARTICLE, k),
        "fit": figures.fit_figure(ARTICLE, k, points=FIT_POINTS),
        "surface": figures.surface_figure(ARTICLE, SURFACE_X, SURFACE_Y, k=k),
        "eigen": figures.eigen_figure(ARTICLE, k),
        "rate": figures.rate_figure(ARTICLE, k),
    }
    assert_drawn_as(page, reference)
    no_trouble(page, console_errors)


def assert_drawn_as(page, reference: dict) -> None:
    """Every moving trace of every chart on the page is the reference figure's (gd.figures')."""
    for name, figure in reference.items():
        shown = page.evaluate(CHART, name)
        for index, trace in enumerate(figure.data):
            if trace.meta is None:
                continue
            got = shown[index]
            assert got["name"] == trace.name, (name, index)
            # the fit's x (the samples, or the line's two ends) never moves: only its y is redrawn
            axes = ("x", "y", "z") if trace.type == "scatter3d" else ("y",) if name == "fit" else ("x", "y")
            for axis in axes:
                want = np.asarray([np.nan if v is None else v for v in getattr(trace, axis)], dtype=float)
                got[axis] = [np.nan if v is None else v for v in got[axis]]  # no arrow at the end
                # float32 where only the eye reads: 3-D heights, the fit's samples (to their scale)
                # the arrows' tips: the same arithmetic in another order, to the last bits
                arrow = isinstance(trace.meta, dict) and trace.meta["gd"] == "arrow"
                rtol = 1e-6 if trace.type == "scatter3d" else 1e-12 if arrow else 0
                if isinstance(trace.meta, dict) and trace.meta["gd"] in WHOLE:
                    rtol = SENT_AS_FLOAT32
                atol = 1e-6 * np.abs(want).max() if name == "fit" else 0
                np.testing.assert_allclose(
                    got[axis], want, rtol=rtol, atol=atol, err_msg=f"{name} {index} {axis}"
                )


# What the payload does not carry as it is drawn: the eigen view's errors (the browser computes
# them from the parameters), the 3-D path (drawn from the run's rows, or in a long run sent with
# the figure), a rate (one number where constant, a column for a schedule).
@pytest.mark.parametrize(
    ("query", "settings", "k"),
    [
        (
            "schedule=step&gamma=0.5&step_size=100&iteration=150",
            Settings(schedule="step", gamma=0.5, step_size=100),
            150,
        ),
        ("samples=400&steps=20000&iteration=20000", Settings(samples=400, steps=20_000), 20_000),
    ],
)
def test_what_the_browser_derives_is_drawn_as_the_engine_draws_it(
    open_app, console_errors, query, settings, k
):
    page = open_app(query)
    expect(page.get_by_test_id("gd-iteration")).to_have_text(str(k))
    ex = experiment(settings)
    reference = {
        "surface": figures.surface_figure(ex, SURFACE_X, SURFACE_Y, k=k),
        "eigen": figures.eigen_figure(ex, k),
        "rate": figures.rate_figure(ex, k),
    }
    assert_drawn_as(page, reference)
    no_trouble(page, console_errors)


# The gradient at iteration k as the panel holds it (the payload does not carry it: the browser
# computes it from the parameters, G and c), and the parameters it was computed at.
GRADIENT = """(ks) => {
  const panel = document.querySelector('.gd-panel').parentElement.__gdPanel;
  const p = panel.data.p, main = panel.run.runs[0];
  return ks.map((k) => {
    const r = panel.run.row(k);
    return { theta: Array.from(main.P.subarray(r * p, (r + 1) * p)),
             grad: Array.from(main.grad.subarray(r * p, (r + 1) * p)) };
  });
}"""


@pytest.mark.parametrize(
    ("query", "settings", "ks"),
    [
        ("", Settings(), [0, 1, 12, 640, 1000]),
        (
            "feature_scale=3&l2=0.5&standardize=true&learning_rate=0.05",
            Settings(feature_scale=3.0, l2=0.5, standardize=True, learning_rate=0.05),
            [0, 5, 999],
        ),
        ("samples=400&steps=20000", Settings(samples=400, steps=20_000), [0, 17, 20_000]),
    ],
    ids=["article", "ridge-standardised", "long-run"],
)
def test_the_gradient_the_browser_computes_is_the_engines_to_the_bit(
    open_app, console_errors, query, settings, ks
):
    page = open_app(query)
    expect(page.locator(".gd-panel[data-ready='true']")).to_be_attached()
    ex = experiment(settings)
    held = page.evaluate(GRADIENT, ks)
    for k, row in zip(ks, held, strict=True):
        theta = ex.trajectory.params[k]
        assert row["theta"] == theta.tolist(), k  # the row of iteration k (a long run's anchors)
        np.testing.assert_array_equal(row["grad"], ex.problem.gradient(theta), err_msg=str(k))
    assert ex.problem.l2 == settings.l2
    no_trouble(page, console_errors)


def test_numbers_and_the_math_follow_the_engine(open_app, console_errors):
    k = 12
    page = open_app(f"iteration={k}")
    tr, pb = ARTICLE.trajectory, ARTICLE.problem
    expect(page.get_by_test_id("gd-loss")).to_have_text(compact(tr.loss[k]))
    values = page.get_by_test_id("gd-metric").all_inner_texts()
    assert values == [
        compact(np.linalg.norm(tr.params[k] - pb.theta_star)),
        compact(tr.grad_norm[k]),
        compact(pb.condition_number),
    ]
    assert float(page.get_by_test_id("gd-loss").get_attribute("title")) == tr.loss[k]  # full value
    table = page.locator(".gd-table tbody tr").all_inner_texts()
    assert table[0].split("\t")[:2] == ["w1", f"{tr.params[k, 0]:.6g}"]
    math_text = page.locator(".gd-math").inner_text()
    update = tr.params[k + 1] - tr.params[k]
    assert f"{update[0]:.4g}".replace("-", "−") in math_text.replace("\n", "")
    no_trouble(page, console_errors)


@pytest.mark.parametrize(
    ("width", "height", "query"),
    [
        (1366, 768, ""),
        (1600, 1000, ""),
        (1366, 768, "presenter=true"),
        (1366, 768, "learning_rate=1.5&iteration=40"),  # diverged: huge numbers
    ],
)
def test_numbers_are_never_cut(open_app, console_errors, screenshot, width, height, query):
    page = open_app(query)
    page.set_viewport_size({"width": width, "height": height})
    sizes_settled(page)
    boxes = page.locator("[data-testid=gd-iteration], [data-testid=gd-loss], [data-testid=gd-metric]")
    expect(boxes).to_have_count(5)
    for n in range(5):
        box = boxes.nth(n)
        text = box.inner_text()
        assert "…" not in text and text.strip(), text
        fits = box.evaluate(
            """(e) => { const r = e.getBoundingClientRect();
                        const v = e.closest('.gd-metric').getBoundingClientRect();
                        return e.scrollWidth <= e.clientWidth + 1 && r.right <= v.right + 1
                               && r.right <= document.documentElement.clientWidth; }"""
        )
        assert fits, (text, width, query)
    screenshot(page, f"numbers-{width}x{height}-{query.split('=')[0] or 'default'}")
    no_trouble(page, console_errors)


def test_controls_and_charts_have_names(page, console_errors):
    buttons = page.locator(".gd-buttons button")
    assert buttons.all_inner_texts() == ["Step", "Play", "Reset"]
    for name in CHARTS:
        label = page.locator(f"figure.gd-{name}").get_attribute("aria-label")
        assert label and len(label) > 20, name
    expect(page.get_by_role("figure")).to_have_count(len(CHARTS) + 1)  # and the learning-rate sweep
    assert "learning rate" in page.locator("figure.gd-static").get_attribute("aria-label")
    expect(page.get_by_role("slider", name="Go to iteration")).to_have_count(1)
    no_trouble(page, console_errors)


def test_the_charts_follow_the_iteration_and_keep_a_zoom(open_app, console_errors):
    page = open_app("iteration=10")
    x_range = "(name) => document.querySelector(`.gd-${name} .js-plotly-plot`).layout.xaxis.range.slice()"
    for name in ("convergence", "loss"):
        low, high = page.evaluate(x_range, name)
        assert low == 0 and 10 <= high <= 15, (name, high)  # steps so far readable, not a sliver
    page.get_by_role("button", name="Whole run").click()
    page.wait_for_function(f"() => ({x_range})('loss')[1] === 1000")
    # a zoom the user made survives Step
    page.evaluate(
        "() => Plotly.relayout(document.querySelector('.gd-convergence .js-plotly-plot'),"
        " {'xaxis.range': [2, 8]})"
    )
    page.get_by_role("button", name="Step", exact=True).click()
    expect(page.get_by_test_id("gd-iteration")).to_have_text("11")
    assert page.evaluate(x_range, "convergence") == [2, 8]
    page.get_by_role("button", name="Follow").click()
    page.wait_for_function(f"() => ({x_range})('convergence')[1] < 20")
    no_trouble(page, console_errors)


# how many redraws of the 3-D scene kept the surface plotly.js had built (static/patches.js)
SCENE_KEPT = (
    "() => document.querySelector('.gd-surface .js-plotly-plot')._fullLayout.scene._scene.gdKept || 0"
)


@pytest.mark.parametrize("query", ["", "learning_rate=1.5&steps=30"], ids=["article", "diverging"])
def test_a_step_draws_the_scene_a_fresh_page_draws(open_app, console_errors, query):
    # a Step restyles the 3-D marker and trail, and the surface keeps what plotly.js built for it
    # (static/patches.js): each of three Steps, even as a diverging run's marker flies off
    # the surface (the whole path, drawn from the start, has set the scene's scale). The scene is
    # the picture a page opened at that iteration draws, which builds its surface once.
    stepped = open_app(query)
    scene_at(stepped, 0)
    for k in (1, 2, 3):
        stepped.get_by_role("button", name="Step", exact=True).click()
        scene_at(stepped, k)
    assert stepped.evaluate(SCENE_KEPT) == 3
    fresh = open_app(f"{query}&iteration=3" if query else "iteration=3")
    scene_at(fresh, 3)
    stepped.mouse.move(0, 0)  # no hover label on either
    pictures = [p.locator(".gd-surface .js-plotly-plot").screenshot() for p in (stepped, fresh)]
    assert pictures[0] == pictures[1]
    no_trouble(stepped, console_errors)
