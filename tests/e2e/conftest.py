"""Browser tests: the real app in a `streamlit run` subprocess, driven by headless Chromium.

Fixtures
- `app_url` (session): starts `streamlit run app.py` from the repository root on a free loopback port,
  waits for `/_stcore/health`, yields the base URL; the server log goes to a temp file whose tail is
  printed when the app fails to start or a test fails.
- `browser` (session): Debian's Chromium at /usr/bin/chromium through Playwright's sync API, with
  software WebGL (SwiftShader) so the 3-D Plotly surface renders headless.
- `app_server` (session): the server process itself, for tests that stop and resume it.
- `open_app` (per test): `open_app("optimizer=adam&steps=50")` opens the app (optionally with a query
  string, as a share link would) in a fresh browser context, waits until the first script run is done
  and returns the Playwright page. `page` is `open_app()`.
- `console_errors` (per test): browser console errors and uncaught page errors seen during the test.
- `screenshot` (per test): `screenshot(page, "after-step")` saves tests/e2e/screenshots/<test>-<name>.png.

Without Chromium or Playwright the tests skip with the reason; with GD_REQUIRE_BROWSER=1 (set by
.ci/run) they fail instead, so CI cannot pass by skipping them.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

HERE = Path(__file__).parent
SCREENSHOTS = HERE / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # tests run as root in a container
    "--disable-gpu",
    "--disable-dev-shm-usage",
    # No network here: without these Chromium floods the log with refused connections.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    # WebGL on the CPU (SwiftShader through ANGLE): Plotly's 3-D surface needs it.
    "--use-gl=angle",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
]
APP_START_TIMEOUT_S = 60
# A rerun of the real app may build several figures; waiting assertions give it this long.
EXPECT_TIMEOUT_MS = 20_000
APP_READY = "[data-testid='stApp'][data-test-script-state='notRunning']"
PANEL_READY = ".gd-panel[data-ready='true']"


def _browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not os.access(CHROMIUM, os.X_OK):
        return f"Chromium not installed at {CHROMIUM}: apt-get install chromium"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright not importable: pip install -r requirements-dev.txt"
    return None


def _skip_or_fail(reason: str) -> None:
    if os.environ.get("GD_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (GD_REQUIRE_BROWSER=1 makes this a failure)", pytrace=False)
    pytest.skip(reason)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> pytest.TestReport:
    # Keep each phase's report on the item so fixtures can tell, at teardown, whether the test failed.
    report = yield
    setattr(item, f"_report_{report.when}", report)
    return report


def _failed(item: pytest.Item) -> bool:
    reports = (getattr(item, f"_report_{when}", None) for when in ("setup", "call"))
    return any(report is not None and report.failed for report in reports)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path: Path, lines: int = 40) -> str:
    text = path.read_text(errors="replace").splitlines()
    return "\n".join(text[-lines:])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


class AppServer:
    """A `streamlit run app.py` subprocess and its log."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        fd, log = tempfile.mkstemp(prefix="gd-streamlit-", suffix=".log")
        os.close(fd)
        self.log = Path(log)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [
            sys.executable, "-m", "streamlit", "run", "app.py",
            "--server.headless", "true",
            "--server.address", "127.0.0.1",
            "--server.port", str(self.port),
            "--server.fileWatcherType", "none",
            "--browser.gatherUsageStats", "false",
        ]  # fmt: skip
        with self.log.open("wb") as log:
            # A process group of its own, so stop() ends the server and anything it started.
            self.process = subprocess.Popen(
                command, cwd=self.root, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + APP_START_TIMEOUT_S
        while not _healthy(self.url):
            if self.process.poll() is not None:
                self.fail(f"streamlit exited with code {self.process.returncode} before it was healthy")
            if time.monotonic() > deadline:
                self.fail(f"{self.url}/_stcore/health did not answer within {APP_START_TIMEOUT_S} s")
            time.sleep(0.2)  # polling the health endpoint: nothing signals that the server is up

    def fail(self, why: str) -> None:
        self.stop()
        pytest.fail(f"{why}; log {self.log}:\n{_tail(self.log)}", pytrace=False)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture(scope="session")
def app_server(request: pytest.FixtureRequest) -> Iterator[AppServer]:
    root = request.config.rootpath
    if not (root / "app.py").is_file():
        pytest.fail(f"no app.py in {root}: the browser tests drive the real app", pytrace=False)
    server = AppServer(root)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def app_url(app_server: AppServer) -> str:
    return app_server.url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    reason = _browser_missing()
    if reason:
        _skip_or_fail(reason)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def console_errors() -> list[str]:
    return []


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[..., Path]:
    test_name = re.sub(r"[^\w.-]+", "_", request.node.name)

    def save(page: Page, name: str) -> Path:
        SCREENSHOTS.mkdir(exist_ok=True)
        path = SCREENSHOTS / f"{test_name}-{name}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return save


def watch_frames(page: Page) -> tuple[list, list]:
    """The frames the page's websocket sends and receives from now on: the page is reloaded so
    that its websocket opens under watch, and waited for until its panel has drawn again."""
    sent, received = [], []

    def watch(ws):
        # (Playwright takes functions of Python's, not a list's bound method)
        ws.on("framesent", lambda payload: sent.append(payload))
        ws.on("framereceived", lambda payload: received.append(payload))

    page.on("websocket", watch)
    page.reload()
    page.locator(PANEL_READY).wait_for(state="attached", timeout=60_000)
    return sent, received


# Every chart in sight drawn at its element's width (plotly.js's own width once it has resized).
SIZES_SETTLED = """() => [...document.querySelectorAll('.gd-panel .js-plotly-plot')]
  .filter((plot) => plot.offsetParent !== null && plot._fullLayout)
  .every((plot) => Math.abs(plot._fullLayout.width - plot.getBoundingClientRect().width) < 1.5)"""


def painted(page: Page) -> None:
    """Wait for the next frame to be painted (two animation frames: the one that runs the page's
    pending drawing, then the one after its paint)."""
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")


def played_to(page: Page, k: int, timeout: float = 15_000) -> None:
    """Wait, during Play, until the iteration shown has reached k, then for that frame's paint."""
    page.wait_for_function(
        "(k) => parseInt(document.querySelector('[data-testid=gd-iteration]').textContent) >= k",
        arg=k,
        timeout=timeout,
    )
    painted(page)


def sizes_settled(page: Page) -> None:
    """Wait until every chart in sight has followed the window's size (the panel refits its charts
    a quarter of a second after a change of width) and that frame is painted."""
    page.wait_for_function(SIZES_SETTLED)
    painted(page)


def wait_for_app(page: Page) -> None:
    """Wait until the script has run and the live panel has drawn every chart."""
    from playwright.sync_api import expect

    expect(page.locator(APP_READY)).to_be_attached()
    expect(page.locator(PANEL_READY)).to_be_attached()


@pytest.fixture
def open_app(
    request: pytest.FixtureRequest,
    browser: Browser,
    app_server: AppServer,
    console_errors: list[str],
    screenshot: Callable[..., Path],
) -> Iterator[Callable[..., Page]]:
    contexts = []

    def open_(query: str = "", width: int = 1400, height: int = 1000, init_script: str | None = None) -> Page:
        context = browser.new_context(viewport={"width": width, "height": height})
        if init_script is not None:  # runs in the page before any of its own scripts
            context.add_init_script(init_script)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(EXPECT_TIMEOUT_MS)
        page.on("console", lambda m: m.type == "error" and console_errors.append(f"console: {m.text}"))
        page.on("pageerror", lambda e: console_errors.append(f"pageerror: {e}"))
        page.goto(f"{app_server.url}/?{query.lstrip('?')}" if query else app_server.url)
        wait_for_app(page)
        return page

    yield open_

    if _failed(request.node):
        for i, context in enumerate(contexts):
            for page in context.pages:
                print(f"screenshot: {screenshot(page, f'failure-{i}')}")
        print("console errors:", *(console_errors or ["(none)"]), sep="\n  ")
        print(f"server log tail ({app_server.log}):\n{_tail(app_server.log)}")
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_app: Callable[..., Page]) -> Page:
    return open_app()
