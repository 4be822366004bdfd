"""Starting points for a workshop: each sets some inputs (the rest to their defaults), opens on the
iteration that tells its story (`start`) and says in one line what to watch there. Every number a
`watch` line states is checked against the run in tests/test_presets.py.

A preset draws its reference with the page's own means: a compared run (the article's rate beside
a rate too small, a rate just under the stability limit beside one just past it), the true line of
the fit chart (an outlier), the least-squares values on the parameter chart. `tries` are the inputs
the line invites the user to change: the line stays while only those differ from the preset."""

from __future__ import annotations

from typing import NamedTuple


class Preset(NamedTuple):
    label: str
    watch: str
    values: dict
    start: int = 0  # the iteration the page opens on
    tries: tuple[str, ...] = ()  # inputs the line suggests changing (its note stays meanwhile)


PRESETS = {
    "article": Preset(
        "The article's run",
        "Five weights and a bias, learned from zero at η = 0.01: every parameter creeps to its "
        "true value, the fastest ones first.",
        {},
        start=40,
    ),
    "too_small": Preset(
        "Learning rate too small",
        "η = 0.0005 is safe but slow: after 1,000 steps its loss is still 34, where the article's "
        "η = 0.01 (drawn beside it) is below 10⁻¹⁴.",
        {"learning_rate": 0.0005, "compare": ["gd"], "compare_rates": "0.01"},
        start=1000,
    ),
    "oscillation": Preset(
        "Oscillation",
        "η is 93% of the stability limit: each step overshoots the minimum, so the parameters "
        "zig-zag around their true values while they converge.",
        {"learning_rate": 0.9, "steps": 100},
        start=12,
    ),
    "divergence": Preset(
        "Divergence",
        "η = 1.05 is 109% of the stability limit 0.964: each step overshoots by more than it "
        "corrects and the loss explodes. Beside it, η = 0.95 (98.5% of the limit) still converges.",
        {"learning_rate": 1.05, "steps": 200, "compare": ["gd"], "compare_rates": "0.95"},
        start=40,
    ),
    "unscaled": Preset(
        "Unscaled features",
        "Features of different scales and off-centre means make a narrow valley (condition number "
        "273): GD zig-zags across it and crawls along it. Standardising rounds it (condition "
        "number 1.09) and lifts the stability limit from 0.034 to 0.96: switch it on and raise η to "
        "0.5: the loss is below 10⁻⁹ by step 5 (386 now). At η = 0.03 it would start slower.",
        {
            "feature_scale": 4.0,
            "feature_mean": 2.0,
            "learning_rate": 0.03,
            "surface_x": "w5",
            "surface_y": "b",
        },
        start=20,
        tries=("standardize", "learning_rate"),
    ),
    "sgd_noise": Preset(
        "Noisy data: SGD against GD",
        "With noisy targets, each mini-batch points somewhere else: single-sample SGD wanders, "
        "mini-batches of 32 wander less, full-batch GD goes straight. The loss flattens at L*, the "
        "noise no model can explain.",
        {
            "true_weights": "3",
            "bias": 1.0,
            "noise": 5.0,
            "optimizer": "sgd",
            "batch_size": 32,
            "learning_rate": 0.02,
            "steps": 500,
            "compare": ["gd", "sgd"],
            "compare_batches": "1, 32",
        },
        start=300,
    ),
    "outlier": Preset(
        "An outlier",
        "One sample's y is off by 200. Squared error weighs it heavily: the fitted line is "
        "pulled 4 units toward it, away from the true line (dashed) through the other 49 points.",
        {
            "true_weights": "3",
            "bias": 1.0,
            "samples": 50,
            "outlier": 200.0,
            "learning_rate": 0.05,
            "steps": 300,
        },
        start=300,
    ),
    "methods": Preset(
        "Steepest descent, CG and GD",
        "A narrow valley: steepest descent with the exact step zig-zags from wall to wall, plain GD "
        "crawls along the floor, conjugate gradient reaches the optimum in at most 6 steps (one per "
        "parameter). Compare their paths on the contour map.",
        {
            "feature_scale": 4.0,
            "feature_mean": 2.0,
            "optimizer": "linesearch",
            "learning_rate": 0.03,
            "steps": 50,
            "compare": ["gd", "cg"],
            "surface_x": "w5",
            "surface_y": "b",
        },
        start=10,  # cg has arrived, steepest descent has zig-zagged a few times
    ),
    "ridge": Preset(
        "Ridge rounds a narrow valley",
        "Feature scales 1 to 10 curve the loss 100 times more along w5 than along w1. λ = 20 adds "
        "2λ of curvature to every weight: 5.7 times now, a rounder bowl on the map, and the optimum "
        "shrinks toward zero (w1 = 0.1, not 2). The bias, not penalised, keeps its curvature of 1: "
        "the condition number rises from 100 to 120, the bias now the slowest direction. Set λ to 0 "
        "to compare.",
        {
            "feature_scale": 10.0,
            "l2": 20.0,
            "learning_rate": 0.008,
            "steps": 300,
            "surface_x": "w5",
            "surface_y": "w1",
        },
        start=100,
        tries=("l2",),
    ),
}
