"""Count the PyTorch operators one Scattering1D or JTFS call runs (a GPU's kernel launches).

On a GPU a forward pass of these sizes is bound by kernel launches (issue 12), so the number of
operators per call is the figure that changes where time cannot be measured without one. This
script counts, with the PyTorch profiler, the *compute* operators of one call (leaf ``aten``
operators; views, allocations and dtype checks left out) on the CPU, for two paths:

* ``cpu``: the CPU path (modulus by squares, cache-sized chunks);
* ``cuda``: the CUDA path emulated on the CPU: the call runs with the capabilities record of a
  CUDA tensor (complex ``abs`` modulus, no input range scaling, eager, no CUDA graph) and a
  budget that keeps the batch in one chunk. Each counted operator is about one kernel launch
  on a GPU (an FFT counts once; cuFFT may run it as more than one kernel).

Usage::

    python benchmarks/op_count.py                 # N=2^13, batch 8, both paths
    python benchmarks/op_count.py --batch 1 --paths cpu

Operator counts do not depend on the machine; compare them between commits.
"""

from __future__ import annotations

import argparse
import collections
from typing import Any

import torch
from array_api_compat import array_namespace
from torch.profiler import ProfilerActivity, profile

from scatterwave import Scattering1D, TimeFrequencyScattering1D
from scatterwave.core.capabilities import _record

#: Operators that move no data (views, allocations, metadata); left out of the count.
NOT_COMPUTE = frozenset(
    f"aten::{name}"
    for name in (
        "view as_strided slice select reshape empty unsqueeze view_as_real view_as_complex "
        "expand permute transpose t _reshape_alias empty_strided empty_like alias detach squeeze "
        "unbind split narrow resolve_conj resolve_neg _unsafe_view lift_fresh to result_type "
        "contiguous clone flatten sum_to_size resize_ as_strided_ real imag conj _conj _neg_view "
        "new_empty new_empty_strided mT mH adjoint movedim moveaxis unflatten swapaxes swapdims "
        "diagonal view_as numpy_T matrix_H lift"
    ).split()
)


#: Operators that launch a kernel of their own besides the compute operators they call:
#: complex ``abs`` computes a complex result, then copies its real part (``copy_``).
OWN_KERNEL = frozenset({"aten::abs"})


def compute_ops(prof: Any) -> collections.Counter:
    """Leaf compute operators of a profile: ``aten`` operators that call no other compute
    operator (views and allocations do not count as calls).

    An FFT counts once, as itself: on the CPU it calls copies and resizes of its own, which
    a GPU's cuFFT does not launch as separate operators.
    """

    def inside_fft(e: Any) -> bool:
        parent = e.cpu_parent
        while parent is not None:
            if parent.name.startswith("aten::_fft_"):
                return True
            parent = parent.cpu_parent
        return False

    def compute(e: Any) -> bool:
        return e.name.startswith("aten::") and e.name not in NOT_COMPUTE

    def calls_compute(e: Any) -> bool:  # through views too (a matmul's mm under a reshape)
        return any(compute(c) or calls_compute(c) for c in e.cpu_children)

    counts: collections.Counter = collections.Counter()
    for e in prof.events():
        if not compute(e) or inside_fft(e):
            continue
        if e.name.startswith("aten::_fft_") or not calls_compute(e):
            counts[e.name] += 1
        elif e.name in OWN_KERNEL and all(c.name != e.name for c in e.cpu_children):
            counts[e.name] += 1  # the innermost one (``abs`` calls ``abs.out``)
    return counts


def call(S: Any, x: torch.Tensor, path: str) -> Any:
    """One call of ``S`` on ``x`` through ``path`` ("cpu" or the emulated "cuda")."""
    if path == "cpu":
        return S(x)
    caps = _record("torch", "cuda", False, False)
    xp = array_namespace(x)
    N = S.check(x, xp, caps)
    return S.compute(x, xp, S.buffers(N, x, xp=xp, caps=caps), caps, chunk=x.shape[0])


def total(y: Any) -> torch.Tensor:
    return sum(v.sum() for v in y.values()) if isinstance(y, dict) else y.sum()


def count(S: Any, x: torch.Tensor, path: str, backward: bool) -> collections.Counter:
    """Compute operators of one forward (``torch.no_grad``) or forward+backward call."""
    total(call(S, x.detach().requires_grad_(), path)).backward()  # warm: plans, buffers
    if backward:
        xg = x.detach().requires_grad_()
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            total(call(S, xg, path)).backward()
    else:
        with torch.no_grad(), profile(activities=[ProfilerActivity.CPU]) as prof:
            call(S, x, path)
    return compute_ops(prof)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--N", type=int, default=2**13)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--paths", nargs="+", default=["cpu", "cuda"], choices=["cpu", "cuda"])
    p.add_argument("--top", type=int, default=0, help="also list the N most frequent operators")
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    transforms = {
        "Scattering1D J=8 Q=8": Scattering1D(args.N, J=8, Q=8),
        "JTFS J=8 Q=(8,1) J_fr=3 F=8": TimeFrequencyScattering1D(
            args.N, J=8, Q=(8, 1), J_fr=3, F=8
        ),
    }
    x = torch.randn(args.batch, args.N, generator=torch.Generator().manual_seed(0))
    print(f"N={args.N}, batch {args.batch}, float32; compute operators per call\n")
    print("| transform | path | forward | forward+backward |\n| --- | --- | --: | --: |")
    for name, S in transforms.items():
        for path in args.paths:
            fwd, both = count(S, x, path, False), count(S, x, path, True)
            print(f"| {name} | {path} | {sum(fwd.values())} | {sum(both.values())} |")
            if args.top:
                print(f"|  | forward+backward: {both.most_common(args.top)} | | |")


if __name__ == "__main__":
    main()
