"""Same-process CPU time of JTFS against our Scattering1D of the same J and Q on a 16 kHz note.

Run ``nice -n 10 python benchmarks/jtfs_note.py [--repeats 11] [--unpaired]``: builds
``TimeFrequencyScattering1D(24000, J=10, Q=(12, 1), J_fr=5, F=12, average_fr=True)`` and
``Scattering1D(24000, J=10, Q=12)`` (the ``note-jtfs`` workload of ``benchmarks/workloads.py``;
issue 17's target is JTFS at most 12x the Scattering1D), NumPy float64, batch 1, one BLAS
thread, and alternates their calls, timing process CPU time; prints medians and the ratio.
With ``--unpaired`` a third transform is built with the spin pairing of the frequential
products turned off (``scatterwave.core.jtfs_pairs``: every filter as a complex product), so
that the effect of the pairing is measured in the same process. Imports scatterwave from this
checkout's ``src``.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

N = 24000
JTFS = dict(J=10, Q=(12, 1), J_fr=5, F=12, average_fr=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=11)
    parser.add_argument("--unpaired", action="store_true", help="also time JTFS without pairing")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).parents[1] / "src"))
    import numpy as np

    import scatterwave.core.jtfs_dense as jtfs_dense
    from scatterwave import Scattering1D, TimeFrequencyScattering1D

    t = np.arange(N) / 16000
    rng = np.random.default_rng(0)
    note = np.sin(2 * np.pi * 440 * t) * np.exp(-3 * t) + 0.01 * rng.standard_normal(N)
    x = note[None, :]
    transforms = {"jtfs": TimeFrequencyScattering1D(N, **JTFS)}
    if args.unpaired:
        pairs = jtfs_dense.conj_pairs
        jtfs_dense.conj_pairs = lambda W, n_filters: 0  # plan-time choice: no pairs
        try:
            transforms["jtfs-unpaired"] = TimeFrequencyScattering1D(N, **JTFS)
            transforms["jtfs-unpaired"].plan(N)
        finally:
            jtfs_dense.conj_pairs = pairs
    transforms["s1d"] = Scattering1D(N, J=10, Q=12)
    for S in transforms.values():  # plans, workspaces, caches
        S(x)
        S(x)
    times: dict[str, list[float]] = {k: [] for k in transforms}
    for _ in range(args.repeats):
        for k, S in transforms.items():
            start = time.process_time()
            S(x)
            times[k].append(time.process_time() - start)
    ms = {k: 1e3 * statistics.median(v) for k, v in times.items()}
    print(", ".join(f"{k} {v:.1f} ms" for k, v in ms.items()) + " (CPU, medians)")
    print(f"JTFS / Scattering1D: {ms['jtfs'] / ms['s1d']:.1f}x (target <= 12x)")
    if args.unpaired:
        print(f"unpaired / paired JTFS: {ms['jtfs-unpaired'] / ms['jtfs']:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
