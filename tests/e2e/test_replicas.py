"""A replica killed mid-class (issue 23): two browsers through `deploy/serve --replicas 2`, each on
its own replica with an uploaded CSV, at `?learning_rate=0.05&iteration=40`; the replica holding
one of them gets SIGKILL. Within 15 s, on their next action, both pages are at iteration 40 and
rate 0.05 with no exception on screen: the page whose replica died was taken over by the live
one, which rebuilt it from its address bar and says that the file must be chosen again; the other
page kept its replica and its file.

Streamlit's page reconnects its websocket by itself (the proxy sends it to the live replica, with
a new affinity cookie) but asks for no script run while idle: the new session's first run comes
with the user's next action. That action here is opening a fold of the sidebar, which changes
neither the run nor the iteration.

Needs HAProxy: skipped where it is missing, a failure under GD_REQUIRE_HAPROXY=1 (.ci/run).
"""

from __future__ import annotations

import os
import re
import signal
import time
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from serving import COOKIE, Serve, alive, need_haproxy
from test_smoke import no_trouble

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture then skips, or fails under GD_REQUIRE_BROWSER=1
    expect = None

from conftest import wait_for_app
from reference import compact

from gd import share
from gd.data import load_csv
from gd.inputs import Settings
from gd.run import experiment

LINK = "learning_rate=0.05&iteration=40"
TAKEOVER_S = 15  # the bound: kill -> both pages back, on their next action
FOLD = "Noise, seed, feature scales and outliers"  # the next action: open it


@pytest.fixture
def serve(browser):
    need_haproxy()
    deployment = Serve(2).start()
    yield deployment
    code = deployment.stop()
    assert code == 0, f"deploy/serve did not stop cleanly on SIGTERM: {deployment.why()}"
    # it stopped what it started: the proxy and the replica still alive
    left = [pid for pid, _ in [*deployment.replicas.values(), deployment.proxy] if alive(pid)]
    assert not left, f"still running after deploy/serve stopped: {left}"


def csv_file(tmp_path, seed: int):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((200, 2))
    y = X @ [1.5, -2.0] + 0.5 + 0.1 * rng.standard_normal(200)
    path = tmp_path / f"class-{seed}.csv"
    rows = "\n".join(f"{a},{b},{t}" for (a, b), t in zip(X, y, strict=True))
    path.write_text("height,age,y\n" + rows + "\n")
    return path


def replica_of(page) -> str:
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    return cookies.get(COOKIE, "")


def query(page) -> dict:
    return parse_qs(urlsplit(page.url).query)


