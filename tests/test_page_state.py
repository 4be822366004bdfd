"""The page's transitions (ui.state, ui.panel_events), without Streamlit: a link, the widgets, a
preset, a file and the panel's messages each move a PageState, as tests/js test the browser's
timeline.

Expected values are written by hand here (a Settings built field by field, a start's text, a
range's words), not read back from the code under test."""

from __future__ import annotations

import math
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from gd import share
from gd.inputs import Settings
from ui.panel_events import PANEL, PanelMessage, from_panel
from ui.state import (
    AxisNames,
    LinkAxis,
    Note,
    PageState,
    PresetChange,
    RunInputs,
    RunShown,
    Transition,
    axes_known,
    file_read,
    from_link,
    from_widgets,
    in_order,
    preset_chosen,
    run_id,
    run_shown,
    to_link,
)

ROOT = Path(__file__).resolve().parents[1]
LR_RANGE = "learning rate must be at least 1e-06 and at most 100"  # gd.inputs.RANGES, in words
HOSTILE = [math.nan, math.inf, -math.inf, True, "3", None, [1], {"k": 1}]


def test_the_state_module_imports_no_streamlit():
    code = (
        "import sys, ui.state, ui.folds, ui.panel_events; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'streamlit'); "
        "assert not bad, bad"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


# ---- a page with a run on screen, by hand --------------------------------------------------------


def widgets(**changed) -> dict:
    """The sidebar's values as session state holds them (the weights as text), with `changed`."""
    return {**share.DEFAULTS, **changed}


def shown(inputs: RunInputs, key: str = "run-a", steps: int | None = None, theta0=(0.0,) * 6) -> RunShown:
    """A run as ui.runs reports it, with a made-up live key and start."""
    steps = inputs.settings.steps if steps is None else steps
    return RunShown(run_id(inputs, None), inputs, steps, key, tuple(theta0))


def at(k: int) -> PageState:
    """The defaults' run on screen (run key "run-a"), the browser stopped at iteration k."""
    state = run_shown(PageState(), shown(RunInputs(Settings())))
    moved = from_panel(state, PanelMessage("iteration", {"run": "run-a", "k": k, "opened": 0}))
    assert moved.state.iteration == k and not moved.inputs and not moved.notes
    return moved.state


# ---- the link ------------------------------------------------------------------------------------


def test_a_link_sets_the_settings_and_the_iteration_its_run_opens_at():
    params = {"learning_rate": "0.05", "steps": "30", "true_weights": "1,2", "noise": "0.5", "iteration": "7"}
    t = from_link(PageState(), params)
    want = Settings(learning_rate=0.05, steps=30, true_weights=(1.0, 2.0), noise=0.5)
    assert t.state.asked == RunInputs(want, ())
    assert t.inputs == {
        "learning_rate": 0.05,
        "steps": 30,
        "true_weights": "1, 2",
        "noise": 0.5,
        "fold_data": True,  # the noise is in a fold: opened, so that the link's value is seen
    }
    assert t.notes == () and t.state.link_warnings == ()
    assert t.state.open_at == 7 and t.state.iteration == 0  # until its run is on screen
    # the run made: the panel opens it at 7, and the next new run at 0 again
    on = run_shown(t.state, shown(t.state.asked))
    assert (on.iteration, on.run_start, on.open_at) == (7, 7, 0)
    # past the run's end: its last step
    assert run_shown(t.state, shown(t.state.asked, steps=5)).iteration == 5


def test_a_link_made_on_a_file_names_a_fresh_uploader_and_keeps_its_axes_to_check():
    t = from_link(PageState(), {"uploaded": "true", "surface_x": "w9"}, token="beef")
    assert t.state.link_uploaded and t.state.upload_key == "upload_beef"
    assert t.state.link_axes == (LinkAxis("surface_x", "w9"),)
    assert from_link(PageState(), {}, token="beef").state.upload_key == "upload"


@pytest.mark.parametrize("text", ["1e9", "-1", "nan", "inf", "Infinity"])
def test_an_out_of_range_link_value_keeps_the_last_valid_state_and_says_which_input_and_its_range(text):
    before = PageState()
    t = from_link(before, {"learning_rate": text, "steps": "30"})
    assert t.state.asked.settings == Settings(steps=30)  # the rest of the link is taken
    assert t.state.asked.settings.learning_rate == 0.01  # the article's rate: the default kept
    assert "learning_rate" not in t.inputs
    [note] = t.notes
    assert note.kind == "warning"
    assert f"learning_rate={text!r}" in note.text
    if text in ("1e9", "-1"):
        assert LR_RANGE in note.text
    else:
        assert "learning rate must be a finite number" in note.text
    assert t.state.link_warnings == (note.text,)  # said on every run of the session
    assert before == PageState()  # a transition changes no state it is given


def test_an_unknown_link_parameter_is_named_and_changes_nothing():
    t = from_link(PageState(), {"lr": "0.5"})
    assert t.state.asked == PageState().asked and t.inputs == {}
    assert [n.text for n in t.notes] == ["Ignored the unknown URL parameter 'lr'."]


# ---- the widgets ---------------------------------------------------------------------------------


def test_a_widget_that_changes_the_run_starts_it_at_iteration_zero():
    state = at(12)
    t = from_widgets(state, widgets(learning_rate=0.2))
    assert t.notes == ()
    assert t.state.asked == RunInputs(Settings(learning_rate=0.2))
    assert t.state.iteration == 12  # not before the run changes
    new = run_shown(t.state, shown(t.state.asked, key="run-b"))
    assert (new.iteration, new.run_start) == (0, 0)


def test_a_widget_that_changes_no_run_keeps_the_iteration():
    state = at(12)
    # the presenter switch and the surface axes are views of the same run; a file's target
    # column means nothing without a file
    for changed in ({"presenter": True}, {"surface_x": "w3"}, {"target": "y"}):
        t = from_widgets(state, widgets(**changed))
        assert t.state.asked == state.run.inputs and t.notes == ()
        assert run_id(t.state.asked, None) == state.run.id
        assert run_shown(t.state, shown(t.state.asked)).iteration == 12


def test_a_refused_widget_value_keeps_the_last_valid_run_and_its_iteration_and_says_why():
    state = at(12)
    t = from_widgets(state, widgets(learning_rate=500.0, steps=30))
    assert t.state.asked == RunInputs(Settings())  # the run on screen, steps and all
    [note] = t.notes
    assert (
        note.kind == "error" and LR_RANGE in note.text and note.text.endswith("Showing the last valid run.")
    )
    assert run_shown(t.state, shown(t.state.asked)).iteration == 12


def test_unreadable_weights_fall_back_to_the_last_valid_weights_alone():
    state = run_shown(PageState(), shown(RunInputs(Settings(true_weights=(3.0,))), theta0=(0, 0)))
    t = from_widgets(state, widgets(true_weights="1, x", learning_rate=0.2))
    assert t.state.asked == RunInputs(Settings(true_weights=(3.0,), learning_rate=0.2))
    [note] = t.notes
    assert note.kind == "error" and note.text.endswith("Showing the last valid weights: 3.")


def test_a_comparison_and_a_file_column_are_read_with_the_run():
    t = from_widgets(
        PageState(), widgets(compare=["gd"], compare_rates="0.1, 0.5", target="y"), uploaded=True
    )
    assert t.state.asked.settings == Settings(target="y")
    assert [(s.optimizer, s.learning_rate) for s in t.state.asked.compare] == [("gd", 0.1), ("gd", 0.5)]
    refused = from_widgets(PageState(), widgets(compare=["gd"], compare_rates="0.1, 0"))
    assert refused.state.asked == PageState().asked and len(refused.notes) == 1
    assert LR_RANGE in refused.notes[0].text


# ---- a preset ------------------------------------------------------------------------------------


def test_a_preset_sets_its_inputs_and_opens_its_run_at_its_iteration_even_where_it_is_shown():
    state = at(12)
    current = widgets(learning_rate=0.2)
    t = preset_chosen(state, "oscillation", current)  # learning rate 0.9, 100 steps, from iteration 12
    assert t.inputs["learning_rate"] == 0.9 and t.inputs["steps"] == 100 and t.inputs["noise"] == 0.0
    assert "presenter" not in t.inputs and "iteration" not in t.inputs
    assert PresetChange("learning_rate", 0.2, 0.9) in t.state.preset_set
    assert (t.state.open_at, t.state.opened, t.state.run.id) == (12, 1, None)
    asked = from_widgets(t.state, widgets(**t.inputs)).state
    assert asked.asked.settings == Settings(learning_rate=0.9, steps=100)
    assert run_shown(asked, shown(asked.asked, key="run-b")).iteration == 12


# ---- the panel's messages ------------------------------------------------------------------------


def test_an_iteration_report_moves_the_iteration_within_the_run():
    state = at(12)
    assert (
        from_panel(state, PanelMessage("iteration", {"run": "run-a", "k": 1000, "opened": 0})).state.iteration
        == 1000
    )
    assert (
        from_panel(state, PanelMessage("iteration", {"run": "run-a", "k": 0, "opened": 0})).state.iteration
        == 0
    )


@pytest.mark.parametrize(
    "report",
    [
        {"run": "run-b", "k": 3, "opened": 0},  # another run's: a late report
        {"run": "run-a", "k": 1001, "opened": 0},  # past the run's last step
        {"run": "run-a", "k": -1, "opened": 0},
        {"run": "run-a", "k": 2.5, "opened": 0},
        *({"run": "run-a", "k": bad, "opened": 0} for bad in HOSTILE),
        *({"run": "run-a", "k": 3, "opened": bad} for bad in HOSTILE),
        {"run": None, "k": 3, "opened": 0},
        None,
        "k=3",
        [3],
    ],
)
def test_a_stale_or_malformed_report_leaves_the_state_unchanged(report):
    state = at(12)
    assert from_panel(state, PanelMessage("iteration", report)) == Transition(state)


def test_a_report_from_before_the_last_preset_undoes_the_browsers_echo_of_the_old_inputs():
    chosen = preset_chosen(at(12), "oscillation", widgets(learning_rate=0.2, steps=1000)).state
    # the stale rerun carries the old values: the echoed rate goes back to the preset's; the steps,
    # which the user set to 77 since, stay
    now = widgets(learning_rate=0.2, steps=77)
    t = from_panel(chosen, PanelMessage("iteration", {"run": "run-a", "k": 3, "opened": 0}), now)
    assert t.state == chosen  # the iteration is the preset's
    assert t.inputs == {"learning_rate": 0.9}


def test_a_click_on_the_map_sets_the_two_parameters_it_shows_and_opens_the_start_box():
    state = run_shown(PageState(), shown(RunInputs(Settings()), theta0=(0.5, -1.0, 2.0, 0, 0, 0)))
    t = from_panel(state, PanelMessage("pick", {"run": "run-a", "i": 0, "j": 2, "x": 1.5, "y": -3}))
    assert t.inputs == {"start": "1.5, -1, -3, 0, 0, 0", "fold_advanced": True}
    assert t.state.map_start == "1.5, -1, -3, 0, 0, 0" and t.state.iteration == state.iteration


@pytest.mark.parametrize(
    "pick",
    [
        {"run": "run-b", "i": 0, "j": 1, "x": 1, "y": 1},  # another run's map
        {"run": "run-a", "i": 0, "j": 0, "x": 1, "y": 1},  # one parameter twice
        {"run": "run-a", "i": 0, "j": 6, "x": 1, "y": 1},  # the run has 6 parameters
        {"run": "run-a", "i": 0, "j": 1, "x": 1e300, "y": 1},  # beyond any start allowed
        *({"run": "run-a", "i": 0, "j": 1, "x": bad, "y": 1} for bad in HOSTILE),
        *({"run": "run-a", "i": bad, "j": 1, "x": 1, "y": 1} for bad in HOSTILE),
        None,
    ],
)
def test_a_stale_or_malformed_map_click_leaves_the_state_unchanged(pick):
    state = at(12)
    assert from_panel(state, PanelMessage("pick", pick)) == Transition(state)


def test_the_what_if_controls_let_go_set_the_sidebars_inputs_and_open_the_new_run_where_it_was_shown():
    state = run_shown(PageState(), shown(RunInputs(Settings()), theta0=(0.5, -1.0, 2.0, 0, 0, 0)))
    chosen = {"run": "run-a", "learning_rate": 0.05, "optimizer": "momentum", "momentum": 0.9, "k": 40}
    t = from_panel(state, PanelMessage("settings", chosen), widgets())
    assert t.inputs == {"learning_rate": 0.05, "optimizer": "momentum", "momentum": 0.9}
    assert (t.state.iteration, t.state.open_at) == (40, 40) and not t.notes
    # the start dragged on the map: the start box shows it, its fold opened
    dragged = from_panel(
        state, PanelMessage("settings", {**chosen, "start": [1.5, -1, -3, 0, 0, 0]}), widgets()
    )
    assert dragged.inputs["start"] == "1.5, -1, -3, 0, 0, 0" and dragged.inputs["fold_advanced"] is True
    assert dragged.state.map_start == "1.5, -1, -3, 0, 0, 0"
    # the same settings as the sidebar's: the iteration is kept, no new run opens anywhere else
    same = {"run": "run-a", "learning_rate": 0.01, "optimizer": "gd", "momentum": 0.9, "k": 12}
    kept = from_panel(state, PanelMessage("settings", same), widgets())
    assert (kept.state.iteration, kept.state.open_at) == (12, state.open_at)


@pytest.mark.parametrize(
    "message",
    [
        {"run": "run-b", "learning_rate": 0.05, "optimizer": "gd", "momentum": 0, "k": 1},  # another run
        {"run": "run-a", "learning_rate": 1e9, "optimizer": "gd", "momentum": 0, "k": 1},  # past the range
        {
            "run": "run-a",
            "learning_rate": 0.05,
            "optimizer": "lbfgs",
            "momentum": 0,
            "k": 1,
        },  # no such optimizer
        {"run": "run-a", "learning_rate": 0.05, "optimizer": "gd", "momentum": 0, "k": 1001},  # past the run
        *(
            {"run": "run-a", "learning_rate": bad, "optimizer": "gd", "momentum": 0, "k": 1}
            for bad in HOSTILE
        ),
        None,
    ],
)
def test_a_stale_or_malformed_settings_message_leaves_the_state_unchanged(message):
    state = at(12)
    assert from_panel(state, PanelMessage("settings", message), widgets()) == Transition(state)


def test_a_click_on_the_sweep_sets_the_learning_rate_to_three_digits():
    state = replace(at(12), sweep_id="sweep-1")
    t = from_panel(state, PanelMessage("rate", {"id": "sweep-1", "x": 0.123456, "y": 1}))
    assert t == Transition(state, {"learning_rate": 0.123})


def test_a_click_on_the_sweep_past_the_range_says_so_and_sets_nothing():
    state = replace(at(12), sweep_id="sweep-1")
    t = from_panel(state, PanelMessage("rate", {"id": "sweep-1", "x": 500.0}))
    assert t.state == state and t.inputs == {}
    [note] = t.notes
    assert note.kind == "warning" and note.text.startswith("The clicked rate is not allowed:")
    assert LR_RANGE in note.text


@pytest.mark.parametrize(
    "pick",
    [
        {"id": "sweep-0", "x": 0.1},
        {"id": None, "x": 0.1},
        *({"id": "sweep-1", "x": bad} for bad in HOSTILE),
        0.1,
    ],
)
def test_a_stale_or_malformed_sweep_click_leaves_the_state_unchanged(pick):
    state = replace(at(12), sweep_id="sweep-1")
    assert from_panel(state, PanelMessage("rate", pick)) == Transition(state)


def test_a_message_of_no_known_kind_changes_nothing_and_a_new_kind_is_one_entry(monkeypatch):
    state = at(12)
    assert from_panel(state, PanelMessage("settings", {"learning_rate": 0.5})) == Transition(state)

    def settings_chosen(state, body, inputs):
        return Transition(state, {"learning_rate": body["learning_rate"]})

    monkeypatch.setitem(PANEL, "settings", settings_chosen)
    t = from_panel(state, PanelMessage("settings", {"learning_rate": 0.5}))
    assert t == Transition(state, {"learning_rate": 0.5})


def test_notes_are_said_infos_first_then_errors_then_warnings_each_in_arrival_order():
    notes = [Note("warning", "w1"), Note("error", "e1"), Note("info", "i1"), Note("error", "e2")]
    assert [n.text for n in in_order(notes)] == ["i1", "e1", "e2", "w1"]


# ---- the link out ----------------------------------------------------------------------------------


def test_the_link_out_holds_what_differs_from_the_defaults_and_reads_back_as_the_same_run():
    state = at(12)
    values = widgets(learning_rate=0.2, steps=30)
    query = to_link(state, values, 12, inputs_shown=True, uploaded=False, query={})
    assert query == {"learning_rate": "0.2", "steps": "30", "iteration": "12"}
    back = from_link(PageState(), query)
    assert back.state.asked.settings == Settings(learning_rate=0.2, steps=30) and back.state.open_at == 12
    assert to_link(state, values, 0, True, False, {}) == {"learning_rate": "0.2", "steps": "30"}


def test_the_link_out_leaves_out_the_axes_the_page_chose_a_dropped_start_and_a_column_without_a_file():
    state = replace(at(0), auto_axes=AxisNames("w5", "w4"))
    values = widgets(surface_x="w5", surface_y="w4", target="y", start="1, 2")
    assert to_link(state, values, 0, True, False, {}) == {"start": "1, 2"}
    assert to_link(state, {**values, "surface_y": "b"}, 0, True, False, {}) == {
        "start": "1, 2",
        "surface_x": "w5",
        "surface_y": "b",
    }
    dropped = replace(state, run=state.run._replace(start_dropped=True))
    assert to_link(dropped, values, 0, True, True, {}) == {"target": "y", "uploaded": "true"}


def test_while_an_input_is_refused_the_link_keeps_the_last_valid_run_and_follows_the_iteration():
    now = {"learning_rate": "0.2", "iteration": "3"}
    refused = widgets(learning_rate=500.0)
    assert to_link(at(7), refused, 7, False, False, now) == {"learning_rate": "0.2", "iteration": "7"}
    assert to_link(at(0), refused, 0, False, False, now) == {"learning_rate": "0.2"}


# ---- a file ------------------------------------------------------------------------------------------


def test_a_file_without_the_links_target_column_drops_it_with_a_warning_naming_its_columns():
    state = replace(at(0), link_warnings=("earlier",))
    t = file_read(state, ["x1", "x2", "y"], "price", "")
    assert t.inputs == {"target": ""} and t.notes == ()
    assert t.state.link_warnings == (
        "earlier",
        "Ignored the target column 'price': the file has no column 'price'; its columns are "
        "'x1', 'x2', 'y'. Using y, the column named y.",
    )
    assert file_read(state, ["x1", "x2", "y"], "x2", "") == Transition(state)  # a column it has


def test_a_start_from_the_map_that_does_not_fit_the_file_is_dropped_once_and_a_typed_one_stays():
    state = replace(at(0), map_start="1, 2, 3, 4, 5, 6")
    t = file_read(state, ["x", "y"], "", "1, 2, 3, 4, 5, 6")  # one weight and the bias: 2 numbers
    assert t.inputs == {"start": ""} and t.state.map_start == ""
    assert t.notes == (
        Note(
            "info",
            "The start chosen on the map (1, 2, 3, 4, 5, 6) has 6 numbers and this file's run has "
            "2 parameters: it starts from zeros.",
        ),
    )
    assert file_read(state, ["x", "y"], "", "7, 8, 9") == Transition(state)  # typed: the run says why
    fits = file_read(state, ["a", "b", "c", "d", "e", "y"], "", "1, 2, 3, 4, 5, 6")
    assert fits == Transition(state)


# ---- the surface's axes --------------------------------------------------------------------------


def test_the_surface_axes_default_to_the_datas_own_and_a_choice_the_data_have_stays():
    auto = AxisNames("w2", "w1")
    t = axes_known(PageState(), ["w1", "w2", "b"], auto, {})
    assert t.inputs == {"surface_x": "w2", "surface_y": "w1"} and t.state.auto_axes == auto
    assert (
        axes_known(PageState(), ["w1", "w2", "b"], auto, {"surface_x": "b", "surface_y": "w1"}).inputs == {}
    )
    # the depth axis is never the horizontal one: the data's own, else the first other parameter
    same = {"surface_x": "w1", "surface_y": "w1"}
    assert axes_known(PageState(), ["w1", "w2", "b"], auto, same).inputs == {"surface_y": "w2"}
    one = axes_known(PageState(), ["w1", "b"], AxisNames("w1", "b"), {"surface_x": "b", "surface_y": "w5"})
    assert one.inputs == {"surface_y": "w1"}


def test_a_links_axis_the_data_have_not_is_dropped_once_with_a_warning_naming_theirs():
    state = from_link(PageState(), {"surface_x": "w9", "surface_y": "b"}).state
    t = axes_known(state, ["w1", "w2", "b"], AxisNames("w2", "w1"), {"surface_x": "w9", "surface_y": "b"})
    assert t.inputs == {"surface_x": "w2"}
    assert t.state.link_warnings == (
        "Ignored the URL parameter surface_x='w9': these data have no parameter 'w9' (they have "
        "w1, w2, b). Using w2.",
    )
    assert t.state.link_axes == ()  # checked once: the next run's data say nothing more
    again = axes_known(t.state, ["w1", "b"], AxisNames("w1", "b"), {"surface_x": "w2", "surface_y": "b"})
    assert again.state.link_warnings == t.state.link_warnings
