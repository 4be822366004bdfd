"""Load test: many sessions click Step at once, through Streamlit's own websocket protocol.

Each session does what a browser tab does: opens /_stcore/stream, asks for the first run, then
clicks the button with key "step" (a rerun carrying that widget's trigger, and the fragment id when the
button lives in an st.fragment), pausing between clicks, and times click -> script_finished. Like the
browser it remembers large cacheable messages and lists their hashes, so the server sends a reference
instead of an unchanged figure. The server's memory (RSS of it and its children) is sampled throughout.

    python bench/load.py --start                      # start `streamlit run app.py` on a free port
    python bench/load.py --url http://127.0.0.1:8501 --pid 12345

Targets (README.md, Benchmarks): 0 errors, p95 click -> rerun <= 1 s, peak server memory <= 500 MB.
Exit status 1 when a target is missed. Loopback only; every wait has a timeout and the whole run a
deadline.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.runtime.state.common import user_key_from_element_id
from websockets.asyncio.client import connect  # a dependency of streamlit, like the protos

ROOT = Path(__file__).resolve().parents[1]
TARGET_P95_S = 1.0
TARGET_PEAK_MB = 500
MAX_SESSIONS = 200
MAX_CLICKS = 100
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
DONE = (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY)


@dataclass
class Click:
    latency_s: float
    bytes: int
    fragment_run: bool = False


@dataclass
class Session:
    """One browser tab's view of the protocol: the state a click needs, and what the clicks cost."""

    index: int
    button_key: str
    query_string: str = ""
    page_script_hash: str = ""
    button_id: str | None = None
    button_fragment: str = ""
    iteration: str | None = None
    # The browser's message cache: hash -> (run count when last used, fragment id).
    cache: dict[str, tuple[int, str]] = field(default_factory=dict)
    max_cache_age: int = 2
    run_count: int = 0
    bytes: int = 0
    finished: asyncio.Future | None = None
    closed: Exception | None = None
    auto_rerun_s: float | None = None
    clicks: list[Click] = field(default_factory=list)
    first_run: Click | None = None
    errors: list[str] = field(default_factory=list)

    def rerun(self, widget: WidgetState | None = None, fragment_id: str = "") -> bytes:
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query_string
        state.page_script_hash = self.page_script_hash
        state.fragment_id = fragment_id
        state.cached_message_hashes.extend(self.cache)
        if widget is not None:
            state.widget_states.widgets.append(widget)
        return msg.SerializeToString()

    def receive(self, frame: bytes) -> None:
        self.bytes += len(frame)
        msg = ForwardMsg()
        msg.ParseFromString(frame)
        kind = msg.WhichOneof("type")
        if kind == "ref_hash":
            if msg.ref_hash not in self.cache:
                self.errors.append(f"server referred to an uncached message {msg.ref_hash}")
            else:
                self.cache[msg.ref_hash] = (self.run_count, self.cache[msg.ref_hash][1])
        elif msg.metadata.cacheable:
            self.cache[msg.hash] = (self.run_count, msg.delta.fragment_id)
        if kind == "new_session":
            self.page_script_hash = msg.new_session.page_script_hash
            self.max_cache_age = msg.new_session.config.max_cached_message_age
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            self.element(msg.delta.new_element, msg.delta.fragment_id)
        elif kind == "script_finished":
            self.script_finished(msg)
        elif kind == "auto_rerun":
            self.auto_rerun_s = msg.auto_rerun.interval

    def element(self, element, fragment_id: str) -> None:
        kind = element.WhichOneof("type")
        if kind == "button" and user_key_from_element_id(element.button.id) == self.button_key:
            self.button_id, self.button_fragment = element.button.id, fragment_id
        elif kind == "metric" and element.metric.label == "Iteration":
            self.iteration = element.metric.body
        elif kind == "exception" and not element.exception.is_warning:
            self.errors.append(f"exception shown: {element.exception.type}: {element.exception.message}")

    def script_finished(self, msg: ForwardMsg) -> None:
        status = msg.script_finished
        if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
            return
        # Age the cache as the frontend does, so the hashes we send match a real tab's.
        self.run_count += 1
        fragments = set(msg.metadata.run.fragment_ids)
        for digest, (used, fragment) in list(self.cache.items()):
            in_run = not fragments or fragment in fragments
            if in_run and self.run_count - used > self.max_cache_age:
                del self.cache[digest]
        if self.finished is not None and not self.finished.done():
            self.finished.set_result(status)

    async def run_once(self, ws, frame: bytes, timeout: float) -> Click:
        """Send a rerun and wait for its script_finished; return its latency and the bytes it cost."""
        if self.closed:
            raise self.closed
        self.finished = asyncio.get_running_loop().create_future()
        self.bytes = 0
        start = time.perf_counter()
        await ws.send(frame)
        status = await asyncio.wait_for(self.finished, timeout)
        click = Click(
            time.perf_counter() - start, self.bytes, status == ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY
        )
        if status not in DONE:
            self.errors.append(f"script finished with status {ForwardMsg.ScriptFinishedStatus.Name(status)}")
        return click

    async def read(self, ws) -> None:
        try:
            async for frame in ws:
                self.receive(frame)
            self.closed = ConnectionError("the server closed the websocket")
        except Exception as error:  # ends this session's waits at once, not at their timeout
            self.closed = error
        if self.finished is not None and not self.finished.done():
            self.finished.set_exception(self.closed)

    async def run(self, url: str, clicks: int, pause: float, delay: float, timeout: float) -> None:
        ws_url = url.replace("http", "ws", 1).rstrip("/") + "/_stcore/stream"
        async with connect(ws_url, subprotocols=["streamlit"], max_size=None, open_timeout=timeout) as ws:
            reader = asyncio.create_task(self.read(ws))
            try:
                self.first_run = await self.run_once(ws, self.rerun(), timeout)
                if self.button_id is None:
                    self.errors.append(f"no button with key {self.button_key!r} on the page")
                    return
                await asyncio.sleep(delay)
                for _ in range(clicks):
                    before, self.iteration = self.iteration, None
                    trigger = WidgetState(id=self.button_id, trigger_value=True)
                    self.clicks.append(
                        await self.run_once(ws, self.rerun(trigger, self.button_fragment), timeout)
                    )
                    self.check_iteration(before)
                    await asyncio.sleep(pause)
            finally:
                reader.cancel()

    def check_iteration(self, before: str | None) -> None:
        """A click that the server ran must show the next iteration (when the page has that metric)."""
        if before is None or not before.isdigit():
            return
        if self.iteration != str(int(before) + 1):
            shown = "no Iteration metric" if self.iteration is None else f"Iteration {self.iteration}"
            self.errors.append(f"a Step click from Iteration {before} showed {shown}, not {int(before) + 1}")


