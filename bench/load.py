"""Load test: a class opens the page at once, then each attendee stops on iterations, through
Streamlit's own websocket protocol.

Each session does what a browser tab does: arrives at a random moment within --arrive seconds,
opens /_stcore/stream, asks for the first run (timed: open -> script_finished), then, pausing
between them, reports the iteration it stopped on as the live panel does once the user stops
moving (the component "live"'s state {"iteration": {"run": ..., "k": ..., "opened": ...}}: a
light rerun; Step, Play and the scrubber themselves never reach the server), and times report ->
script_finished.
Like the browser it remembers large cacheable messages and lists their hashes, so the server sends
a reference instead of an unchanged one; and, as a first visit does, it fetches the files the
panel loads (its module and plotly.js, asking for gzip) within the first run's time (--no-assets:
a browser that has them cached). The server's memory (RSS of it and its children) is
sampled throughout.

    python bench/load.py --start                      # start `streamlit run app.py` on a free port
    python bench/load.py --url http://127.0.0.1:8501 --pid 12345
    python bench/load.py --serve 2 ...                # start deploy/serve --replicas 2: through HAProxy
    python bench/load.py --url http://127.0.0.1:8080 --pid 111 --pid 222   # a running deploy/serve
    python bench/load.py --start --settings --sessions 200 --arrive 10
    python bench/load.py --serve 2 --settings --sessions 400 --arrive 20

Through a proxy (--serve, or --url with one --pid per replica: the pids deploy/serve prints) each
session first GETs /_stcore/health, as a browser's page load does, and keeps the affinity cookie
the proxy sets (GDREPLICA=r<i>) for its websocket; the figures then include, per replica, its
sessions, its peak memory and its share of the CPU the replicas spent during the run.
--rates makes each of a session's clicks a change of the learning rate, to a rate no other
session uses (0.01 + 1e-5 k), instead of an iteration report: a new run on every click.
--settings makes each click what the live panel's what-if controls send when the user lets go of
the learning-rate slider: the component "live"'s trigger "settings" (static/mount.js
`setTriggerValue("settings", {run, learning_rate, optimizer, momentum, k})`, read by
ui/panel_events.py `read_settings`), sent as Streamlit's frontend sends a Components v2 trigger
(`Session.settings_change`): the run shown, a rate no other session uses (0.01 + 1e-5 k, 5
decimals), the optimizer and momentum in force (the payload's whatif.settings), k 40 (or the run's
last iteration). The rerun must show that rate in the sidebar's learning-rate box, else the change
was not heard: an error. Besides the latency, each change's cost on the wire: the websocket frames
the session sent and the bytes it received in the 3 s after it (the next change waits for that
window, then --pause).

Targets (docs/benchmarks.md): 0 errors, first run p95 <= --first-p95 (1.5 s for 30 sessions
arriving within 3 s, 3 s for 60), report -> rerun p95 <= --change-p95 (1 s), peak server memory
<= --peak-mb (500 MB). With --settings the defaults are first run p95 <= 2 s, change -> rerun p95
<= 1 s, peak memory <= 1 GB per process (per replica behind the proxy), and each change's bytes
received in 3 s <= --received-kb (20 kB). Exit status 1 when a target is missed. Loopback only;
every wait has a timeout and the whole run a deadline.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
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

from streamlit.components.v2.bidi_component.main import _make_trigger_id
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.runtime.state.common import user_key_from_element_id
from websockets.asyncio.client import connect  # a dependency of streamlit, like the protos

ROOT = Path(__file__).resolve().parents[1]
TARGET_P95_S = 1.0
TARGET_PEAK_MB = 500
TARGET_FIRST_P95_S = 1.5
# --settings: a new run on each change, as --rates; 2 s for the first run and 1 GB (docs/deploy.md)
SETTINGS_FIRST_P95_S = 2.0
SETTINGS_PEAK_MB = 1024
TARGET_RECEIVED_KB = 20.0  # kB (1,000 bytes) received in the WINDOW_S after a change
WINDOW_S = 3.0
SETTINGS_K = 40  # the iteration a change names (the run's last one if it is shorter)
MAX_SESSIONS = 500
AFFINITY = "GDREPLICA"  # deploy/serve's affinity cookie (deploy/haproxy.cfg.template)
MAX_CLICKS = 100
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
DONE = (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY)


@dataclass
class Click:
    latency_s: float
    bytes: int
    fragment_run: bool = False
    # --settings: websocket frames this session sent, and bytes it received, in the WINDOW_S after
    # the change was sent
    sent_frames: int | None = None
    received: int | None = None


@dataclass
class Session:
    """One browser tab's view of the protocol: the state a report needs, and what the runs cost."""

    index: int
    query_string: str = ""
    page_script_hash: str = ""
    panel_id: str | None = None
    rate_id: str | None = None  # the learning rate's number box
    replica: str = ""  # the proxy's affinity cookie: which replica holds this session
    run_key: str = ""
    run_steps: int = 0  # the run's last iteration (the payload's T)
    whatif: dict | None = None  # the settings the payload's run was made with (its whatif.settings)
    chosen: dict | None = None  # the settings the panel shows (the live element's: ui.runs.Run.chosen)
    rate_shown: float | None = None  # the learning rate box's value, when a run set it
    opened: int = 0  # the panel's `opened`, which a report names
    # The browser's message cache: hash -> (run count when last used, fragment id).
    cache: dict[str, tuple[int, str]] = field(default_factory=dict)
    max_cache_age: int = 2
    run_count: int = 0
    bytes: int = 0
    received: int = 0  # every frame's bytes since the websocket opened
    sent: int = 0  # frames sent on the websocket
    finished: asyncio.Future | None = None
    closed: Exception | None = None
    auto_rerun_s: float | None = None
    clicks: list[Click] = field(default_factory=list)
    first_run: Click | None = None
    errors: list[str] = field(default_factory=list)
    assets: dict[str, None] = field(default_factory=dict)  # the panel's module and plotly.js URLs

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

    def settings_change(self, rate: float) -> WidgetState:
        """What the live panel's what-if controls send when the user lets go of the learning-rate
        slider (static/mount.js: `setTriggerValue("settings", {run, ...choice})`), as Streamlit's
        frontend sends a Components v2 trigger: under the component's trigger aggregator widget
        (`$$STREAMLIT_INTERNAL_KEY_<element id>__events`), `json_trigger_value` a JSON list of
        {event, value} (BidiComponent's setTriggerValue, WidgetStateManager.setTriggerValue). The
        optimizer and momentum are those in force; k is SETTINGS_K, or the run's last iteration."""
        choice = {
            "run": self.run_key,
            "learning_rate": rate,
            "optimizer": (self.chosen or self.whatif)["optimizer"],
            "momentum": (self.chosen or self.whatif)["momentum"],
            "k": min(SETTINGS_K, self.run_steps),
        }
        event = [{"event": "settings", "value": choice}]
        return WidgetState(id=_make_trigger_id(self.panel_id, "events"), json_trigger_value=json.dumps(event))

    async def send(self, ws, frame: bytes) -> None:
        self.sent += 1
        await ws.send(frame)

    def receive(self, frame: bytes) -> None:
        self.bytes += len(frame)
        self.received += len(frame)
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
        if kind == "bidi_component":
            line, _, body = element.bidi_component.bytes.partition(b"\n")  # panel.pack's form
            head = json.loads(line)
            self.assets.update(
                dict.fromkeys(head[k] for k in ("module", "plotly") if k in head)
            )  # its loader's
            key = user_key_from_element_id(element.bidi_component.id)
            if key == "problem":  # the payload's own element (panel.py's live_panel)
                self.run_key, self.run_steps, self.whatif = payload_facts(body)
            elif key == "live":  # the panel: one line of JSON, the settings the browser runs
                self.panel_id = element.bidi_component.id
                self.opened = head["opened"]
                self.chosen = head.get("settings")
        elif kind == "number_input" and user_key_from_element_id(element.number_input.id) == "learning_rate":
            self.rate_id = element.number_input.id
            if element.number_input.set_value:  # the run set it (from session state): its value
                self.rate_shown = element.number_input.value
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
        await self.send(ws, frame)
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

    def fetch_assets(self, url: str, timeout: float) -> int:
        """GET the files the page's elements load, as a browser with an empty cache does (asking for
        gzip, as browsers do); their bytes on the wire."""
        size = 0
        for path in self.assets:
            request = urllib.request.Request(f"{url.rstrip('/')}/{path}", headers={"Accept-Encoding": "gzip"})
            with urllib.request.urlopen(request, timeout=timeout) as response:
                size += len(response.read())
        return size

    def affinity(self, url: str, timeout: float) -> dict[str, str]:
        """A page load's GET through the proxy: the affinity cookie it sets, as a header to send."""
        with urllib.request.urlopen(f"{url.rstrip('/')}/_stcore/health", timeout=timeout) as response:
            for cookie in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = cookie.partition("=")
                if name.strip() == AFFINITY:
                    self.replica = rest.split(";")[0]
                    return {"Cookie": f"{AFFINITY}={self.replica}"}
        self.errors.append(f"the proxy set no {AFFINITY} cookie")
        return {}

    async def run(
        self,
        url: str,
        clicks: int,
        pause: float,
        arrival: float,
        timeout: float,
        assets: bool = True,
        proxy: bool = False,
        rates: bool = False,
        settings: itertools.count | None = None,
    ) -> None:
        """`settings`: each click is a what-if settings change (`settings_change`), its rate taken
        from this count, shared by the sessions so that no two use the same rate."""
        ws_url = url.replace("http", "ws", 1).rstrip("/") + "/_stcore/stream"
        await asyncio.sleep(arrival)
        start = time.perf_counter()
        headers = await asyncio.to_thread(self.affinity, url, timeout) if proxy else {}
        async with connect(
            ws_url,
            subprotocols=["streamlit"],
            max_size=None,
            open_timeout=timeout,
            additional_headers=headers,
        ) as ws:
            reader = asyncio.create_task(self.read(ws))
            try:
                self.first_run = await self.run_once(ws, self.rerun(), timeout)
                if assets:  # a first visit: the panel's module and plotly.js, within the first run's time
                    self.first_run.bytes += await asyncio.to_thread(self.fetch_assets, url, timeout)
                self.first_run.latency_s = time.perf_counter() - start  # the websocket's opening too
                if self.panel_id is None:
                    self.errors.append("no live panel on the page")
                    return
                if (rates or settings) and self.rate_id is None:
                    self.errors.append("no learning rate box on the page")
                    return
                if settings and self.whatif is None:
                    self.errors.append("no what-if settings in the live panel's payload")
                    return
                for n in range(clicks):
                    await asyncio.sleep(pause)
                    if settings:
                        self.clicks.append(await self.change_settings(ws, next(settings), timeout))
                        continue
                    if rates:  # a rate of this session's own: a new run, computed on its replica
                        state = WidgetState(
                            id=self.rate_id, double_value=0.01 + 1e-5 * (clicks * self.index + n + 1)
                        )
                    else:
                        report = {
                            "iteration": {"run": self.run_key, "k": 10 * (n + 1), "opened": self.opened}
                        }
                        state = WidgetState(id=self.panel_id, json_value=json.dumps(report))
                    self.clicks.append(await self.run_once(ws, self.rerun(state), timeout))
            finally:
                reader.cancel()

    async def change_settings(self, ws, n: int, timeout: float) -> Click:
        """One settings change at rate 0.01 + 1e-5 n (5 decimals: a rate the sidebar takes as
        typed), timed to its script_finished; then, WINDOW_S after it was sent, the frames sent and
        bytes received since. A change whose rerun does not show its rate in the sidebar's
        learning-rate box was not heard: an error."""
        rate = settings_rate(n)
        loop = asyncio.get_running_loop()
        sent, received = self.sent, self.received
        window = loop.create_future()  # (frames sent, bytes received) once WINDOW_S have passed
        closing = loop.call_later(
            WINDOW_S, lambda: window.set_result((self.sent - sent, self.received - received))
        )
        self.rate_shown = None
        try:
            click = await self.run_once(ws, self.rerun(self.settings_change(rate)), timeout)
            if self.rate_shown != rate:
                shown = "was not redrawn" if self.rate_shown is None else f"shows {self.rate_shown!r}"
                self.errors.append(
                    f"a settings change to rate {rate!r} not taken: the learning rate box {shown}"
                )
            click.sent_frames, click.received = await window
        finally:
            closing.cancel()
        return click


