"""Starting points for a workshop: each sets some inputs (the rest to their defaults) and says in
one line what to watch."""

from __future__ import annotations

from typing import NamedTuple


class Preset(NamedTuple):
    label: str
    watch: str
    values: dict


PRESETS = {
    "article": Preset(
        "The article's run",
        "Five weights and a bias, learned from zero at η = 0.01: every parameter creeps to its "
        "true value, the fastest ones first.",
        {},
    ),
    "too_small": Preset(
        "Learning rate too small",
        "η = 0.0005 is safe but slow: after 1,000 steps the parameters are still far from the "
        "truth. Compare the loss chart with the article's run.",
        {"learning_rate": 0.0005},
    ),
    "oscillation": Preset(
        "Oscillation",
        "η is 93% of the stability limit: each step overshoots the minimum, so the parameters "
        "zig-zag around their true values while they converge.",
        {"learning_rate": 0.9, "steps": 100},
    ),
    "divergence": Preset(
        "Divergence",
        "η just past the stability limit: each step overshoots by more than it corrects, and "
        "the loss explodes. The page names the step where the run diverged.",
        {"learning_rate": 1.05, "steps": 200},
    ),
    "unscaled": Preset(
        "Unscaled features",
        "Features of different scales and off-centre means make a long, narrow valley (see the "
        "condition number and the contour map): GD zig-zags across it and crawls along it. "
        "Switch on 'Standardise features' to see round contours and a fast descent.",
        {
            "feature_scale": 4.0,
            "feature_mean": 2.0,
            "learning_rate": 0.03,
            "surface_x": "w5",
            "surface_y": "b",
        },
    ),
    "sgd_noise": Preset(
        "Noisy data: SGD against GD",
        "With noisy targets, each mini-batch points somewhere else: single-sample SGD wanders, "
        "mini-batches wander less, full-batch GD goes straight. The loss flattens at L*, the "
        "noise no model can explain.",
        {
            "noise": 5.0,
            "optimizer": "sgd",
            "batch_size": 32,
            "learning_rate": 0.02,
            "compare": ["gd", "sgd"],
            "compare_batches": "1, 32",
        },
    ),
    "outlier": Preset(
        "An outlier",
        "One sample's y is off by 200. Squared error weighs it heavily: the fitted line is "
        "pulled toward it, away from the true line through the other 49 points.",
        {
            "true_weights": "3",
            "bias": 1.0,
            "samples": 50,
            "outlier": 200.0,
            "learning_rate": 0.05,
            "steps": 300,
        },
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
    ),
    "ridge": Preset(
        "Ridge rounds a narrow valley",
        "Feature scales 1 to 10 make the loss 100 times more curved along w5 than along w1. The "
        "penalty λ = 20 adds 2λ of curvature to every weight (not the bias): 5.7 times now, a "
        "rounder bowl on the contour map, and the optimum shrinks toward zero (w1 = 0.1, not 2). "
        "Set λ to 0 to compare.",
        {
            "feature_scale": 10.0,
            "l2": 20.0,
            "learning_rate": 0.008,
            "steps": 300,
            "surface_x": "w5",
            "surface_y": "w1",
        },
    ),
}
