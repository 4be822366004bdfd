"""The browser's own modules (static/*.js) under Node's test runner: `node --test` from the
repository root, with its default patterns (tests/js/*.test.mjs), fails this test when it fails,
with node's output. Where Node is missing the test skips saying why; `.ci/run` sets
GD_REQUIRE_NODE=1, which turns that skip into a failure."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_the_browsers_modules_pass_their_node_tests():
    node = shutil.which("node")
    if node is None:
        reason = "Node.js is not installed: the browser's modules' tests (tests/js) did not run"
        if os.environ.get("GD_REQUIRE_NODE") == "1":
            pytest.fail(f"{reason} (GD_REQUIRE_NODE=1 makes this a failure)")
        pytest.skip(reason)
    done = subprocess.run([node, "--test"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"node --test failed:\n{output}"
    passed = re.search(r"^# pass (\d+)$", output, re.MULTILINE)
    assert passed and int(passed.group(1)) > 0, f"node --test ran no test:\n{output}"


def test_static_is_a_folder_of_es_modules():
    """Node reads static/*.js as ES modules (as the browser imports them) by this file alone."""
    assert (ROOT / "static" / "package.json").read_text(encoding="utf-8") == '{"type": "module"}\n'
