"""Throughput of ``scatterwave extract`` on a generated corpus.

Generates ``--n`` clips of ``--duration`` seconds (WAV, 16-bit), then measures:

* ``bare``: the transform alone on in-memory batches of the same items (one process);
* ``inproc``: the whole pipeline in this process (``workers=1``): plan, read, resample,
  transform, write to Zarr. The transform calls are timed inside the same run, so the
  pipeline's own cost, ``1 - transform time / total time``, does not depend on the load of
  the machine (``1 - bare / inproc`` is printed too);
* ``local``: the pipeline on a local process pool of ``--workers`` processes;
* ``dask``: the pipeline on a ``dask.distributed`` LocalCluster of ``--workers`` single-thread
  worker processes on loopback, started by this script.

Reports items/s and seconds of audio per second of wall time. Examples::

    python benchmarks/extract.py                 # 2000 clips of 4 s (long)
    python benchmarks/extract.py --n 64 --modes bare,inproc
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

MODES = ("bare", "inproc", "local", "dask")


def make_corpus(folder: Path, *, n: int, duration: float, rate: int, seed: int = 0) -> None:
    """Write ``n`` clips of tones and noise (distinct per clip) as 16-bit WAV files."""
    import soundfile as sf

    rng = np.random.default_rng(seed)
    t = np.arange(round(duration * rate)) / rate
    for i in range(n):
        f0 = rng.uniform(80.0, 2000.0)
        x = 0.3 * np.sin(2 * np.pi * f0 * t * (1 + 0.05 * np.sin(2 * np.pi * 0.5 * t)))
        x += 0.05 * rng.standard_normal(t.shape)
        sf.write(folder / f"clip_{i:05d}.wav", x, rate, subtype="PCM_16")


def bench_bare(args: argparse.Namespace) -> float:
    """Seconds for the transform alone on ``n`` items in batches of ``batch_size``."""
    from scatterwave import Scattering1D

    n_samples = round(args.duration * args.sample_rate)
    S = Scattering1D(n_samples, J=args.J, Q=args.Q)
    rng = np.random.default_rng(1)
    batch = (0.1 * rng.standard_normal((args.batch_size, n_samples))).astype(np.float32)
    S(batch[:1])  # build per-call caches outside the timing
    t0 = time.perf_counter()
    done = 0
    while done < args.n:
        b = min(args.batch_size, args.n - done)
        np.asarray(S(batch[:b]), dtype=np.float32)
        done += b
    return time.perf_counter() - t0


def bench_pipeline(args: argparse.Namespace, corpus: Path, out: Path, mode: str) -> float:
    """Seconds for one ``extract`` run in ``mode`` (store creation and planning included)."""
    from scatterwave.extract import ExtractConfig, extract

    options = {
        "sample_rate": args.sample_rate,
        "segment": args.duration,
        "J": args.J,
        "Q": args.Q,
        "batch_size": args.batch_size,
    }
    if out.exists():
        shutil.rmtree(out)
    if mode == "dask":
        from distributed import Client, LocalCluster

        with (
            LocalCluster(
                n_workers=args.workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            ) as cluster,
            Client(cluster) as client,
        ):
            client.wait_for_workers(args.workers)
            cfg = ExtractConfig(**options, scheduler=cluster.scheduler_address)
            t0 = time.perf_counter()
            extract([corpus], out, cfg)
            return time.perf_counter() - t0
    workers = 1 if mode == "inproc" else args.workers
    cfg = ExtractConfig(**options, workers=workers)
    t0 = time.perf_counter()
    extract([corpus], out, cfg)
    return time.perf_counter() - t0


class _TransformClock:
    """Wraps ``compute._apply`` (the transform call) to time it inside an in-process run."""

    def __init__(self) -> None:
        from scatterwave.extract import compute

        self.module = compute
        self.original = compute._apply
        self.seconds = 0.0

    def __enter__(self) -> _TransformClock:
        def timed(transform, batch, device):
            t0 = time.perf_counter()
            try:
                return self.original(transform, batch, device)
            finally:
                self.seconds += time.perf_counter() - t0

        self.module._apply = timed
        return self

    def __exit__(self, *exc: object) -> None:
        self.module._apply = self.original


def main(argv: list[str] | None = None) -> dict[str, dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="number of clips (default 2000)")
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per clip")
    parser.add_argument("--sample-rate", type=int, default=16000)
    parser.add_argument("--J", type=int, default=8)
    parser.add_argument("--Q", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--modes", default=",".join(MODES), help=f"subset of {MODES}")
    parser.add_argument("--dir", type=Path, default=None, help="work folder (default: temp)")
    parser.add_argument("--json", type=Path, default=None, help="also write results here")
    args = parser.parse_args(argv)
    modes = [m for m in args.modes.split(",") if m]
    unknown = set(modes) - set(MODES)
    if unknown:
        parser.error(f"unknown modes {sorted(unknown)}; choose from {MODES}")
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        pass
    work = Path(tempfile.mkdtemp(prefix="sw-bench-")) if args.dir is None else args.dir
    work.mkdir(parents=True, exist_ok=True)
    corpus = work / "corpus"
    if not corpus.exists():
        corpus.mkdir()
        t0 = time.perf_counter()
        make_corpus(corpus, n=args.n, duration=args.duration, rate=args.sample_rate)
        print(f"corpus: {args.n} clips of {args.duration} s in {time.perf_counter() - t0:.1f} s")
    results: dict[str, dict[str, float]] = {}
    audio = args.n * args.duration
    for mode in modes:
        clock = None
        if mode == "bare":
            seconds = bench_bare(args)
        elif mode == "inproc":
            with _TransformClock() as clock:
                seconds = bench_pipeline(args, corpus, work / f"{mode}.zarr", mode)
        else:
            seconds = bench_pipeline(args, corpus, work / f"{mode}.zarr", mode)
        results[mode] = {
            "seconds": seconds,
            "items_per_s": args.n / seconds,
            "audio_s_per_s": audio / seconds,
        }
        print(
            f"{mode:>7}: {seconds:8.2f} s  {args.n / seconds:8.2f} items/s  "
            f"{audio / seconds:8.1f} s of audio / s"
        )
        if clock is not None:
            share = clock.seconds / seconds
            results[mode]["transform_seconds"] = clock.seconds
            results[mode]["overhead_fraction"] = 1.0 - share
            print(
                f"         transform {clock.seconds:.2f} s of {seconds:.2f} s: the pipeline "
                f"adds {100 * (1.0 - share):.1f}% of total time"
            )
    if "bare" in results and "inproc" in results:
        overhead = 1.0 - results["bare"]["seconds"] / results["inproc"]["seconds"]
        results["overhead_vs_bare"] = {"fraction_of_total": overhead}
        print(f"inproc vs separate bare run: {100 * overhead:.1f}% (sensitive to machine load)")
    if args.json is not None:
        args.json.write_text(
            json.dumps(
                {"args": {k: str(v) for k, v in vars(args).items()}, "results": results}, indent=2
            )
        )
    if args.dir is None:
        shutil.rmtree(work)
    return results


if __name__ == "__main__":
    main()
