"""The page as a presenter and a class use it, in a real browser: one Play for every view,
the scrubber, presets, share links, uploads and comparisons.

Each test also checks what must not happen: an exception box or a console error.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture then skips, or fails under GD_REQUIRE_BROWSER=1
    expect = None

from conftest import played_to
from reference import compact
from test_smoke import ARTICLE, ROOT, no_trouble

from gd.inputs import Settings
from gd.run import experiment

if TYPE_CHECKING:
    from playwright.sync_api import Page

# The moving traces of a live chart, as the browser holds them (typed arrays left out).
CHART = """(name) => {
  const plot = document.querySelector(`.gd-${name} .js-plotly-plot`);
  if (!plot || !plot.data) return null;
  const plain = (v) => (v && !v.bdata && typeof v !== 'string' ? Array.from(v) : null);
  return plot.data.map((t) => ({ name: t.name, meta: t.meta ?? null, x: plain(t.x), y: plain(t.y),
                                 z: t.type === 'scatter3d' ? plain(t.z) : null,
                                 visible: t.visible ?? true }));
}"""


# The exported HTML's surface: trace 2 is its moving marker.
OFFLINE_MARKER_X = """() => {
  const plot = [...document.querySelectorAll('.js-plotly-plot')]
      .find(p => p.data && p.data[0] && p.data[0].type === 'surface');
  return plot ? Array.from(plot.data[2].x) : null;
}"""


# the lines a figure draws of the run as a whole (plain GD's references, the rates), which the
# panel shows as the payload carries them (float32) and draws again only for a run of the browser's
WHOLE = ("theory", "rates")
SENT_AS_FLOAT32 = 2.0**-24  # float32's relative rounding


def moving(page: Page, name: str, tag: str) -> list[dict]:
    """The traces of chart `name` tagged `tag` (gd.figures' meta tags)."""
    traces = page.evaluate(CHART, name) or []
    return [t for t in traces if isinstance(t["meta"], dict) and t["meta"]["gd"] == tag]


def scene_at(page: Page, k: int) -> None:
    """Wait until the 3-D scene shows iteration k (it is drawn after the 2-D charts)."""
    page.wait_for_function("(k) => document.querySelector('.gd-panel').dataset.scene === String(k)", arg=k)


def choose(page: Page, label: str, option: str) -> None:
    """Pick an option of the selectbox labelled `label`, as a user does."""
    page.get_by_test_id("stSelectbox").filter(has_text=label).first.click()
    page.get_by_role("option", name=option, exact=True).click()


def iteration(page: Page) -> int:
    return int(page.get_by_test_id("gd-iteration").inner_text())


def test_one_timeline_one_play_button(page, console_errors):
    for words in ("Step", "Reset", "Play"):
        expect(page.get_by_role("button", name=words, exact=True)).to_have_count(1)
    expect(page.get_by_role("button", name="Pause", exact=True)).to_have_count(0)
    expect(page.locator(".updatemenu-button")).to_have_count(0)  # no chart has a Play of its own
    expect(page.locator(".slider-container")).to_have_count(0)  # nor a slider of its own
    no_trouble(page, console_errors)


def test_play_advances_every_view_until_pause(page, console_errors, screenshot):
    page.get_by_role("button", name="Play", exact=True).click()
    expect(page.get_by_role("button", name="Pause", exact=True)).to_be_visible()
    played_to(page, 10)
    page.get_by_role("button", name="Pause", exact=True).click()
    expect(page.get_by_role("button", name="Play", exact=True)).to_be_visible()
    paused_at = iteration(page)
    # a fixed wait is the point: it shows an absence (the iteration does not move after Pause)
    page.wait_for_timeout(1500)
    assert iteration(page) == paused_at, "the iteration moved after Pause"
    # every view stopped on the iteration shown, the 3-D marker too
    P = ARTICLE.trajectory.params
    scene_at(page, paused_at)  # the 3-D scene follows in the frame after the 2-D charts
    (marker,) = moving(page, "surface", "point")
    i, j = 4, 3  # the default surface axes: the two largest true weights, w5 and w4
    assert marker["x"] == [P[paused_at, i]] and marker["y"] == [P[paused_at, j]]
    (point,) = moving(page, "contour", "point")
    assert point["x"] == [P[paused_at, i]]
    (loss_point,) = moving(page, "loss", "point")
    assert loss_point["x"] == [paused_at]
    expect(page.get_by_test_id("gd-loss")).to_have_text(compact(ARTICLE.trajectory.loss[paused_at]))
    screenshot(page, "paused")
    no_trouble(page, console_errors)


def test_the_scrubber_moves_the_current_point(page, console_errors, screenshot):
    P = ARTICLE.trajectory.params
    scrubber = page.get_by_role("slider", name="Go to iteration")
    scrubber.focus()
    for _ in range(5):
        scrubber.press("ArrowRight")
    expect(page.get_by_test_id("gd-iteration")).to_have_text("5")
    page.wait_for_function(
        f"() => ({CHART})('contour').some((t) => t.meta && t.meta.gd === 'point' && t.x[0] === {P[5, 4]})",
        timeout=10_000,
    )
    screenshot(page, "scrubbed")
    no_trouble(page, console_errors)


def test_a_diverging_preset_says_so_once_and_opens_on_its_iteration(page, console_errors, screenshot):
    choose(page, "Preset", "Divergence")
    expect(page.get_by_text(re.compile(r"The run diverged at step \d+"))).to_be_visible()
    expect(page.get_by_text("is past the stability limit: the error")).to_have_count(0)  # said once
    # it opens on its own iteration: the lines of both runs end there, the point stands there
    expect(page.get_by_test_id("gd-iteration")).to_have_text("40")
    assert moving(page, "loss", "point")[0]["x"] == [40]
    lines = moving(page, "loss", "line")
    assert len(lines) == 2 and all(t["x"][-1] == 40 for t in lines)
    screenshot(page, "divergence")
    # chosen right after moving away (the Reset's report still to come), the next preset opens on
    # its own iteration, and stays there once the report has come (the race is forced below)
    page.get_by_role("button", name="Reset", exact=True).click()
    expect(page.get_by_test_id("gd-iteration")).to_have_text("0")
    choose(page, "Preset", "Oscillation")
    expect(page.get_by_test_id("gd-iteration")).to_have_text("12")
    # a fixed wait is the point: the Reset's late report may come in this second, and the page
    # must not jump back to 0 when it does (an absence: nothing on the page announces it)
    page.wait_for_timeout(1000)
    expect(page.locator("[data-testid=stApp][data-test-script-state=notRunning]")).to_be_attached()
    expect(page.get_by_test_id("gd-iteration")).to_have_text("12")
    no_trouble(page, console_errors)


RESET_AND_CHOOSE = """(option) => {
  [...document.querySelectorAll('.gd-panel button')].find((b) => b.textContent === 'Reset').click();
  [...document.querySelectorAll('[role=option]')].find((o) => o.textContent === option).click();
}"""


def test_a_preset_chosen_while_a_report_is_on_its_way_opens_on_its_iteration(
    page, console_errors, screenshot
):
    """The Reset-then-preset race, forced: the server's messages to the page are held from the
    Reset on, so the Reset's report (0.7 s after it) is made before the page hears the preset's
    rerun, and reaches the server after it, with every input as the page still showed it."""
    held: list = []
    up = []  # the page's messages to the server since the Reset
    hold = [False]

    def route(ws):
        server = ws.connect_to_server()
        server.on_message(lambda message: held.append(message) if hold[0] else ws.send(message))

        def to_server(message):
            if hold[0]:
                up.append(message)
            server.send(message)

        ws.on_message(to_server)
        held.append(ws)  # held[0]: the route, to release the held messages through

    page.route_web_socket(re.compile(r"/_stcore/stream"), route)
    page.reload()  # a new connection, through the route
    expect(page.locator("[data-testid=stApp][data-test-script-state=notRunning]")).to_be_attached()
    expect(page.locator(".gd-panel[data-ready=true]")).to_be_attached()
    choose(page, "Preset", "Divergence")
    expect(page.get_by_test_id("gd-iteration")).to_have_text("40")
    expect(page.locator("[data-testid=stApp][data-test-script-state=notRunning]")).to_be_attached()
    # the list open first; then the Reset and the choice in one task of the page's, so that the
    # choice leaves first whatever the load (a pointer's click on Reset would close the list)
    page.get_by_test_id("stSelectbox").filter(has_text="Preset").first.click()
    expect(page.get_by_role("option", name="Oscillation", exact=True)).to_be_visible()
    hold[0] = True
    page.evaluate(RESET_AND_CHOOSE, "Oscillation")
    expect(page.get_by_role("combobox", name="Preset")).to_have_value("Oscillation")
    for _ in range(40):  # the report leaves 0.7 s after the Reset, the page not yet reopened
        if len(up) == 2:
            break
        page.wait_for_timeout(100)  # polling a list the websocket events fill: no page state to wait on
    assert len(up) == 2, "the Reset's report never left"
    assert b'"iteration":{"run"' in up[1] and b'"iteration":{"run"' not in up[0]  # choice, then report
    expect(page.get_by_test_id("gd-iteration")).to_have_text("0")  # the page heard nothing yet
    hold[0] = False
    ws, *messages = held
    for message in messages:
        ws.send(message)
    # a fixed wait is the point: the held report's rerun comes after the preset's, and the page
    # must stay on the preset's iteration once it has (no page state says that rerun is over)
    page.wait_for_timeout(1500)
    expect(page.locator("[data-testid=stApp][data-test-script-state=notRunning]")).to_be_attached()
    expect(page.get_by_test_id("gd-iteration")).to_have_text("12")
    expect(page.get_by_role("spinbutton", name="Learning rate η")).to_have_value("0.9")
    page.wait_for_url(re.compile(r"[?&]iteration=12(&|$)"), timeout=5_000)
    assert "learning_rate=0.9" in page.url and "compare" not in page.url, page.url
    screenshot(page, "oscillation")
    # a report made after the preset opened is kept: the link follows the user on
    page.get_by_role("button", name="Step", exact=True).click()
    page.wait_for_url(re.compile(r"[?&]iteration=13(&|$)"), timeout=5_000)
    no_trouble(page, console_errors)


def test_a_reset_after_a_preset_reopened_the_run_on_screen_reaches_the_link(page, console_errors):
    """A preset whose run is the one on screen reopens it in place, and the server then holds the
    preset's iteration: the browser must report the next stop even where it is where the user had
    stopped before the preset (here 0)."""
    for name, value in (("Learning rate η", "0.9"), ("Steps", "100")):  # Oscillation's run, by hand
        box = page.get_by_role("spinbutton", name=name)
        box.fill(value)
        box.press("Enter")
        expect(page.locator("[data-testid=stApp][data-test-script-state=notRunning]")).to_be_attached()
    # (the first click after typing in a number box only moves the focus: Streamlit's list opens
    # on the second, which `choose` below makes)
    page.get_by_test_id("stSelectbox").filter(has_text="Preset").first.click()
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("gd-iteration")).to_have_text("0")
    page.get_by_role("button", name="Step", exact=True).click()
    page.wait_for_url(re.compile(r"[?&]iteration=1(&|$)"), timeout=5_000)
    page.get_by_role("button", name="Reset", exact=True).click()
    page.wait_for_url(lambda url: "iteration=" not in url, timeout=5_000)  # 0 reported
    expect(page.locator("[data-testid=stApp][data-test-script-state=notRunning]")).to_be_attached()
    choose(page, "Preset", "Oscillation")  # the same run: the panel goes to 12 in place
    expect(page.get_by_test_id("gd-iteration")).to_have_text("12")
    page.wait_for_url(re.compile(r"[?&]iteration=12(&|$)"), timeout=5_000)
    page.get_by_role("button", name="Reset", exact=True).click()
    expect(page.get_by_test_id("gd-iteration")).to_have_text("0")
    page.wait_for_url(lambda url: "iteration=" not in url, timeout=5_000)
    no_trouble(page, console_errors)


