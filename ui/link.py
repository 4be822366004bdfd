"""The address bar: the link in and out. In, on a session's first run: ui.state.from_link (committed
by ui.session.init_state). Out, last on every run: `sync_url` keeps the address bar a share link
of what is on screen, the query being ui.state.to_link's (pure, unit-tested).

State flows one way: link/widgets/panel message → transition (ui.state) → PageState → run →
page; this writes the page's state back into the address bar, last.
"""

from __future__ import annotations

import streamlit as st

from gd import share
from ui.session import state, value
from ui.state import to_link


def sync_url(iteration: int, inputs_shown: bool, uploaded: bool = False) -> None:
    """Keep the address bar a share link of what is on screen (ui.state.to_link says what)."""
    now = st.query_params.to_dict()
    values = {key: value(key) for key in share.SHARED}
    query = to_link(state(), values, iteration, inputs_shown, uploaded, now)
    if query != now:
        st.query_params.from_dict(query)