async def run_sessions(url: str, args: argparse.Namespace) -> list[Session]:
    sessions = [Session(i, args.button_key) for i in range(args.sessions)]
    rng = random.Random(args.seed)

    async def one(session: Session) -> None:
        try:
            delay = rng.uniform(0, args.jitter)
            await session.run(url, args.clicks, args.pause, delay, args.timeout)
        except TimeoutError:
            session.errors.append(f"no script_finished within {args.timeout} s")
        except Exception as error:  # any failure of one session is a result, not a crash of the test
            session.errors.append(f"{type(error).__name__}: {error}")

    tasks = [asyncio.create_task(one(s)) for s in sessions]
    done, pending = await asyncio.wait(tasks, timeout=args.deadline)
    for task in pending:
        task.cancel()
    for session, task in zip(sessions, tasks, strict=True):
        if task in pending:
            session.errors.append(f"unfinished at the {args.deadline} s deadline")
    await asyncio.gather(*pending, return_exceptions=True)
    return sessions


def tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants, in kB, from /proc."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            total += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
            for task in Path(f"/proc/{p}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, StopIteration):
            continue  # the process ended, or is a kernel thread without VmRSS
    return total


async def sample_memory(pid: int, peak: list[int], stop: asyncio.Event) -> None:
    while not stop.is_set():
        peak[0] = max(peak[0], tree_rss_kb(pid))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.1)