def test_an_out_of_range_rate_is_named_under_its_box(page, console_errors, screenshot):
    box = page.get_by_role("spinbutton", name="Learning rate η")
    box.fill("500")
    box.press("Enter")
    sidebar = page.get_by_test_id("stSidebar")
    message = sidebar.get_by_text("Learning rate must be at least 1e-06 and at most 100, got 500.")
    expect(message).to_be_visible()
    expect(box).to_have_value("500")  # what the user typed stays
    # the message sits right under the box, in the sidebar
    box_bounds, message_bounds = box.bounding_box(), message.bounding_box()
    assert 0 <= message_bounds["y"] - (box_bounds["y"] + box_bounds["height"]) < 80
    assert sidebar.get_by_text("got 500").count() == 1
    expect(page.get_by_text("Press Enter to apply")).to_have_count(0)
    screenshot(page, "out-of-range")
    box.fill("0.02")
    box.press("Enter")
    expect(message).to_have_count(0)
    no_trouble(page, console_errors)


def test_a_shared_link_restores_its_setup(open_app, console_errors, screenshot):
    page = open_app("true_weights=3,-1&optimizer=adam&learning_rate=0.1&compare=gd&iteration=5")
    expect(page.get_by_test_id("gd-iteration")).to_have_text("5")
    expect(page.get_by_role("textbox", name="True weights")).to_have_value("3, -1")
    expect(page.get_by_role("combobox", name="Optimizer", exact=True)).to_have_value("Adam")
    names = [t["name"] for t in moving(page, "loss", "line")]
    assert "gd" in names and any(n.startswith("adam") for n in names), names
    # every view is at iteration 5: the lines end there, the points stand there
    for name in ("convergence", "loss"):
        assert all(t["x"][-1] == 5 for t in moving(page, name, "line"))
    assert moving(page, "loss", "point")[0]["x"] == [5]
    adam = experiment(Settings(true_weights=(3.0, -1.0), optimizer="adam", learning_rate=0.1))
    assert moving(page, "contour", "point")[0]["x"] == [adam.trajectory.params[5, 0]]  # w1 across
    expect(page.get_by_role("heading", name="The math at iteration 5")).to_be_visible()
    screenshot(page, "shared")
    no_trouble(page, console_errors)


