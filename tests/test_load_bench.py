"""bench/load.py's messages as Streamlit's own server reads them: a --settings click (the what-if
controls' settled choice, the live panel's trigger "settings") must land in the component's
"settings" field, which ui.view's callback hands to ui.panel_events.read_settings, and the app's
rerun must show the clicked rate in the learning-rate box, where the bench looks for it. Decoded by
Streamlit itself (AppTest runs the script through its SessionState and widget registration), not
by a copy of the bench's encoding."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Element_pb2 import Element
from streamlit.testing.v1 import AppTest
from test_live import component

from gd import live
from gd.inputs import Settings
from gd.run import experiment
from ui.panel_events import read_settings

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("bench_load", ROOT / "bench" / "load.py")
load = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = load  # its dataclasses look their module up
_spec.loader.exec_module(load)

TIMEOUT = 60


def a_page(body: bytes) -> None:
    """A page with the payload's element and one Components v2 element keyed "live" that takes
    the panel's callbacks and keeps what each one found in the component's field
    (st.session_state.live.<field>)."""
    import streamlit as st

    def heard(field: str):
        def callback() -> None:
            st.session_state.setdefault("heard", []).append((field, st.session_state.live.get(field)))

        return callback

    live = st.components.v2.component("bench_live", js="export default function () {}")
    live(key="problem", data=b'{"problem":"P"}\n' + body)  # the payload's own element, as panel.py's
    live(
        key="live",
        data=b'{"start":0,"opened":0}\n',
        on_iteration_change=heard("iteration"),
        on_pick_change=heard("pick"),
        on_settings_change=heard("settings"),
    )


def read_by_bench(session, element) -> None:
    """The session's view of an element as the websocket would bring it (`Session.element`)."""
    kind = type(element.proto).__name__  # BidiComponent, NumberInput
    field = {"BidiComponent": "bidi_component", "NumberInput": "number_input"}[kind]
    session.element(Element(**{field: element.proto}), "")


def sent_states(frame: bytes):
    """The widget states of the one BackMsg a click sends: a rerun, as the browser's."""
    msg = BackMsg.FromString(frame)
    assert msg.WhichOneof("type") == "rerun_script"
    return msg.rerun_script.widget_states


def test_payload_facts_read_the_run_its_length_and_the_settings_in_force():
    ex = experiment(Settings(optimizer="momentum", learning_rate=0.05, momentum=0.8, steps=30))
    body = live.payload(ex, 0, 1)
    data = live.decode(body)
    key, steps, settings = load.payload_facts(body)
    assert (key, steps) == (data["run"], data["T"]) == (live.run_key(ex), 30)
    assert settings == data["whatif"]["settings"]
    assert (settings["optimizer"], settings["momentum"]) == ("momentum", 0.8)


def test_a_settings_click_is_read_by_streamlit_into_the_components_settings_field():
    ex = experiment(Settings(optimizer="momentum", learning_rate=0.05, momentum=0.8, steps=30))
    at = AppTest.from_function(a_page, args=(live.payload(ex, 0, 1),), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception
    session = load.Session(0)
    read_by_bench(session, component(at, "problem"))
    read_by_bench(session, component(at, "live"))
    assert session.panel_id == component(at, "live").proto.id

    frame = session.rerun(session.settings_change(0.01234))
    states = sent_states(frame)
    assert len(states.widgets) == 1  # the trigger alone: every other widget keeps its value
    at._run(states)
    assert not at.exception
    want = {"run": live.run_key(ex), "learning_rate": 0.01234, "optimizer": "momentum", "momentum": 0.8}
    want["k"] = 30  # SETTINGS_K = 40, past this run's last iteration
    assert at.session_state["heard"] == [("settings", want)]  # that callback only, with that value
    assert read_settings(want, live.run_key(ex), 30) == {k: v for k, v in want.items() if k != "run"}

    # a trigger lasts one run: a rerun without it (an iteration report) calls no settings callback
    at._run(sent_states(session.rerun()))
    assert at.session_state["heard"] == [("settings", want)]


def test_each_click_has_a_rate_of_its_own_that_the_sidebar_takes():
    session = load.Session(
        0, panel_id="x", run_key="R", run_steps=1000, whatif={"optimizer": "gd", "momentum": 0.9}
    )
    most = load.MAX_SESSIONS * load.MAX_CLICKS
    rates = [load.settings_rate(n) for n in range(1, most + 1)]
    assert len(set(rates)) == most and rates == sorted(rates)
    for rate in (rates[0], rates[-1]):
        [sent] = json.loads(session.settings_change(rate).json_trigger_value)
        assert sent["event"] == "settings"
        assert read_settings(sent["value"], "R", 1000) == {
            "learning_rate": rate,
            "optimizer": "gd",
            "momentum": 0.9,
            "k": load.SETTINGS_K,
        }


def test_the_app_takes_a_settings_click_and_the_bench_sees_its_rate():
    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    at.run()
    assert not at.exception
    session = load.Session(0)
    read_by_bench(session, component(at, "problem"))
    read_by_bench(session, component(at, "live"))
    read_by_bench(session, at.number_input(key="learning_rate"))
    assert session.rate_id is not None and session.whatif is not None
    assert session.chosen["learning_rate"] == 0.01
    before = session.run_key

    rate = 0.01234
    at._run(sent_states(session.rerun(session.settings_change(rate))))
    assert not at.exception
    assert at.number_input(key="learning_rate").value == rate
    assert at.session_state["current"] == 40  # k: the iteration the panel shows, for the link
    session.rate_shown = None
    read_by_bench(session, at.number_input(key="learning_rate"))
    assert session.rate_shown == rate  # what change_settings checks after the rerun
    read_by_bench(session, component(at, "problem"))
    read_by_bench(session, component(at, "live"))
    # no new run: the browser runs the rate over the same problem, which the next change names
    assert session.run_key == before and session.chosen["learning_rate"] == rate

    # a change naming another run (a late one) is not taken, and the bench would say so
    stale = load.Session(
        0, panel_id=session.panel_id, run_key="0" * 24, run_steps=1000, whatif=session.whatif
    )
    at._run(sent_states(stale.rerun(stale.settings_change(0.02345))))
    assert at.number_input(key="learning_rate").value == rate
