"""The live panel as a Streamlit component (Components v2: no iframe, state back to Python).

The panel's browser modules (`static/*.js`, entered through `static/mount.js`) and plotly.js are
fetched by URL from Streamlit's static file serving (`server.enableStaticServing`), so the browser
caches them: only a small loader travels inside the element on a rerun, never the modules or the
1.8 MB of plotly.js. The
plotly.js is the project's own build of plotly.js (`static/plotly-gd.min.js`, the page's four trace
types only; tools/plotly-bundle builds it), so nothing comes from a CDN and a workshop room without
internet works. The data the panel shows comes from `gd.live.payload`.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import os
import re
import time
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from gd import live

STATIC = Path(__file__).parent / "static"
PLOTLY_JS = STATIC / "plotly-gd.min.js"
PLOTLY_GZ = STATIC / "plotly-gd.min.js.gz"
MODULES = STATIC / "build"  # the modules as the browser fetches them (made at start, see _install_modules)


def _install_plotly() -> str:
    """A gzip of the page's plotly.js beside it, made when missing or older; the gzip's URL.

    The page's plotly.js (`static/plotly-gd.min.js`, 1.8 MB) is plotly.js built with the four trace
    types the page draws and nothing else (tools/plotly-bundle; the full bundle the plotly package
    ships is 4.8 MB, and the browser spent about a second evaluating it before any chart was
    drawn). The browser fetches the gzip (0.6 MB) and unpacks it itself (static/load.js; the
    script itself where it cannot). Served as application/gzip, it is left alone by Streamlit's
    gzip middleware, which would compress the script anew for every browser that asked: a class of
    30 arriving together waited seconds for their first run (bench/load.py)."""
    script = PLOTLY_JS.read_bytes()  # read once: its digest names the URL, its gzip is served
    if not PLOTLY_GZ.exists() or PLOTLY_GZ.stat().st_mtime < PLOTLY_JS.stat().st_mtime:
        partial = PLOTLY_GZ.with_name(PLOTLY_GZ.name + ".tmp")
        partial.write_bytes(gzip.compress(script, compresslevel=6, mtime=0))
        partial.replace(PLOTLY_GZ)  # atomic: a browser never fetches half a file
    return f"app/static/{PLOTLY_GZ.name}?v={_digest(script)}"


@functools.cache
def plotly_js() -> str:
    """The page's plotly.js as text, for an export that plays offline (gd.export.surface_html)."""
    return PLOTLY_JS.read_text(encoding="utf-8")


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=6).hexdigest()


def _version(path: Path) -> str:
    return _digest(path.read_bytes())


# `import ... from "./name.js"` and `import("./name.js")` between the modules in static/
IMPORT = re.compile(r"""((?:\bfrom|\bimport)\s*\(?\s*)(["'])\./([\w-]+)\.js\2""")


def module_sources(folder: Path = STATIC) -> dict[str, bytes]:
    """The browser's modules (every `*.js` in `folder` but the generated `*.min.js`), by stem."""
    return {p.stem: p.read_bytes() for p in sorted(folder.glob("*.js")) if not p.name.endswith(".min.js")}


def module_names(sources: dict[str, bytes]) -> dict[str, tuple[str, bytes]]:
    """Each module's name as the browser fetches it, `<stem>.<digest>.js`, and its text with every
    import of a sibling rewritten to that sibling's name. The digest covers the module's bytes and
    its imports' digests (so, in turn, everything it imports): a module whose bytes or whose
    imports' bytes change gets a new URL, and a browser never mixes a new module with an old
    cached one, however deep the change."""
    named: dict[str, tuple[str, bytes]] = {}

    def name(stem: str, path: tuple[str, ...]) -> str:
        if stem in named:
            return named[stem][0]
        if stem in path:
            raise ValueError(f"the modules import each other in a cycle: {' -> '.join((*path, stem))}")
        if stem not in sources:
            raise ValueError(f"{path[-1]}.js imports ./{stem}.js, which static/ does not hold")
        text = sources[stem].decode("utf-8")
        imports = {m.group(3): name(m.group(3), (*path, stem)) for m in IMPORT.finditer(text)}
        text = IMPORT.sub(lambda m: f"{m.group(1)}{m.group(2)}./{imports[m.group(3)]}{m.group(2)}", text)
        body = text.encode("utf-8")
        named[stem] = (f"{stem}.{_digest(body)}.js", body)
        return named[stem][0]

    for stem in sources:
        name(stem, ())
    return named


KEEP_OLD_BUILDS_S = 24 * 3600


