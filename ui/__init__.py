"""The Streamlit page, split by job (app.py runs ui.view.main).

One direction of state, once a page view:

    the link (a session's first run) / the sidebar's widgets / a message from the panel
      → a transition (ui.state, ui.panel_events: pure, no Streamlit; tests/test_page_state.py)
      → PageState (kept in session state: ui.session.commit)
      → the run (ui.runs: cached) → the page (ui.view, ui.sidebar) and the link (ui.link)

ui.folds holds which input lives in which of the sidebar's folds; ui.panel_events reads the
browser's messages and dispatches them (`from_panel`). Neither imports Streamlit.
"""
