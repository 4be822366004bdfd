"""The browser's modules as panel.py serves them: every module's URL names a digest of its bytes and
of everything it imports, so that a browser never mixes a new module with an old cached one; and
each module stays small (one job each: none over 400 lines)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

import panel

STATIC = Path(panel.__file__).parent / "static"


def test_every_import_between_modules_names_the_imported_modules_digest():
    named = panel.module_names(panel.module_sources())
    assert set(named) == {p.stem for p in STATIC.glob("*.js") if not p.name.endswith(".min.js")}
    for stem, (file, body) in named.items():
        assert re.fullmatch(rf"{re.escape(stem)}\.[0-9a-f]{{12}}\.js", file)
        text = body.decode()
        for imported in re.findall(r'from "\./([^"]+)"', text):
            assert imported in {f for f, _ in named.values()}, (stem, imported)
        source = (STATIC / f"{stem}.js").read_text(encoding="utf-8")
        # the source's imports are its siblings by plain name; each became its digested name
        assert len(re.findall(r'from "\./[\w-]+\.js"', source)) == len(re.findall(r'from "\./', text))


def test_a_change_deep_in_the_imports_changes_every_url_above_it():
    sources = {
        "a": b'import { b } from "./b.js";\n',
        "b": b'import { c } from "./c.js";\n',
        "c": b"export const c = 1;\n",
    }
    sources["d"] = b"export const d = 2;\n"
    before = {k: v[0] for k, v in panel.module_names(sources).items()}
    after = {k: v[0] for k, v in panel.module_names({**sources, "c": b"export const c = 2;\n"}).items()}
    assert [before[k] != after[k] for k in "abcd"] == [True, True, True, False]
    assert panel.module_names(sources)["a"][1] == f'import {{ b }} from "./{before["b"]}";\n'.encode()


def test_dynamic_imports_and_single_quotes_are_rewritten_too():
    sources = {"a": b"const m = import('./b.js');\n", "b": b"export default 1;\n"}
    named = panel.module_names(sources)
    assert named["a"][1] == f"const m = import('./{named['b'][0]}');\n".encode()


def test_a_cycle_or_a_missing_module_is_an_error_not_a_silent_stale_url():
    with pytest.raises(ValueError, match="cycle: a -> b -> a"):
        panel.module_names({"a": b'import "./b.js";', "b": b'import "./a.js";'})
    with pytest.raises(ValueError, match="imports ./gone.js"):
        panel.module_names({"a": b'import { x } from "./gone.js";'})


def test_the_modules_are_written_where_the_browser_fetches_them():
    assert panel.MODULE_URL.startswith("app/static/build/mount.")
    named = panel.module_names(panel.module_sources())
    for file, body in named.values():
        assert (STATIC / "build" / file).read_bytes() == body


def test_no_module_of_the_projects_own_is_over_400_lines():
    lengths = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in STATIC.glob("*.js")}
    own = {name: n for name, n in lengths.items() if not name.endswith(".min.js")}
    assert len(own) >= 8 and max(own.values()) <= 400, own


def test_the_loader_fetches_every_module_at_once():
    """The loader imports every module in parallel with the entry: their imports would otherwise be
    found one level at a time, a round trip each, on a first load."""
    listed = json.loads(re.search(r"const MODULES = (\[.*?\]);", panel.LOADER).group(1))
    assert sorted([panel.MODULE_URL, *listed]) == sorted(panel.MODULE_URLS)
    # the panel's modules, the engine among them since the what-if controls run it (issue 22)
    names = {url.rsplit("/", 1)[1].split(".")[0] for url in panel.MODULE_URLS}
    assert {"mount", "panel", "timeline", "format", "figures", "payload"} <= names
    assert {"engine", "schedules", "whatif", "whatif-panel"} <= names and len(names) == len(panel.MODULE_URLS)


def test_the_stylesheet_is_fetched_by_its_digests_url_before_any_element_mounts():
    """The panel's CSS is served as a file named by its digest (a browser fetches a new one at
    once, an old one from its cache), which the loader links in the document's head; the
    elements carry none of it."""
    css = (STATIC / "live.css").read_bytes()
    name = panel.STYLE_URL.rsplit("/", 1)[1]
    assert re.fullmatch(r"live\.[0-9a-f]{12}\.css", name) and name == f"live.{panel._digest(css)}.css"
    assert (STATIC / "build" / name).read_bytes() == css
    assert f"const STYLE = {json.dumps(panel.STYLE_URL)};" in panel.LOADER
    assert "styled()" in panel.LOADER.split("export default")[1]


def test_other_versions_builds_stay_a_day_for_the_pages_that_name_them(tmp_path, monkeypatch):
    """A page opened on another version (a tab left open over a deploy, a second server on the
    same checkout) keeps finding its modules: they are removed only once a day old."""
    monkeypatch.setattr(panel, "MODULES", tmp_path)
    now = 1_000_000_000.0
    day = 24 * 3600
    olds = (
        ("mount.aaaa.js", 10),
        ("mount.bbbb.js", 2 * day),
        ("panel.cccc.js", 3 * day),
        ("live.dddd.css", 2 * day),
    )
    for name, age in olds:
        (tmp_path / name).write_text("//")
        os.utime(tmp_path / name, (now - age, now - age))
    removed = panel._forget_old_builds({"panel.cccc.js"}, now=now)
    assert sorted(removed) == ["live.dddd.css", "mount.bbbb.js"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mount.aaaa.js", "panel.cccc.js"]
