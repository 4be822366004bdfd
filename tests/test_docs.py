"""The README and docs/: short enough to read, their commands the ones CI runs, their links live.

README.md is read top to bottom by a newcomer: at most 250 lines, a Quick start of exactly two
commands (the app's and the tests', the latter the one `.ci/run` runs), decisions and benchmark
figures in docs/decisions.md and docs/benchmarks.md. Every relative link and image in README.md
and docs/*.md names a file of the repository, and an anchor a heading of that file (GitHub's
slugs). No tracked file points to the private reference folder beside the repository.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]

FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.S | re.M)
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def section(text: str, title: str) -> str:
    """The body of the `## title` section of a Markdown text, up to the next `## ` heading."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert match, f"no '## {title}' section"
    return match.group(1)


def prose(text: str) -> str:
    """The text without its fenced code blocks (links inside code are not links)."""
    return FENCE.sub("", text)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", lambda m: m.group(1) or "", heading.strip())
    text = re.sub(r"[^\w\- ]", "", text.lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    found = set()
    for line in prose(path.read_text()).splitlines():
        if m := re.match(r"^#{1,6} (.+)$", line):
            base = slug(m.group(1))
            n = seen.get(base, 0)
            seen[base] = n + 1
            found.add(base if n == 0 else f"{base}-{n}")
    return found


def links(path: Path) -> list[str]:
    return LINK.findall(prose(path.read_text()))


def test_slug_is_githubs():
    assert slug("The browser's engine") == "the-browsers-engine"
    assert slug("A class at once: `bench/load.py`") == "a-class-at-once-benchloadpy"
    assert slug("Ordered sums (issue 22)") == "ordered-sums-issue-22"


def test_the_readme_is_at_most_250_lines():
    lines = README.read_text().splitlines()
    assert len(lines) <= 250, f"README.md has {len(lines)} lines"


def quick_start() -> list[str]:
    return [block.strip() for block in FENCE.findall(section(README.read_text(), "Quick start"))]


def test_quick_start_is_two_commands_the_app_and_the_tests():
    commands = quick_start()
    assert len(commands) == 2, commands
    app, tests = commands
    assert "streamlit run app.py" in app
    assert re.search(r"(^|\s)\S*python -m pytest\b", tests), tests
    for command in commands:
        assert "\n" not in command, "one command a block"


def pytest_call(command: str) -> list[str]:
    """The words of the pytest call at the end of a `&&` chain: `.venv/bin/python -m pytest ...`."""
    words = shlex.split(command.split("&&")[-1])
    assert words[1:3] == ["-m", "pytest"], words
    return words


def test_ci_runs_the_quick_starts_test_command():
    script = (ROOT / ".ci" / "run").read_text()
    tests = quick_start()[1]
    calls = [line.strip() for line in script.splitlines() if re.search(r"-m pytest\b", line)]
    assert calls, ".ci/run runs no pytest"
    assert pytest_call(tests) in [pytest_call(call) for call in calls]
    # the same requirements, into the same environment
    assert "-r requirements-dev.txt" in tests and "-r requirements-dev.txt" in script
    assert "python3 -m venv" in tests and "python3 -m venv" in script


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_and_image_resolves(page: Path):
    broken = []
    for target in links(page):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.is_file() or ROOT not in file.parents:
            broken.append(f"{target}: no such file in the repository")
        elif anchor and anchor not in anchors(file):
            broken.append(f"{target}: no heading '#{anchor}' in {file.relative_to(ROOT)}")
    assert not broken, broken


def test_decisions_and_benchmarks_exist_and_the_readme_links_them():
    targets = {t.partition("#")[0] for t in links(README)}
    for name in ("docs/decisions.md", "docs/benchmarks.md"):
        assert (ROOT / name).is_file(), name
        assert name in targets, f"README.md does not link {name}"


def test_each_decision_gives_the_question_the_choice_why_and_the_cost():
    text = (ROOT / "docs" / "decisions.md").read_text()
    entries = re.split(r"^### ", text, flags=re.M)[1:]
    assert len(entries) >= 30
    for entry in entries:
        for part in ("**Question:**", "**Choice:**", "**Why:**", "**Cost:**"):
            assert part in entry, f"{entry.splitlines()[0]}: no {part}"


def test_each_benchmark_names_a_bench_command_that_exists():
    text = (ROOT / "docs" / "benchmarks.md").read_text()
    entries = re.split(r"^## ", text, flags=re.M)[1:]
    assert len(entries) >= 7
    for entry in entries:
        scripts = set(re.findall(r"\bbench/[\w-]+\.py\b", entry))
        assert scripts, f"{entry.splitlines()[0]}: names no bench/ command"
        for script in scripts:
            assert (ROOT / script).is_file(), f"{entry.splitlines()[0]}: {script} does not exist"
        assert re.search(r"python bench/[\w-]+\.py", entry), f"{entry.splitlines()[0]}: no command"
        assert re.search(r"\b20\d\d-\d\d-\d\d\b", entry), f"{entry.splitlines()[0]}: no date"


def tracked_text_files() -> list[Path]:
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=60
        ).stdout
    except (OSError, subprocess.SubprocessError):
        pytest.skip("git is not available: the tracked files cannot be listed")
    files = []
    for name in out.decode().split("\0"):
        path = ROOT / name
        if name and path.is_file():
            head = path.read_bytes()[:8192]
            if b"\0" not in head:
                files.append(path)
    return files


def test_no_tracked_file_points_outside_the_repository():
    needle = "../" + "shared"  # spelt in two so that this file does not match itself
    hits = [
        p.relative_to(ROOT).as_posix()
        for p in tracked_text_files()
        if needle in p.read_text(errors="replace")
    ]
    assert not hits, hits
