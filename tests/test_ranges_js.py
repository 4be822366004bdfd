"""The charts' ranges in the browser (static/ranges.js) against gd.figures, in node: for runs of
every kind (the optimizers, the schedules, ridge, d = 1, a start of its own, runs that diverge,
compared runs, a run long enough that the payload leaves iterations out), the ranges computed
from the decoded payload are its own figures' (gd.live.payload); and, what the panel needs them
for, the ranges of the run the what-if controls compute in the browser (whatif.js whatifData)
under other settings are those of the payload the server builds for those settings.

To 1e-12: Math.log10, log and exp may differ from the C library's in the last place. Relative to
the larger of the end and the range's width, so that an end near zero is not held to digits its
own padding's rounding never had. One node process a batch (tests/js/ranges_driver.mjs); skipped
where node is missing, unless GD_REQUIRE_NODE=1 (CI), which makes that a failure.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from gd import figures, live
from gd.inputs import Settings
from gd.run import experiment

ROOT = Path(__file__).resolve().parents[1]
DRIVER = ROOT / "tests" / "js" / "ranges_driver.mjs"
NODE = shutil.which("node")
CHARTS = ("loss", "eigen", "convergence", "rate")
TOLERANCE = 1e-12
WIDE = (1.0, -2.0, 3.0, 0.5, -1.5, 2.5, 4.0, -3.0, 1.0, 2.0) * 2  # 20 features

# the runs: settings and the compared runs' settings
RUNS = {
    "default": (Settings(), ()),
    "momentum": (Settings(optimizer="momentum", learning_rate=0.05, momentum=0.8), ()),
    "nesterov": (Settings(optimizer="nesterov", learning_rate=0.3, momentum=0.95), ()),
    "adam": (Settings(optimizer="adam", learning_rate=0.1), ()),
    "rmsprop": (Settings(optimizer="rmsprop", learning_rate=0.01, steps=400), ()),
    "adagrad": (Settings(optimizer="adagrad", learning_rate=0.5, steps=300), ()),
    "newton": (Settings(optimizer="newton", damping=0.5, steps=50), ()),
    "cg": (Settings(optimizer="cg", steps=20), ()),
    "linesearch": (Settings(optimizer="linesearch", steps=60), ()),
    "sgd": (Settings(optimizer="sgd", learning_rate=0.05, samples=500, steps=300), ()),
    "step": (Settings(learning_rate=0.5, schedule="step", step_size=50), ()),
    "cosine": (Settings(learning_rate=0.9, schedule="cosine"), ()),
    "inverse": (Settings(learning_rate=0.5, schedule="inverse", gamma=0.05), ()),
    # starts past the limit, the schedule brings it under: plain GD's prediction climbs, then falls
    "exponential": (Settings(learning_rate=1.5, schedule="exponential", gamma=0.9, steps=300), ()),
    "ridge": (Settings(l2=0.5, learning_rate=0.2), ()),
    "noisy": (Settings(noise=3.0, feature_scale=30.0, optimizer="momentum", learning_rate=1e-4), ()),
    "diverges": (Settings(learning_rate=1.5), ()),
    "momentum diverges": (Settings(optimizer="momentum", learning_rate=3.0, momentum=0.5), ()),
    "d=1": (Settings(true_weights=(3.0,), bias=-1.0, noise=0.5, steps=200, learning_rate=0.3), ()),
    "start": (Settings(start=(10.0, -10.0, 5.0, 0.0, -3.0, 20.0), steps=500), ()),
    "compared": (
        Settings(),
        (
            Settings(learning_rate=0.1),
            Settings(optimizer="adam", learning_rate=0.1, steps=1500),
            Settings(optimizer="momentum", learning_rate=3.0, momentum=0.5),
        ),
    ),
    # a schedule that diverges beside a run that does not: plain GD's bound outlasts the main run
    "cosine diverges": (Settings(learning_rate=5.0, schedule="cosine"), (Settings(learning_rate=0.01),)),
    # 21 parameters, 20,000 steps: the payload sends anchors, not every iteration
    "long": (Settings(true_weights=WIDE, steps=20_000, learning_rate=0.02, schedule="cosine"), ()),
    "long linesearch": (Settings(true_weights=WIDE, steps=20_000, optimizer="linesearch"), ()),
}

# the what-if controls' choices over a run's settings (whatif.js whatifSettings)
CHOICES = [
    ("default", {"learning_rate": 0.3}),
    ("default", {"learning_rate": 1.5}),  # diverges
    ("default", {"learning_rate": 1e-5}),  # crawls
    ("default", {"optimizer": "momentum", "momentum": 0.5}),
    ("default", {"optimizer": "nesterov", "momentum": 0.95, "learning_rate": 0.5}),
    ("default", {"optimizer": "adam", "learning_rate": 0.05}),
    ("default", {"optimizer": "newton"}),
    ("default", {"optimizer": "linesearch"}),
    ("default", {"optimizer": "cg"}),
    ("default", {"start": [4.0, -2.0, 1.0, 30.0, 0.0, -8.0]}),
    ("momentum", {"momentum": 0.3}),
    ("momentum", {"optimizer": "gd", "learning_rate": 0.8}),
    ("compared", {"learning_rate": 0.5}),
    ("compared", {"optimizer": "adam", "learning_rate": 0.2}),
    ("cosine", {"learning_rate": 1.2}),
    ("ridge", {"learning_rate": 0.05, "optimizer": "momentum", "momentum": 0.9}),
    ("d=1", {"optimizer": "momentum", "learning_rate": 0.1}),
    ("long", {"learning_rate": 0.1}),
]


@pytest.fixture(scope="module")
def node():
    if NODE is None:
        if os.environ.get("GD_REQUIRE_NODE") == "1":
            pytest.fail("node is required (GD_REQUIRE_NODE=1) but not on PATH")
        pytest.skip("node is not installed: static/ranges.js cannot be compared with gd.figures")
    return NODE


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("payloads")


@functools.cache
def payload_bytes(settings: Settings, compare: tuple[Settings, ...]) -> bytes:
    """The payload of the run (i, j = 0, 1), built once for the module's tests."""
    return live.payload(experiment(settings, compare=compare), 0, 1)


