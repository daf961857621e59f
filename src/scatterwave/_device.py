"""Where an input lives, and how much working memory a transform may take there.

The transforms split a batch into chunks whose estimated peak working memory fits a budget.
With ``memory_budget_mb=None`` (the default) the budget follows the device of the input:

* **CPU** (NumPy, PyTorch, JAX, CuPy-free array-API libraries): :data:`CPU_BUDGET_MB` (32 MiB).
  Chunks that fit the processor's caches were measured fastest there (``benchmarks/README.md``).
* **Accelerators** (CUDA through PyTorch, CuPy or JAX, and any other non-CPU device):
  :data:`ACCELERATOR_FRACTION` of the memory the device can still hand out, queried on every
  call (PyTorch ``torch.cuda.mem_get_info`` plus the memory its caching allocator holds but
  does not use; CuPy ``Device.mem_info`` plus its pool's free bytes; JAX
  ``Device.memory_stats()``). Large chunks mean few kernel launches, which is what an
  accelerator is fast at. Where the device cannot be queried (other PyTorch devices, JAX
  platforms without memory statistics) the budget is :data:`ACCELERATOR_FALLBACK_MB`.

An explicit ``memory_budget_mb`` always wins.

A chunk holds at least one signal. When one signal alone is estimated to need more than
:data:`OVERCOMMIT` times the memory its device can still give (host: ``MemAvailable`` of
``/proc/meminfo``), the call raises a ``MemoryError`` that says so before allocating,
instead of running into the operating system's out-of-memory killer or a failed device
allocation halfway. The estimates bound the measured peaks with a margin (up to about 1.6x
for JTFS), hence the factor.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import scatterwave.core.capabilities as _capabilities
from scatterwave.core.capabilities import device_kind as device_kind  # (re-exported)
from scatterwave.core.capabilities import library_of

if TYPE_CHECKING:
    from scatterwave.core.capabilities import Capabilities

logger = logging.getLogger(__name__)

#: Default budget on a CPU, in MiB: chunks that fit the caches (measured fastest on CPUs).
CPU_BUDGET_MB = 32.0
#: Share of an accelerator's available memory that a transform's working memory may take.
ACCELERATOR_FRACTION = 0.5
#: Budget on an accelerator whose free memory cannot be queried, in MiB.
ACCELERATOR_FALLBACK_MB = 2048.0
#: One signal whose estimated working memory exceeds this many times what its device has
#: left is refused with a MemoryError (the estimates bound the peaks with a margin).
OVERCOMMIT = 2.0

Array = Any


def available_bytes(x: Array) -> int | None:
    """Bytes the device holding ``x`` can still give a computation, or None if unknown."""
    lib = library_of(x)
    try:
        if lib == "torch":
            import torch

            if x.device.type != "cuda":
                return None
            free, _ = torch.cuda.mem_get_info(x.device)
            cached = torch.cuda.memory_reserved(x.device) - torch.cuda.memory_allocated(x.device)
            return int(free + max(cached, 0))
        if lib == "cupy":
            import cupy

            free, _ = cupy.cuda.Device(x.device.id).mem_info
            return int(free + cupy.get_default_memory_pool().free_bytes())
        if lib == "jax":
            stats = _capabilities.jax_device(x).memory_stats()
            if not stats or "bytes_limit" not in stats:
                return None
            return int(stats["bytes_limit"] - stats.get("bytes_in_use", 0))
    except (RuntimeError, AttributeError, ImportError) as err:  # a driver or API that says no
        logger.debug("device memory query failed for %s: %s", lib, err)
    return None


def default_budget_bytes(x: Array, caps: Capabilities | None = None) -> int:
    """Return the working-memory budget for a batch like ``x`` when the user gave none.

    ``caps`` is the capabilities record of ``x`` (default: the device is read from ``x``).
    TensorFlow takes the CPU budget on every device: its chunks are fixed when the graph is
    traced, and the graph is reused whatever memory is free later.
    """
    if caps is None:
        on_cpu = device_kind(x) == "cpu"
    else:
        on_cpu = caps.on_cpu or caps.library == "tensorflow"
    if on_cpu:
        return int(CPU_BUDGET_MB * 2**20)
    free = available_bytes(x)
    if free is None:
        return int(ACCELERATOR_FALLBACK_MB * 2**20)
    return max(int(ACCELERATOR_FRACTION * free), int(CPU_BUDGET_MB * 2**20))


def chunk_size(
    per_signal_bytes: int,
    x: Array,
    memory_budget_mb: float | None,
    caps: Capabilities | None = None,
) -> int:
    """Signals per chunk: the budget over the estimated peak bytes of one signal (at least 1).

    ``caps``: the capabilities record of ``x`` (see :func:`default_budget_bytes`).
    """
    if memory_budget_mb is None:
        budget = default_budget_bytes(x, caps)
    else:
        budget = int(float(memory_budget_mb) * 2**20)
    if per_signal_bytes > budget:  # one signal per chunk: does even that fit?
        _check_one_signal_fits(int(per_signal_bytes), x)
    return max(1, budget // max(int(per_signal_bytes), 1))


def host_available_bytes() -> int | None:
    """``MemAvailable`` of ``/proc/meminfo`` in bytes, or None where it cannot be read."""
    try:
        with open("/proc/meminfo", encoding="ascii") as info:
            for line in info:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _check_one_signal_fits(per_signal_bytes: int, x: Array) -> None:
    kind = device_kind(x)
    free = host_available_bytes() if kind == "cpu" else available_bytes(x)
    if free is None or per_signal_bytes <= OVERCOMMIT * free:
        return
    where = "in this machine's memory" if kind == "cpu" else f"on the {kind} device"
    raise MemoryError(
        f"one signal of this transform needs an estimated {per_signal_bytes / 2**30:.1f} GiB "
        f"of working memory, more than {OVERCOMMIT:g} times the {free / 2**30:.1f} GiB "
        f"available {where}; reduce what sets its size (N, Q, oversampling, "
        "max_pad_factor; for JTFS also J_fr, Q_fr, oversampling_fr, max_pad_factor_fr, and "
        "pad_mode_fr='zero' rather than a reflection)"
    )
