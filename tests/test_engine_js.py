"""The browser's engine (static/engine.js) against gd.run, in node: for each optimizer and each
schedule, RUNS random problems (1 to 20 parameters, rank-deficient ones and ridge among them,
rates from 1e-4 of the stability limit to 3 times it, random starts, the optimum among them)
through both, every iterate and loss compared bit for bit (the sign of a zero included), and
the iteration a run diverged at.

Bit for bit everywhere, pow and cos included: the issue allowed 1e-12 where they enter, but Math's
and the C library's differ in the last place in 3 to 9 per cent of the factors, and along an
ill-conditioned run an ulp in a rate grew to 5e-10 of the parameters (this test, before gd.ordered's
power and cos). One node process a family (tests/js/engine_driver.mjs). Skipped where node is
missing, unless GD_REQUIRE_NODE=1 (CI), which makes that a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from gd import registry
from gd.inputs import Settings
from gd.problem import Problem
from gd.run import run

ROOT = Path(__file__).resolve().parents[1]
DRIVER = ROOT / "tests" / "js" / "engine_driver.mjs"
RUNS = 1000  # random problems a family
MAX_STEPS = 100
RATED = ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
FAMILIES = [("optimizer", name) for name in registry.NAMES if name != "sgd"] + [
    ("schedule", name) for name in registry.SCHEDULE_NAMES
]
NODE = shutil.which("node")


@pytest.fixture(scope="module")
def node():
    if NODE is None:
        if os.environ.get("GD_REQUIRE_NODE") == "1":
            pytest.fail("node is required (GD_REQUIRE_NODE=1) but not on PATH")
        pytest.skip("node is not installed: the browser's engine cannot be compared with gd.run")
    return NODE


def random_problem(rng: np.random.Generator) -> Problem:
    """Data of 0 to 19 features of scales 0.03 to 30, off-centre or not, 1 to 3p + 2 rows (fewer
    rows than parameters: rank-deficient), noisy or exact; ridge on a third."""
    p = int(rng.integers(1, 21))
    d, n = p - 1, int(rng.integers(1, 3 * p + 3))
    X = rng.normal(size=(n, d)) * 10 ** rng.uniform(-1.5, 1.5, size=d) + rng.choice([0, 1, 10]) * rng.normal(
        size=d
    )
    y = X @ rng.normal(size=d) + rng.normal() + rng.choice([0.0, 0.1, 1.0]) * rng.normal(size=n)
    problem = Problem.from_data(X, y)
    return problem.regularised(10 ** rng.uniform(-4, 0)) if rng.random() < 0.3 else problem


def random_settings(rng: np.random.Generator, problem: Problem, optimizer: str, schedule: str) -> Settings:
    steps = int(rng.integers(0, MAX_STEPS + 1))
    hyper = {
        "momentum": float(rng.uniform(0, 0.99)),
        "eps": None if rng.random() < 0.5 else float(10 ** rng.uniform(-12, -4)),
        "alpha": float(rng.uniform(0.5, 0.999)),
        "beta1": float(rng.uniform(0, 0.99)),
        "beta2": float(rng.uniform(0.9, 0.9999)),
        "damping": float(rng.uniform(0.1, 1.0)),
    }
    gamma = {"step": rng.uniform(0.1, 1), "exponential": rng.uniform(0.8, 1), "inverse": rng.uniform(0, 2)}
    limit = problem.stability_limit(optimizer, momentum=hyper["momentum"])
    scale = limit if limit else max(1.0, float(np.abs(problem.theta_star).max()))
    return Settings(
        optimizer=optimizer,
        learning_rate=float(scale * 10 ** rng.uniform(-4, np.log10(3))),
        steps=steps,
        schedule=schedule,
        gamma=float(gamma[schedule]) if schedule in gamma else None,
        step_size=int(rng.integers(1, 30)),
        **hyper,
    )


def random_start(rng: np.random.Generator, problem: Problem) -> list[float]:
    pick = rng.random()
    if pick < 0.3:
        return []  # zeros
    if pick < 0.4:
        return problem.theta_star.tolist()  # at the optimum: the loss's floor L(0) decides
    size = 1.0 + np.abs(problem.theta_star).max()
    return (rng.normal(size=problem.p) * size).tolist()


@pytest.fixture(scope="module")
def problems():
    rng = np.random.default_rng(22)
    return [random_problem(rng) for _ in range(RUNS)]


def run_in_node(node: str, problems: list[Problem], cases: list[tuple[int, Settings, list[float]]]):
    """[(params (T+1, p), loss (T+1,), diverged_at)] from the engine, one node process."""
    names = ("optimizer", "learning_rate", "steps", "schedule", "gamma", "step_size")
    names += ("momentum", "eps", "alpha", "beta1", "beta2", "damping")
    batch = {
        "problems": [pb.statistics() for pb in problems],
        "cases": [
            {"problem": i, "settings": {**{k: getattr(s, k) for k in names}, "start": start}}
            for i, s, start in cases
        ],
    }
    text = json.dumps(batch, allow_nan=False).encode()
    done = subprocess.run([node, str(DRIVER)], input=text, capture_output=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr.decode()
    out, at = np.frombuffer(done.stdout, dtype="<f8"), 0
    results = []
    for i, _, _ in cases:
        rows, diverged = int(out[at]), int(out[at + 1])
        p = problems[i].p
        params = out[at + 2 : at + 2 + rows * p].reshape(rows, p)
        loss = out[at + 2 + rows * p : at + 2 + rows * p + rows]
        results.append((params, loss, None if diverged < 0 else diverged))
        at += 2 + rows * (p + 1)
    assert at == out.size
    return results


@pytest.mark.parametrize(("kind", "name"), FAMILIES, ids=[f"{k}={n}" for k, n in FAMILIES])
def test_the_browsers_engine_runs_as_gd_run(node, problems, kind, name):
    rng = np.random.default_rng([22, FAMILIES.index((kind, name))])
    cases = []
    for i, problem in enumerate(problems):
        optimizer = name if kind == "optimizer" else RATED[rng.integers(len(RATED))]
        schedule = name if kind == "schedule" else "constant"
        cases.append((i, random_settings(rng, problem, optimizer, schedule), random_start(rng, problem)))
    ours = run_in_node(node, problems, cases)
    diverged = 0
    for (i, settings, start), (params, loss, diverged_at) in zip(cases, ours, strict=True):
        problem = problems[i]
        optimizer = registry.build(settings, problem)
        want = run(problem, optimizer, settings.steps, theta0=np.array(start) if start else None)
        where = f"case {i}: {settings.optimizer}, {settings.schedule}, p={problem.p}, {settings}"
        assert diverged_at == want.diverged_at, where
        assert params.shape == want.params.shape, where
        diverged += diverged_at is not None
        # the bits themselves, the sign of a zero included
        np.testing.assert_array_equal(params.view(np.int64), want.params.view(np.int64), err_msg=where)
        np.testing.assert_array_equal(loss.view(np.int64), want.loss.view(np.int64), err_msg=where)
    if kind == "optimizer" and registry.entry(name).limit is not None:
        assert diverged > 0.05 * RUNS, f"only {diverged} runs diverged: the rates should pass the limit"


def test_the_engines_hand_computed_steps_pass_in_node(node):
    """tests/js/engine.test.mjs (node's own runner), within the Quick start's test command."""
    done = subprocess.run(
        [node, "--test", "tests/js/engine.test.mjs"], cwd=ROOT, capture_output=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout.decode()[-3000:]
    assert "# fail 0" in done.stdout.decode()


@pytest.mark.parametrize("size", [1e-150, 1e150])
def test_the_engine_follows_gd_run_at_the_edges_of_float64s_range(node, size):
    """Data of 1e150 (G of 1e300: g^T g overflows, linesearch and cg scale by a power of two; a
    run past the limit ends on a value that is not finite, the loss limit being past float64's
    range) and of 1e-150 (subnormal products), through every optimizer, compared bit for bit."""
    rng = np.random.default_rng(int(np.log10(size)) + 500)
    problems, cases = [], []
    for i in range(8):
        X = rng.normal(size=(12, 3)) * size
        problems.append(Problem.from_data(X, X @ rng.normal(size=3) + rng.normal(size=12) * size))
        for name in (n for n in registry.NAMES if n != "sgd"):
            limit = problems[i].stability_limit(name) or 1.0
            for rate in (0.5 * limit, 3 * limit):
                cases.append((i, Settings(optimizer=name, learning_rate=float(rate), steps=60), []))
    ours = run_in_node(node, problems, cases)
    ends = set()
    for (i, settings, _), (params, loss, diverged_at) in zip(cases, ours, strict=True):
        want = run(problems[i], registry.build(settings, problems[i]), settings.steps)
        assert diverged_at == want.diverged_at, settings
        np.testing.assert_array_equal(
            params.view(np.int64), want.params.view(np.int64), err_msg=str(settings)
        )
        np.testing.assert_array_equal(loss.view(np.int64), want.loss.view(np.int64), err_msg=str(settings))
        ends.add(diverged_at is not None)
    assert ends == {True, False}  # some runs diverge, some do not