def settings_rate(n: int) -> float:
    """The rate of the n-th settings change of a load test (n from 1): 0.01 + 1e-5 n, written with
    5 decimals as a user would type it (1e-5 n alone adds float noise: 0.010030000000000001)."""
    return float(f"{0.01 + 1e-5 * n:.5f}")


def payload_facts(body: bytes) -> tuple[str, int, dict | None]:
    """The run's key, its last iteration and the what-if settings in force, from the payload's
    first line (gd.live.payload: {"id", "run", "T", ..., "whatif": {..., "settings": {...}},
    "figures"}), reading those parts only: the figures after them are most of the line."""
    line = body[: body.index(b"\n")].decode()
    decoder = json.JSONDecoder()
    key = json.loads(line[: line.index(',"T":')] + "}")["run"]
    steps, _ = decoder.raw_decode(line, line.index(',"T":') + len(',"T":'))
    # a key: in JSON text a quote inside a string is escaped, so this is no string's content
    at = line.find('"whatif":')
    whatif = decoder.raw_decode(line, at + len('"whatif":'))[0]["settings"] if at >= 0 else None
    return key, steps, whatif


async def run_sessions(url: str, args: argparse.Namespace) -> list[Session]:
    # a share link per session: {n} in --query is the session's number (a seed, say)
    sessions = [Session(i, query_string=args.query.replace("{n}", str(i))) for i in range(args.sessions)]
    rng = random.Random(args.seed)
    settings = itertools.count(1) if args.settings else None  # one count: no two changes share a rate

    async def one(session: Session) -> None:
        try:
            arrival = rng.uniform(0, args.arrive)
            await session.run(
                url,
                args.clicks,
                args.pause,
                arrival,
                args.timeout,
                not args.no_assets,
                args.proxy,
                args.rates,
                settings,
            )
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


