"""Gradient descent, step by step: the Streamlit page, top to bottom (run by app.py, the entry
script). Layout only: numbers come from gd.run, figures from gd.figures, the live panel's data from
gd.live, words and formulas from gd.explain, share links from gd.share.

State flows one way, once a page view:

    the link (first run) / the widgets / a message from the panel
      → a transition (ui.state: from_link, from_widgets, preset_chosen, file_read;
        ui.panel_events.from_panel)
      → PageState (ui.session.commit)
      → the run (ui.runs.the_run; ui.state.run_shown follows it)
      → the page (here), and the address bar (ui.link.sync_url)

Everything that follows the current iteration (Step, Play, Reset, the scrubber, every chart's
moving part, the metrics and the numbers at that iteration) lives in the browser, in the live panel
(panel.py, static/*.js): the server computes runs and hears the iteration once after the user
stops, never per frame.
"""

from __future__ import annotations

# pandas is imported whole before any session runs: plotly uses pandas when it is in sys.modules,
# and sessions starting together would otherwise see it half-imported.
import pandas  # noqa: F401
import streamlit as st

from gd import explain, figures, registry, share
from gd.export import surface_html, trajectory_csv
from gd.inputs import FIELD_NAMES
from gd.presets import PRESETS
from gd.run import Experiment
from panel import figure_id, live_panel, plotly_js, static_chart
from ui import sidebar as bar
from ui.link import sync_url
from ui.panel_events import PanelMessage, from_panel, state_field
from ui.runs import Run, live_payload, rate_sweep, recent, the_run
from ui.session import commit, init_state, ss, state, update, value
from ui.state import Note, Transition, from_widgets, in_order, run_shown

# Presenter mode: the page as a stage for a 1280 x 720 projector (the panel's own part is in
# static/live.css): less padding, the title on one line, the header bar see-through (its buttons
# stay), the sidebar collapsed by the page config (`main`).
PRESENTER_CSS = """<style>
[data-testid="stMainBlockContainer"] { padding: 3.25rem 2rem 1rem; max-width: none; }
[data-testid="stHeader"] { background: transparent; }
h1 { font-size: 2.5rem !important; padding: 0 !important; white-space: nowrap; }
h2 { font-size: 1.75rem !important; }
/* the sidebar, opened, lies over the stage rather than narrowing it: the stage keeps its layout
   (!important: Streamlit sets the sidebar's position in its style attribute) */
[data-testid="stSidebar"] { position: fixed !important; top: 0; bottom: 0; left: 0; z-index: 999991; }
[data-testid="stSidebar"][data-collapsed="false"] { box-shadow: 0 0 2rem rgba(0, 0, 0, 0.3); }
</style>"""

# past the limit the error along G's top eigenvector grows every step; the loss may still fall
# for a while, and a short run may end before it passes gd.run.divergence_limit
PAST_THE_LIMIT = (
    "This learning rate is past the stability limit: the error along the fastest direction grows "
    "with every step, and the run diverges if it runs long enough."
)

# the inputs a run is made of, as from_widgets reads them
RUN_INPUTS = (*FIELD_NAMES, "compare", "compare_rates", "compare_batches")


def panel_message(kind: str, component: str, field: str):
    """The callback of a message from the browser: component `component`'s field `field` (in
    session state), handed to ui.panel_events.from_panel as a message of `kind`. Runs before any widget
    is drawn, so the widgets show what it set and the rerun uses it."""

    def heard() -> None:
        message = PanelMessage(kind, state_field(ss.get(component), field))
        commit(from_panel(state(), message, ss))

    heard.__name__ = f"{kind}_heard"
    return heard


iteration_reported = panel_message("iteration", "live", "iteration")
start_picked = panel_message("pick", "live", "pick")
rate_picked = panel_message("rate", "sweep", "pick")
settings_chosen = panel_message("settings", "live", "settings")