def _forget_old_builds(current: set[str], now: float | None = None) -> list[str]:
    """Remove the built modules of other versions once a day old (by their files' times). Not at
    once: a page opened on the previous version (a tab left open over a deploy, a replica not yet
    restarted, a second server on the same checkout) keeps finding the modules it names. Returns
    the names removed."""
    now = time.time() if now is None else now
    removed = []
    for old in (*MODULES.glob("*.js"), *MODULES.glob("*.css")):
        try:
            if old.name not in current and now - old.stat().st_mtime > KEEP_OLD_BUILDS_S:
                old.unlink()
                removed.append(old.name)
        except FileNotFoundError:  # removed meanwhile by another process starting
            pass
    return removed


def _install_build(file: str, body: bytes) -> str:
    """`body` written to static/build as `file` (a digested name); its URL."""
    MODULES.mkdir(exist_ok=True)
    target = MODULES / file
    if not target.exists() or target.read_bytes() != body:
        partial = target.with_name(target.name + ".tmp")
        partial.write_bytes(body)
        partial.replace(target)  # atomic: a browser never fetches half a file
    else:
        os.utime(target)  # in use again: another version's server keeps it a day from now
    return f"app/static/{MODULES.name}/{file}"


def _install_modules(entry: str = "mount", style: str = "live.css") -> tuple[list[str], str]:
    """The modules and the stylesheet written to static/build under their digested names
    (panel.py's own copies, made at start like plotly.js's gzip; other versions' copies removed
    when a day old). Returns the URLs of the entry and of the modules it imports, in turn, the
    entry's first; and the stylesheet's URL."""
    sources = module_sources()
    texts = {stem: text.decode("utf-8") for stem, text in sources.items()}
    named = module_names(sources)
    css = (STATIC / style).read_bytes()
    css_file = f"{Path(style).stem}.{_digest(css)}.css"
    style_url = _install_build(css_file, css)
    for file, body in named.values():
        _install_build(file, body)
    _forget_old_builds({css_file} | {file for file, _ in named.values()})
    # the entry and what it imports, in turn (static/engine.js, say, is served but not fetched)
    reach, todo = {entry}, [entry]
    while todo:
        for stem in (m.group(3) for m in IMPORT.finditer(texts[todo.pop()])):
            if stem not in reach:
                reach.add(stem)
                todo.append(stem)
    files = [named[entry][0]] + sorted(named[stem][0] for stem in reach if stem != entry)
    return [f"app/static/{MODULES.name}/{file}" for file in files], style_url


PLOTLY_URL = _install_plotly()
# The entry module's URL names its digest, and so do the imports inside it: a new version is
# fetched at once, an old one from cache.
MODULE_URLS, STYLE_URL = _install_modules()
MODULE_URL = MODULE_URLS[0]
# The element's data are bytes: one line of JSON (the module's URL and the small values), then the
# payload's own bytes (gd.live: a line of JSON, then its arrays' raw bytes). Sent as bytes, the
# payload is not escaped into a JSON string, dumped a second time for the element's identity and
# parsed twice in the browser: a page view costs the server about 2 ms less (bench/page.py) and
# the browser parses the payload's JSON once and views its arrays where they are.
LOADER = """
// every module fetched at once (their imports would otherwise be found one level at a time)
const MODULES = __MODULES__;
const STYLE = __STYLE__;
const url = (path) => new URL(path, document.baseURI).href;
// The panel's stylesheet, one <link> in the document's head for every element (an old version's
// replaced): the element mounts once it has loaded, so nothing is laid out unstyled.
function styled() {
  for (const old of document.head.querySelectorAll("link[data-gd-style]")) {
    if (old.dataset.gdStyle !== STYLE) old.remove();
  }
  let link = document.head.querySelector("link[data-gd-style]");
  if (!link) {
    link = Object.assign(document.createElement("link"), { rel: "stylesheet", href: url(STYLE) });
    link.dataset.gdStyle = STYLE;
    const done = () => { link.dataset.gdDone = "1"; };
    link.addEventListener("load", done, { once: true });
    link.addEventListener("error", done, { once: true });
    document.head.append(link);
  }
  if (link.dataset.gdDone) return Promise.resolve();
  return new Promise((resolve) => {
    link.addEventListener("load", resolve, { once: true });
    link.addEventListener("error", resolve, { once: true });
  });
}
export default function (component) {
  const bytes = component.data;
  const end = bytes.indexOf(10);
  const head = JSON.parse(new TextDecoder().decode(bytes.subarray(0, end)));
  for (const path of MODULES) import(url(path)).catch(() => {}); // the entry's import reports
  // the module's cleanup, which Streamlit calls when it unmounts the element
  return Promise.all([import(url(head.module)), styled()])
    .then(([module]) => module.mount(component, head, bytes.subarray(end + 1)))
    .catch((error) => {
      console.error(error);
      return () => {};
    });
}
""".replace("__MODULES__", json.dumps(MODULE_URLS[1:])).replace("__STYLE__", json.dumps(STYLE_URL))

