"""The Streamlit page, split by job (app.py runs ui.view.main).

One direction of state, once a page view:

    the link (a session's first run) / the sidebar's widgets / a message from the panel
      → a transition (ui.state: pure, no Streamlit, unit-tested in tests/test_page_state.py)
      → PageState (kept in session state: ui.session.commit)
      → the run (ui.runs: cached) → the page (ui.view, ui.sidebar) and the link (ui.link)

ui.folds and ui.panel_messages hold what the transitions need to know about the sidebar's
folds and the browser's messages; neither imports Streamlit.
"""
