"""Memory of the largest experiments: peak resident memory over the process's baseline.

    python bench/memory.py [--repeat 3] [--src DIR]

Each measurement is a fresh Python process that imports gd, serves the default experiment once
(the baseline: what a server holds after its first page) and then builds, in the same process,
  one: one largest experiment (1,000,000 samples, 20 weights, noise 0.5, 1 step, gd), or
  six: six of them with different seeds, at once, in six threads (as six share links opened
       together), all of which must be answered, or
  sgd: one largest experiment with mini-batch sgd (32 x 1,000 draws: the rows of a first epoch),
  sgd-all: the same with batches of 1,000 (10^6 draws: every row, the data held whole).
It prints the peak RSS (ru_maxrss) minus the RSS at the baseline, and the wall time; medians over
--repeat processes. --src measures another checkout's gd (e.g. `git worktree add /tmp/before
<commit>` and --src /tmp/before), so that before and after come from the same run of this script.
Figures, not assertions: run by hand, never in the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, resource, sys, threading, time
from dataclasses import replace
from gd.inputs import Settings
from gd.run import experiment

def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20

experiment(Settings())  # the default page, served once
base = rss_mb()
largest = Settings(true_weights=tuple(float(i) for i in range(1, 21)), samples=1_000_000, noise=0.5, steps=1)
if sys.argv[1] == "sgd":  # 32,000 draws: within the first epoch
    largest = replace(largest, optimizer="sgd", batch_size=32, steps=1000)
if sys.argv[1] == "sgd-all":  # 1,000,000 draws: every row
    largest = replace(largest, optimizer="sgd", batch_size=1000, steps=1000)
count = 6 if sys.argv[1] == "six" else 1
answered = []
start = time.perf_counter()
threads = [
    threading.Thread(target=lambda s=s: answered.append(experiment(replace(largest, seed=s)).problem.n))
    for s in range(1, count + 1)
]
for t in threads:
    t.start()
for t in threads:
    t.join()
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"base": base, "over": peak - base, "seconds": seconds, "answered": len(answered)}))
"""


def measure(kind: str, src: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(src))
    out = subprocess.run(
        [sys.executable, "-c", CHILD, kind], cwd=src, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--src", type=Path, default=ROOT, help="the checkout whose gd is measured")
    args = ap.parse_args()
    print(f"gd from {args.src}; medians of {args.repeat} processes")
    print(f"{'scenario':<38} {'baseline RSS':>12} {'peak over it':>13} {'time':>8} {'answered':>9}")
    scenarios = (
        ("one", "one largest experiment"),
        ("six", "six largest at once (threads)"),
        ("sgd", "one largest, sgd B=32, 1,000 steps"),
        ("sgd-all", "one largest, sgd B=1,000, 1,000 steps"),
    )
    for kind, label in scenarios:
        runs = [measure(kind, args.src) for _ in range(args.repeat)]
        med = {k: statistics.median(r[k] for r in runs) for k in ("base", "over", "seconds")}
        answered = min(r["answered"] for r in runs)
        print(
            f"{label:<38} {med['base']:>9.0f} MB {med['over']:>10.0f} MB {med['seconds']:>6.2f} s "
            f"{answered:>6}/{6 if kind == 'six' else 1}"
        )


if __name__ == "__main__":
    main()