def test_the_address_bar_follows_the_page(page, console_errors):
    # Clicks a reader would make, each after seeing the last one land: Streamlit folds two clicks
    # of one button that arrive during the same run into one.
    for _ in range(3):
        page.get_by_role("button", name="Step", exact=True).click()
    expect(page.get_by_test_id("gd-iteration")).to_have_text("3")
    # sent once, after the user stopped: the link then holds the iteration
    page.wait_for_url(re.compile(r"iteration=3"), timeout=5_000)
    no_trouble(page, console_errors)


def test_an_uploaded_csv_is_learned(page, console_errors, screenshot, tmp_path):
    rng = np.random.default_rng(3)
    X = rng.standard_normal((200, 2))
    y = X @ [1.5, -2.0] + 0.5
    path = tmp_path / "heights.csv"
    rows = "\n".join(f"{a},{b},{t}" for (a, b), t in zip(X, y, strict=True))
    path.write_text("height,<b>age</b>,y\n" + rows + "\n")
    page.get_by_test_id("stFileUploader").locator("input[type=file]").set_input_files(str(path))
    expect(page.get_by_test_id("gd-loss")).to_have_text(compact(np.mean(y**2)))  # at zero: mean(y^2)
    page.get_by_text("Surface axes", exact=True).click()  # the fold opens: its boxes are drawn
    expect(page.get_by_role("combobox", name="Horizontal axis")).to_have_value(
        re.compile("height|<b>age</b>")
    )
    page.get_by_role("button", name="Step", exact=True).click()
    expect(page.get_by_test_id("gd-iteration")).to_have_text("1")
    screenshot(page, "uploaded")
    no_trouble(page, console_errors)


