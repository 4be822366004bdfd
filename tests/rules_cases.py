"""The rules the engine and the browser both apply, as one table of cases (tests/rules.json) that
pytest (tests/test_rules.py) and node --test (tests/js/rules.test.mjs) both check, so that a
change on one side fails a test until the other follows.

    python tests/rules_cases.py   # write tests/rules.json again from the engine

The formatting cases are written by hand (the documented forms); the gradient, eigen-error,
original-units, arrow, trail and rate cases are the engine's numbers on problems of every kind,
written with Python's shortest round-trip repr, which JavaScript's JSON.parse reads to the same
bits. A number JSON cannot hold (NaN, ±inf) is written as the string "nan", "inf" or "-inf".
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TABLE = Path(__file__).with_name("rules.json")

# tests/reference.py's compact, the browser's compact (format.js): x, the text a metric's box shows
COMPACT = [
    [2.2035e-15, "2.20e-15"], [3.1668e12, "3.17e12"], [-3.1668e12, "-3.17e12"],
    [51631.2, "51,631"], [-51631.2, "-51,631"], [0.20351, "0.2035"], [12.3456, "12.35"],
    [0, "0"], [-0.5, "-0.5"], [1e-3, "0.001"], [9.99e-4, "9.99e-4"], [9999.4, "9999"],
    [9999.5, "10,000"], [1e4, "10,000"], [10000.5, "10,000"], [10001.5, "10,002"],
    [999_999.4, "999,999"], [1e6, "1.00e6"], [-1.5e-7, "-1.50e-7"], [123456.0, "123,456"],
    [0.0012345, "0.001234"], ["nan", "NaN"], ["inf", "∞"], ["-inf", "−∞"],
    [1234.5, "1234"], [1235.5, "1236"], [-12.125, "-12.12"], [999_999.5, "1,000,000"], [2.5e6, "2.50e6"],
    [1.125e-7, "1.12e-7"], [0.0625, "0.0625"],
]  # fmt: skip
# Python's format(x, f".{digits}g"), the browser's formatG (format.js): x, digits, text
FORMAT_G = [
    [0.0, 4, "0"], [1.0, 6, "1"], [-2.5, 6, "-2.5"], [123456.0, 6, "123456"],
    [1234567.0, 6, "1.23457e+06"], [1.5e-5, 4, "1.5e-05"], [0.0001, 4, "0.0001"],
    [-0.00012345, 3, "-0.000123"], [1e100, 4, "1e+100"], [2.5e-300, 6, "2.5e-300"],
    [0.15, 3, "0.15"], [9.9996, 4, "10"], [99999.5, 5, "1e+05"], [3.14159265, 6, "3.14159"],
    ["nan", 4, "nan"], ["inf", 4, "inf"], ["-inf", 6, "-inf"],
    [1234.5, 4, "1234"], [0.125, 2, "0.12"], [0.375, 2, "0.38"], [2.5, 1, "2"], [3.5, 1, "4"],
    [1.0e22, 3, "1e+22"], [12.5, 2, "12"], [-0.5, 6, "-0.5"], [100.0, 3, "100"], [0.001, 1, "0.001"],
]  # fmt: skip


def number(x):
    """x for JSON: a float, or "nan", "inf", "-inf"."""
    x = float(x)
    if np.isnan(x):
        return "nan"
    if np.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def floats(values) -> list:
    return [number(v) for v in np.asarray(values, dtype=float).ravel()]


def problems() -> dict:
    """Problems whose gradients and eigen errors the browser computes: the article's, ridge,
    standardised features of unequal scales, a CSV whose columns span ten decades, a
    rank-deficient CSV (a column twice)."""
    from gd.data import load_csv
    from gd.inputs import Settings

    def csv(columns: dict) -> bytes:
        names = list(columns)
        rows = zip(*(columns[n].tolist() for n in names), strict=True)
        return (",".join(names) + "\n" + "\n".join(",".join(repr(v) for v in r) for r in rows)).encode()

    rng = np.random.default_rng(7)
    x1, x2, x3 = 1e-4 * rng.standard_normal(80), 1e5 * (1 + rng.random(80)), rng.standard_normal(80)
    y = 3e3 * x1 + 2e-4 * x2 - x3 + 0.1 * rng.standard_normal(80)
    wide = load_csv(csv({"tiny": x1, "huge": x2, "x3": x3, "y": y}))
    twice = load_csv(csv({"a": x3, "b": x1 * 1e4, "a2": x3, "y": y}))
    return {
        "article": (Settings(steps=300), None),
        "ridge": (Settings(steps=300, l2=0.7, learning_rate=0.05), None),
        "standardised": (Settings(steps=300, feature_scale=5.0, standardize=True), None),
        "wide_csv": (Settings(steps=200, optimizer="linesearch"), wide),
        "rank_deficient": (Settings(steps=200, learning_rate=0.05), twice),
        "schedule": (Settings(steps=120, schedule="step"), None),
    }


ROWS = [0, 1, 2, 3, 17, 60, 99]  # the iterations of each problem the table holds


def build() -> dict:
    from gd.figures.charts import arrow_tips, step_rate
    from gd.figures.common import MAX_POINTS, milestones
    from gd.figures.surface import trail_steps
    from gd.run import experiment

    table = {"compact": COMPACT, "format_g": FORMAT_G}
    table.update(products=[], arrows=[], rates=[], trail=[])
    for name, (settings, data) in problems().items():
        ex = experiment(settings, data)
        pb, P = ex.problem, ex.trajectory.params[ROWS]
        table["products"].append(
            {
                "name": name, "p": pb.p, "G": floats(pb.G), "c": floats(pb.c), "V": floats(pb.eigenvectors),
                "theta_star": floats(pb.theta_star), "P": floats(P),
                "gradient": floats(pb.gradient(P)), "eigen_errors": floats(pb.eigen_errors(P)),
            }
        )  # fmt: skip
        if name in ("article", "schedule", "wide_csv"):
            span = (1.7, 0.9)
            for k in (0, 5, ex.trajectory.steps - 1):
                g = -step_rate(ex, k) * pb.gradient(ex.trajectory.params[k])[[0, 1]]
                u = (ex.trajectory.params[k + 1] - ex.trajectory.params[k])[[0, 1]]
                tips, factor = arrow_tips(ex.trajectory.params[k, [0, 1]], g, u, span)
                table["arrows"].append(
                    {"origin": floats(ex.trajectory.params[k, [0, 1]]), "g": floats(g), "u": floats(u),
                     "span": list(span), "tips": [floats(t) for t in tips], "factor": number(factor)}
                )  # fmt: skip
    table["arrows"].append(
        {
            "origin": [1.0, 2.0],
            "g": [0.0, 0.0],
            "u": [0.0, 0.0],
            "span": [1.0, 1.0],
            "tips": [],
            "factor": None,
        }
    )
    # the rate shown for update k: a schedule's own where finite, the input's otherwise
    rates = np.array([0.1, 0.05, np.nan, 0.025])
    for k in range(4):
        ex = SimpleNamespace(step_rates=rates, settings=SimpleNamespace(learning_rate=0.3))
        table["rates"].append({"rates": floats(rates), "learning_rate": 0.3, "k": k, "eta": step_rate(ex, k)})
    # parameters learned on z-scores, in the original features' units (gd.data.to_original_units)
    from gd.data import to_original_units

    table["original_units"] = []
    rng = np.random.default_rng(3)
    for d in (1, 2, 5):
        theta, mean, scale = rng.normal(size=d + 1) * 3, rng.normal(size=d) * 50, rng.random(d) * 10 + 0.01
        table["original_units"].append(
            {"theta": floats(theta), "mean": floats(mean), "scale": floats(scale),
             "original": floats(to_original_units(theta, mean, scale))}
        )  # fmt: skip
    for T, k in ((10, 0), (10, 5), (10, 10), (1000, 400), (20_000, 20_000), (20_000, 37)):
        drawn = milestones(T, MAX_POINTS)
        table["trail"].append({"T": T, "k": k, "drawn": drawn.tolist(), "steps": trail_steps(T, k).tolist()})
    return table


if __name__ == "__main__":
    TABLE.write_text(json.dumps(build(), ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {TABLE} ({TABLE.stat().st_size} bytes)")
