"""The browser tests wait on what the user would see, not on the clock.

A fixed sleep (`page.wait_for_timeout`, `time.sleep`) makes a suite slow where the machine is fast
and flaky where it is slow; the browser tests wait on state instead (Playwright's `expect`,
`wait_for_function`, conftest's `sizes_settled` and `painted`). Where a fixed wait is truly the
point (showing that nothing happens, polling what no event announces), a comment on its line, or
in the comment block right above it, says why. This test walks the tests' syntax trees and fails
on any fixed wait without one.
"""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

E2E = Path(__file__).parent / "e2e"
FIXED_WAITS = {"wait_for_timeout", "sleep"}


def fixed_waits(source: str) -> list[int]:
    """The lines of the calls to a fixed wait in `source`."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        called = node.func if isinstance(node, ast.Call) else None
        if isinstance(called, ast.Attribute) and called.attr in FIXED_WAITS:
            lines.append(node.lineno)
    return sorted(lines)


def comment_lines(source: str) -> set[int]:
    """The lines that hold a comment (on their own or after code)."""
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return {token.start[0] for token in tokens if token.type == tokenize.COMMENT}


def unexplained(source: str) -> list[int]:
    """The fixed waits with no comment on their line or in the comment block right above."""
    comments = comment_lines(source)
    text = source.splitlines()
    bare = []
    for line in fixed_waits(source):
        above = line - 1
        if line in comments or (above in comments and text[above - 1].lstrip().startswith("#")):
            continue
        bare.append(line)
    return bare


def test_every_fixed_wait_in_the_browser_tests_says_why():
    found = {
        path.name: unexplained(path.read_text(encoding="utf-8"))
        for path in sorted(E2E.glob("*.py"))
        if unexplained(path.read_text(encoding="utf-8"))
    }
    assert not found, f"fixed waits with no comment saying why (file: lines): {found}"


def test_the_check_tells_a_bare_wait_from_an_explained_one():
    source = (
        "def a(page):\n"
        "    page.wait_for_timeout(300)\n"
        "    # an absence: nothing must move\n"
        "    page.wait_for_timeout(1000)\n"
        "    page.wait_for_timeout(100)  # polling a list\n"
        "    time.sleep(0.2)\n"
        "    x = 1  # a comment on another statement\n"
        "    time.sleep(0.1)\n"
    )
    assert fixed_waits(source) == [2, 4, 5, 6, 8]
    assert unexplained(source) == [2, 6, 8]