def start_app(app: Path, log: Path, timeout: float) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [
        sys.executable, "-m", "streamlit", "run", app.name,
        "--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(port),
        "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=app.parent, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return process, url
        except OSError:
            time.sleep(0.2)
    stop_app(process)
    tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
    raise SystemExit(f"the app did not become healthy within {timeout} s; log {log}:\n{tail}")


def stop_app(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def percentile(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] if len(values) > 1 else values[0]


def report(sessions: list[Session], peak_kb: int | None, baseline_kb: int | None, args) -> bool:
    errors = [e for s in sessions for e in s.errors]
    clicks = [c for s in sessions for c in s.clicks]
    loads = [s.first_run for s in sessions if s.first_run]
    in_fragment = {"yes" if s.button_fragment else "no" for s in sessions if s.button_id}
    auto_rerun = {s.auto_rerun_s for s in sessions if s.auto_rerun_s}
    ok = not errors
    verdict = {True: "ok", False: "MISSED"}
    print(
        f"{args.sessions} sessions x {args.clicks} clicks, {args.pause} s apart, first clicks spread over "
        f"{args.jitter} s; Step button in a fragment: {'/'.join(sorted(in_fragment)) or 'not found'}"
    )
    print(f"errors                         {len(errors):>10}      target 0          {verdict[not errors]}")
    # The same failure in many sessions is one finding: print each once, with how often and where.
    for text, count in Counter(e.splitlines()[0] for e in errors).most_common(10):
        where = sum(any(e.startswith(text) for e in s.errors) for s in sessions)
        print(f"  {count} x in {where} sessions: {text[:300]}")
    if loads:
        first = [c.latency_s for c in loads]
        print(
            f"first run p50 / p95            {percentile(first, 50):>8.3f} s / {percentile(first, 95):.3f} s"
            f"   bytes (median) {statistics.median(c.bytes for c in loads):,.0f}"
        )
    if clicks:
        latency = [c.latency_s for c in clicks]
        p95 = percentile(latency, 95)
        ok &= p95 <= TARGET_P95_S
        print(
            f"clicks timed                   {len(clicks):>10} of {args.sessions * args.clicks}, "
            f"{sum(c.fragment_run for c in clicks)} of them fragment reruns"
        )
        print(f"click -> rerun p50             {percentile(latency, 50):>8.3f} s")
        print(
            f"click -> rerun p95             {p95:>8.3f} s      target <= {TARGET_P95_S} s   "
            f"{verdict[p95 <= TARGET_P95_S]}"
        )
        print(f"click -> rerun max             {max(latency):>8.3f} s")
        sizes = [c.bytes for c in clicks]
        print(f"bytes per click median / max   {statistics.median(sizes):>10,.0f} / {max(sizes):,}")
    else:
        ok = False
        print("no click was timed")
    if auto_rerun:
        # A browser would rerun that fragment on a timer; this test does not, so it understates the load.
        print(f"note: the page asked for timed fragment reruns every {min(auto_rerun)} s (not sent here)")
    if peak_kb is not None:
        peak_mb = peak_kb / 1024
        ok &= peak_mb <= TARGET_PEAK_MB
        print(
            f"server peak memory (RSS)       {peak_mb:>8.0f} MB     target <= {TARGET_PEAK_MB} MB  "
            f"{verdict[peak_mb <= TARGET_PEAK_MB]}   (before sessions: {baseline_kb / 1024:.0f} MB)"
        )
    else:
        print("server peak memory             not measured (give --pid, or use --start)")
    return ok


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--start", action="store_true", help="start `streamlit run` on a free loopback port")
    where.add_argument("--url", help="a running app on loopback, e.g. http://127.0.0.1:8501")
    parser.add_argument("--app", type=Path, default=ROOT / "app.py", help="script for --start")
    parser.add_argument("--pid", type=int, help="with --url: the streamlit process, to sample its memory")
    parser.add_argument("--sessions", type=int, default=30, help="concurrent sessions")
    parser.add_argument("--clicks", type=int, default=10, help="Step clicks per session")
    parser.add_argument("--pause", type=float, default=1.0, help="seconds between clicks")
    parser.add_argument(
        "--jitter",
        type=float,
        default=1.0,
        help="spread each session's first click over this many seconds, as independent "
        "people would; 0 clicks in lockstep",
    )
    parser.add_argument("--button-key", default="step", help="key of the button to click")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for any one run")
    parser.add_argument("--deadline", type=float, default=180.0, help="seconds for the whole load test")
    parser.add_argument("--seed", type=int, default=0, help="seed of the first-click spread")
    args = parser.parse_args(argv)
    if not 1 <= args.sessions <= MAX_SESSIONS or not 1 <= args.clicks <= MAX_CLICKS:
        parser.error(f"--sessions must be 1..{MAX_SESSIONS} and --clicks 1..{MAX_CLICKS}")
    if args.url and urlsplit(args.url).hostname not in LOOPBACK:
        parser.error(f"--url must be on loopback ({', '.join(sorted(LOOPBACK))}), got {args.url}")
    if args.start and not args.app.is_file():
        parser.error(f"no app at {args.app}")
    return args


async def main_async(args: argparse.Namespace, url: str, pid: int | None) -> bool:
    peak, stop = [0], asyncio.Event()
    baseline = tree_rss_kb(pid) if pid else None
    sampler = asyncio.create_task(sample_memory(pid, peak, stop)) if pid else None
    sessions = await run_sessions(url, args)
    stop.set()
    if sampler:
        await sampler
    return report(sessions, peak[0] if pid else None, baseline, args)


def time_clicks(app: Path, clicks: int, pause: float = 0.3) -> list[float]:
    """One session on a fresh server of `app`: the click -> finished-rerun latency of each Step.
    For bench/page.py, which compares this app with a minimal one in the same run."""
    args = parse_args(
        [
            "--start",
            "--app",
            str(app),
            "--sessions",
            "1",
            "--clicks",
            str(clicks),
            "--pause",
            str(pause),
            "--jitter",
            "0",
        ]
    )
    fd, log = tempfile.mkstemp(prefix="gd-page-", suffix=".log")
    os.close(fd)
    process, url = start_app(args.app.resolve(), Path(log), timeout=60)
    try:
        (session,) = asyncio.run(run_sessions(url, args))
    finally:
        stop_app(process)
    if session.errors:
        raise RuntimeError(f"{app.name}: {session.errors[0]} (server log {log})")
    return [click.latency_s for click in session.clicks]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    process = None
    if args.start:
        fd, log = tempfile.mkstemp(prefix="gd-load-", suffix=".log")
        os.close(fd)
        process, url = start_app(args.app.resolve(), Path(log), timeout=60)
        print(f"started {args.app} at {url} (pid {process.pid}, log {log})")
    else:
        url = args.url
    try:
        ok = asyncio.run(main_async(args, url, process.pid if process else args.pid))
    finally:
        if process:
            stop_app(process)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