# The stylesheet is fetched by URL (the loader's <link>, cached by the browser), not given as
# `css=`: Streamlit puts a component's CSS in every element it sends, and the panel's element is
# sent again on every rerun (10 kB of a settings change's 19 kB).
_component = st.components.v2.component(
    "gd_live",
    js=LOADER,
    isolate_styles=False,  # plotly.js styles its charts from the document's head
)


def pack(head: dict, body: bytes) -> bytes:
    """An element's data: `head` as one line of JSON, then `body` (a payload's or a figure's bytes)."""
    return json.dumps(head, separators=(",", ":")).encode() + b"\n" + body


def figure_id(figure_json: bytes) -> str:
    return hashlib.blake2b(figure_json, digest_size=8).hexdigest()


def static_chart(
    figure_json: bytes,
    label: str,
    key: str,
    on_pick: Callable[[], None] | None = None,
    caption: str = "",
    figure_key: str | None = None,
    marks_run: bool = False,
):
    """A Plotly figure (JSON text, as bytes) that does not follow the iteration, with an
    accessible name and a caption under it (plain text, set as text: never markup), drawn by
    the same module so that the page loads one plotly.js. With
    `on_pick`, a click on the chart is reported (session state under `key`, `.pick`: {id, x, y}
    in the axes' units, id the figure's `figure_id`) and `on_pick` called before the rerun. With
    `marks_run`, its trace tagged {"gd": "current"} marks the live panel's run (its rate, its
    loss after its steps: the sweep)."""
    head = {
        "figure": True,
        "label": label,
        "caption": caption,
        "id": figure_key or figure_id(figure_json),  # the caller's figure_id, where it has one
        "pickable": on_pick is not None,
        "marks": marks_run,  # its trace tagged "current" follows the live panel's run (static/mount.js)
        "module": MODULE_URL,
        "plotly": PLOTLY_URL,
    }
    callbacks = {"on_pick_change": on_pick} if on_pick is not None else {}
    return _component(key=key, data=pack(head, figure_json), **callbacks)


def live_panel(
    payload: bytes,
    start: int,
    on_iteration: Callable[[], None],
    on_pick: Callable[[], None],
    opened: int = 0,
    on_settings: Callable[[], None] | None = None,
    settings: dict | None = None,
    heard: dict | None = None,
):
    """Mount the panel with a run's payload (gd.live.payload's bytes) and the `settings` the
    browser runs over its problem ({learning_rate, optimizer, momentum, start}: ui.runs.Run.chosen;
    None: the payload's own run). `start` is where a new run opens, and where the panel goes
    whenever `opened` changes (a preset chosen: its iteration, even on the run shown). The browser
    reports the iteration (in session state under "live", `.iteration`) once the user stops
    moving, a click on the contour map (`.pick`: {run, i, j, x, y}) at once, and the what-if
    controls' settled choice (`.settings`, see `ui.panel_events.read_settings`) once they are let
    go. `heard`: {session, seq}, the number (`seq`) of the last of those choices this session heard
    (and its name: a replica taking over is a new session), so that the panel tells a page
    answering an earlier choice from one answering its last.

    Two elements: the payload in one of its own ("problem", nothing on screen), whose data do not
    change when only the settings do, so that Streamlit's message cache sends a reference to it
    rather than its bytes again; the panel ("live"), whose data are one line of JSON naming the
    payload by its id, the settings among them."""
    _component(key="problem", data=pack({"problem": live.payload_id(payload), "module": MODULE_URL}, payload))
    head = {
        "start": start,
        "opened": opened,
        "module": MODULE_URL,
        "plotly": PLOTLY_URL,
        "payload": live.payload_id(payload),
        "settings": settings,
        "heard": heard,
    }
    callbacks = {"on_settings_change": on_settings} if on_settings is not None else {}
    return _component(
        key="live",
        data=pack(head, b""),
        on_iteration_change=on_iteration,
        on_pick_change=on_pick,
        **callbacks,
    )
