"""Computing one chunk of items: read its segments, run the transform.

This is the unit of work shipped to local worker processes and Dask workers. Tasks are
plain picklable data; each worker process builds the transform once per specification
and keeps it (:func:`run_task`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scatterwave.extract.audio import AudioError, AudioInfo, read_segment

__all__ = [
    "CannotStart",
    "ChunkResult",
    "ChunkTask",
    "TransformSpec",
    "check_cuda",
    "compute_chunk",
    "make_transform",
    "output_shape",
    "run_task",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TransformSpec:
    """Everything needed to build the transform: options, input length and device.

    Attributes
    ----------
    transform : {"scattering", "jtfs"}
    params : dict
        ``J``, ``Q``, ``T`` and, for JTFS, ``J_fr`` and ``F`` (``None`` = default).
    n_samples : int
        Input length ``N``.
    device : {"cpu", "cuda"}
    """

    transform: str
    params: dict[str, Any]
    n_samples: int
    device: str

    def key(self) -> str:
        """Return a string identifying the specification (for caches)."""
        return json.dumps(
            [self.transform, self.params, self.n_samples, self.device], sort_keys=True
        )


@dataclass(frozen=True)
class ChunkTask:
    """Items ``first .. first + len(rows)`` of the store (one chunk).

    ``rows`` holds, per item, ``(source, channel or None, start, n_valid)``; every segment
    is ``n_samples`` long at ``sample_rate`` (zero-padded past ``n_valid``).
    """

    index: int
    first: int
    rows: list[tuple[AudioInfo, int | None, int, int]]
    sample_rate: int
    n_samples: int


@dataclass
class ChunkResult:
    """Coefficients of one chunk and the items that could not be read.

    Attributes
    ----------
    index : int
        Chunk index.
    data : ndarray, shape (n_items, n_paths, N_out), float32
        NaN rows for failed items.
    ok : ndarray, shape (n_items,), bool
    errors : dict
        Source path -> (first failing item, reason), for files that failed to decode.
    """

    index: int
    data: np.ndarray
    ok: np.ndarray
    errors: dict[str, tuple[int, str]] = field(default_factory=dict)


def make_transform(spec: TransformSpec) -> Any:
    """Build the transform described by ``spec``.

    Raises
    ------
    ValueError
        If ``spec.transform`` names no transform.
    RuntimeError
        If ``device="cuda"`` and torch cannot see a CUDA device.
    """
    if spec.device == "cuda":
        check_cuda()
    params = {k: v for k, v in spec.params.items() if v is not None}
    for name in ("J", "Q"):  # pairs travel as JSON lists
        if isinstance(params.get(name), list):
            params[name] = tuple(params[name])
    if spec.transform == "scattering":
        from scatterwave import Scattering1D

        return Scattering1D(spec.n_samples, out_type="array", **params)
    if spec.transform == "jtfs":
        from scatterwave import TimeFrequencyScattering1D

        return TimeFrequencyScattering1D(spec.n_samples, out_type="array", **params)
    raise ValueError(f"unknown transform {spec.transform!r}; use 'scattering' or 'jtfs'")


def output_shape(transform: Any, n_samples: int) -> tuple[int, int]:
    """``(n_rows, N_out)`` of ``transform`` for one input of ``n_samples`` samples.

    Uses the transform's ``output_shape`` attribute when it has one, otherwise transforms
    one silent input (once, while planning).
    """
    shape = getattr(transform, "output_shape", None)
    if shape is None:
        shape = np.asarray(transform(np.zeros((1, n_samples), dtype=np.float32))).shape[1:]
    if len(shape) != 2:
        raise ValueError(
            f"{type(transform).__name__} gives outputs of shape {tuple(shape)} per input; "
            "expected (n_rows, N_out) (out_type='array')"
        )
    return int(shape[0]), int(shape[1])


class CannotStart(RuntimeError):
    """The job cannot start on this machine or from this caller (checked before any work)."""


def check_cuda() -> None:
    """Raise :class:`CannotStart` unless torch is installed and sees a CUDA device."""
    try:
        import torch
    except ImportError as exc:
        raise CannotStart(
            "device 'cuda' needs torch: pip install 'scatterwave[torch]' (torch==2.13.0)"
        ) from exc
    if not torch.cuda.is_available():
        raise CannotStart(
            "device 'cuda' requested but torch sees no CUDA device "
            f"(torch {torch.__version__}, built with CUDA {torch.version.cuda}); "
            "use --device cpu"
        )


def compute_chunk(task: ChunkTask, transform: Any, device: str) -> ChunkResult:
    """Read the segments of ``task`` and transform them in one batch.

    Parameters
    ----------
    task : ChunkTask
    transform : callable
        Built by :func:`make_transform`; maps ``(B, N)`` to ``(B, n_paths, N_out)``.
    device : {"cpu", "cuda"}

    Returns
    -------
    result : ChunkResult
    """
    rows = task.rows
    length = task.n_samples
    batch = np.zeros((len(rows), length), dtype=np.float32)
    ok = np.ones(len(rows), dtype=bool)
    errors: dict[str, tuple[int, str]] = {}
    for i, (source, channel, start, _n_valid) in enumerate(rows):
        try:
            batch[i] = read_segment(
                source,
                start=start,
                length=length,
                target_rate=task.sample_rate,
                channel=channel,
            )
        except AudioError as exc:
            logger.warning("failed to read %s at sample %d: %s", source.path, start, exc)
            errors.setdefault(source.path, (task.first + i, str(exc)))
            ok[i] = False
    out = _apply(transform, batch, device)
    out[~ok] = np.nan
    return ChunkResult(index=task.index, data=out, ok=ok, errors=errors)


def _apply(transform: Any, batch: np.ndarray, device: str) -> np.ndarray:
    if device == "cuda":
        import torch

        with torch.no_grad():
            coeffs = transform(torch.from_numpy(batch).to("cuda"))
            return coeffs.to(dtype=torch.float32).cpu().numpy()
    return np.asarray(transform(batch), dtype=np.float32)


_CACHE: dict[str, Any] = {}


def run_task(spec: TransformSpec, task: ChunkTask) -> ChunkResult:
    """Compute ``task`` with a transform built once per worker process for ``spec``.

    This is the function submitted to process pools and Dask clusters.
    """
    key = spec.key()
    transform = _CACHE.get(key)
    if transform is None:
        _CACHE.clear()  # one job at a time per process: do not keep old filter banks
        transform = make_transform(spec)
        _CACHE[key] = transform
    return compute_chunk(task, transform, spec.device)
