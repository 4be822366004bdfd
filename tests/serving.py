"""`deploy/serve` as the tests run it: started, read, stopped.

`Serve(replicas=2).start()` runs `deploy/serve --replicas 2 --port <free> --address 127.0.0.1`,
reads its lines until `ready` (or its exit) and keeps the pids it printed; `stop()` sends SIGTERM
as Ctrl-C would. `need_haproxy()` skips a test where HAProxy is not installed, and fails it under
GD_REQUIRE_HAPROXY=1 (set by .ci/run).
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SERVE = ROOT / "deploy" / "serve"
COOKIE = "GDREPLICA"
START_TIMEOUT_S = 120  # two replicas' first imports on a machine shared with other test runs


def need_haproxy() -> str:
    """The haproxy executable, or skip (fail under GD_REQUIRE_HAPROXY=1) saying it is missing."""
    found = shutil.which("haproxy")
    if found is None:
        reason = "HAProxy is not installed: apt-get install haproxy"
        if os.environ.get("GD_REQUIRE_HAPROXY") == "1":
            pytest.fail(f"{reason} (GD_REQUIRE_HAPROXY=1 makes this a failure)", pytrace=False)
        pytest.skip(reason)
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a child that has exited but not been waited for is a zombie: not alive
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except OSError:
        return False


class Serve:
    def __init__(self, replicas: int = 2, *options: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.command = [
            sys.executable, str(SERVE), "--replicas", str(replicas), "--port", str(self.port),
            "--address", "127.0.0.1", *options,
        ]  # fmt: skip
        self.lines: list[str] = []
        self.replicas: dict[int, tuple[int, int]] = {}  # i -> (pid, port)
        self.proxy: tuple[int, int] | None = None
        fd, err = tempfile.mkstemp(prefix="gd-serve-", suffix=".err")
        os.close(fd)
        self.err = Path(err)
        self.process: subprocess.Popen[str] | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()

    def start(self, until: str = "ready", background: bool = False) -> Serve:
        """`background`: started as a shell script's `deploy/serve &` is, SIGINT ignored."""
        ignore = (lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)) if background else None
        with self.err.open("w") as err:
            self.process = subprocess.Popen(
                self.command,
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
                start_new_session=True,
                preexec_fn=ignore,
            )
        threading.Thread(target=self._read, daemon=True).start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                line = self._lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                self.stop()
                pytest.fail(f"deploy/serve printed no `{until}` within {START_TIMEOUT_S} s: {self.why()}")
            if line is None or line == until:
                return self
            self._note(line)

    def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def _note(self, line: str) -> None:
        if m := re.fullmatch(r"replica (\d+) pid (\d+) port (\d+)", line):
            self.replicas[int(m[1])] = (int(m[2]), int(m[3]))
        elif m := re.fullmatch(r"proxy pid (\d+) port (\d+)", line):
            self.proxy = (int(m[1]), int(m[2]))

    def why(self) -> str:
        return f"stdout {self.lines}, stderr:\n{self.err.read_text(errors='replace')[-3000:]}"

    def said(self, text: str, timeout: float = 30) -> str:
        """Wait until deploy/serve's stderr holds `text` (it checks its replicas twice a second)."""
        deadline = time.monotonic() + timeout
        while text not in (err := self.err.read_text(errors="replace")):
            if time.monotonic() > deadline:
                pytest.fail(f"deploy/serve did not say {text!r} within {timeout} s: {self.why()}")
            time.sleep(0.1)  # polling a file: nothing signals that it grew
        return err

    def wait(self, timeout: float = 60) -> int:
        """Its exit code, once it stops by itself; stopped (and the test failed) if it does not."""
        assert self.process is not None
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            pytest.fail(f"deploy/serve did not stop by itself within {timeout} s: {self.why()}")

    def stop(self) -> int | None:
        """SIGTERM, as Ctrl-C or a service manager stops it; its exit code."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:  # it did not stop: end what it started, then fail
                os.killpg(self.process.pid, signal.SIGKILL)
                for pid, _ in [*self.replicas.values(), *([self.proxy] if self.proxy else [])]:
                    if alive(pid):
                        os.killpg(pid, signal.SIGKILL)
                raise
        return self.process.returncode
