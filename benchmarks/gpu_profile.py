"""Where one forward pass spends its time on a GPU, per array library.

Run ``python benchmarks/gpu_profile.py [--N 8192] [--J 8] [--batch 32]
[--libraries torch cupy jax]``.

For each library it prints the median wall time of the forward, the host-side profile of one
call (``cProfile``, top functions by own time) and the GPU kernels of one call (CUPTI through
the PyTorch profiler, which records every kernel of the process, CuPy's and JAX's too),
sorted by total GPU time. The difference between wall time and summed kernel time is launch
and host overhead.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import numpy as np


def _inputs(x: np.ndarray, libraries: list[str]) -> dict[str, tuple[Any, Any]]:
    """Each library's copy of ``x`` on the GPU, with its synchronise function."""
    out: dict[str, tuple[Any, Any]] = {}
    for lib in libraries:
        if lib == "torch":
            import torch

            out[lib] = (torch.from_numpy(x).cuda(), torch.cuda.synchronize)
        elif lib == "cupy":
            import cupy

            out[lib] = (cupy.asarray(x), cupy.cuda.Device().synchronize)
        elif lib == "jax":
            import jax

            xj = jax.device_put(x, jax.devices("gpu")[0])
            out[lib] = (xj, lambda: None)
    return out


def _time(fn: Any, sync: Any, repeats: int = 7) -> float:
    times = []
    for _ in range(repeats):
        sync()
        t0 = time.perf_counter()
        out = fn()
        if hasattr(out, "block_until_ready"):
            out.block_until_ready()
        sync()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--N", type=int, default=2**13)
    parser.add_argument("--J", type=int, default=8)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--jtfs", action="store_true", help="profile JTFS instead")
    parser.add_argument("--libraries", nargs="+", default=["torch", "cupy", "jax"])
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args(argv)

    import torch
    from torch.profiler import ProfilerActivity, profile

    import scatterwave

    if args.jtfs:
        S = scatterwave.TimeFrequencyScattering1D(
            args.N, args.J, Q=(8, 1), J_fr=3, F=8, average_fr=True, out_type="array"
        )
    else:
        S = scatterwave.Scattering1D(args.N, args.J, Q=8)
    x = np.random.default_rng(0).standard_normal((args.batch, args.N)).astype(np.float32)
    for lib, (xl, sync) in _inputs(x, args.libraries).items():
        for graphs in (True, False) if lib == "torch" else (True,):
            S.cuda_graphs = graphs
            fn = lambda xl=xl: S(xl)  # noqa: E731
            for _ in range(3):
                fn()
            sync()
            label = f"{lib}{'' if graphs else ' (no CUDA graph)'}"
            print(f"\n===== {label}: median {1e3 * _time(fn, sync):.2f} ms", flush=True)
            pr = cProfile.Profile()
            pr.enable()
            fn()
            sync()
            pr.disable()
            buf = io.StringIO()
            pstats.Stats(pr, stream=buf).sort_stats("tottime").print_stats(args.top)
            print("\n".join(buf.getvalue().splitlines()[: args.top + 12]))
            with profile(activities=[ProfilerActivity.CUDA]) as prof:
                out = fn()
                if hasattr(out, "block_until_ready"):
                    out.block_until_ready()
                sync()
            kernels = [e for e in prof.events() if e.device_type == torch.autograd.DeviceType.CUDA]
            total = sum(e.device_time for e in kernels)
            print(f"{len(kernels)} kernels, {total / 1e3:.2f} ms of GPU time")
            print(
                prof.key_averages().table(sort_by="cuda_time_total", row_limit=args.top)
                if kernels
                else ""
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