def test_a_replica_killed_mid_class_loses_no_ones_place(serve, browser, console_errors, screenshot, tmp_path):
    pages, files = [], []
    for n in range(2):
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.on("pageerror", lambda e: console_errors.append(f"pageerror: {e}"))
        page.goto(f"{serve.url}/?{LINK}")
        wait_for_app(page)
        expect(page.get_by_test_id("gd-iteration")).to_have_text("40")
        path = csv_file(tmp_path, n)
        with page.expect_response(lambda r: r.request.method == "PUT" and "/upload_file/" in r.url) as put:
            page.get_by_test_id("stFileUploader").locator("input[type=file]").set_input_files(str(path))
        assert 200 <= put.value.status < 300, f"the upload's PUT answered {put.value.status}: affinity lost"
        expect(page.get_by_text(share.NOT_IN_LINK[:40])).to_be_visible()
        # the file's run opens at 0: the user goes back to iteration 40 on it. The words above can
        # show while the link's run (at 40) is still in the panel; a 40 filled there changes
        # nothing, and the file's run then came at 0 and stayed (seen once in CI, under load): wait
        # for the file's run itself, the only one at 0
        expect(page.get_by_test_id("gd-iteration")).to_have_text("0")
        page.get_by_role("slider", name="Go to iteration").fill("40")
        page.wait_for_url(re.compile(r"iteration=40"))
        assert query(page) == {"learning_rate": ["0.05"], "iteration": ["40"], "uploaded": ["true"]}
        pages.append(page)
        files.append(path)
    a, b = pages
    # page a's panel chooses momentum, which its session hears (the link follows); after the
    # takeover, that session is gone and the new one has heard no choice of this panel's
    a.get_by_test_id("gd-optimizer").select_option("momentum")
    a.wait_for_url(re.compile(r"optimizer=momentum"))
    held = [replica_of(p) for p in pages]
    assert sorted(held) == ["r0", "r1"], f"the proxy put both browsers on one replica: {held}"
    before = [query(p) for p in pages]

    victim = int(held[0][1:])
    os.kill(serve.replicas[victim][0], signal.SIGKILL)
    killed = time.monotonic()

    def left_ms() -> float:
        return max(1.0, (killed + TAKEOVER_S - time.monotonic()) * 1000)

    # Page a's next action, once its browser has noticed: its reconnection went to the live
    # replica, which gave it a new cookie (redispatch).
    while replica_of(a) == held[0]:
        assert time.monotonic() < killed + TAKEOVER_S, "the proxy did not send page a to the live replica"
        a.wait_for_timeout(200)  # polling the context's cookies (HttpOnly): no page event says they changed
    assert replica_of(a) == held[1]
    expect(a.locator("[data-testid='stApp'][data-test-connection-state='CONNECTED']")).to_be_attached(
        timeout=left_ms()
    )
    for page in pages:
        page.get_by_text(FOLD, exact=True).click()
    for page in pages:
        # the fold drawn: the script ran for this action
        expect(page.get_by_role("spinbutton", name="Seed")).to_be_visible(timeout=left_ms())
        expect(page.get_by_test_id("gd-iteration")).to_have_text("40", timeout=left_ms())
        rate = page.get_by_role("spinbutton", name="Learning rate η")
        expect(rate).to_have_value("0.05", timeout=left_ms())
    # page a: taken over, rebuilt from its link: the synthetic data with momentum at rate 0.05,
    # iteration 40, and in words, the file to choose again; its uploader lists no file the server lacks
    expect(a.get_by_text("Choose the file again in the sidebar")).to_be_visible(timeout=left_ms())
    synthetic = experiment(Settings(learning_rate=0.05, optimizer="momentum")).trajectory.loss[40]
    expect(a.get_by_test_id("gd-loss")).to_have_text(compact(synthetic), timeout=left_ms())
    expect(a.get_by_test_id("stFileChip")).to_have_count(0)
    # page b: on its own replica, its file still in force at iteration 40
    expect(b.get_by_text(share.NOT_IN_LINK[:40])).to_be_visible()
    expect(b.get_by_test_id("stFileChipName")).to_have_text(files[1].name)
    own = experiment(Settings(learning_rate=0.05), data=load_csv(files[1].read_bytes()))
    expect(b.get_by_test_id("gd-loss")).to_have_text(compact(own.trajectory.loss[40]))
    assert replica_of(b) == held[1]
    took = time.monotonic() - killed
    for n, page in enumerate(pages):
        screenshot(page, f"after-the-kill-{'ab'[n]}")
        no_trouble(page, console_errors)  # no exception box, no uncaught page error
    assert [query(p) for p in pages] == before  # every setting kept, and the link still says so
    assert took <= TAKEOVER_S
    assert serve.process.poll() is None and alive(serve.replicas[1 - victim][0])  # serving goes on
    assert f"replica {victim} (pid {serve.replicas[victim][0]}" in serve.err.read_text()
    # the new session's settings reach page a's panel, which sent its last choice to the old one:
    # a rate typed in the sidebar is run at the iteration shown
    box = a.get_by_role("spinbutton", name="Learning rate η")
    box.fill("0.0537")
    box.press("Enter")
    expect(a.get_by_test_id("gd-rate")).to_have_attribute("data-value", "0.0537")
    typed = experiment(Settings(learning_rate=0.0537, optimizer="momentum")).trajectory.loss[40]
    expect(a.get_by_test_id("gd-loss")).to_have_text(compact(typed))
