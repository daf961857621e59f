"""Benchmark of TimeFrequencyScattering1D (NumPy float64 and PyTorch float32, CPU).

Run ``nice -n 10 python benchmarks/jtfs.py [--quick] [--repeats 5] [--markdown out.md]``.

For each configuration it reports, per signal: forward time (median of ``--repeats``), the
*FFT floor* (the time of the bare FFTs this configuration's forward pass performs, recorded
from one forward and replayed on random data of the same shapes), backward time (torch only:
``S.sum().backward()``), build time (filters + plan), peak memory of one forward
(``tracemalloc`` for NumPy, the process RSS high-water mark for torch) and the number of
coefficients per signal. Kymatio's JTFS is not on PyPI, so there is no reference library.
"""

from __future__ import annotations

import argparse
import itertools
import resource
import statistics
import sys
import time
import tracemalloc
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scatterwave import TimeFrequencyScattering1D
from scatterwave.core.jtfs import jtfs as jtfs_core


@dataclass
class Row:
    config: dict[str, Any]
    library: str
    batch: int
    build_s: float
    forward_s: float
    fft_floor_s: float
    backward_s: float | None
    peak_mb: float
    n_coeffs: int
    notes: list[str] = field(default_factory=list)


class _RecordingFFT:
    """Forwards ``xp.fft`` calls and records (name, input shape, dtype, kwargs)."""

    def __init__(self, fft: Any, log: list) -> None:
        self._fft, self._log = fft, log

    def __getattr__(self, name: str) -> Any:
        fn = getattr(self._fft, name)

        def wrapped(a, *args, **kwargs):
            self._log.append((name, tuple(a.shape), a.dtype, args, kwargs))
            return fn(a, *args, **kwargs)

        return wrapped


class _RecordingNamespace:
    def __init__(self, xp: Any, log: list) -> None:
        self._xp, self.fft = xp, _RecordingFFT(xp.fft, log)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._xp, name)


def _fft_floor(jtfs: TimeFrequencyScattering1D, x: Any, xp: Any, repeats: int) -> float:
    """Median time of replaying the FFTs of one forward pass on random inputs."""
    log: list = []
    _, plan = jtfs._build(x.shape[-1])
    buffers = jtfs._buffers(x.shape[-1], xp, x)
    jtfs_core(
        xp.reshape(x, (-1, x.shape[-1])),
        plan,
        buffers,
        _RecordingNamespace(xp, log),
        pad_mode=jtfs.pad_mode,
        pad_mode_fr=jtfs.pad_mode_fr,
    )
    rng = np.random.default_rng(0)
    inputs = []
    for name, shape, dtype, args, kwargs in log:
        a = rng.standard_normal(shape)
        if "complex" in str(dtype):
            a = a + 1j * rng.standard_normal(shape)
        is_torch = "torch" in str(type(x))
        if is_torch:
            import torch

            a = torch.from_numpy(a).to(dtype)
        else:
            a = a.astype(dtype)
        inputs.append((getattr(xp.fft, name), a, args, kwargs))
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for fn, a, args, kwargs in inputs:
            fn(a, *args, **kwargs)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def run_one(config: dict, library: str, batch: int, repeats: int) -> Row:
    t0 = time.perf_counter()
    jtfs = TimeFrequencyScattering1D(config["N"], **{k: v for k, v in config.items() if k != "N"},
                                     out_type="array")  # fmt: skip
    build = time.perf_counter() - t0
    x_np = np.random.default_rng(0).standard_normal((batch, config["N"]))
    backward = None
    if library == "numpy":
        from array_api_compat import array_namespace

        x = x_np
        xp = array_namespace(x)
        S = jtfs(x)  # warm-up (buffer conversion)
        tracemalloc.start()
        jtfs(x)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        forward = _median_time(lambda: jtfs(x), repeats)
        peak_mb = peak / 2**20
    else:
        import torch
        from array_api_compat import array_namespace

        torch.set_num_threads(1)
        x = torch.from_numpy(x_np.astype(np.float32))
        xp = array_namespace(x)
        S = jtfs(x)
        forward = _median_time(lambda: jtfs(x), repeats)
        xg = x.clone().requires_grad_(True)

        def fwd_bwd() -> None:
            jtfs(xg).sum().backward()

        backward = max(_median_time(fwd_bwd, repeats) - forward, 0.0)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    floor = _fft_floor(jtfs, x, xp, repeats)
    return Row(
        config=config,
        library=library,
        batch=batch,
        build_s=build,
        forward_s=forward / batch,
        fft_floor_s=floor / batch,
        backward_s=None if backward is None else backward / batch,
        peak_mb=peak_mb,
        n_coeffs=int(np.prod(S.shape[1:])),
    )


def configurations(quick: bool, sizes: tuple[int, ...] = (2**13, 2**16)) -> list[dict]:
    target = dict(N=2**13, J=8, Q=(8, 1), J_fr=3, Q_fr=1, F=8)
    out = [dict(target, average_fr=True), dict(target, average_fr=False)]
    if quick:
        return out
    for N, J, J_fr, Q_fr, avg_fr in itertools.product(
        sizes, (8, 10), (3, 5), (1, 2), (True, False)
    ):
        out.append(dict(N=N, J=J, Q=(16, 1), J_fr=J_fr, Q_fr=Q_fr, average_fr=avg_fr))
    return out


def markdown(rows: list[Row]) -> str:
    head = (
        "| N | J | Q | J_fr | Q_fr | F | avg_fr | library | batch | forward ms/sig | "
        "FFT floor ms/sig | fwd/floor | backward ms/sig | build s | peak MB | coeffs/sig |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
    )
    lines = []
    for r in rows:
        c = r.config
        bwd = "—" if r.backward_s is None else f"{1e3 * r.backward_s:.1f}"
        lines.append(
            f"| 2^{int(np.log2(c['N']))} | {c['J']} | {c['Q']} | {c['J_fr']} | {c['Q_fr']} | "
            f"{c.get('F', 'Q1')} | {'on' if c['average_fr'] else 'off'} | {r.library} | "
            f"{r.batch} | {1e3 * r.forward_s:.1f} | {1e3 * r.fft_floor_s:.1f} | "
            f"{r.forward_s / r.fft_floor_s:.1f}x | {bwd} | {r.build_s:.2f} | "
            f"{r.peak_mb:.0f} | {r.n_coeffs} |"
        )
    return head + "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only the two target configurations")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--libraries", nargs="+", default=["numpy", "torch"])
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[2**13, 2**16], help="input lengths N"
    )
    parser.add_argument("--markdown", help="write the table to this file")
    args = parser.parse_args(argv)
    rows = []
    for config, library, batch in itertools.product(
        configurations(args.quick, tuple(args.sizes)), args.libraries, args.batches
    ):
        try:
            row = run_one(config, library, batch, args.repeats)
        except MemoryError:
            print(f"skipped (out of memory): {config} {library} batch={batch}", file=sys.stderr)
            continue
        rows.append(row)
        print(markdown([row]).splitlines()[-1], flush=True)
    table = markdown(rows)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(table)
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
