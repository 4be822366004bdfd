"""The sidebar's folds and the inputs it may leave undrawn: which input lives where (no Streamlit).

Folds: the sidebar's groups of inputs few users touch, each an expander drawn only while it is
open. A widget costs Streamlit about 0.4 ms of server CPU on every page view; a closed fold costs
none (bench/page.py). Their values live in session state whether drawn or not (ui.session keeps
them), so closing a fold changes no run. A fold opens by itself where a share link or a preset sets
one of its inputs (ui.state's transitions), so that nothing a run depends on is hidden.

State flows one way: link/widgets/panel message → transition (ui.state) → PageState → run → page;
a transition that sets an input opens its fold by setting the fold's key with it.
"""

from __future__ import annotations

from gd import registry

FOLDS = {
    "fold_data": ("noise", "seed", "feature_scale", "feature_mean", "outlier"),
    "fold_optimizer": tuple(
        sorted({h.name for e in registry.OPTIMIZERS.values() for h in e.hypers if not h.main})
    ),
    "fold_advanced": ("start", "schedule", *registry.SCHEDULE_RANGES, "l2"),
    "fold_compare": ("compare", "compare_rates", "compare_batches"),
    "fold_surface": ("surface_x", "surface_y"),
}


def folds_of(keys) -> list[str]:
    """The folds that hold any of these inputs."""
    return [fold for fold, held in FOLDS.items() if not set(held).isdisjoint(keys)]


# Inputs whose widget a page may not draw (those in folds, the hyper-parameters of other
# optimizers, the batch size of full-batch ones): they enter session state only when their widget
# is first drawn, or a link or a preset sets them, and are read meanwhile as their default
# (ui.session.value). Every widget Streamlit draws scans every key of session state
# (`filtered_state`), each about 5 µs: two dozen keys fewer on a new page save its view about 1 ms
# (bench/page.py). (the surface axes, though folded, are set on every run: ui.sidebar.surface_axes)
FOLDED = {key for held in FOLDS.values() for key in held} - {"surface_x", "surface_y"}
LAZY = frozenset(FOLDED | set(registry.HYPER_RANGES) | {"batch_size"})
