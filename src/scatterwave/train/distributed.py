"""Process-group helpers for DistributedDataParallel training (``torchrun`` or local spawn).

Under ``torchrun`` the environment variables ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``,
``MASTER_ADDR`` and ``MASTER_PORT`` are set; :func:`setup` then joins the process group (NCCL
on CUDA, gloo on CPU). Without them the run is a single process and nothing is initialised.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.distributed as dist

__all__ = ["DistContext", "gather_rows", "launch_local", "setup", "teardown"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DistContext:
    """Where this process sits in a (possibly single-process) run.

    Attributes
    ----------
    rank, world_size, local_rank : int
    device : torch.device
    initialized_here : bool
        Whether :func:`setup` created the process group (and :func:`teardown` must destroy it).
    """

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    initialized_here: bool = False

    @property
    def is_main(self) -> bool:
        """True on the process that writes files and logs progress."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        """True with more than one process."""
        return self.world_size > 1

    def barrier(self) -> None:
        """Wait for every process (no-op for a single process)."""
        if self.distributed:
            dist.barrier()


def _resolve_device(spec: str, local_rank: int) -> torch.device:
    if spec == "auto":
        spec = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(spec)
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device {spec!r} requested but CUDA is not available; use 'cpu'")
        if device.index is None:
            device = torch.device("cuda", local_rank % torch.cuda.device_count())
        torch.cuda.set_device(device)
    elif device.type != "cpu":
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {spec!r}")
    return device


def setup(device: str = "auto") -> DistContext:
    """Join the process group described by the environment, if any.

    Parameters
    ----------
    device : str
        ``"auto"``, ``"cpu"``, ``"cuda"`` or ``"cuda:N"``; with ``"cuda"`` each process takes
        the GPU of its ``LOCAL_RANK``.

    Returns
    -------
    DistContext
    """
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local = int(os.environ.get("LOCAL_RANK", str(rank)))
    dev = _resolve_device(device, local)
    if world <= 1:
        return DistContext(device=dev)
    if dist.is_initialized():
        return DistContext(rank, world, local, dev, initialized_here=False)
    backend = "nccl" if dev.type == "cuda" else "gloo"
    dist.init_process_group(backend=backend, rank=rank, world_size=world)
    logger.info("process group: rank %d of %d, backend %s, device %s", rank, world, backend, dev)
    return DistContext(rank, world, local, dev, initialized_here=True)


def teardown(ctx: DistContext) -> None:
    """Destroy the process group if :func:`setup` created it.

    All ranks meet at a barrier first: a rank that destroys the group while another still
    talks to it (gloo) can abort the other at exit ("terminate called without an active
    exception", seen intermittently in tests/train/test_train_distributed.py).
    """
    if ctx.initialized_here and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def gather_rows(local: torch.Tensor, n_total: int, ctx: DistContext) -> torch.Tensor:
    """Reassemble rows sharded round-robin (row ``i`` on rank ``i % world_size``).

    Parameters
    ----------
    local : Tensor, shape (n_local, ...)
        This rank's rows ``rank, rank + world_size, ...``.
    n_total : int
        Total number of rows.
    ctx : DistContext

    Returns
    -------
    Tensor, shape (n_total, ...)
        All rows in their original order, on every rank.
    """
    if not ctx.distributed:
        return local
    per_rank = -(-n_total // ctx.world_size)
    padded = local.new_zeros((per_rank, *local.shape[1:]))
    padded[: len(local)] = local
    parts = [torch.empty_like(padded) for _ in range(ctx.world_size)]
    dist.all_gather(parts, padded)
    # parts[r][k] is global row k * world_size + r.
    return torch.stack(parts, dim=1).reshape(-1, *local.shape[1:])[:n_total]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _worker(rank: int, world: int, port: int, fn: Any, args: tuple, kwargs: dict) -> None:
    os.environ.update(
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT=str(port),
        RANK=str(rank),
        LOCAL_RANK=str(rank),
        WORLD_SIZE=str(world),
    )
    fn(*args, **kwargs)


def launch_local(fn: Any, nprocs: int, *args: Any, **kwargs: Any) -> None:
    """Run ``fn(*args, **kwargs)`` in ``nprocs`` spawned processes forming one process group.

    A single-machine alternative to ``torchrun --nproc_per_node``: each process gets the
    ``RANK``/``WORLD_SIZE`` environment that :func:`setup` reads. ``fn`` and its arguments must
    be picklable (defined at module level).

    Parameters
    ----------
    fn : callable
        Typically :func:`scatterwave.train.fit`.
    nprocs : int
        Number of processes (>= 1).
    *args, **kwargs
        Passed to ``fn`` in every process.
    """
    if nprocs < 1:
        raise ValueError(f"nprocs must be >= 1, got {nprocs}")
    import torch.multiprocessing as mp

    port = _free_port()
    mp.spawn(_worker, args=(nprocs, port, fn, args, kwargs), nprocs=nprocs, join=True)
