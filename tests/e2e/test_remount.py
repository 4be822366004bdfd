"""Clean remounts: whenever Streamlit unmounts the live panel, it calls the cleanup the panel's
mount returned, and everything the browser side added goes with it (listeners, observers, timers,
animation frames, plotly.js's charts). Here the page's own module mounts a panel 20 times, as
Streamlit's loader does (panel.py's LOADER: `mount(component, head, body)`, with a run's payload),
plays it, and unmounts it while it plays, as Streamlit does (the cleanup, the element removed);
the event listeners on window and document and the JS heap after a forced garbage collection
(Chrome DevTools Protocol) stay within 10% of their values after the first mount (the heap without
V8's compiled code, which grows as the JIT optimises plotly.js: both are printed), and every
unmounted panel is collected."""

from __future__ import annotations

import base64
import json

from playwright.sync_api import expect

import panel
from gd import live
from gd.inputs import Settings
from gd.run import experiment

MOUNTS = 20

# One mount and unmount: the panel drawn whole, played a few frames, then unmounted mid-Play.
MOUNT = """async (head) => {
  const module = await import(new URL(head.module, document.baseURI).href);
  const host = document.createElement('div');
  document.querySelector('[data-testid=stMain]').append(host);
  const cleanup = module.mount(
    { parentElement: host, setStateValue() {}, setTriggerValue() {} }, head, window.gdTestBytes);
  await new Promise((resolve) => {
    const poll = () => (host.querySelector('.gd-panel[data-ready=true]') ? resolve() : setTimeout(poll, 20));
    poll();
  });
  host.querySelector('[data-act=play]').click();
  await new Promise((resolve) => setTimeout(resolve, 300));
  if (typeof cleanup === 'function') cleanup();
  host.remove();
  (window.gdHosts ||= []).push(new WeakRef(host));
}"""


# The payload's own element (panel.py's live_panel: "problem"), mounted once: the panels below name it.
KEEP_PAYLOAD = """async (head) => {
  const module = await import(new URL(head.module, document.baseURI).href);
  const host = document.createElement('div');
  module.mount({ parentElement: host, setStateValue() {}, setTriggerValue() {} },
    { problem: head.payload, module: head.module }, window.gdTestBytes);
}"""


def with_payload(page) -> dict:
    """The default run's payload in the page (window.gdTestBytes, kept as its own element keeps it),
    and the head a panel that shows it is mounted with."""
    payload = live.payload(experiment(Settings()), 4, 3)
    page.evaluate(
        "(b64) => { window.gdTestBytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)); }",
        base64.b64encode(payload).decode(),
    )
    head = {
        "start": 0,
        "opened": 0,
        "module": panel.MODULE_URL,
        "plotly": panel.PLOTLY_URL,
        "payload": "test",
    }
    page.evaluate(KEEP_PAYLOAD, head)
    return head


def listeners(cdp, expression: str) -> int:
    """The event listeners on `expression` (window or document), as DevTools counts them."""
    target = cdp.send("Runtime.evaluate", {"expression": expression})["result"]["objectId"]
    return len(cdp.send("DOMDebugger.getEventListeners", {"objectId": target})["listeners"])


def compiled_code(cdp) -> int:
    """Bytes of V8's compiled code on the heap (a heap snapshot's nodes of type "code"): V8 compiles
    plotly.js's hot functions again, optimised, over the first few dozen draws (about 150 kB a
    mount here), which is the JIT warming up, not memory a mount leaves behind."""
    chunks = []
    cdp.on("HeapProfiler.addHeapSnapshotChunk", lambda event: chunks.append(event["chunk"]))
    cdp.send("HeapProfiler.takeHeapSnapshot", {"reportProgress": False})
    snapshot = json.loads("".join(chunks))
    meta = snapshot["snapshot"]["meta"]
    fields, nodes = meta["node_fields"], snapshot["nodes"]
    kind, size, code = fields.index("type"), fields.index("self_size"), meta["node_types"][0].index("code")
    return sum(nodes[n + size] for n in range(0, len(nodes), len(fields)) if nodes[n + kind] == code)


def measure(cdp) -> dict:
    for _ in range(3):  # some things are freed late: collect until settled
        cdp.send("HeapProfiler.collectGarbage")
    heap = cdp.send("Runtime.getHeapUsage")["usedSize"]
    return {
        "window": listeners(cdp, "window"),
        "document": listeners(cdp, "document"),
        "heap": heap,
        "heap without compiled code": heap - compiled_code(cdp),
    }


def test_mounting_the_panel_20_times_leaves_no_listener_and_no_memory_behind(open_app, console_errors):
    page = open_app()
    head = with_payload(page)
    cdp = page.context.new_cdp_session(page)
    cdp.send("HeapProfiler.enable")
    page.evaluate(MOUNT, head)
    first = measure(cdp)
    for _ in range(MOUNTS):
        page.evaluate(MOUNT, head)
    after = measure(cdp)
    print(f"after the first mount: {first}; after {MOUNTS} more: {after}")
    for name in ("window", "document", "heap without compiled code"):
        assert after[name] <= 1.1 * first[name], (name, first, after)
    # and not one of the 21 panels is still held: every one was collected
    assert page.evaluate("window.gdHosts.filter((ref) => ref.deref()).length") == 0
    expect(page.locator(".gd-panel")).to_have_count(1)  # the page's own panel, still there
    assert not console_errors, console_errors


# One mount, unmounted `ms` after it began, whatever the panel is doing then (loading plotly.js,
# drawing a chart: plotly.js's draws are asynchronous). Resolves once the drawing has settled.
MOUNT_AND_LEAVE = """async ([head, ms]) => {
  const module = await import(new URL(head.module, document.baseURI).href);
  const host = document.createElement('div');
  document.querySelector('[data-testid=stMain]').append(host);
  const cleanup = module.mount(
    { parentElement: host, setStateValue() {}, setTriggerValue() {} }, head, window.gdTestBytes);
  const panel = host.__gdPanel;
  await new Promise((resolve) => setTimeout(resolve, ms));
  const drawing = panel.drawing !== undefined && panel.root.dataset.ready !== 'true';
  cleanup();
  host.remove();
  await Promise.resolve(panel.drawing).catch(() => null);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const left = Object.values(panel.charts).filter((c) => c.chart._fullLayout).length;
  return { drawing, left };
}"""


SLOW_DRAWS = """() => {
  for (const name of ['newPlot', 'react']) {
    const draw = window.Plotly[name];
    window.Plotly[name] = (...args) => new Promise((r) => setTimeout(r, 40)).then(() => draw(...args));
  }
}"""


def test_a_panel_unmounted_while_it_draws_stops_quietly_and_frees_its_charts(open_app, console_errors):
    """Streamlit may unmount the panel while plotly.js is still drawing one of its charts (seen on a
    loaded CI machine: the purge landed inside plotly.js's draw, which then threw on the console).
    The purge now waits for the draw: no error, and every chart is purged once it is drawn (a chart
    drawn after an early purge kept plotly.js's listeners, and the scene its WebGL context)."""
    page = open_app()
    head = with_payload(page)
    # a loaded machine, where plotly.js's draw takes a while: each draw starts 40 ms late
    page.evaluate(SLOW_DRAWS)
    results = [page.evaluate(MOUNT_AND_LEAVE, [head, ms]) for ms in range(0, 400, 20)]
    assert any(r["drawing"] for r in results), results  # some unmounts did land mid-draw
    assert all(r["left"] == 0 for r in results), results
    assert not console_errors, console_errors