def preset_in_force() -> bool:
    """Whether the inputs are still those the chosen preset set (its note applies to them), but
    for those its note invites the user to change."""
    preset = PRESETS[ss.preset]
    wanted = {**share.DEFAULTS, **preset.values}
    view = set(share.VIEW) - set(preset.values)
    view |= set(preset.tries) | {"target"}  # a file's column: no preset has a file
    return all(value(key) == wanted_value for key, wanted_value in wanted.items() if key not in view)


SAY = {"info": st.info, "error": st.error, "warning": st.warning}  # a note's kind, said


def say(kind, text: str) -> None:
    """Show a message whose text may hold user input: escaped, never markdown or HTML."""
    kind(explain.md(text))


def formulas(ex: Experiment) -> None:
    """The formulas the panel's numbers fill in: they depend on the optimizer alone."""
    st.header("The formulas")
    # markdown of our own constants (no user text): formulas that wrap in a narrow column, one
    # paragraph each, one element a column (an element costs a page view about 0.3 ms)
    row = st.container(horizontal=True, gap="large")
    row.markdown("\n\n".join(explain.display(line) for line in explain.loss_lines(ex.settings)))
    lead = f":small[:gray[The update of {ex.settings.optimizer}, g being the gradient at step t:]]"
    row.markdown("\n\n".join([lead, *explain.rule_lines(ex.settings)]))


def header() -> None:
    # one row, the switch at its end (a row is one element where st.columns makes three)
    row = st.container(horizontal=True, vertical_alignment="bottom", horizontal_alignment="distribute")
    row.title("Gradient descent, step by step", width="content")
    row.toggle(
        "Presenter mode", key="presenter", help="Larger fonts and lines for a projector; fewer controls."
    )
    if ss.presenter:
        st.markdown(PRESENTER_CSS, unsafe_allow_html=True)  # our own CSS; no user text
    else:
        st.caption(
            "Linear regression y = w·x + b fitted by minimising the mean squared error, one "
            "update at a time, after “The Mathematics Behind Gradient Descent”."
        )


def messages(ex: Experiment, upload, errors: list[Note], browser: bool = False) -> None:
    """The preset's note, warnings, errors and tips, each said once (the notes transitions left
    for this draw, then forgotten). `browser`: the browser runs `ex.settings` (ui.runs.Run.made)
    and says what its run tells (a divergence, a rate past the limit, one that crawls) under the
    panel's controls; what the server's run would tell is left out here."""
    preset = PRESETS[ss.preset]
    noted = upload is None and preset_in_force()
    if noted and (ss.preset != "article" or not ss.presenter):
        st.info(f"**{preset.label}.** {preset.watch}")
    if upload is not None:
        st.warning(share.NOT_IN_LINK, icon=":material/link:")
    elif state().link_uploaded:
        st.warning(share.UPLOADED_LINK, icon=":material/link:")
    for message in state().link_warnings:
        say(st.warning, message)
    for note in in_order((*state().notes, *errors)):
        say(SAY[note.kind], note.text)
    if state().notes:
        update(notes=())
    standardise = not (noted and "standardize" in preset.tries)
    if browser:  # what the settings tell without a run (the panel says what the browser's run does)
        if explain.will_diverge(ex):
            st.warning(f"{PAST_THE_LIMIT} {explain.stability_note(ex, run_known=False)}")
        tip = explain.standardise_tip(ex) if standardise else None
        if tip:  # our own words and numbers (no user text)
            st.info(tip, icon=":material/lightbulb:")
        return
    if explain.will_diverge(ex) and ex.trajectory.diverged_at is None:  # said once: below if it did
        st.warning(f"{PAST_THE_LIMIT} {explain.stability_note(ex)}")
    if ex.trajectory.diverged_at is not None:
        st.error(explain.divergence_text(ex))
    for other in ex.others:
        if other.trajectory.diverged_at is not None:
            say(st.warning, f"{other.label} diverged at step {other.trajectory.diverged_at}.")
    # our own words and numbers (no user text); a preset's note that says standardise says it once
    for tip in explain.guidance(ex, standardise=standardise):
        st.info(tip, icon=":material/lightbulb:")


