"""The address bar out: kept a share link of what is on screen. (The link in, on a session's first
run, is the transition ui.state.from_link, committed by ui.session.init_state.)

State flows one way: link/widgets/panel message → transition (ui.state) → PageState → run →
page; this writes the page's state back into the address bar, last.
"""

from __future__ import annotations

import streamlit as st

from gd import share
from ui.session import state, value
from ui.state import AxisNames


def sync_url(iteration: int, inputs_shown: bool, uploaded: bool = False) -> None:
    """Keep the address bar a share link of what is on screen (only what differs from defaults).
    While some input is refused (`inputs_shown` false), the page shows the last valid run: the
    link keeps that run's inputs and follows only the iteration. `uploaded`: the run is on a file
    the link cannot carry (the link says so: uploaded=true). A start the file's run could not use
    (RunShown.start_dropped: the run shown starts from zeros) is left out, as the run left it."""
    if inputs_shown:
        values = {key: value(key) for key in share.SHARED}
        if state().run.start_dropped:
            values["start"] = ""
        if not uploaded:  # a file's column: nothing to say on the synthetic data
            values["target"] = ""
        values["iteration"] = iteration
        values["uploaded"] = uploaded
        if AxisNames(values["surface_x"], values["surface_y"]) == state().auto_axes:
            values["surface_x"] = values["surface_y"] = None
        query = share.to_query(values)
    else:
        query = {key: value for key, value in st.query_params.to_dict().items() if key != "iteration"}
        if iteration:
            query["iteration"] = str(iteration)
    if query != st.query_params.to_dict():
        st.query_params.from_dict(query)
