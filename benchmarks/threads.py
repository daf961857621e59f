"""BLAS threads on a CPU: NumPy transforms at one thread and at the machine's width.

Usage::

    python benchmarks/threads.py [--threads 1,2] [--calls 7] [--pair]

For each thread count, one fresh process (``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS`` and
``MKL_NUM_THREADS`` set before NumPy loads) builds four NumPy transforms, warms them up and
reports the median wall time of ``--calls`` calls. ``--pair`` also runs two such processes at
once on the JTFS case, as two extraction workers do, and reports each one's time for five
calls: with pools as wide as the machine the threads outnumber the cores.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from scatterwave.extract.pool import THREAD_VARIABLES  # noqa: E402

WORKER = """
import json, statistics, sys, time
import numpy as np
from scatterwave import Scattering1D, TimeFrequencyScattering1D
calls, only = int(sys.argv[1]), sys.argv[2]
rng = np.random.default_rng(0)
cases = {
    "S1D N=4096 J=6 Q=8, batch 8": (lambda: Scattering1D(4096, 6, 8), (8, 4096)),
    "S1D N=2**16 J=10 Q=8, batch 1": (lambda: Scattering1D(2**16, 10, 8), (1, 2**16)),
    "JTFS N=4096 J=7 Q=(8, 1) J_fr=3, batch 6": (
        lambda: TimeFrequencyScattering1D(4096, 7, (8, 1), J_fr=3, Q_fr=1), (6, 4096)),
    "JTFS N=16000 J=8 Q=8 J_fr=3, batch 16, float32": (
        lambda: TimeFrequencyScattering1D(16000, 8, 8, J_fr=3), (16, 16000)),
}
out = {}
for name, (make, shape) in cases.items():
    if only and only not in name:
        continue
    f, x = make(), rng.standard_normal(shape)
    x = x.astype(np.float32) if "float32" in name else x
    f(x)
    times = []
    for _ in range(calls):
        t = time.perf_counter(); f(x); times.append(time.perf_counter() - t)
    out[name] = statistics.median(times)
print(json.dumps(out))
"""


def run(threads: int, calls: int, only: str = "", count: int = 1) -> list[dict[str, float]]:
    """Start ``count`` worker processes at once with ``threads`` BLAS threads each."""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    env.update({k: str(threads) for k in THREAD_VARIABLES})
    args = [sys.executable, "-c", WORKER, str(calls), only]
    procs = [subprocess.Popen(args, env=env, stdout=subprocess.PIPE) for _ in range(count)]
    return [json.loads(p.communicate()[0]) for p in procs]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", default=f"1,{os.cpu_count()}")
    parser.add_argument("--calls", type=int, default=7)
    parser.add_argument("--pair", action="store_true")
    args = parser.parse_args()
    counts = [int(t) for t in args.threads.split(",")]
    results = {t: run(t, args.calls)[0] for t in counts}
    print("| case | " + " | ".join(f"{t} thread(s), ms" for t in counts) + " |")
    print("|---|" + "---|" * len(counts))
    for name in results[counts[0]]:
        cells = " | ".join(f"{1000 * results[t][name]:.1f}" for t in counts)
        print(f"| {name} | {cells} |")
    if args.pair:
        for t in counts:
            both = run(t, 5, only="N=16000", count=2)
            times = ", ".join(f"{5 * v:.1f} s" for r in both for v in r.values())
            print(f"two processes at once, {t} thread(s) each, 5 calls: {times}")


if __name__ == "__main__":
    main()
