"""What ``torch.compile`` buys for the torch modules: first-call cost, graph breaks,
recompilations, and steady-state time against eager, measured in one process.

Usage (from the repository root; CPU time, one torch thread)::

    nice -n 10 .venv/bin/python benchmarks/compile.py                      # Scattering1D
    nice -n 10 .venv/bin/python benchmarks/compile.py --jtfs               # + JTFS
    nice -n 10 .venv/bin/python benchmarks/compile.py --N 4096 --J 6 --batch 8

Eager and compiled calls alternate (eager, compiled, eager, ...) so both see the same load;
tables report the median CPU time (``time.process_time``) per call over ``--rounds`` rounds.
First-call times count this process only (Inductor may compile in worker processes) and depend
on Inductor's on-disk cache: ``--cold`` disables it, as for a first run on a new machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

if "--cold" in sys.argv:  # before torch is imported
    os.environ["TORCHINDUCTOR_FORCE_DISABLE_CACHES"] = "1"

import torch


def _cpu(fn) -> float:
    t = time.process_time()
    fn()
    return time.process_time() - t


def measure(name: str, module: torch.nn.Module, x: torch.Tensor, rounds: int) -> dict:
    from torch._dynamo.utils import counters

    torch._dynamo.reset()
    counters.clear()
    compiled = torch.compile(module)
    xg = x.clone().requires_grad_(True)

    def fwd(m):
        with torch.no_grad():
            m(x)

    def fwd_bwd(m):
        m(xg).sum().backward()

    first_fwd = _cpu(lambda: fwd(compiled))
    first_bwd = _cpu(lambda: fwd_bwd(compiled))
    fwd(module), fwd_bwd(module)  # warm the eager caches too
    times = {k: [] for k in ("eager_fwd", "compiled_fwd", "eager_bwd", "compiled_bwd")}
    for _ in range(rounds):
        times["eager_fwd"].append(_cpu(lambda: fwd(module)))
        times["compiled_fwd"].append(_cpu(lambda: fwd(compiled)))
        times["eager_bwd"].append(_cpu(lambda: fwd_bwd(module)))
        times["compiled_bwd"].append(_cpu(lambda: fwd_bwd(compiled)))
    med = {k: statistics.median(v) for k, v in times.items()}
    breaks = sum(counters["graph_break"].values())
    frames = counters["stats"]["unique_graphs"]
    return {
        "name": name,
        "first_fwd": first_fwd,
        "first_bwd": first_bwd,
        "breaks": breaks,
        "graphs": frames,
        **med,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--N", type=int, default=4096)
    p.add_argument("--J", type=int, default=6)
    p.add_argument("--Q", type=int, default=8)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--jtfs", action="store_true", help="also JTFS (J_fr=3, Q_fr=1)")
    p.add_argument("--cold", action="store_true", help="without Inductor's on-disk cache")
    args = p.parse_args()
    torch.set_num_threads(1)
    from scatterwave.nn import Scattering1D, TimeFrequencyScattering1D

    x = torch.randn(args.batch, args.N)
    rows = [measure("Scattering1D", Scattering1D(args.N, J=args.J, Q=args.Q), x, args.rounds)]
    if args.jtfs:
        jtfs = TimeFrequencyScattering1D(
            args.N, J=args.J, Q=(args.Q, 1), J_fr=3, Q_fr=1, out_type="array"
        )
        rows.append(measure("JTFS", jtfs, x, args.rounds))
    print(
        f"torch {torch.__version__}, N={args.N}, J={args.J}, Q={args.Q}, batch {args.batch}, "
        "float32, 1 thread, CPU seconds"
    )
    print(
        "| transform | first call fwd / fwd+bwd | graphs / breaks | eager fwd | compiled fwd "
        "| eager fwd+bwd | compiled fwd+bwd |"
    )
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['name']} | {r['first_fwd']:.1f} / {r['first_bwd']:.1f} s | {r['graphs']} / "
            f"{r['breaks']} | {1e3 * r['eager_fwd']:.1f} ms | {1e3 * r['compiled_fwd']:.1f} ms "
            f"| {1e3 * r['eager_bwd']:.1f} ms | {1e3 * r['compiled_bwd']:.1f} ms |"
        )


if __name__ == "__main__":
    main()