def payload_file(folder: Path, name: str, settings: Settings, compare: tuple[Settings, ...]) -> Path:
    """The payload of the run (i, j = 0, 1) written to a file; its path."""
    path = folder / f"{name.replace(' ', '_')}.bin"
    path.write_bytes(payload_bytes(settings, compare))
    return path


def figure_ranges(path: Path) -> dict:
    """The payload's own figures' axis ranges ({"x", "y"}; None for a chart it has not)."""
    figures = live.decode(path.read_bytes())["figures"]
    out = {}
    for name in CHARTS:
        layout = figures[name]["layout"] if name in figures else None
        out[name] = layout and {"x": layout["xaxis"]["range"], "y": layout["yaxis"]["range"]}
    return out


def in_node(node: str, items: list[dict]) -> list[dict]:
    done = subprocess.run(
        [node, str(DRIVER)], input=json.dumps(items).encode(), capture_output=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(done.stdout)


def assert_same(got: dict, want: dict, where: str) -> None:
    for name in CHARTS:
        if want[name] is None:
            assert got[name] is None, f"{where}: {name}"
            continue
        for axis in ("x", "y"):
            ours, theirs = got[name][axis], want[name][axis]
            width = abs(theirs[1] - theirs[0])
            assert len(ours) == 2, f"{where}: {name} {axis}"
            for a, b in zip(ours, theirs, strict=True):
                assert abs(a - b) <= TOLERANCE * max(abs(b), width), f"{where}: {name} {axis} {ours} {theirs}"


def test_the_ranges_from_a_payload_are_its_own_figures(node, folder):
    files = {name: payload_file(folder, name, *run) for name, run in RUNS.items()}
    got = in_node(node, [{"file": str(path), "choice": None} for path in files.values()])
    for (name, path), ranges in zip(files.items(), got, strict=True):
        assert_same(ranges["data"], figure_ranges(path), name)
        assert ranges["run"] == ranges["data"], f"{name}: a Run's ranges are its data's"
    # the long runs' rows are anchors (their ranges came from the run's `extremes`); the others' whole
    steps = {name: live.decode(path.read_bytes())["steps"] for name, path in files.items()}
    assert {name for name, s in steps.items() if s is not None} == {"long", "long linesearch"}


def test_the_ranges_of_the_browsers_run_are_those_the_server_draws_for_its_settings(node, folder):
    items, wants = [], []
    for n, (name, choice) in enumerate(CHOICES):
        settings, compare = RUNS[name]
        base = folder / f"{name.replace(' ', '_')}.bin"
        if not base.exists():
            base = payload_file(folder, name, settings, compare)
        items.append({"file": str(base), "choice": choice})
        fields = {k: tuple(v) if k == "start" else v for k, v in choice.items()}
        other = dataclasses.replace(settings, **fields)
        wants.append(figure_ranges(payload_file(folder, f"whatif{n}", other, compare)))
    got = in_node(node, items)
    for (name, choice), ranges, want, item in zip(CHOICES, got, wants, items, strict=True):
        assert_same(ranges["data"], want, f"{name} under {choice}")
        # the payload's own figures' ranges, which the panel kept before, were not these
        assert want != figure_ranges(Path(item["file"])), f"{name} under {choice}"
    # among them a run that diverges and one with no rate chart: their ranges moved with them
    assert wants[1]["convergence"]["y"][1] > 1e3 and wants[6]["rate"] is None


def figure_theory(settings: Settings, compare: tuple[Settings, ...]) -> dict:
    """Plain GD's lines gd.figures draws for the settings' run (numpy's gd_rate, gd_bound and
    gd_theory, in float64: the payload carries them as float32): the loss chart's bound and the
    eigen view's dashed lines, by direction, None where the figure's note on them is hidden (no
    prediction for this optimizer)."""
    ex = experiment(settings, compare=compare)
    loss, eigen = figures.loss_figure(ex, 0), figures.eigen_figure(ex, 0)
    line = lambda t: {"x": np.asarray(t.x), "y": np.asarray(t.y, dtype=float)}  # noqa: E731
    [bound] = [t for t in loss.data if t.meta == {"gd": "theory"}]
    dashed = [t for t in eigen.data if t.meta and t.meta["gd"] == "theory"]
    dashed.sort(key=lambda t: t.meta["param"])
    [note] = [a for a in eigen.layout.annotations if a.name == "prediction"]
    if not note.visible:
        assert all(len(t.y) == 0 for t in dashed)
    return {"bound": line(bound), "eigen": [line(t) for t in dashed] if note.visible else None}


def assert_same_line(got: dict, want: dict, where: str) -> None:
    assert list(got["x"]) == want["x"].tolist(), f"{where}: the iterations drawn"
    ours, theirs = np.asarray(got["y"], dtype=float), want["y"]
    assert np.all(np.abs(ours - theirs) <= TOLERANCE * np.abs(theirs)), f"{where}: {ours} {theirs}"


def test_plain_gds_lines_for_the_browsers_run_are_those_the_server_draws(node, folder):
    """theory.js: the loss chart's bound and the eigen view's predictions drawn for the browser's
    run (while a control is dragged and after) are those gd.figures draws for the same settings,
    every iteration drawn, to 1e-12: for each payload's own settings run again in the browser and
    for each what-if choice (other rates, a diverging one, momentum, adam, newton and cg with no
    prediction, a start of its own, ridge, a cosine schedule whose bound is a product of rates)."""
    items, wants, names = [], [], []
    for name, (settings, compare) in RUNS.items():
        if settings.optimizer == "sgd":  # mini-batches: run on the server, never in the browser
            continue
        path = payload_file(folder, name, settings, compare)
        items.append({"file": str(path), "choice": None, "theory": True})
        wants.append(figure_theory(settings, compare))
        names.append(name)
    for name, choice in CHOICES:
        settings, compare = RUNS[name]
        fields = {k: tuple(v) if k == "start" else v for k, v in choice.items()}
        base = folder / f"{name.replace(' ', '_')}.bin"
        items.append({"file": str(base), "choice": choice, "theory": True})
        wants.append(figure_theory(dataclasses.replace(settings, **fields), compare))
        names.append(f"{name} under {choice}")
    got = in_node(node, items)
    for where, out, want in zip(names, got, wants, strict=True):
        theory = out["theory"]
        assert_same_line(theory["bound"], want["bound"], f"{where}: the bound")
        assert (theory["eigen"] is None) == (want["eigen"] is None), where
        for i, (ours, theirs) in enumerate(zip(theory["eigen"] or [], want["eigen"] or [], strict=True)):
            assert_same_line(ours, theirs, f"{where}: direction {i}")
    # what the comparison covered: lines that change with the choice, and optimizers without them
    by_name = dict(zip(names, wants, strict=True))
    assert by_name["newton"]["eigen"] is None and by_name["default"]["eigen"] is not None
    rates = [by_name[f"default under {{'learning_rate': {r}}}"]["bound"]["y"][1] for r in (0.3, 1.5, 1e-05)]
    assert len(set(rates)) == 3, rates


# the words' every branch (gd.spectrum.eigen_note and factor_words, gd.live.rate_caption), besides
# CHOICES: every direction shrinks, with "steps per factor e" (0.01) and without (0.6); one grows
# (0.98: v6 alone past 1/lambda_6), three grow (1.0), every one grows (1.5, in CHOICES)
TEXT_CHOICES = [
    *CHOICES,
    ("default", {"learning_rate": 0.01, "optimizer": "momentum"}),
    ("default", {"learning_rate": 0.6}),
    ("default", {"learning_rate": 0.98}),
    ("default", {"learning_rate": 1.0}),
    ("step", {"learning_rate": 0.2}),
    ("linesearch", {"optimizer": "gd", "learning_rate": 0.4}),
]


def test_the_words_for_the_browsers_run_are_those_the_server_writes(node, folder):
    """captions.js: the panel's words for a run of the browser's (the eigen view's and the rate
    chart's captions and accessible names, which name the rate, the factors it brings and whether
    there is a limit) are, every one of them, those gd.live writes into the payload the server
    builds for the same settings: for each payload's own settings run again in the browser, each
    what-if choice, and rank-deficient data (a column twice: lambda = 0 directions)."""
    from rules_cases import problems

    items, wants, names = [], [], []
    for name, (settings, compare) in RUNS.items():
        if settings.optimizer == "sgd":
            continue
        path = payload_file(folder, name, settings, compare)
        items.append({"file": str(path), "choice": None, "text": True})
        wants.append(live.decode(path.read_bytes())["text"])
        names.append(name)
    for n, (name, choice) in enumerate(TEXT_CHOICES):
        settings, compare = RUNS[name]
        fields = {k: tuple(v) if k == "start" else v for k, v in choice.items()}
        base = payload_file(folder, name, settings, compare)
        items.append({"file": str(base), "choice": choice, "text": True})
        other = payload_file(folder, f"text{n}", dataclasses.replace(settings, **fields), compare)
        wants.append(live.decode(other.read_bytes())["text"])
        names.append(f"{name} under {choice}")
    settings, twice = problems()["rank_deficient"]
    base = folder / "rank_deficient.bin"
    base.write_bytes(live.payload(experiment(settings, twice), 0, 1))
    for n, choice in enumerate(({}, {"learning_rate": 2.0}, {"optimizer": "newton"})):
        other = folder / f"rank_deficient{n}.bin"
        other.write_bytes(live.payload(experiment(dataclasses.replace(settings, **choice), twice), 0, 1))
        items.append({"file": str(base), "choice": choice, "text": True})
        wants.append(live.decode(other.read_bytes())["text"])
        names.append(f"rank-deficient under {choice}")
    got = in_node(node, items)
    for where, out, want in zip(names, got, wants, strict=True):
        assert out["text"] == want, where
    # what the comparison covered: the words moved with the choice, through each branch
    by_name = dict(zip(names, wants, strict=True))
    default = by_name["default"]
    for rate, words in [
        (0.98, "v6 grows: η is past 1/λᵢ for it."),
        (1.0, "v4, v5 and v6 grow"),
        (1.5, "The error along every direction grows"),
        (0.6, "they shrink by factors"),
    ]:
        caption = by_name[f"default under {{'learning_rate': {rate}}}"]["eigen_caption"]
        assert words in caption and caption != default["eigen_caption"], rate
    assert "per factor e" not in by_name["default under {'learning_rate': 0.6}"]["eigen_caption"]
    assert "A constant rate η = 0.3 " in by_name["default under {'learning_rate': 0.3}"]["rate_caption"]
    assert "has no learning rate" in by_name["default under {'optimizer': 'newton'}"]["rate_caption"]
    assert "picks each step's rate" in by_name["default under {'optimizer': 'linesearch'}"]["rate_caption"]
    assert by_name["default under {'optimizer': 'adam', 'learning_rate': 0.05}"]["rate"].endswith("marked.")
    assert "λ = 0" in by_name["rank-deficient under {'learning_rate': 2.0}"]["eigen_caption"]
