"""The GPU benchmark matrix: scatterwave (default arguments) against Kymatio main, one process.

Run ``python benchmarks/gpu.py --device cuda --json out.json --markdown benchmarks/README_gpu.md``
(``--device cpu --quick`` runs the same code on a CPU in about a minute).

Every row alternates calls of the two libraries on the same input in the same process: two
warm-up calls each, then ``--repeats`` timed calls each, in turns, with the device synchronised
around every call; the medians are reported. Peak memory is ``torch.cuda.max_memory_allocated``
during one call, less what was allocated before it. Kernels per call are counted with the
PyTorch profiler (CUDA kernels launched by one call; a CUDA graph replay counts its kernels).

Rows:

* Scattering1D forward, torch float32: N=2**13 J=8 and N=2**16 J=8, Q=8, batch 1 to 2048 / 512,
  and N=2**18 J=10 B=8;
* Scattering1D forward+backward (``S(x).sum().backward()``);
* JTFS forward, N=2**13 J=8 Q=(8,1) J_fr=3 Q_fr=1 F=8 with frequential averaging, B=8 to 512,
  and N=2**16 J=12 Q=(16,1) J_fr=5 F=32 B=8;
* CuPy and JAX forwards of Scattering1D against our own torch forward (same input);
* JAX float32 JTFS accuracy against NumPy float64;
* one SGD step of the Wavelet Networks against their CNN baselines (``benchmarks/wnet.py``).

Kymatio main (``../shared/peers/kymatio-main``, or ``--kymatio PATH``) imports
``scipy.special.sph_harm``, which newer SciPy removed; the name is set to None first.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import numpy as np

# JAX would otherwise take 75% of the GPU's memory at its first array, starving the others.
os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

S1D = {"Q": 8}
JTFS_SMALL = {"N": 2**13, "J": 8, "Q": (8, 1), "J_fr": 3, "Q_fr": 1, "F": 8}
JTFS_LARGE = {"N": 2**16, "J": 12, "Q": (16, 1), "J_fr": 5, "Q_fr": 1, "F": 32}


def matrix(device: str, quick: bool) -> list[dict[str, Any]]:
    """The rows to run: kind, configuration, batch."""
    rows: list[dict[str, Any]] = []
    if device == "cpu" or quick:
        s1d = [(2**12, 6, b) for b in (1, 8)]
        jtfs = [(dict(JTFS_SMALL, N=2**11, J=6), 2)]
        fb = [(2**12, 6, 4)]
        libs = [(2**12, 6, 4)]
    else:
        s1d = [(2**13, 8, b) for b in (1, 32, 256, 2048)]
        s1d += [(2**16, 8, b) for b in (1, 8, 64, 512)] + [(2**18, 10, 8)]
        jtfs = [(JTFS_SMALL, b) for b in (8, 64, 512)] + [(JTFS_LARGE, 8)]
        fb = [(2**13, 8, 8), (2**13, 8, 256), (2**16, 8, 8)]
        libs = [(2**13, 8, 32), (2**16, 8, 64)]
    rows += [{"kind": "s1d", "N": N, "J": J, "B": B} for N, J, B in s1d]
    rows += [{"kind": "s1d_fb", "N": N, "J": J, "B": B} for N, J, B in fb]
    rows += [{"kind": "jtfs", **cfg, "B": B} for cfg, B in jtfs]
    rows += [{"kind": "libs", "N": N, "J": J, "B": B} for N, J, B in libs]
    return rows


# ---------------------------------------------------------------------------------- timing
class Clock:
    def __init__(self, device: str) -> None:
        import torch

        self.torch, self.cuda = torch, device == "cuda"

    def sync(self) -> None:
        if self.cuda:
            self.torch.cuda.synchronize()

    def call(self, fn: Any) -> tuple[float, float]:
        """(seconds, peak extra bytes) of one call of ``fn``."""
        torch = self.torch
        if self.cuda:
            self.sync()
            base = torch.cuda.memory_allocated()
            torch.cuda.reset_peak_memory_stats()
        t0 = time.perf_counter()
        out = fn()
        self.sync()
        dt = time.perf_counter() - t0
        peak = torch.cuda.max_memory_allocated() - base if self.cuda else float("nan")
        del out
        return dt, float(peak)


def alternate(clock: Clock, fns: dict[str, Any], repeats: int) -> dict[str, dict[str, float]]:
    """Median time and peak memory of each function, calls interleaved."""
    for fn in fns.values():
        for _ in range(2):
            clock.call(fn)
    times: dict[str, list[float]] = {k: [] for k in fns}
    peaks: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            dt, peak = clock.call(fn)
            times[name].append(dt)
            peaks[name].append(peak)
    return {k: {"median_s": statistics.median(times[k]), "peak_bytes": max(peaks[k])} for k in fns}


def count_kernels(fn: Any, device: str) -> int | None:
    """CUDA kernels launched by one call of ``fn`` (None on CPU)."""
    if device != "cuda":
        return None
    import torch
    from torch.profiler import ProfilerActivity, profile

    fn()
    torch.cuda.synchronize()
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        fn()
        torch.cuda.synchronize()
    return sum(1 for e in prof.events() if e.device_type == torch.autograd.DeviceType.CUDA)


# ---------------------------------------------------------------------------------- peers
def import_kymatio(path: Path) -> Any:
    import scipy.special

    if not hasattr(scipy.special, "sph_harm"):
        scipy.special.sph_harm = None
    sys.path.insert(0, str(path))
    import kymatio.torch

    return kymatio.torch


def build(row: dict[str, Any], device: str, kym: Any) -> tuple[Any, Any]:
    """(ours, Kymatio's) transforms for a row, on the device."""
    import scatterwave

    if row["kind"] == "jtfs":
        cfg = {k: row[k] for k in ("J", "Q", "J_fr", "Q_fr", "F")}
        ours = scatterwave.TimeFrequencyScattering1D(row["N"], average_fr=True, **cfg)
        peer = None
        if kym is not None:
            peer = kym.TimeFrequencyScattering(
                J=row["J"],
                J_fr=row["J_fr"],
                Q=row["Q"],
                shape=row["N"],
                Q_fr=row["Q_fr"],
                F=row["F"],
                format="time",
            ).to(device)
        return ours, peer
    ours = scatterwave.Scattering1D(row["N"], row["J"], S1D["Q"])
    peer = None if kym is None else kym.Scattering1D(J=row["J"], shape=row["N"], Q=S1D["Q"])
    return ours, None if peer is None else peer.to(device)


def run_row(row: dict[str, Any], device: str, kym: Any, repeats: int) -> dict[str, Any]:
    import torch

    clock = Clock(device)
    gen = torch.Generator(device="cpu").manual_seed(0)
    x = torch.randn(row["B"], row["N"], generator=gen).to(device)
    t0 = time.perf_counter()
    ours, peer = build(row, device, kym)
    out: dict[str, Any] = dict(row, build_s=time.perf_counter() - t0)
    if row["kind"] == "libs":
        return out | libraries(ours, x, device, repeats)
    if row["kind"] == "s1d_fb":
        xg = x.clone().requires_grad_(True)

        def fwd_bwd(fn: Any) -> Any:
            def call() -> Any:
                y = fn(xg)
                y.sum().backward()
                xg.grad = None
                return y

            return call

        fns = {"ours": fwd_bwd(ours)}
        if peer is not None:
            fns["kymatio"] = fwd_bwd(peer)
    else:
        fns = {"ours": lambda: ours(x)}
        if peer is not None:
            fns["kymatio"] = lambda: peer(x)
    out["results"] = alternate(clock, fns, repeats)
    out["kernels"] = {name: count_kernels(fn, device) for name, fn in fns.items()}
    if device == "cuda":  # the same call without graphs (forward+backward graphs too)
        ours.cuda_graphs = False
        eager = fns["ours"]
        out["kernels"]["ours_eager"] = count_kernels(eager, device)
        out["results"]["ours_eager"] = alternate(clock, {"e": eager}, repeats)["e"]
        ours.cuda_graphs = True
    res = out["results"]
    if "kymatio" in res:
        out["speedup"] = res["kymatio"]["median_s"] / res["ours"]["median_s"]
    out["us_per_signal"] = 1e6 * res["ours"]["median_s"] / row["B"]
    return out


def libraries(ours: Any, x: Any, device: str, repeats: int) -> dict[str, Any]:
    """Our forward in CuPy and JAX against our torch forward, on the same input."""
    clock = Clock(device)
    fns: dict[str, Any] = {"torch": lambda: ours(x)}
    x_np = x.cpu().numpy()
    try:
        import cupy

        xc = cupy.asarray(x_np)

        def cupy_call() -> Any:
            y = ours(xc)
            cupy.cuda.Device().synchronize()
            return y

        if device == "cuda":
            fns["cupy"] = cupy_call
    except ImportError:
        pass
    try:
        import jax

        xj = jax.device_put(x_np, jax.devices("gpu" if device == "cuda" else "cpu")[0])
        fns["jax"] = lambda: ours(xj).block_until_ready()
    except (ImportError, RuntimeError):
        pass
    res = alternate(clock, fns, repeats)
    return {
        "results": res,
        "vs_torch": {k: v["median_s"] / res["torch"]["median_s"] for k, v in res.items()},
    }


def jax_precision(device: str) -> dict[str, Any]:
    """Relative L2 error of JAX float32 JTFS against NumPy float64 (the GPU's matmul precision)."""
    import jax
    import jax.numpy as jnp

    import scatterwave

    cfg = {k: JTFS_SMALL[k] for k in ("J", "Q", "J_fr", "Q_fr", "F")}
    S = scatterwave.TimeFrequencyScattering1D(
        2**11, average_fr=True, out_type="array", **{**cfg, "J": 7}
    )
    x = np.random.default_rng(0).standard_normal((2, 2**11))
    ref = S(x)
    dev = jax.devices("gpu" if device == "cuda" else "cpu")[0]
    got = np.asarray(S(jax.device_put(jnp.asarray(x, dtype=jnp.float32), dev)), dtype=np.float64)
    return {"rel_l2": float(np.linalg.norm(got - ref) / np.linalg.norm(ref)), "device": str(dev)}


def wnet_rows(device: str, repeats: int) -> list[dict[str, Any]]:
    import wnet  # benchmarks/wnet.py

    return wnet.run(device=device, repeats=repeats)


# ---------------------------------------------------------------------------------- report
def git_commit() -> str:
    try:
        return (
            subprocess.run(
                ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=HERE
            ).stdout.strip()
            or "?"
        )
    except OSError:
        return "?"


def environment(device: str) -> dict[str, Any]:
    import torch

    env = {"python": platform.python_version(), "torch": torch.__version__, "numpy": np.__version__}
    if device == "cuda":
        env["gpu"] = torch.cuda.get_device_name()
    for name in ("cupy", "jax"):
        try:
            env[name] = __import__(name).__version__
        except ImportError:
            env[name] = None
    return env


def _ms(v: float | None) -> str:
    return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{1e3 * v:.2f}"


def _mb(v: float | None) -> str:
    return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v / 2**20:.0f}"