def sweep_and_exports(run: Run, axes: bar.Axes) -> None:
    """Below the panel: the learning-rate sweep and the downloads (built only when clicked)."""
    ex = run.as_shown()
    st.header("Which learning rate?")
    sweep = recent(rate_sweep, **run.sweep())
    update(sweep_id=figure_id(sweep))  # hashed once a view: static_chart is given it
    has_rate = registry.entry(ex.settings.optimizer).rate
    swept = figures.sweep_kind(ex)
    static_chart(
        sweep,
        f"Excess loss after {ex.settings.steps:,} steps of {swept} against the "
        "learning rate, on log scales, with the stability limit and the current rate marked.",
        "sweep",
        on_pick=rate_picked if has_rate else None,
        caption=explain.sweep_caption(ex, swept)
        + (" Click the chart to run at that rate." if has_rate else ""),
        figure_key=state().sweep_id,
        marks_run=True,
    )
    # a fold, as the sidebar's: two download buttons cost a page view about 1 ms of server CPU
    # (bench/page.py) that few views use; their files are built only when clicked
    box = bar.fold("Export: the trajectory as CSV, the animated surface as HTML", "fold_export")
    if box is None:
        return
    row = box.container(horizontal=True)  # one element where st.columns makes three
    row.download_button(
        "Download the trajectory (CSV)",
        key="download_csv",
        mime="text/csv",
        file_name="gradient-descent-trajectory.csv",
        on_click="ignore",
        data=lambda: trajectory_csv(run.computed().trajectory, ex.d),
    )
    row.download_button(
        "Download the animated surface (HTML, plays offline)",
        key="download_html",
        mime="text/html",
        file_name="gradient-descent-surface.html",
        on_click="ignore",
        data=lambda: surface_html(run.computed(), axes.x, axes.y, plotly_js()),
    )


def main() -> None:
    """The page, top to bottom: one script run."""
    init_state()
    # Presenter mode collapses the sidebar; leaving it opens the sidebar again ("auto": open on a
    # wide window, closed on a phone). Streamlit lets a sidebar the user opened or closed by hand
    # keep that state (it remembers it in the browser).
    st.set_page_config(
        page_title="Gradient descent, step by step",
        page_icon="📉",
        layout="wide",
        initial_sidebar_state="collapsed" if ss.presenter else "auto",
    )
    drawn = bar.sidebar()
    given = drawn.upload is not None
    asked = from_widgets(state(), {key: value(key) for key in RUN_INPUTS}, uploaded=given)
    errors = list(commit(asked, later=False))
    run = the_run(state().asked, state().run.inputs, drawn.upload, state().run)
    errors += run.notes
    commit(Transition(run_shown(state(), run.shown())))
    ex, upload = run.as_shown(), run.upload  # the settings shown (their run may be the browser's)
    browser = run.made is not None
    # refused: some input is not used by the run shown (a start the file cannot use is one the
    # run shown leaves out, not a refusal: the link then holds that run, `sync_url`)
    refused = bool(asked.notes) or len(run.notes) > run.start_dropped
    if given:  # the sidebar left the sample count to the file (or to the data shown instead)
        bar.file_rows(drawn.rows, ex, upload)
        update(link_uploaded=False)  # a link's file given: nothing is missing any more
    drawn.note.markdown(explain.stability_note(ex, run_known=not browser))
    axes = bar.surface_axes(ex)
    header()
    if not ss.presenter:
        messages(ex, upload, errors, browser)
    live_panel(
        recent(live_payload, **run.caches(), i=axes.x, j=axes.y, presenter=ss.presenter),
        state().run_start,
        iteration_reported,
        start_picked,
        state().opened,
        settings_chosen,
        run.chosen(),
        {"session": state().session, "seq": state().heard},
    )
    if ss.presenter:  # the stage first: the panel fills the projector, the words follow it
        messages(ex, upload, errors, browser)
    sync_url(ss.current, inputs_shown=not refused, uploaded=upload is not None or state().link_uploaded)
    if not ss.presenter:
        formulas(ex)
        sweep_and_exports(run, axes)
