"""The page's plotly.js (static/plotly-gd.min.js) is plotly.js built from its published sources by
tools/plotly-bundle, with the trace types the engine's figures use and the version the plotly
package writes its figures for.

The rebuild needs Node.js and npm and reaches the npm registry: where npm is missing the test skips
saying why; `.ci/run` sets GD_REQUIRE_NPM=1, which turns that skip into a failure.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import plotly
import pytest

ROOT = Path(__file__).resolve().parents[1]
TOOL = ROOT / "tools" / "plotly-bundle"
BUNDLE = ROOT / "static" / "plotly-gd.min.js"


def registered() -> set[str]:
    """The trace types entry.js registers, and scatter, which plotly.js's core always carries."""
    entry = (TOOL / "entry.js").read_text(encoding="utf-8")
    return {"scatter"} | set(re.findall(r'require\("plotly\.js/lib/(\w+)"\)', entry)) - {"core"}


def test_the_bundle_carries_every_trace_type_the_figures_use():
    # every trace the engine's figures make goes through gd.figures.common.trace(kind, ...)
    used = set()
    for path in (ROOT / "gd").rglob("*.py"):
        used |= set(re.findall(r'\btrace\(\s*"(\w+)"', path.read_text(encoding="utf-8")))
    assert used == registered() == {"scatter", "contour", "surface", "scatter3d"}


def test_the_bundle_is_the_plotly_js_version_the_plotly_package_ships():
    package = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    version = re.search(r"plotly\.js v(\S+)", package.read_text(encoding="utf-8")[:200]).group(1)
    assert re.match(rf"/\* plotly\.js v{re.escape(version)} ", BUNDLE.read_text(encoding="utf-8")[:100])
    pinned = json.loads((TOOL / "package.json").read_text(encoding="utf-8"))["dependencies"]["plotly.js"]
    assert pinned == version


def test_the_bundle_is_what_its_build_script_makes(tmp_path):
    npm = shutil.which("npm")
    if npm is None:
        reason = "npm is not installed: the rebuild of static/plotly-gd.min.js is not checked"
        if os.environ.get("GD_REQUIRE_NPM") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    work = tmp_path / "plotly-bundle"
    shutil.copytree(TOOL, work, ignore=shutil.ignore_patterns("node_modules"))
    # the lock file's exact packages, without their install scripts
    subprocess.run(
        [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=work,
        check=True,
        timeout=600,
    )
    out = tmp_path / "plotly-gd.min.js"
    subprocess.run(["node", "build.js", str(out)], cwd=work, check=True, timeout=300)
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    assert digest == hashlib.sha256(BUNDLE.read_bytes()).hexdigest()
