"""A hand-made mutation run over gd/: small, realistic bugs, each put into a copy of the repository
one at a time, and the tests that should notice it run against the copy.

    python bench/mutants.py            # every mutant (about 10 minutes on 2 cores)
    python bench/mutants.py 3 17       # only mutants 3 and 17
    python bench/mutants.py --list     # what each mutant does

A mutant is caught when its tests fail (or time out). Mutants marked `equivalent` change no
behaviour a user could see (the reason is given) and do not count. Run by hand, not in CI; the
score and the survivors go in docs/benchmarks.md ("Mutation testing").
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
FULL_RUN = "tests/test_run.py::test_the_articles_full_run_equals_its_literal_loop"  # 10 s or more
ENGINE = ["tests/test_optimizers.py", "tests/test_registry.py", "tests/test_run.py", "tests/test_problem.py"]
# The test files that exercise each module (without the app's, which take minutes).
TESTS = {
    "gd/optimizers.py": [
        "tests/test_optimizers.py",
        "tests/test_registry.py",
        "tests/test_run.py",
        "tests/test_beyond.py",
    ],
    "gd/registry.py": [*ENGINE, "tests/test_explain.py", "tests/test_run_compare.py", "tests/test_beyond.py"],
    "gd/spectrum.py": ["tests/test_beyond.py", "tests/test_explain.py"],
    "gd/run.py": ["tests/test_run.py", "tests/test_run_compare.py", "tests/test_registry.py"],
    "gd/problem.py": [
        "tests/test_problem.py",
        "tests/test_run.py",
        "tests/test_registry.py",
        "tests/test_beyond.py",
    ],
    "gd/inputs.py": ["tests/test_inputs.py", "tests/test_share.py", "tests/test_registry.py"],
    "gd/checks.py": ["tests/test_inputs.py", "tests/test_registry.py"],
    "gd/share.py": ["tests/test_share.py", "tests/test_registry.py", "tests/test_presets.py"],
    "gd/explain.py": ["tests/test_explain.py", "tests/test_registry.py"],
    "gd/__main__.py": ["tests/test_cli.py", "tests/test_registry.py"],
    "gd/data.py": ["tests/test_data.py", "tests/test_run.py"],
    "gd/export.py": ["tests/test_export.py", "tests/test_cli.py"],
    "gd/figures/charts.py": ["tests/test_figures.py", "tests/test_figures_steps.py"],
    "gd/figures/common.py": ["tests/test_figures.py", "tests/test_figures_steps.py"],
}


class Mutant(NamedTuple):
    path: str
    old: str  # must occur exactly once in the file
    new: str
    what: str
    equivalent: str = ""  # why the mutant cannot be told apart from the original, if it cannot


M = Mutant
MUTANTS = [
    # ---- gd/optimizers.py: the update rules
    M(
        "gd/optimizers.py",
        "return -learning_rate * g, state",
        "return learning_rate * g, state",
        "gd ascends",
    ),
    M(
        "gd/optimizers.py",
        "buffer = mu * state.buffer + g",
        "buffer = mu * state.buffer + (1 - mu) * g",
        "momentum with dampening mu (torch's dampening is 0)",
    ),
    M(
        "gd/optimizers.py",
        "direction = g + mu * buffer if nesterov else buffer",
        "direction = g + mu * state.buffer if nesterov else buffer",
        "nesterov looks along the old buffer",
    ),
    M(
        "gd/optimizers.py",
        "total = state.total + g * g",
        "total = state.total + g",
        "adagrad sums g, not g^2",
    ),
    M(
        "gd/optimizers.py",
        '-learning_rate * g / (np.sqrt(total) + eps), Accumulator(total)\n\n    return Optimizer("adagrad"',
        '-learning_rate * g / np.sqrt(total + eps), Accumulator(total)\n\n    return Optimizer("adagrad"',
        "adagrad's eps inside the root",
    ),
    M(
        "gd/optimizers.py",
        "total = alpha * state.total + (1.0 - alpha) * (g * g)",
        "total = alpha * state.total + (g * g)",
        "rmsprop without (1 - alpha)",
    ),
    M("gd/optimizers.py", "t = state.step + 1", "t = state.step", "adam's bias correction off by one"),
    M(
        "gd/optimizers.py",
        "step_size = learning_rate / (1.0 - beta1**t)",
        "step_size = learning_rate",
        "adam without the first moment's bias correction",
    ),
    M(
        "gd/optimizers.py",
        "denom = np.sqrt(v) / np.sqrt(1.0 - beta2**t) + eps",
        "denom = np.sqrt(v) + eps",
        "adam without the second moment's bias correction",
    ),
    M(
        "gd/optimizers.py",
        "return -step_size * m / denom, Moments(t, m, v)",
        "return -step_size * m / denom, Moments(t, m, state.square)",
        "adam keeps the old v in its state",
    ),
    # ---- gd/registry.py: defaults, limits, formulas
    M("gd/registry.py", "_eps(1e-10)", "_eps(1e-8)", "adagrad's eps 1e-8 (torch: 1e-10)"),
    M("gd/registry.py", 'Hyper("alpha", ALPHA, 0.99', 'Hyper("alpha", ALPHA, 0.9', "rmsprop's alpha 0.9"),
    M("gd/registry.py", 'Hyper("beta2", BETA2, 0.999', 'Hyper("beta2", BETA2, 0.99', "adam's beta2 0.99"),
    M(
        "gd/registry.py",
        "limit=lambda lam, momentum: (1.0 + momentum) / lam,",
        "limit=lambda lam, momentum: 1.0 / lam,",
        "momentum's limit that of gd",
    ),
    M(
        "gd/registry.py",
        "(1.0 + momentum) / ((1.0 + 2.0 * momentum) * lam)",
        "(1.0 + momentum) / ((2.0 * momentum) * lam)",
        "nesterov's limit formula wrong",
    ),
    M(
        "gd/registry.py",
        "partial(optimizers.momentum, nesterov=True)",
        "optimizers.momentum",
        "nesterov built as heavy ball",
    ),
    M(
        "gd/registry.py",
        r"{n(1 - alpha)}\, g_t^2",
        r"{n(alpha)}\, g_t^2",
        "rmsprop's formula shows alpha twice",
    ),
    M(
        "gd/registry.py",
        "out[h.name] = h.default if value is None else h.range.check(value)",
        "out[h.name] = h.default",
        "a given hyper-parameter ignored",
    ),
    M("gd/registry.py", "        minibatch=True,\n", "", "sgd not a mini-batch optimizer"),
    # ---- gd/run.py
    M(
        "gd/run.py",
        "return lambda theta: theta @ H - h",
        "return lambda theta: theta @ H + h",
        "gradient sign of c",
    ),
    M(
        "gd/run.py",
        "rng = np.random.default_rng([seed, 1])",
        "rng = np.random.default_rng(seed)",
        "sgd's shuffle on the data's own stream",
    ),
    M("gd/run.py", "if start >= n:", "if start > n:", "an empty batch at the end of each epoch"),
    M(
        "gd/run.py",
        "return batch_gradient(X[rows], y[rows], theta)",
        "return batch_gradient(X[rows], y[rows], theta) * len(rows) / batch",
        "a short last batch divided by B",
    ),
    M(
        "gd/run.py",
        "return DIVERGENCE_FACTOR * loss0 if loss0 > 0 else np.inf",
        "return DIVERGENCE_FACTOR * loss0 if loss0 > 0 else 0.0",
        "a zero starting loss diverges at once",
    ),
    M(
        "gd/run.py",
        "last = diverged_at if keep else diverged_at - 1",
        "last = diverged_at",
        "a non-finite row kept",
    ),
    M(
        "gd/run.py",
        "min(max(centre * 3, tiny), huge)",
        "min(max(centre, tiny), huge)",
        "the sweep stops at the limit",
    ),
    M(
        "gd/run.py",
        "if s != settings and s not in out:",
        "if s not in out:",
        "the main run compared with itself",
    ),
    M(
        "gd/run.py",
        "return np.random.default_rng([seed, 2]).choice(n, SAMPLE_ROWS, replace=False)",
        "return np.arange(SAMPLE_ROWS)",
        "the drawing sample taken as the first rows",
    ),
    M(
        "gd/run.py",
        "if h.main or values[h.name] != h.default:",
        "if h.main:",
        "labels hide changed hyper-parameters",
    ),
    M(
        "gd/run.py",
        "for s in (settings, *compare):\n        s.check_work(n)",
        "for s in (settings,):\n        s.check_work(n)",
        "compared runs skip the work bound",
    ),
    # ---- gd/problem.py
    M(
        "gd/problem.py",
        "eigenvalues[d + 1 - rank :] = np.sort(singular[:rank] ** 2 / n)",
        "eigenvalues[d + 1 - rank :] = np.sort(singular[:rank] / n)",
        "eigenvalues not squared",
    ),
    M(
        "gd/problem.py",
        "return self.loss_star + np.maximum(excess, 0.0)\n\n    def excess_loss",
        "return np.maximum(excess, 0.0)\n\n    def excess_loss",
        "loss without L*",
    ),
    M(
        "gd/problem.py",
        "return float(self.eigenvalues[self.p - self.rank])",
        "return float(self.eigenvalues[0])",
        "lambda_min counts zero eigenvalues",
    ),
    M(
        "gd/problem.py",
        "return 2.0 * (np.asarray(theta, dtype=float) @ self.G - self.c)",
        "return (np.asarray(theta, dtype=float) @ self.G - self.c)",
        "gradient half as large",
    ),
    M(
        "gd/problem.py",
        "return float(np.max((1.0 - 2.0 * learning_rate * lam) ** 2))",
        "return float(np.min((1.0 - 2.0 * learning_rate * lam) ** 2))",
        "gd_rate at best, not at worst",
    ),
    M("gd/problem.py", "+ 2 * u * v * G[i, j]", "+ u * v * G[i, j]", "loss grid's cross term halved"),
    # ---- gd/inputs.py
    M(
        "gd/inputs.py",
        "if h.positive and getattr(s, h.name) == 0:",
        "if False:",
        "nesterov with zero momentum allowed",
    ),
    M(
        "gd/inputs.py",
        "if s.standardize and samples < 2 else",
        "if s.standardize and samples < 1 else",
        "standardising one row allowed",
    ),
    M(
        "gd/inputs.py",
        "if work > MAX_SGD_SAMPLE_STEPS:",
        "if work >= MAX_SGD_SAMPLE_STEPS:",
        "the sgd work bound exclusive",
    ),
    M(
        "gd/inputs.py",
        "return min(self.batch_size, samples) * self.steps if self.minibatch else 0",
        "return self.batch_size * self.steps if self.minibatch else 0",
        "sgd work counts batches past n",
    ),
    M(
        "gd/inputs.py",
        "if len(parts) > MAX_FEATURES:",
        "if len(parts) > MAX_FEATURES + 1:",
        "21 weights allowed",
    ),
    M(
        "gd/checks.py",
        "too_big = value >= self.maximum if self.open_max else value > self.maximum",
        "too_big = value > self.maximum",
        "beta1 = 1 allowed",
    ),
    # ---- gd/share.py
    M(
        "gd/share.py",
        'if lowered in ("1", "true", "yes", "on"):',
        'if lowered in ("1", "true", "yes"):',
        "'on' not read as true",
    ),
    M(
        "gd/share.py",
        "if value == default or value is None:",
        "if value is None:",
        "defaults written into links",
    ),
    M(
        "gd/share.py",
        "if len(items) > MAX_COMPARE:",
        "if len(items) > MAX_COMPARE + 1:",
        "one comparison too many",
    ),
    M("gd/share.py", "return int(min(value, 10**9))", "return int(value)", "huge iteration numbers kept"),
    M(
        "gd/share.py",
        "key = next((k for k in keys if k in values), None)",
        "key = next((k for k in reversed(keys) if k in values), None)",
        "a link drops the optimizer before the momentum",
    ),
    # ---- beyond plain descent (issue 11)
    M(
        "gd/optimizers.py",
        "return -(g @ g) / (2.0 * curvature) * g, state",
        "return -(g @ g) / curvature * g, state",
        "linesearch takes twice the exact step",
    ),
    M(
        "gd/optimizers.py",
        "p = r if state.rr == 0 else r + (rr / state.rr) * state.direction",
        "p = r",
        "cg forgets its direction: steepest descent",
    ),
    M(
        "gd/optimizers.py",
        "return (table[t] if t < steps else factor(t)) * delta, Scheduled(t + 1, inner)",
        "return (table[t + 1] if t + 1 < steps else factor(t + 1)) * delta, Scheduled(t + 1, inner)",
        "a schedule one update ahead (the scheduler stepped before the optimizer)",
    ),
    M(
        "gd/problem.py",
        "penalty[-1] = 0.0",
        "penalty[-1] = 1.0",
        "ridge penalises the bias",
    ),
    M(
        "gd/problem.py",
        "keep = slice(self.p - self.rank, None)",
        "keep = slice(0, None)",
        "newton divides by the zero eigenvalues of rank-deficient data",
    ),
    M(
        "gd/registry.py",
        "lambda steps, gamma, step_size: lambda t: gamma ** (t // step_size),",
        "lambda steps, gamma, step_size: lambda t: gamma ** ((t + 1) // step_size),",
        "StepLR drops one update early",
    ),
    # ---- gd/explain.py
    M(
        "gd/explain.py",
        "if s.learning_rate >= limit:",
        "if s.learning_rate > limit:",
        "a rate exactly at the limit said to converge",
    ),
    # ---- gd/__main__.py
    M(
        "gd/__main__.py",
        "w, b = params[i + 1, :-1], params[i + 1, -1]",
        "w, b = params[i, :-1], params[i, -1]",
        "lines print the parameters before the update",
    ),
    M(
        "gd/__main__.py",
        "(name, tr.params[-1, i],",
        "(name, tr.params[-2, i],",
        "the summary shows the second-to-last row",
    ),
    M(
        "gd/__main__.py",
        'f"loss {tr.loss[-1]:.6g} (least possible {pb.loss_star:.6g}); "',
        'f"loss {tr.loss[-1]:.6g} (least possible {tr.loss[-1]:.6g}); "',
        "'least possible' prints the final loss",
    ),
    M(
        "gd/__main__.py",
        "if i % every == 0 or i == last:",
        "if i % every == 0:",
        "--every drops the last line",
    ),
    # ---- gd/data.py, gd/export.py, gd/figures
    M("gd/data.py", "y = X @ w + bias", "y = X @ w", "synthetic data without the bias"),
    M(
        "gd/data.py",
        "if outlier:\n            y[0] += outlier",
        "if outlier:\n            y[-1] += outlier",
        "the outlier on the last sample (noisy data)",
    ),
    M(
        "gd/data.py",
        "if outlier and start == 0:\n            y[0] += outlier",
        "if outlier and start == 0:\n            y[-1] += outlier",
        "the outlier on the last sample of the first block (data without noise)",
    ),
    M(
        "gd/export.py",
        'row = "%d," + ",".join(["%r"] * cols) + "\\n"',
        'row = "%d," + ",".join(["%g"] * cols) + "\\n"',
        "CSV values at 6 digits",
    ),
    M(
        "gd/figures/charts.py",
        "g = -ex.settings.learning_rate * ex.problem.gradient(P[k])[[i, j]]",
        "g = ex.settings.learning_rate * ex.problem.gradient(P[k])[[i, j]]",
        "the gradient arrow points uphill",
    ),
    M(
        "gd/figures/common.py",
        "return np.append(steps[steps < k], k)",
        "return np.append(steps[steps <= k], k + 1)",
        "drawn steps include k + 1",
    ),
]


def run_tests(copy: Path, files: list[str], timeout: float) -> tuple[bool, float]:
    """Whether the tests failed (the mutant was caught), and how long they took."""
    start = time.monotonic()
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-x",
        "-p",
        "no:cacheprovider",
        "-m",
        "not browser",
        *files,
    ]
    try:
        result = subprocess.run(command, cwd=copy, capture_output=True, text=True, timeout=timeout)
        caught = result.returncode != 0
    except subprocess.TimeoutExpired:
        caught = True
    return caught, time.monotonic() - start


def main(argv: list[str]) -> int:
    if "--list" in argv:
        for n, m in enumerate(MUTANTS, 1):
            print(f"{n:3d} {m.path}: {m.what}" + (f" (equivalent: {m.equivalent})" if m.equivalent else ""))
        return 0
    chosen = [int(a) for a in argv if a.isdigit()] or range(1, len(MUTANTS) + 1)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "repo"
        shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(".git", "__pycache__", ".venv", "*.pyc"))
        caught = survived = equivalent = 0
        survivors = []
        for n in chosen:
            m = MUTANTS[n - 1]
            target = copy / m.path
            original = target.read_text()
            if original.count(m.old) != 1:
                print(f"{n:3d} SKIPPED (the text to mutate occurs {original.count(m.old)} times): {m.what}")
                continue
            target.write_text(original.replace(m.old, m.new))
            try:
                hit, seconds = run_tests(copy, TESTS[m.path], timeout=300)
            finally:
                target.write_text(original)
            if m.equivalent:
                equivalent += 1
                verdict = "equivalent"
            elif hit:
                caught += 1
                verdict = "caught"
            else:
                survived += 1
                survivors.append(f"{n}: {m.path}: {m.what}")
                verdict = "SURVIVED"
            print(f"{n:3d} {verdict:10s} {seconds:5.1f}s {m.path}: {m.what}", flush=True)
    total = caught + survived
    print(
        f"\n{caught} of {total} non-equivalent mutants caught ({caught / max(total, 1):.0%}); "
        f"{equivalent} equivalent"
    )
    for line in survivors:
        print("survived:", line)
    return 0 if survived == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