def process_cpu_s(pid: int) -> float:
    """CPU time of a process (all its threads, those ended included), in seconds: its CPU-time
    clock, to the nanosecond (Linux's clock id for a pid: clock_getcpuclockid's), where /proc's
    stat counts in clock ticks (10 ms here, as coarse as the change a bench measures)."""
    try:
        return time.clock_gettime_ns(((~pid) << 3) | 2) / 1e9  # CPUCLOCK_SCHED of process pid
    except OSError:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def tree_cpu_s(pid: int) -> float:
    """CPU time of a process and its living descendants, in seconds."""
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        try:
            total += process_cpu_s(p)
            for task in Path(f"/proc/{p}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, IndexError, ValueError):
            continue
    return total


async def sample_memory(pids: list[int], peaks: list[int], stop: asyncio.Event) -> None:
    while not stop.is_set():
        for n, pid in enumerate(pids):
            peaks[n] = max(peaks[n], tree_rss_kb(pid))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.1)


def start_app(
    app: Path, log: Path, timeout: float, extra: tuple[str, ...] = ()
) -> tuple[subprocess.Popen, str]:
    """`streamlit run` the app on a free port, configured by the .streamlit/ of its folder (as
    deployed) and `extra` options; return the process and its URL once healthy."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [
        sys.executable, "-m", "streamlit", "run", app.name,
        "--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(port),
        "--browser.gatherUsageStats", "false", *extra,
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


def report(sessions: list[Session], processes: list[Process], args) -> bool:
    errors = [e for s in sessions for e in s.errors]
    reports = [c for s in sessions for c in s.clicks]
    loads = [s.first_run for s in sessions if s.first_run]
    verdict = {True: "ok", False: "MISSED"}
    what = {"rates": "learning-rate changes", "settings": "what-if settings changes"}.get(
        args.mode, "reports"
    )
    apart = f" after the {WINDOW_S:g} s window of the last" if args.settings else " apart"
    print(
        f"{args.sessions} sessions arriving within {args.arrive} s, then {args.clicks} {what} each, "
        f"{args.pause} s{apart}"
    )
    print(f"errors                         {len(errors):>10}      target 0          {verdict[not errors]}")
    # The same failure in many sessions is one finding: print each once, with how often and where.
    for text, count in Counter(e.splitlines()[0] for e in errors).most_common(10):
        where = sum(any(e.startswith(text) for e in s.errors) for s in sessions)
        print(f"  {count} x in {where} sessions: {text[:300]}")
    ok = not errors and len(loads) == args.sessions
    if loads:
        first = [c.latency_s for c in loads]
        p95 = percentile(first, 95)
        ok &= p95 <= args.first_p95
        print(
            f"first run p50 / p95            {percentile(first, 50):>8.3f} s / {p95:.3f} s   target p95 <= "
            f"{args.first_p95} s   {verdict[p95 <= args.first_p95]}   bytes (median) "
            f"{statistics.median(c.bytes for c in loads):,.0f}"
        )
    if reports:
        latency = [c.latency_s for c in reports]
        p95 = percentile(latency, 95)
        ok &= p95 <= args.change_p95
        print(f"reports timed                  {len(reports):>10} of {args.sessions * args.clicks}")
        what = {"rates": "rate change -> rerun", "settings": "change -> rerun     "}.get(
            args.mode, "report -> rerun     "
        )
        print(
            f"{what}  p50 / p95 {percentile(latency, 50):>8.3f} s / {p95:.3f} s   target p95 <= "
            f"{args.change_p95} s   {verdict[p95 <= args.change_p95]}"
        )
        sizes = [c.bytes for c in reports]
        print(f"bytes per report median / max  {statistics.median(sizes):>10,.0f} / {max(sizes):,}")
        windows = [c for c in reports if c.received is not None]
        if windows:  # --settings: what one change costs on the wire, both ways
            frames = [c.sent_frames for c in windows]
            print(
                f"frames sent per change median / max {statistics.median(frames):>4.0f} / {max(frames)}"
                f"        (1 expected: the trigger's rerun)"
            )
            got = [c.received / 1000 for c in windows]
            fits = max(got) <= args.received_kb
            ok &= fits
            print(
                f"received in {WINDOW_S:g} s per change median / max {statistics.median(got):>8,.1f} kB / "
                f"{max(got):,.1f} kB   target <= {args.received_kb:g} kB   {verdict[fits]}"
            )
    if len(processes) == 1:
        peak_mb, idle_mb = processes[0].peak_kb / 1024, processes[0].baseline_kb / 1024
        ok &= peak_mb <= args.peak_mb
        print(
            f"server peak memory (RSS)       {peak_mb:>8.0f} MB     target <= {args.peak_mb} MB  "
            f"{verdict[peak_mb <= args.peak_mb]}   (before sessions: {idle_mb:.0f} MB)"
        )
    elif processes:  # replicas behind a proxy: each one's memory, sessions and share of the CPU
        spent = sum(p.cpu_s for p in processes)
        low, high = args.cpu_share
        held = Counter(s.replica for s in sessions)
        for i, p in enumerate(processes):
            peak_mb, share = p.peak_kb / 1024, 100 * p.cpu_s / spent if spent else 0.0
            fits = peak_mb <= args.peak_mb and low <= share <= high
            ok &= fits
            print(
                f"replica {i} (pid {p.pid}): sessions {held.get(f'r{i}', 0)}, peak memory {peak_mb:.0f} MB "
                f"(before {p.baseline_kb / 1024:.0f} MB; target <= {args.peak_mb} MB), CPU {p.cpu_s:.1f} s = "
                f"{share:.0f}% of the replicas' (target {low:g}% to {high:g}%)   {verdict[fits]}"
            )
        if "" in held:
            print(f"  {held['']} sessions without an affinity cookie")
    else:
        print("server peak memory             not measured (give --pid, or use --start or --serve)")
    return ok


@dataclass
class Process:
    """A server process measured during the run: its RSS (with its children) and CPU time."""

    pid: int
    baseline_kb: int = 0
    peak_kb: int = 0
    cpu_s: float = 0.0


def start_serve(replicas: int, timeout: float) -> tuple[subprocess.Popen, str, list[int]]:
    """deploy/serve with `replicas` replicas, HAProxy on a free loopback port: the process, the
    proxy's URL and the replicas' pids, once it printed `ready`."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [
        sys.executable,
        str(ROOT / "deploy" / "serve"),
        "--replicas",
        str(replicas),
        "--port",
        str(port),
    ]
    process = subprocess.Popen(
        [*command, "--address", "127.0.0.1"], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    pids, deadline = [], time.monotonic() + timeout
    for line in process.stdout:
        print(line, end="")
        if line.startswith("replica "):
            pids.append(int(line.split()[3]))
        if line.strip() == "ready" or time.monotonic() > deadline:
            break
    if process.poll() is not None or len(pids) != replicas:
        stop_app(process)
        raise SystemExit(
            f"deploy/serve did not get ready (exit {process.returncode}); see its messages above"
        )
    return process, f"http://127.0.0.1:{port}", pids


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--start", action="store_true", help="start `streamlit run` on a free loopback port")
    where.add_argument("--url", help="a running app on loopback, e.g. http://127.0.0.1:8501")
    parser.add_argument("--app", type=Path, default=ROOT / "app.py", help="script for --start")
    where.add_argument(
        "--serve", type=int, metavar="N", help="start deploy/serve --replicas N and load it through HAProxy"
    )
    parser.add_argument(
        "--pid",
        type=int,
        action="append",
        default=[],
        help="with --url: the streamlit process, to sample its memory; once per replica behind a proxy "
        "(the pids deploy/serve prints)",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--rates", action="store_true", help="each click changes the learning rate (a new run)")
    mode.add_argument(
        "--settings",
        action="store_true",
        help="each click is the what-if controls' settled choice (the live panel's trigger \"settings\": "
        "a rate of its own, the optimizer and momentum in force, k 40): a new run",
    )
    parser.add_argument(
        "--peak-mb",
        type=int,
        default=argparse.SUPPRESS,  # the mode's (below)
        help=f"target: each server's peak memory, MB (default {TARGET_PEAK_MB}; "
        f"{SETTINGS_PEAK_MB} with --settings)",
    )
    parser.add_argument(
        "--change-p95",
        type=float,
        default=TARGET_P95_S,
        help="target: click (report or change) -> script_finished p95, seconds",
    )
    parser.add_argument(
        "--received-kb",
        type=float,
        default=TARGET_RECEIVED_KB,
        help=f"target with --settings: kB (1,000 bytes) received in the {WINDOW_S:g} s after each change",
    )
    parser.add_argument(
        "--cpu-share",
        type=lambda t: tuple(float(x) for x in t.split(",")),
        default=(30.0, 70.0),
        help="target with several replicas: each one's share of their CPU time, low,high in percent",
    )
    parser.add_argument("--sessions", type=int, default=30, help="concurrent sessions")
    parser.add_argument("--arrive", type=float, default=3.0, help="sessions arrive within this many seconds")
    parser.add_argument(
        "--first-p95",
        type=float,
        default=argparse.SUPPRESS,
        help=f"target: first run p95, seconds (default {TARGET_FIRST_P95_S}; "
        f"{SETTINGS_FIRST_P95_S} with --settings)",
    )
    parser.add_argument("--clicks", type=int, default=3, help="iteration reports (or changes) per session")
    parser.add_argument(
        "--pause",
        type=float,
        default=2.0,
        help=f"seconds between reports (--settings: after each change's {WINDOW_S:g} s window)",
    )
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for any one run")
    parser.add_argument("--deadline", type=float, default=180.0, help="seconds for the whole load test")
    parser.add_argument("--seed", type=int, default=0, help="seed of the arrivals' spread")
    parser.add_argument(
        "--no-assets",
        action="store_true",
        help="do not fetch the panel's module and plotly.js after the first run (a browser that has them)",
    )
    parser.add_argument(
        "--query",
        default="",
        help="the share link's query each session opens, {n} replaced by the session's number, "
        "e.g. 'samples=1000000&steps=1&seed={n}'",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.sessions <= MAX_SESSIONS or not 0 <= args.clicks <= MAX_CLICKS:
        parser.error(f"--sessions must be 1..{MAX_SESSIONS} and --clicks 0..{MAX_CLICKS}")
    if args.url and urlsplit(args.url).hostname not in LOOPBACK:
        parser.error(f"--url must be on loopback ({', '.join(sorted(LOOPBACK))}), got {args.url}")
    if args.start and not args.app.is_file():
        parser.error(f"no app at {args.app}")
    if args.serve is not None and not 1 <= args.serve <= 64:
        parser.error(f"--serve must be 1..64, got {args.serve}")
    # through a proxy, each session takes the affinity cookie first, as a browser's page load does
    args.proxy = args.serve is not None or len(args.pid) > 1
    args.mode = "settings" if args.settings else "rates" if args.rates else "reports"
    if "first_p95" not in args:
        args.first_p95 = SETTINGS_FIRST_P95_S if args.settings else TARGET_FIRST_P95_S
    if "peak_mb" not in args:
        args.peak_mb = SETTINGS_PEAK_MB if args.settings else TARGET_PEAK_MB
    return args


async def main_async(args: argparse.Namespace, url: str, pids: list[int]) -> bool:
    processes = [Process(pid, baseline_kb=tree_rss_kb(pid)) for pid in pids]
    peaks, stop = [p.baseline_kb for p in processes], asyncio.Event()
    cpu_before = [tree_cpu_s(pid) for pid in pids]
    sampler = asyncio.create_task(sample_memory(pids, peaks, stop))
    sessions = await run_sessions(url, args)
    for p, before in zip(processes, cpu_before, strict=True):
        p.cpu_s = tree_cpu_s(p.pid) - before
    stop.set()
    await sampler
    for p, peak in zip(processes, peaks, strict=True):
        p.peak_kb = peak
    return report(sessions, processes, args)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    process, pids = None, args.pid
    if args.start:
        fd, log = tempfile.mkstemp(prefix="gd-load-", suffix=".log")
        os.close(fd)
        process, url = start_app(args.app.resolve(), Path(log), timeout=60)
        print(f"started {args.app} at {url} (pid {process.pid}, log {log})")
        pids = [process.pid]
    elif args.serve is not None:
        process, url, pids = start_serve(args.serve, timeout=180)
    else:
        url = args.url
    try:
        ok = asyncio.run(main_async(args, url, pids))
    finally:
        if process:
            stop_app(process)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
