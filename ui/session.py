"""The page's session state: where the widgets' values and the PageState live between runs, and the
one place a transition's answer is written back (`commit`).

State flows one way: link/widgets/panel message → transition (ui.state) → `commit` here (the
next PageState, the widget values it sets, the iteration the tests and the panel read as
"current") → the run (ui.runs) → the page (ui.view).
"""

from __future__ import annotations

import secrets
from dataclasses import replace

import streamlit as st

from gd import registry, share
from ui.folds import LAZY
from ui.state import PageState, Transition, from_link, said

ss = st.session_state
KEY = "page_state"  # PageState's key in session state


def value(key: str):
    """Input `key`'s value: session state's, else (not set yet: see ui.folds.LAZY) its default."""
    return ss.get(key, share.DEFAULTS[key])


def ready(*keys: str) -> None:
    """Put inputs in session state (their defaults) before their widgets are drawn: a widget
    gets no `value=` of its own."""
    for key in keys:
        if key not in ss:
            ss[key] = share.DEFAULTS[key]


def state() -> PageState:
    return ss[KEY]


def update(**changes) -> None:
    """Bookkeeping the page does while it draws (the sweep's id, a file given, the notes said)."""
    ss[KEY] = replace(ss[KEY], **changes)


def commit(transition: Transition, later: bool = True) -> tuple:
    """Write a transition's answer back: the next state, the widget values it sets, the iteration.
    Its notes are kept to say on the next draw (`later`), or returned to say now."""
    for key, given in transition.inputs.items():
        ss[key] = given
    ss[KEY] = said(transition.state, transition.notes) if later else transition.state
    ss.current = ss[KEY].iteration
    return () if later else transition.notes


def init_state() -> None:
    """Widget values live in session state, set once (from the URL on a session's first run);
    widgets get no `value=` of their own."""
    for key, default in share.DEFAULTS.items():
        if key not in LAZY and key not in ("surface_x", "surface_y", "iteration", "uploaded"):
            ss.setdefault(key, default)
    ss.setdefault("current", 0)  # the iteration the browser last reported
    ss.setdefault("preset", "article")
    first = KEY not in ss  # a session's first run: no widget has a value of its own yet
    if first:
        # the link's warnings last the session (PageState.link_warnings), not said once
        token = secrets.token_hex(4)
        commit(from_link(PageState(session=token), st.query_params.to_dict(), token=token), later=False)
    # Keep the values of inputs a run does not draw (Streamlit forgets a widget's value the first
    # run it is not drawn): those in closed folds, the hyper-parameters of other optimizers, the
    # batch size of full-batch ones.
    for key in () if first else (*registry.HYPER_RANGES, *share.SHARED):
        if key in ss and key not in ("iteration", "uploaded"):
            ss[key] = ss[key]
