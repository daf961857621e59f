"""Time ``Scattering1D(average="global")`` of two source trees, alternating, same machine.

Usage::

    git worktree add /tmp/before <rev>
    OMP_NUM_THREADS=1 python benchmarks/global_mean.py --before /tmp/before/src

Each round runs one fresh process per tree (NumPy, float64, one thread unless the environment
says otherwise); each process builds the transforms, warms them up and reports the median of
``--calls`` calls per configuration. The table gives the median over rounds and the ratio
``before / after`` (above 1: this tree is faster).
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
CONFIGS = [(2**13, 8, 8, 32), (2**16, 8, 8, 8), (2**13, 10, 12, 8)]  # N, J, Q, batch

WORKER = """
import json, statistics, sys, time
import numpy as np
from scatterwave import Scattering1D
out = {}
for N, J, Q, B in json.loads(sys.argv[1]):
    x = np.random.default_rng(0).standard_normal((B, N))
    S = Scattering1D(N, J, Q=Q, average="global")
    S(x); S(x)
    times = []
    for _ in range(int(sys.argv[2])):
        t = time.perf_counter(); S(x); times.append(time.perf_counter() - t)
    out[f"{N}:{J}:{Q}:{B}"] = statistics.median(times)
print(json.dumps(out))
"""


def run(src: Path, calls: int) -> dict[str, float]:
    """One worker process importing scatterwave from ``src``."""
    result = subprocess.run(
        [sys.executable, "-c", WORKER, json.dumps(CONFIGS), str(calls)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(src)},
    )
    return json.loads(result.stdout)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--before", type=Path, required=True, help="src/ of the tree to compare")
    p.add_argument("--after", type=Path, default=ROOT / "src", help="default: this tree's src/")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--calls", type=int, default=7)
    args = p.parse_args(argv)
    before: dict[str, list[float]] = {}
    after: dict[str, list[float]] = {}
    for _ in range(args.rounds):
        for store, src in ((before, args.before), (after, args.after)):
            for key, t in run(src, args.calls).items():
                store.setdefault(key, []).append(t)
    print("| N:J:Q:batch | before (ms) | after (ms) | before / after |")
    print("|---|---|---|---|")
    for key in before:
        b, a = statistics.median(before[key]), statistics.median(after[key])
        print(f"| {key} | {1e3 * b:.1f} | {1e3 * a:.1f} | {b / a:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
