"""Benchmark of TimeFrequencyScattering1D (NumPy float64 and PyTorch float32, CPU).

Run ``nice -n 10 python benchmarks/jtfs.py [--quick] [--repeats 5] [--markdown out.md]``.

For each configuration it reports, per signal: forward time (median of ``--repeats``; wall
clock and process CPU time), the *FFT floor* (the time of the bare FFTs this configuration's
forward pass performs, recorded from one forward and replayed on random data of the same
shapes) and the *FFT + matmul floor* (the same with the frequential matrix products, the other
linear kernel of the joint stage; ``fwd/floor`` divides by it), backward time (torch only:
``S.sum().backward()``), build time (filters + plan), peak memory of one forward (the growth
of the resident set's high-water mark in a fresh process, as in ``scattering1d.py``) and the
number of coefficients per signal. Kymatio's JTFS is not on PyPI, so there is no reference library.
torch runs one intra-op thread and BLAS one thread (set before NumPy is imported).
"""

from __future__ import annotations

import os

# One BLAS thread (the frequential matrix products), like torch's one intra-op thread: the
# timings are per-core costs, comparable with the peers' single-threaded figures.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from scatterwave import TimeFrequencyScattering1D  # noqa: E402
from scatterwave.core.capabilities import capabilities  # noqa: E402


@dataclass
class Row:
    config: dict[str, Any]
    library: str
    batch: int
    build_s: float
    forward_s: float
    forward_cpu_s: float
    fft_floor_s: float
    floor_s: float
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
    """``xp`` whose FFTs and matrix products are recorded (the transforms' linear kernels)."""

    def __init__(self, xp: Any, log: list) -> None:
        self._xp, self._log, self.fft = xp, log, _RecordingFFT(xp.fft, log)

    def matmul(self, a: Any, b: Any) -> Any:
        self._log.append(("matmul", (tuple(a.shape), tuple(b.shape)), (a.dtype, b.dtype), (), {}))
        return self._xp.matmul(a, b)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._xp, name)


def _floors(jtfs: TimeFrequencyScattering1D, x: Any, xp: Any, repeats: int) -> tuple[float, float]:
    """Median times of replaying one forward pass's FFTs, and its FFTs plus matrix products.

    The calls are recorded from a forward pass through :class:`_RecordingNamespace` and
    replayed on random inputs of the same shapes and dtypes.
    """
    log: list = []
    caps = capabilities(x)
    buffers = jtfs.buffers(x.shape[-1], x, xp=xp, caps=caps)
    jtfs.compute(x, _RecordingNamespace(xp, log), buffers, caps)  # chunked like a real call
    rng = np.random.default_rng(0)

    def random(shape: tuple[int, ...], dtype: Any) -> Any:
        a = rng.standard_normal(shape)
        if "complex" in str(dtype):
            a = a + 1j * rng.standard_normal(shape)
        if "torch" in str(type(x)):
            import torch

            return torch.from_numpy(a).to(dtype)
        return a.astype(dtype)

    calls = []  # (is_fft, fn, operands, kwargs)
    for name, shape, dtype, args, kwargs in log:
        if name == "matmul":
            operands = (random(shape[0], dtype[0]), random(shape[1], dtype[1]))
            calls.append((False, xp.matmul, operands, {}))
        else:
            calls.append((True, getattr(xp.fft, name), (random(shape, dtype), *args), kwargs))

    def replay(with_matmul: bool) -> float:
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            for is_fft, fn, operands, kwargs in calls:
                if is_fft or with_matmul:
                    fn(*operands, **kwargs)
            times.append(time.perf_counter() - t0)
        return statistics.median(times)

    return replay(False), replay(True)


def _median_times(fn, repeats: int) -> tuple[float, float]:
    """Median wall-clock and process CPU time of ``fn()``."""
    wall, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return statistics.median(wall), statistics.median(cpu)


def _peak_in_fresh_process(config: dict, library: str, batch: int) -> float:
    """Peak memory (MiB) of one forward call, measured in a fresh process.

    Same method as ``benchmarks/scattering1d.py``: the growth of the resident set's high-water
    mark (``VmHWM``, reset through ``/proc/self/clear_refs``) during one call after a warm-up,
    in a process started with ``MALLOC_MMAP_THRESHOLD_=4096`` so that memory freed by earlier
    calls can neither hide nor inflate it. Input and output are included. NaN where ``/proc``
    cannot be used.
    """
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="4096")
    spec = json.dumps({"config": config, "library": library, "batch": batch})
    done = subprocess.run(
        [sys.executable, __file__, "--peak-worker", spec],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout.strip().splitlines()[-1])


def _peak_worker(spec: str) -> None:
    """Entry point of :func:`_peak_in_fresh_process` (prints MiB)."""
    from _worker_common import peak_memory

    job = json.loads(spec)
    config = {k: tuple(v) if isinstance(v, list) else v for k, v in job["config"].items()}
    jtfs = TimeFrequencyScattering1D(config["N"], **{k: v for k, v in config.items() if k != "N"},
                                     out_type="array")  # fmt: skip
    x = np.random.default_rng(0).standard_normal((job["batch"], config["N"]))
    if job["library"] == "torch":
        import torch

        torch.set_num_threads(1)
        x = torch.from_numpy(x.astype(np.float32))
        torch.set_grad_enabled(False)
    jtfs(x)  # warm-up: buffer conversion, caches
    peak = peak_memory(lambda: jtfs(x), "cpu")
    print("nan" if peak is None else peak / 2**20)


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
        forward, forward_cpu = _median_times(lambda: jtfs(x), repeats)
    else:
        import torch
        from array_api_compat import array_namespace

        torch.set_num_threads(1)
        x = torch.from_numpy(x_np.astype(np.float32))
        xp = array_namespace(x)
        S = jtfs(x)
        with torch.no_grad():
            forward, forward_cpu = _median_times(lambda: jtfs(x), repeats)
        xg = x.clone().requires_grad_(True)

        def fwd_bwd() -> None:
            jtfs(xg).sum().backward()

        backward = max(_median_times(fwd_bwd, repeats)[0] - forward, 0.0)
    fft_floor, floor = _floors(jtfs, x, xp, repeats)
    peak_mb = _peak_in_fresh_process(config, library, batch)
    return Row(
        config=config,
        library=library,
        batch=batch,
        build_s=build,
        forward_s=forward / batch,
        forward_cpu_s=forward_cpu / batch,
        fft_floor_s=fft_floor / batch,
        floor_s=floor / batch,
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
        "forward CPU ms/sig | FFT floor ms/sig | FFT+matmul floor ms/sig | fwd/floor | "
        "backward ms/sig | build s | peak MB | coeffs/sig |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
    )
    lines = []
    for r in rows:
        c = r.config
        bwd = "—" if r.backward_s is None else f"{1e3 * r.backward_s:.1f}"
        lines.append(
            f"| 2^{int(np.log2(c['N']))} | {c['J']} | {c['Q']} | {c['J_fr']} | {c['Q_fr']} | "
            f"{c.get('F', 'Q1')} | {'on' if c['average_fr'] else 'off'} | {r.library} | "
            f"{r.batch} | {1e3 * r.forward_s:.1f} | {1e3 * r.forward_cpu_s:.1f} | "
            f"{1e3 * r.fft_floor_s:.1f} | {1e3 * r.floor_s:.1f} | "
            f"{r.forward_s / r.floor_s:.1f}x | {bwd} | {r.build_s:.2f} | "
            f"{r.peak_mb:.0f} | {r.n_coeffs} |"
        )
    return head + "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--peak-worker"]:
        _peak_worker(argv[1])
        return 0
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
