"""Same-process CPU-time ratio of TimeFrequencyScattering1D to Kymatio main's JTFS.

Run ``nice -n 10 python benchmarks/jtfs_kymatio_ratio.py [SRC] [--kymatio PATH]``: imports
scatterwave from ``SRC`` (default: this checkout's ``src``) and Kymatio from its main branch
checkout, builds both on the two target configurations of ``benchmarks/jtfs.py`` (N=2^13, J=8,
Q=8, J_fr=3, Q_fr=1, F=8; NumPy float64 batch 1 with ``average_fr`` off, PyTorch float32 batch
8 with ``average_fr`` on), and alternates their forward calls (5 each after a warm-up), timing
process CPU time. The ratio Kymatio / scatterwave is comparable between two runs on a busy
machine where absolute times are not: run it with two ``SRC`` trees to compare two versions.
One BLAS and one torch thread, as in ``benchmarks/jtfs.py``.
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


def _cpu(f) -> float:
    t = time.process_time()
    f()
    return time.process_time() - t


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src", nargs="?", default=str(Path(__file__).parents[1] / "src"))
    parser.add_argument("--kymatio", default="/work/shared/peers/kymatio-main")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    sys.path[:0] = [args.src, args.kymatio]
    import numpy as np
    import scipy.special

    scipy.special.sph_harm = None  # Kymatio main imports a name SciPy no longer has
    import kymatio.numpy
    import kymatio.torch
    import torch

    import scatterwave
    from scatterwave import TimeFrequencyScattering1D
    from scatterwave.nn import TimeFrequencyScattering1D as TorchJTFS

    torch.set_num_threads(1)
    N, J, Q, J_fr, Q_fr, F = 2**13, 8, (8, 1), 3, 1, 8
    common = dict(J=J, Q=Q, J_fr=J_fr, Q_fr=Q_fr, F=F, out_type="array")
    kym = dict(J=J, J_fr=J_fr, Q=Q, shape=(N,), Q_fr=Q_fr, F=F)
    x1 = np.random.default_rng(0).standard_normal((1, N))
    x8 = torch.randn(8, N, generator=torch.Generator().manual_seed(0))
    ours_np = TimeFrequencyScattering1D(N, average_fr=False, **common)
    theirs_np = kymatio.numpy.TimeFrequencyScattering(**kym, format="time")
    ours_t = TorchJTFS(N, average_fr=True, **common)
    theirs_t = kymatio.torch.TimeFrequencyScattering(**kym, format="joint")

    def no_grad(module):
        def call() -> None:
            with torch.no_grad():
                module(x8)

        return call

    cases = [
        ("numpy float64, batch 1, average_fr off", lambda: ours_np(x1), lambda: theirs_np(x1)),
        ("torch float32, batch 8, average_fr on", no_grad(ours_t), no_grad(theirs_t)),
    ]
    print(f"scatterwave from {scatterwave.__file__}")
    for name, ours, theirs in cases:
        ours(), theirs()
        a, b = [], []
        for _ in range(args.repeats):
            a.append(_cpu(ours))
            b.append(_cpu(theirs))
        ma, mb = statistics.median(a), statistics.median(b)
        print(
            f"{name}: scatterwave {1e3 * ma:.1f} ms, Kymatio main {1e3 * mb:.1f} ms "
            f"(CPU), Kymatio / scatterwave {mb / ma:.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