def test_a_bad_upload_is_a_message_and_the_page_goes_on(page, console_errors, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("a,b,y\n1,2,3\n4,=SUM(A1:A2),6\n")
    page.get_by_test_id("stFileUploader").locator("input[type=file]").set_input_files(str(path))
    expect(page.get_by_text(re.compile(r"is not a number"))).to_be_visible()
    page.get_by_role("button", name="Step", exact=True).click()
    expect(page.get_by_test_id("gd-iteration")).to_have_text("1")
    no_trouble(page, console_errors)


def test_the_exports_download_a_csv_and_an_offline_html(page, console_errors, tmp_path):
    page.get_by_text("Export: the trajectory as CSV").click()  # the fold, closed on a new page
    with page.expect_download() as got:
        page.get_by_role("button", name=re.compile("trajectory \\(CSV\\)")).click()
    csv_path = tmp_path / "trajectory.csv"
    got.value.save_as(csv_path)
    lines = csv_path.read_text().splitlines()
    assert lines[0] == "step,loss,w1,w2,w3,w4,w5,b" and len(lines) == 1002
    assert lines[1].startswith("0,") and lines[-1].startswith("1000,")
    with page.expect_download(timeout=60_000) as got:
        page.get_by_role("button", name=re.compile("surface \\(HTML")).click()
    html_path = tmp_path / "surface.html"
    got.value.save_as(html_path)
    html = html_path.read_text()
    # the page's own plotly.js is inside (1.8 MB; the package's full one is 4.8): it plays with no network
    assert (ROOT / "static" / "plotly-gd.min.js").read_text(encoding="utf-8") in html
    assert len(html) < 3_000_000
    assert not re.search(r"<script[^>]*\bsrc=", html)  # no script fetched from anywhere
    assert "addFrames" in html  # the frames travel with it
    offline = page.context.browser.new_page()
    try:  # it plays with every request refused
        offline.route("**/*", lambda route: route.abort())
        offline.set_content(html, timeout=60_000)
        expect(offline.locator(".js-plotly-plot .gl-container canvas").first).to_be_visible()
        offline.locator(".updatemenu-button").filter(has_text="Play").first.click()
        offline.wait_for_function(
            f"() => {{ const x = ({OFFLINE_MARKER_X})(); return x && x[0] !== 0; }}", timeout=15_000
        )
    finally:
        offline.close()
    no_trouble(page, console_errors)


def test_a_file_over_the_upload_limit_is_refused_by_the_uploader(page, console_errors, tmp_path):
    path = tmp_path / "big.csv"
    row = "1.0,2.0,3.0\n"
    path.write_text("a,b,y\n" + row * (6 * 2**20 // len(row)))  # 6 MB; the limit is 5 MB
    page.get_by_test_id("stFileUploader").locator("input[type=file]").set_input_files(str(path))
    expect(page.get_by_test_id("stFileUploader")).to_contain_text("File must be 5.0MB or smaller")
    page.get_by_role("button", name="Step", exact=True).click()
    expect(page.get_by_test_id("gd-iteration")).to_have_text("1")  # the page went on with its data
    expect(page.get_by_test_id("stException")).to_have_count(0)