def markdown(report: dict[str, Any]) -> str:
    lines = [
        f"Commit {report['commit']}, {report['date']}, {report['env']}.",
        "",
        "| row | B | ours ms | Kymatio ms | speed-up | us/signal | ours eager ms "
        "| peak MiB ours / Kymatio | kernels ours / eager / Kymatio |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in report["rows"]:
        if "error" in r or r["kind"] == "libs":
            continue
        res = r["results"]
        name = f"{r['kind']} N=2^{int(math.log2(r['N']))} J={r['J']}"
        k = r.get("kernels", {})
        lines.append(
            f"| {name} | {r['B']} | {_ms(res['ours']['median_s'])} | "
            f"{_ms(res.get('kymatio', {}).get('median_s'))} | "
            f"{r.get('speedup', float('nan')):.1f}x | {r['us_per_signal']:.1f} | "
            f"{_ms(res.get('ours_eager', {}).get('median_s'))} | "
            f"{_mb(res['ours']['peak_bytes'])} / {_mb(res.get('kymatio', {}).get('peak_bytes'))} | "
            f"{k.get('ours')} / {k.get('ours_eager')} / {k.get('kymatio')} |"
        )
    libs = [r for r in report["rows"] if r["kind"] == "libs" and "error" not in r]
    if libs:
        lines += ["", "| libraries (ours) | B | " + " | ".join(libs[0]["results"]) + " |"]
        lines.append("|---|---|" + "---|" * len(libs[0]["results"]))
        for r in libs:
            cells = " | ".join(
                f"{_ms(v['median_s'])} ms ({r['vs_torch'][k]:.2f}x torch)"
                for k, v in r["results"].items()
            )
            lines.append(f"| S1D N=2^{int(math.log2(r['N']))} | {r['B']} | {cells} |")
    if "jax_precision" in report:
        lines += ["", f"JAX float32 JTFS vs NumPy float64: {report['jax_precision']}"]
    if report.get("wnet"):
        lines += ["", "| W-Net step | " + " | ".join(k for k in report["wnet"][0]) + " |"]
        lines.append("|---|" + "---|" * len(report["wnet"][0]))
        for r in report["wnet"]:
            lines.append("| | " + " | ".join(str(v) for v in r.values()) + " |")
    errors = [r for r in report["rows"] if "error" in r]
    for r in errors:
        lines.append(f"\nError in {r['kind']} N={r['N']} B={r['B']}: {r['error']}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=("cuda", "cpu"), default="cuda")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--time-limit", type=float, default=220.0, help="seconds (default 220)")
    parser.add_argument(
        "--kymatio", type=Path, default=HERE.parent.parent / "shared/peers/kymatio-main"
    )
    parser.add_argument("--json", type=Path)
    parser.add_argument("--markdown", type=Path)
    parser.add_argument("--no-wnet", action="store_true")
    parser.add_argument("--kinds", nargs="+", default=["s1d", "s1d_fb", "jtfs", "libs"])
    parser.add_argument("--max-batch", type=int, default=None)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    kym = None
    try:
        kym = import_kymatio(args.kymatio)
    except Exception as err:  # the peer is optional: rows then lack its column
        print(f"Kymatio main not importable ({err}); ours only", file=sys.stderr)
    report: dict[str, Any] = {
        "commit": git_commit(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "env": environment(args.device),
        "rows": [],
    }
    rows = [r for r in matrix(args.device, args.quick) if r["kind"] in args.kinds]
    rows = [r for r in rows if args.max_batch is None or r["B"] <= args.max_batch]
    for row in rows:
        if time.perf_counter() - start > args.time_limit:
            report["rows"].append(dict(row, error="skipped: time limit"))
            continue
        try:
            result = run_row(row, args.device, kym, args.repeats)
        except Exception as err:  # one failing row must not lose the others
            result = dict(row, error=f"{type(err).__name__}: {err}")
            traceback.print_exc()
        report["rows"].append(result)
        print(json.dumps(result, default=str), flush=True)
    for name, fn in (
        ("jax_precision", lambda: jax_precision(args.device)),
        ("wnet", None if args.no_wnet else lambda: wnet_rows(args.device, args.repeats)),
    ):
        if fn is None:
            continue
        try:
            report[name] = fn()
        except Exception as err:
            report[name] = {"error": f"{type(err).__name__}: {err}"}
            traceback.print_exc()
    report["wall_s"] = time.perf_counter() - start
    text = markdown(report)
    print(text)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=1, default=str))
    if args.markdown:
        args.markdown.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
